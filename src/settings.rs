//! The settings of `serve` (and the database settings every command shares), from flags,
//! environment variables and a TOML file, in one precedence: flag > environment > file >
//! default. Clap reads the first two; the file holds the same names (each flag's, `_` for `-`);
//! `Settings::resolve` layers them and fills in defaults, and `Config` is built from the result.
//! `config check` prints the result, secrets masked.

use std::path::Path;
use std::time::Duration;

use clap::Args;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::{Config, DEFAULT_DATABASE_URL};
use crate::domain::phones::PhoneFormat;
use crate::telemetry::LogFormat;

/// Where the database is and how many connections to it: every command takes these.
#[derive(Debug, Args, Clone, Default, Serialize, Deserialize)]
pub struct DatabaseArgs {
    /// `sqlite://path`, a bare file path, or `postgres://user@host/db` [default: sqlite://contacts.db].
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Connections in the pool (default: two per core). More only queue for the same cores:
    /// at a million contacts on 2 cores, 4 served reads 40% faster than 16.
    #[arg(long, env = "CONTACTS_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// Seconds to wait for a database connection before answering 503 (or failing to start)
    /// [default: 5].
    #[arg(long, env = "CONTACTS_DB_TIMEOUT_SECS")]
    pub db_timeout_secs: Option<u64>,
}

/// Everything `serve` takes. Each field is a flag, an environment variable and a key of the
/// config file; unset ones get the default named in their help.
#[derive(Debug, Args, Clone, Default, Serialize, Deserialize)]
pub struct ServeArgs {
    /// The address to listen on [default: 127.0.0.1:3000].
    #[arg(long, env = "CONTACTS_BIND")]
    pub bind: Option<String>,
    #[command(flatten)]
    #[serde(flatten)]
    pub db: DatabaseArgs,
    /// Largest request body accepted, in bytes [default: 1048576].
    #[arg(long, env = "CONTACTS_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "CONTACTS_WORKERS")]
    pub workers: Option<usize>,
    /// Largest uploaded file (an avatar), in bytes [default: 2097152].
    #[arg(long, env = "CONTACTS_MAX_FILE_BYTES")]
    pub max_file_bytes: Option<usize>,
    /// Refuse users' API keys in public form posts; only web-form keys may post.
    #[arg(long, env = "CONTACTS_FORMS_REFUSE_USER_KEYS")]
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forms_refuse_user_keys: bool,
    /// Form posts one client address may make per minute (0: no limit) [default: 20].
    #[arg(long, env = "CONTACTS_FORMS_PER_IP_PER_MINUTE")]
    pub forms_per_ip_per_minute: Option<u32>,
    /// Posts one web form may take per minute (0: no limit) [default: 600].
    #[arg(long, env = "CONTACTS_FORMS_PER_FORM_PER_MINUTE")]
    pub forms_per_form_per_minute: Option<u32>,
    /// How long one request's SQL may run before it is stopped and answered 503 (0: no
    /// limit). A request whose client has gone is stopped at once [default: 10].
    #[arg(long, env = "CONTACTS_STATEMENT_TIMEOUT_SECS")]
    pub statement_timeout_secs: Option<u64>,
    /// The longest a request body may take to arrive in full, in seconds (besides the
    /// 30 s allowed between two of its chunks) [default: 60].
    #[arg(long, env = "CONTACTS_BODY_TIMEOUT_SECS")]
    pub body_timeout_secs: Option<u64>,
    /// Failed password sign-ins of one login within 15 minutes that lock it out for a while
    /// (429; 0: no limit) [default: 5].
    #[arg(long, env = "CONTACTS_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<u32>,
    /// Failed password sign-ins from one client address within 15 minutes that lock it out
    /// (0: no limit) [default: 20].
    #[arg(long, env = "CONTACTS_LOGIN_MAX_FAILURES_PER_ADDRESS")]
    pub login_max_failures_per_address: Option<u32>,
    /// The first lockout, in seconds; each next one doubles, up to 15 minutes [default: 60].
    #[arg(long, env = "CONTACTS_LOGIN_LOCKOUT_SECS")]
    pub login_lockout_secs: Option<u64>,
    /// Log lines as text or as one JSON object each [default: text].
    #[arg(long, env = "CONTACTS_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Require `Authorization: Bearer <token>` for /metrics (instead of an admin's credentials).
    #[arg(long, env = "CONTACTS_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// Serve /metrics on this ADDR:PORT alone, and not on the main listener.
    #[arg(long, env = "CONTACTS_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// On SIGTERM, how long requests in flight may take to finish before the server stops
    /// anyway, in seconds [default: 30].
    #[arg(long, env = "CONTACTS_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Reads (GET) one caller may make per rate-limit window (0: no limit) [default: 0].
    #[arg(long, env = "CONTACTS_RATE_LIMIT_READS")]
    pub rate_limit_reads: Option<u32>,
    /// Writes (POST, PUT, PATCH, DELETE) per caller per window (0: no limit) [default: 0].
    #[arg(long, env = "CONTACTS_RATE_LIMIT_WRITES")]
    pub rate_limit_writes: Option<u32>,
    /// CSV and vCard exports per caller per window (0: no limit) [default: 0].
    #[arg(long, env = "CONTACTS_RATE_LIMIT_EXPORTS")]
    pub rate_limit_exports: Option<u32>,
    /// Searches (`/search`, `search=`) per caller per window (0: no limit) [default: 0].
    #[arg(long, env = "CONTACTS_RATE_LIMIT_SEARCH")]
    pub rate_limit_search: Option<u32>,
    /// The rate-limit window, in seconds; windows begin at multiples of it since the epoch
    /// [default: 60].
    #[arg(long, env = "CONTACTS_RATE_LIMIT_WINDOW_SECS")]
    pub rate_limit_window_secs: Option<u64>,
    /// Admins' requests are neither counted nor refused by the rate limits.
    #[arg(long, env = "CONTACTS_RATE_LIMIT_EXEMPT_ADMINS")]
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rate_limit_exempt_admins: bool,
    /// How contacts' phone numbers are kept: `as-sent` (Redmine's way) or `e164`
    /// (`+15550102030`; a number without `+` or `00` and its country code is a 422)
    /// [default: as-sent].
    #[arg(long, env = "CONTACTS_PHONE_FORMAT", value_parser = ["as-sent", "e164"])]
    pub phone_format: Option<String>,
    /// Let webhooks point at loopback, link-local and private addresses (tests, intranets).
    #[arg(long, env = "CONTACTS_WEBHOOKS_ALLOW_PRIVATE")]
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub webhooks_allow_private: bool,
    /// The webhook retry clock, in milliseconds: the first retry waits this long, each next one
    /// twice as long up to 120 times it, and a delivery is given up 2880 times it after it was
    /// queued (30 s, 1 h and 24 h by default; tests make it a few milliseconds) [default: 30000].
    #[arg(long, env = "CONTACTS_WEBHOOKS_RETRY_BASE_MS")]
    pub webhooks_retry_base_ms: Option<u64>,
    /// How long a webhook receiver has to answer, in milliseconds [default: 10000].
    #[arg(long, env = "CONTACTS_WEBHOOKS_TIMEOUT_MS")]
    pub webhooks_timeout_ms: Option<u64>,
}

