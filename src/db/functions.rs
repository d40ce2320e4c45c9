//! SQL functions the queries call beyond what both backends share: declared for diesel here;
//! on PostgreSQL defined by migrations, on SQLite written in Rust and registered on every new
//! connection (`register_on_sqlite`).

use diesel::QueryResult;

diesel::define_sql_function! {
    /// SQL `lower()`: ASCII letters only on SQLite, and on PostgreSQL for the columns declared
    /// COLLATE "C" (names, tags), so that sorting and the tag index agree on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// Every letter lower-cased, the same on both backends: Rust's `str::to_lowercase`
    /// registered on SQLite connections, a SQL function over `lower()` on PostgreSQL (migration
    /// `unicode_lower`). For text compared without regard to case whatever its letters.
    fn unicode_lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `coalesce()` for optional text: sorting on it puts blanks first on both backends
    /// (SQLite and PostgreSQL disagree on where NULLs sort).
    fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Text>, y: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// Whether two comma-separated id lists (as `contacts.project_ids` holds them) share an id.
    /// One call per row in place of a correlated subquery on the link table: on PostgreSQL a
    /// SQL function of migration 9, on SQLite `shares_project_ids`, registered on every
    /// connection.
    fn shares_project(project_ids: diesel::sql_types::Text, wanted: diesel::sql_types::Text) -> diesel::sql_types::Bool;
}

/// `shares_project`'s rule in Rust (SQLite's function; the tallies' sets decided once per set):
/// does `ids` name one of `wanted`'s ids? Both are short (a contact's projects, a reader's
/// projects), so a nested walk beats building a set.
pub fn shares_project_ids(ids: &str, wanted: &str) -> bool {
    !ids.is_empty() && ids.split(',').any(|id| wanted.split(',').any(|w| w == id))
}

/// Defines the functions SQLite lacks on a new connection.
pub(super) fn register_on_sqlite(conn: &mut diesel::SqliteConnection) -> QueryResult<()> {
    shares_project_utils::register_impl(conn, |ids: String, wanted: String| shares_project_ids(&ids, &wanted))?;
    unicode_lower_utils::register_impl(conn, |text: String| text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::shares_project_ids;

    #[test]
    fn id_lists_share_an_id_only_when_one_is_in_both() {
        assert!(shares_project_ids("3", "1,3,4"));
        assert!(shares_project_ids("2,11", "11"));
        assert!(!shares_project_ids("11", "1"));
        assert!(!shares_project_ids("1", "11,21"));
        assert!(!shares_project_ids("", "1"));
        assert!(!shares_project_ids("1", ""));
    }
}
