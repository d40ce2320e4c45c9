//! HTTP handlers, one file per resource, and the HTTP middleware beside them (`conditional`:
//! ETags and 304s, `client_gone`, `rate_limit`). A handler takes typed inputs, runs a domain use
//! case in `Db::run`, and returns a `Reply`; it builds no query. Not yet everywhere: `users` and
//! `web_forms` call `store` directly, and `intake` and `exports` look at the format (see
//! ARCHITECTURE.md).

pub mod attachments;
pub mod client_gone;
pub mod conditional;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod exports;
pub mod input;
pub mod intake;
pub mod issues;
pub mod list_params;
pub mod notes;
pub mod projects;
pub mod queries;
pub mod rate_limit;
pub mod search;
pub mod state;
pub mod tags;
pub mod users;
pub mod web_forms;