/// What a masked secret is shown as.
const MASK: &str = "********";

/// `serve`'s statement time limit unless told otherwise (jobs run without one).
const SERVE_STATEMENT_TIMEOUT_SECS: u64 = 10;

impl DatabaseArgs {
    /// `Config`'s defaults (the pool's size, two per core, is left to it).
    fn defaults() -> DatabaseArgs {
        let config = Config::for_database(DEFAULT_DATABASE_URL);
        DatabaseArgs {
            database_url: Some(config.db.url),
            db_pool_size: None,
            db_timeout_secs: Some(config.db.connect_timeout.as_secs()),
        }
    }

    /// This layered over `file`, then over the defaults.
    pub fn resolve(&self, file: &ConfigFile) -> anyhow::Result<DatabaseArgs> {
        layered([table_of(&DatabaseArgs::defaults())?, file.0.clone(), table_of(self)?])
    }

    /// The configuration of a command that only needs the database.
    pub fn config(&self, file: &ConfigFile) -> anyhow::Result<Config> {
        let db = self.resolve(file)?;
        let mut config = Config::for_database(db.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL));
        if let Some(size) = db.db_pool_size {
            config.db.pool_size = size;
        }
        if let Some(secs) = db.db_timeout_secs {
            config.db.connect_timeout = Duration::from_secs(secs.max(1));
        }
        Ok(config)
    }
}

