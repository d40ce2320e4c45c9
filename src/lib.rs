//! contacts-server: the Redmine CRM (contacts plugin) REST API as a standalone server.
//!
//! Layers, outermost first: `app` (routes) → `api` (handlers) → `domain` (rules) → `store`
//! (queries) → `db` (connections). `format` reads and writes the wire; `views` turn domain
//! values into response trees; `auth` tells who is calling; `jobs` are the command line's bulk
//! writes; `webhooks` is the webhook delivery worker. ARCHITECTURE.md has which may call which, and where the code does not yet keep to it.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod format;
pub mod jobs;
pub mod openapi;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod views;
pub mod webhooks;
