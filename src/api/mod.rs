//! HTTP handlers, one file per resource, and what they share: `input` (request bodies into the
//! domain's typed inputs), `list_params` (query strings into paging, includes and filters),
//! `state` (what every handler reaches), and the HTTP middleware (`conditional`: ETags and
//! 304s, `client_gone`, `rate_limit`, `observe`: request ids, log lines, metrics). `probes`
//! answers load balancers and monitoring (`/health`, `/ready`, `/metrics`). A handler takes typed inputs, runs a domain use case in
//! `Db::run`, and returns a `Reply`; it builds no query. `contact_posts` and `exports` choose
//! their answer's format themselves (browser pages, files).

pub mod attachments;
pub mod client_gone;
pub mod conditional;
pub mod contact_posts;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod docs;
pub mod exports;
pub mod input;
pub mod issues;
pub mod list_params;
pub mod notes;
pub mod observe;
pub mod probes;
pub mod projects;
pub mod queries;
pub mod rate_limit;
pub mod route_table;
pub mod search;
pub mod state;
pub mod tags;
pub mod users;
pub mod web_forms;
pub mod webhooks;
