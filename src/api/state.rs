//! What every handler may reach: the database, the web forms' settings and their rate limiter,
//! and the password sign-ins' throttle and permits.

use crate::api::rate_limit::RateLimiter;
use crate::auth::Logins;
use crate::config::FormSettings;
use crate::db::Db;

pub struct AppState {
    pub db: Db,
    pub forms: FormSettings,
    pub limiter: RateLimiter,
    pub logins: Logins,
}
