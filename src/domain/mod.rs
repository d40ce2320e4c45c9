//! The rules of the CRM: who may do what, how input is read and validated (in Redmine's
//! words), and the use cases handlers call. Only `store` below knows tables.

pub mod access;
pub mod attachments;
pub mod contacts;
pub mod countries;
pub mod custom_fields;
pub mod deals;
pub mod input;
pub mod issues;
pub mod login_throttle;
pub mod memberships;
pub mod names;
pub mod notes;
pub mod paging;
pub mod permissions;
pub mod phones;
pub mod projects;
pub mod queries;
pub mod rate_limits;
pub mod syntax;
pub mod tags;
pub mod users;
pub mod visibility;
pub mod web_forms;
pub mod webhooks;
