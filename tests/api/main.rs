//! The one integration test binary: every test starts a real server on a fresh database and
//! speaks HTTP to it, in both formats.

mod auth;
mod bad_input;
mod browser;
mod cli;
mod conditional;
mod contact_projects;
mod contacts;
mod custom_fields;
mod deals;
mod exports;
mod filters;
mod import_redmine;
mod includes;
mod instances;
mod jobs;
mod listing;
mod logins;
mod migrations;
mod notes;
mod paging;
mod permissions_matrix;
mod projects;
mod queries;
mod records;
mod standard_tools;
mod statement_limits;
mod support;
mod tags;
mod users;
mod visibility;
mod web_forms;
mod webhooks;
mod wire_snapshots;
