//! Persistence: diesel queries grouped by aggregate. Nothing here knows HTTP or formats.
//!
//! Each table has one row struct with every column, in the module of its aggregate (`UserRow`,
//! `ContactRow` …; attachments' `FullAttachmentRow`, beside `AttachmentRow`, which leaves the
//! file's bytes out). `copy`, `bulk` and the command line's jobs write those. `table_rows!` declares a row and its `New…Row` (the insert without the id) from
//! one list of columns; `…Changes` (an update) is the narrower struct beside them.

/// Declares a table's row (its id, then every other column) and the new row an insert writes
/// (the same columns without the id) from one list, so the two cannot drift apart. The row is
/// what reads return and what `copy`, `bulk` and `import-redmine` write as it is (`None` is
/// NULL); in the new row `None` leaves a column to its default.
macro_rules! table_rows {
    (
        $(#[$row_doc:meta])*
        $table:ident: $row:ident, $new:ident {
            $( $(#[$field_doc:meta])* $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$row_doc])*
        #[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
        #[diesel(table_name = $table, treat_none_as_default_value = false, treat_none_as_null = true)]
        pub struct $row {
            pub id: i32,
            $( $(#[$field_doc])* pub $field: $ty, )*
        }

        #[doc = concat!("A new `", stringify!($table), "` row: what an insert writes, the id left to the database.")]
        #[derive(Debug, Clone, Insertable)]
        #[diesel(table_name = $table)]
        pub struct $new {
            $( $(#[$field_doc])* pub $field: $ty, )*
        }

        impl $new {
            /// This row as it reads once stored under `id`.
            pub fn with_id(self, id: i32) -> $row {
                $row { id, $( $field: self.$field, )* }
            }
        }
    };
}

pub mod attachments;
pub mod bulk;
pub mod contact_extras;
pub mod contacts;
pub mod copy;
pub mod custom_fields;
pub mod data_versions;
pub mod deals;
pub mod fixed;
pub mod in_ids;
pub mod issues;
pub mod list_blocks;
pub mod login_throttles;
pub mod members;
pub mod notes;
pub mod projects;
pub mod queries;
pub mod rate_limits;
pub mod tags;
pub mod users;
pub mod web_forms;
pub mod webhooks;

/// Runs `f` in one read snapshot, for reads that must agree: a page and the counts it was found
/// by (`list_blocks`), a search's total and the ids its page is read from. A write committed
/// between them would otherwise shift the page or show a row that no longer matches.
pub fn in_snapshot<T, E>(
    conn: &mut crate::db::DbConnection,
    f: impl FnOnce(&mut crate::db::DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::Connection;
    use diesel::RunQueryDsl;
    conn.transaction(|c| {
        if let crate::db::DbConnection::Postgres(pg) = c {
            // READ COMMITTED would take a new snapshot per statement.
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(pg)?;
        }
        f(c)
    })
}

/// Now, in UTC, to the second: both backends then store and render the same instant.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(0)
}
