//! What every handler may reach: the database, the web forms' settings and their rate limiter,
//! the password sign-ins' throttle and permits, and the webhooks' settings.

use crate::api::rate_limit::RateLimiter;
use crate::auth::Logins;
use crate::config::{FormSettings, WebhookSettings};
use crate::db::Db;

pub struct AppState {
    pub db: Db,
    pub forms: FormSettings,
    pub limiter: RateLimiter,
    pub logins: Logins,
    pub webhooks: WebhookSettings,
}