impl ServeArgs {
    /// `Config`'s defaults, in the settings' shape (`Config` holds each default once).
    fn defaults() -> ServeArgs {
        let c = Config::for_database(DEFAULT_DATABASE_URL);
        ServeArgs {
            bind: Some(c.bind),
            db: DatabaseArgs::defaults(),
            max_body_bytes: Some(c.body.max_bytes),
            workers: c.workers,
            max_file_bytes: Some(c.body.max_file_bytes),
            forms_refuse_user_keys: !c.forms.allow_user_keys,
            forms_per_ip_per_minute: Some(c.forms.per_ip_per_minute),
            forms_per_form_per_minute: Some(c.forms.per_form_per_minute),
            statement_timeout_secs: Some(SERVE_STATEMENT_TIMEOUT_SECS),
            body_timeout_secs: Some(c.body.total.as_secs()),
            login_max_failures: Some(c.logins.max_failures_per_login),
            login_max_failures_per_address: Some(c.logins.max_failures_per_address),
            login_lockout_secs: Some(c.logins.lockout.as_secs()),
            log_format: Some(c.log_format),
            metrics_token: c.metrics.token,
            metrics_bind: c.metrics.bind,
            shutdown_grace_secs: Some(c.shutdown_grace.as_secs()),
            rate_limit_reads: Some(c.api_limits.reads),
            rate_limit_writes: Some(c.api_limits.writes),
            rate_limit_exports: Some(c.api_limits.exports),
            rate_limit_search: Some(c.api_limits.search),
            rate_limit_window_secs: Some(c.api_limits.window.as_secs()),
            rate_limit_exempt_admins: c.api_limits.exempt_admins,
            phone_format: Some(c.phone_format.name().to_string()),
            webhooks_allow_private: c.webhooks.allow_private,
            webhooks_retry_base_ms: Some(c.webhooks.retry.base.as_millis() as u64),
            webhooks_timeout_ms: Some(c.webhooks.timeout.as_millis() as u64),
        }
    }

    /// Flags and environment (this) over `file` over the defaults.
    pub fn resolve(&self, file: &ConfigFile) -> anyhow::Result<ServeArgs> {
        layered([table_of(&ServeArgs::defaults())?, file.0.clone(), table_of(self)?])
    }

    /// The server's configuration from resolved settings.
    pub fn config(&self, file: &ConfigFile) -> anyhow::Result<Config> {
        // Resolved over the defaults: every setting that has one is set.
        let s = self.resolve(file)?;
        let mut config = s.db.config(&ConfigFile::default())?;
        config.bind = s.bind.unwrap_or_default();
        config.body.max_bytes = s.max_body_bytes.unwrap_or_default();
        config.body.max_file_bytes = s.max_file_bytes.unwrap_or_default();
        config.workers = s.workers;
        config.forms.allow_user_keys = !s.forms_refuse_user_keys;
        config.forms.per_ip_per_minute = s.forms_per_ip_per_minute.unwrap_or_default();
        config.forms.per_form_per_minute = s.forms_per_form_per_minute.unwrap_or_default();
        let statement_timeout = s.statement_timeout_secs.unwrap_or_default();
        config.db.statement_timeout = (statement_timeout > 0).then(|| Duration::from_secs(statement_timeout));
        config.body.total = Duration::from_secs(s.body_timeout_secs.unwrap_or_default().max(1));
        config.logins.max_failures_per_login = s.login_max_failures.unwrap_or_default();
        config.logins.max_failures_per_address = s.login_max_failures_per_address.unwrap_or_default();
        config.logins.lockout = Duration::from_secs(s.login_lockout_secs.unwrap_or_default().max(1));
        config.log_format = s.log_format.unwrap_or_default();
        config.metrics.token = s.metrics_token.filter(|t| !t.is_empty());
        config.metrics.bind = s.metrics_bind.filter(|b| !b.is_empty());
        config.shutdown_grace = Duration::from_secs(s.shutdown_grace_secs.unwrap_or_default());
        config.api_limits = crate::config::ApiLimits {
            reads: s.rate_limit_reads.unwrap_or_default(),
            writes: s.rate_limit_writes.unwrap_or_default(),
            exports: s.rate_limit_exports.unwrap_or_default(),
            search: s.rate_limit_search.unwrap_or_default(),
            window: Duration::from_secs(s.rate_limit_window_secs.unwrap_or_default().max(1)),
            exempt_admins: s.rate_limit_exempt_admins,
        };
        config.phone_format = match s.phone_format.as_deref() {
            Some("e164") => PhoneFormat::E164,
            Some("as-sent") | None => PhoneFormat::AsSent,
            Some(other) => anyhow::bail!("phone_format must be as-sent or e164, not {other}"),
        };
        config.webhooks.allow_private = s.webhooks_allow_private;
        config.webhooks.retry.base = Duration::from_millis(s.webhooks_retry_base_ms.unwrap_or_default().max(1));
        config.webhooks.timeout = Duration::from_millis(s.webhooks_timeout_ms.unwrap_or_default().max(1));
        Ok(config)
    }

