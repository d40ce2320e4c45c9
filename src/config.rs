//! One `Config` value, built once from the command line and environment and passed down.

use std::time::Duration;

use crate::db::DbOptions;
use crate::domain::login_throttle::ThrottlePolicy;
use crate::domain::phones::PhoneFormat;
use crate::domain::webhooks::RetryPolicy;
use crate::format::body::BodyLimits;
use crate::telemetry::LogFormat;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://contacts.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:3000";

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub db: DbOptions,
    pub body: BodyLimits,
    /// HTTP worker threads; `None` lets actix use one per core.
    pub workers: Option<usize>,
    pub forms: FormSettings,
    /// Failed sign-ins: how many lock a login or an address, and for how long.
    pub logins: ThrottlePolicy,
    /// Password checks (argon2) running at once; `None`: one per core.
    pub password_checks: Option<usize>,
    pub log_format: LogFormat,
    pub metrics: MetricsSettings,
    /// How long a stopping server (SIGTERM) lets requests in flight finish.
    pub shutdown_grace: Duration,
    pub api_limits: ApiLimits,
    /// How contacts' phone numbers are kept (`--phone-format`).
    pub phone_format: PhoneFormat,
    pub webhooks: WebhookSettings,
    /// The contacts a block of the list's counted skipping is cut to hold
    /// (`store::list_blocks`); tests make it small to have many blocks.
    pub list_block_rows: i64,
}

/// Who may read `/metrics`: with neither set, admins on the main listener.
#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    /// `Authorization: Bearer <token>` required.
    pub token: Option<String>,
    /// `ADDR:PORT` of a listener serving `/metrics` alone (and the main one then does not).
    pub bind: Option<String>,
}

/// The API's rate limits (`api::rate_limit`): requests per window in each class, per caller.
/// A class at 0 is not limited; all at 0 (the default, as a self-hosted Redmine has none)
/// turns them off.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    pub reads: u32,
    pub writes: u32,
    pub exports: u32,
    pub search: u32,
    pub window: Duration,
    /// Admins' requests are neither counted nor refused.
    pub exempt_admins: bool,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits { reads: 0, writes: 0, exports: 0, search: 0, window: Duration::from_secs(60), exempt_admins: false }
    }
}

impl ApiLimits {
    pub fn enabled(&self) -> bool {
        self.reads > 0 || self.writes > 0 || self.exports > 0 || self.search > 0
    }
}

/// How the delivery worker sends webhooks.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSettings {
    /// Whether hooks may point at loopback, link-local and private addresses (tests, intranets).
    pub allow_private: bool,
    pub retry: RetryPolicy,
    /// How long a receiver has to answer (a 2xx within it is success).
    pub timeout: Duration,
    /// How often an idle worker looks for work.
    pub poll: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private: false,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(500),
        }
    }
}

/// Rules for contacts posted from public web forms.
#[derive(Debug, Clone, Copy)]
pub struct FormSettings {
    /// Whether a user's own API key may be used in a form post (the plugin's way). Scoped
    /// web-form keys always may.
    pub allow_user_keys: bool,
    /// Form posts a client address may make per minute (0: no limit).
    pub per_ip_per_minute: u32,
    /// Posts one web form may take per minute, from everyone (0: no limit).
    pub per_form_per_minute: u32,
}

impl Default for FormSettings {
    fn default() -> Self {
        FormSettings { allow_user_keys: true, per_ip_per_minute: 20, per_form_per_minute: 600 }
    }
}

/// Two connections per core: one running while the other waits on I/O or a lock.
fn default_pool_size() -> u32 {
    std::thread::available_parallelism().map_or(4, |n| u32::try_from(n.get() * 2).unwrap_or(u32::MAX))
}

impl Config {
    /// Defaults for everything but the database.
    pub fn for_database(url: &str) -> Config {
        Config {
            bind: DEFAULT_BIND.to_string(),
            db: DbOptions {
                url: url.to_string(),
                pool_size: default_pool_size(),
                connect_timeout: Duration::from_secs(5),
                statement_timeout: None,
            },
            body: BodyLimits::default(),
            workers: None,
            forms: FormSettings::default(),
            logins: ThrottlePolicy::default(),
            password_checks: None,
            log_format: LogFormat::Text,
            metrics: MetricsSettings::default(),
            shutdown_grace: Duration::from_secs(30),
            api_limits: ApiLimits::default(),
            phone_format: PhoneFormat::AsSent,
            webhooks: WebhookSettings::default(),
            list_block_rows: crate::store::list_blocks::BLOCK_ROWS,
        }
    }
}
