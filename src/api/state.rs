//! What every handler may reach: the database, the web forms' settings and their rate limiter.

use crate::api::rate_limit::RateLimiter;
use crate::config::FormSettings;
use crate::db::Db;

pub struct AppState {
    pub db: Db,
    pub forms: FormSettings,
    pub limiter: RateLimiter,
}