    /// The resolved settings as a config file would hold them, secrets masked, and the keys
    /// left unset named in comments.
    pub fn describe(&self, file: &ConfigFile) -> anyhow::Result<String> {
        let mut s = self.resolve(file)?;
        s.db.database_url = s.db.database_url.as_deref().map(mask_url_password);
        s.metrics_token = s.metrics_token.map(|_| MASK.to_string());
        let mut out = String::from("# The effective configuration: flag > environment > config file > default.\n");
        out.push_str(&toml::to_string(&s)?);
        let shown = table_of(&s)?;
        for key in setting_names() {
            if !shown.contains_key(&key) {
                out.push_str(&format!("# {key} is not set\n"));
            }
        }
        Ok(out)
    }
}

/// Every setting's name: the flags' ids (their long names with `_`).
fn setting_names() -> Vec<String> {
    ServeArgs::augment_args(clap::Command::new("serve"))
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .filter(|id| id != "help")
        .collect()
}

/// `postgres://user:secret@host/db` → `postgres://user:********@host/db`, and a `password=`
/// parameter likewise.
pub fn mask_url_password(url: &str) -> String {
    let mut masked = url.to_string();
    if let Some(scheme_end) = masked.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = masked[rest_start..].find('/').map_or(masked.len(), |i| rest_start + i);
        if let Some(at) = masked[rest_start..authority_end].rfind('@').map(|i| rest_start + i) {
            if let Some(colon) = masked[rest_start..at].find(':').map(|i| rest_start + i) {
                masked.replace_range(colon + 1..at, MASK);
            }
        }
    }
    if let Some(start) = masked.find("password=").map(|i| i + "password=".len()) {
        let end = masked[start..].find(['&', ' ']).map_or(masked.len(), |i| start + i);
        masked.replace_range(start..end, MASK);
    }
    masked
}

/// The settings of a config file, checked to name only known settings.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile(toml::Table);

impl ConfigFile {
    /// Reads `path` (none: an empty file).
    pub fn load(path: Option<&Path>) -> anyhow::Result<ConfigFile> {
        let Some(path) = path else { return Ok(ConfigFile::default()) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the config file {}: {e}", path.display()))?;
        let table: toml::Table =
            text.parse().map_err(|e| anyhow::anyhow!("the config file {} is not valid TOML: {e}", path.display()))?;
        let known = setting_names();
        let unknown: Vec<&str> = table.keys().filter(|k| !known.contains(k)).map(String::as_str).collect();
        if !unknown.is_empty() {
            anyhow::bail!(
                "the config file {} has unknown settings: {} (its keys are serve's option names, `_` for `-`)",
                path.display(),
                unknown.join(", ")
            );
        }
        // Each value's type is checked now, not when a command first needs it.
        layered::<ServeArgs, 1>([table.clone()])
            .map_err(|e| anyhow::anyhow!("the config file {}: {e}", path.display()))?;
        Ok(ConfigFile(table))
    }
}

/// Settings as a table of the config file's shape (unset ones absent).
fn table_of<T: Serialize>(settings: &T) -> anyhow::Result<toml::Table> {
    match toml::Value::try_from(settings)? {
        toml::Value::Table(table) => Ok(table),
        _ => anyhow::bail!("settings are a table"),
    }
}

/// The layers' settings, each over the ones before it.
fn layered<T: DeserializeOwned, const N: usize>(layers: [toml::Table; N]) -> anyhow::Result<T> {
    let mut merged = toml::Table::new();
    for layer in layers {
        merged.extend(layer);
    }
    Ok(merged.try_into()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_masked() {
        assert_eq!(mask_url_password("postgres://app:s3cr@t@db/x"), "postgres://app:********@db/x");
        assert_eq!(
            mask_url_password("postgres://app@db/x?password=abc&sslmode=require"),
            "postgres://app@db/x?password=********&sslmode=require"
        );
        assert_eq!(mask_url_password("postgres://db/x"), "postgres://db/x");
        assert_eq!(mask_url_password("sqlite:///var/lib/a:b@c.db"), "sqlite:///var/lib/a:b@c.db");
    }

    #[test]
    fn every_command_takes_the_database_from_the_file_unless_told_otherwise() {
        let file = ConfigFile("database_url = \"postgres://db/from_file\"\ndb_timeout_secs = 9\n".parse().unwrap());
        let config = DatabaseArgs::default().config(&file).unwrap();
        assert_eq!((config.db.url.as_str(), config.db.connect_timeout.as_secs()), ("postgres://db/from_file", 9));
        let given = DatabaseArgs { database_url: Some("sqlite://given.db".into()), ..DatabaseArgs::default() };
        let config = given.config(&file).unwrap();
        assert_eq!((config.db.url.as_str(), config.db.connect_timeout.as_secs()), ("sqlite://given.db", 9));
        let config = DatabaseArgs::default().config(&ConfigFile::default()).unwrap();
        assert_eq!((config.db.url.as_str(), config.db.connect_timeout.as_secs()), (DEFAULT_DATABASE_URL, 5));
    }
}
