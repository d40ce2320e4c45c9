//! Persistence: diesel queries grouped by aggregate. Nothing here knows HTTP or formats.
//!
//! Each table has one row struct with every column, in the module of its aggregate: the read
//! row (`UserRow`, `NoteRow` …), or `Full…Row` where the read row leaves a heavy column out
//! (contacts' and deals' `search_text`, an attachment's content). `copy`, `bulk` and the
//! command line's jobs write those; `New…Row` (an insert without the id) and `…Changes` (an
//! update) are the narrower structs beside them.

pub mod attachments;
pub mod bulk;
pub mod contact_extras;
pub mod contacts;
pub mod copy;
pub mod custom_fields;
pub mod deals;
pub mod in_ids;
pub mod issues;
pub mod login_throttles;
pub mod members;
pub mod notes;
pub mod projects;
pub mod queries;
pub mod tags;
pub mod users;
pub mod web_forms;
pub mod webhooks;

/// Now, in UTC, to the second: both backends then store and render the same instant.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(0)
}
