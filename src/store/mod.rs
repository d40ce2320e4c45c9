//! Persistence: diesel queries grouped by aggregate. Nothing here knows HTTP or formats.

pub mod attachments;
pub mod bulk;
pub mod contacts;
pub mod copy;
pub mod custom_fields;
pub mod deals;
pub mod issues;
pub mod members;
pub mod notes;
pub mod projects;
pub mod queries;
pub mod tags;
pub mod users;
pub mod web_forms;

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `coalesce()` for optional text: sorting on it puts blanks first on both backends
    /// (SQLite and PostgreSQL disagree on where NULLs sort).
    fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Text>, y: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Now, in UTC, to the second: both backends then store and render the same instant.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(0)
}
