//! What every resource's input shares: the size limits of Redmine's columns, the three states
//! of a field in an update, and the required-on-create rule. Reading a request body into these
//! typed inputs is `api::input`'s.

/// The longest text a `string` column takes, as Redmine's 255-character columns.
pub const MAX_STRING: usize = 255;
/// The longest text a `text` column takes.
pub const MAX_TEXT: usize = 65_535;

/// A field that may be absent (leave it), null/blank (clear it) or set.
pub type Patch<T> = Option<Option<T>>;

/// A create's required `field`: "cannot be blank" first among `errors` when it is not set,
/// unless a value sent for it was refused already (too long, not text), which is not blank.
pub fn require_on_create<T>(field: &Patch<T>, label: &str, errors: &mut Vec<String>) {
    let refused = errors.iter().any(|e| e.strip_prefix(label).is_some_and(|rest| rest.starts_with(' ')));
    if !matches!(field, Some(Some(_))) && !refused {
        errors.insert(0, format!("{label} cannot be blank"));
    }
}
