//! How a contact is named in answers, notes and search results.

use crate::store::contacts::ContactRow;

/// The plugin's display name: a company's name, or "First Last" for a person.
pub fn contact_name(row: &ContactRow) -> String {
    if row.is_company {
        return row.first_name.clone();
    }
    [Some(row.first_name.as_str()), row.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
}
