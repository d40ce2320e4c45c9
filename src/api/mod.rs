//! HTTP handlers, one file per resource. A handler takes typed inputs, runs one domain use case
//! in `Db::run`, and returns a `Reply`; it builds no query and never looks at the format.

pub mod attachments;
pub mod client_gone;
pub mod conditional;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod exports;
pub mod intake;
pub mod issues;
pub mod notes;
pub mod projects;
pub mod queries;
pub mod rate_limit;
pub mod search;
pub mod tags;
pub mod users;
pub mod web_forms;
