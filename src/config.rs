//! One `Config` value, built once from the command line and environment and passed down.

use std::time::Duration;

use crate::db::DbOptions;
use crate::format::body::BodyLimits;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://contacts.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:3000";

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub db: DbOptions,
    pub body: BodyLimits,
    /// HTTP worker threads; `None` lets actix use one per core.
    pub workers: Option<usize>,
}

impl Config {
    /// Defaults for everything but the database.
    pub fn for_database(url: &str) -> Config {
        Config {
            bind: DEFAULT_BIND.to_string(),
            db: DbOptions { url: url.to_string(), pool_size: 8, connect_timeout: Duration::from_secs(5) },
            body: BodyLimits::default(),
            workers: None,
        }
    }
}
