//! What every handler may reach: the database, the web forms' settings and their rate limiter,
//! the API's rate limits and their counts, how phone numbers are kept, the password sign-ins'
//! throttle and permits, and the webhooks' settings.

use crate::api::rate_limit::RateLimiter;
use crate::auth::Logins;
use crate::config::{ApiLimits, FormSettings, WebhookSettings};
use crate::db::Db;
use crate::domain::phones::PhoneFormat;

pub struct AppState {
    pub db: Db,
    pub forms: FormSettings,
    pub limiter: RateLimiter,
    pub api_limits: ApiLimits,
    pub api_limiter: RateLimiter,
    pub phone_format: PhoneFormat,
    pub logins: Logins,
    pub webhooks: WebhookSettings,
}
