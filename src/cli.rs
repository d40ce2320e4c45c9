//! The command line: `serve`, `migrate`, `copy`, `backup`, `seed`, `import`, `user create`,
//! `web-form create`, `custom-field create`, `throttle clear`, `webhook create|list|delete`.

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, DEFAULT_BIND, DEFAULT_DATABASE_URL};
use crate::db::Db;
use crate::domain::custom_fields::{self, FieldInput};
use crate::domain::login_throttle;
use crate::domain::users::{self, UserInput};
use crate::domain::web_forms::{self, WebFormInput};
use crate::domain::webhooks::{self, WebhookInput};
use crate::jobs::{self, seed::SeedPlan};

#[derive(Debug, Parser)]
#[command(name = "contacts-server", version, about = "A Redmine CRM compatible contacts server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// `sqlite://path`, a bare file path, or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Connections in the pool (default: two per core). More only queue for the same cores:
    /// at a million contacts on 2 cores, 4 served reads 40% faster than 16.
    #[arg(long, env = "CONTACTS_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// Seconds to wait for a database connection before answering 503 (or failing to start).
    #[arg(long, env = "CONTACTS_DB_TIMEOUT_SECS", default_value_t = 5)]
    pub db_timeout_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (migrating the database first).
    Serve {
        #[arg(long, env = "CONTACTS_BIND", default_value = DEFAULT_BIND)]
        bind: String,
        #[command(flatten)]
        db: DatabaseArgs,
        /// Largest request body accepted, in bytes.
        #[arg(long, env = "CONTACTS_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
        max_body_bytes: usize,
        /// HTTP worker threads (default: one per core).
        #[arg(long, env = "CONTACTS_WORKERS")]
        workers: Option<usize>,
        /// Largest uploaded file (an avatar), in bytes.
        #[arg(long, env = "CONTACTS_MAX_FILE_BYTES", default_value_t = 2 * 1024 * 1024)]
        max_file_bytes: usize,
        /// Refuse users' API keys in public form posts; only web-form keys may post.
        #[arg(long, env = "CONTACTS_FORMS_REFUSE_USER_KEYS")]
        forms_refuse_user_keys: bool,
        /// Form posts one client address may make per minute (0: no limit).
        #[arg(long, env = "CONTACTS_FORMS_PER_IP_PER_MINUTE", default_value_t = 20)]
        forms_per_ip_per_minute: u32,
        /// Posts one web form may take per minute (0: no limit).
        #[arg(long, env = "CONTACTS_FORMS_PER_FORM_PER_MINUTE", default_value_t = 600)]
        forms_per_form_per_minute: u32,
        /// How long one request's SQL may run before it is stopped and answered 503 (0: no
        /// limit). A request whose client has gone is stopped at once.
        #[arg(long, env = "CONTACTS_STATEMENT_TIMEOUT_SECS", default_value_t = 10)]
        statement_timeout_secs: u64,
        /// The longest a request body may take to arrive in full, in seconds (besides the
        /// 30 s allowed between two of its chunks).
        #[arg(long, env = "CONTACTS_BODY_TIMEOUT_SECS", default_value_t = 60)]
        body_timeout_secs: u64,
        /// Failed password sign-ins of one login within 15 minutes that lock it out for a while
        /// (429; 0: no limit).
        #[arg(long, env = "CONTACTS_LOGIN_MAX_FAILURES", default_value_t = 5)]
        login_max_failures: u32,
        /// Failed password sign-ins from one client address within 15 minutes that lock it out
        /// (0: no limit).
        #[arg(long, env = "CONTACTS_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 20)]
        login_max_failures_per_address: u32,
        /// The first lockout, in seconds; each next one doubles, up to 15 minutes.
        #[arg(long, env = "CONTACTS_LOGIN_LOCKOUT_SECS", default_value_t = 60)]
        login_lockout_secs: u64,
        #[command(flatten)]
        webhooks: WebhookArgs,
    },
    /// Create or update the database schema.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Copy every table of one database into another, empty one (e.g. SQLite to PostgreSQL).
    Copy {
        /// The database to read.
        #[arg(long)]
        from: String,
        /// The empty database to fill (created and migrated when needed).
        #[arg(long)]
        to: String,
    },
    /// Write a consistent copy of a live SQLite database to a new file.
    Backup {
        /// The file to create.
        #[arg(long)]
        to: std::path::PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fill an empty database with a deterministic, realistic address book (benchmarks, demos).
    Seed {
        #[arg(long, default_value_t = 10_000)]
        contacts: usize,
        #[arg(long, default_value_t = 10)]
        projects: usize,
        #[arg(long, default_value_t = 20)]
        users: usize,
        /// The random seed: the same seed makes the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Import contacts from a CSV with the export's columns into a project.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// The project's identifier or id.
        #[arg(long)]
        project: String,
        /// Write nothing if any row is bad (default: keep the good rows, report the bad ones).
        #[arg(long)]
        all_or_nothing: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Bring users, projects, contacts, deals and the rest over from a Redmine CRM database.
    ImportRedmine(jobs::redmine::ImportRedmineArgs),
    /// Failed sign-in counters (`--login-max-failures`).
    Throttle {
        #[command(subcommand)]
        command: ThrottleCommand,
    },
    /// Manage public web forms.
    WebForm {
        #[command(subcommand)]
        command: WebFormCommand,
    },
    /// Manage custom fields of contacts and deals.
    CustomField {
        #[command(subcommand)]
        command: CustomFieldCommand,
    },
    /// Manage webhooks.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
}

/// How `serve` delivers webhooks.
#[derive(Debug, Args, Clone)]
pub struct WebhookArgs {
    /// Let hooks point at loopback, link-local and private addresses (tests, intranets).
    #[arg(long, env = "CONTACTS_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// The retry clock, in milliseconds: the first retry waits this long, each next one twice
    /// as long up to 120 times it, and a delivery is given up 2880 times it after it was queued
    /// (30 s, 1 h and 24 h by default; tests make it a few milliseconds).
    #[arg(long, env = "CONTACTS_WEBHOOKS_RETRY_BASE_MS", default_value_t = 30_000)]
    pub webhooks_retry_base_ms: u64,
    /// How long a receiver has to answer, in milliseconds.
    #[arg(long, env = "CONTACTS_WEBHOOKS_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhooks_timeout_ms: u64,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register a global webhook (or a project's, with --project), owned by the first admin;
    /// prints its secret alone on the last line.
    Create {
        #[arg(long)]
        url: String,
        /// An event to send (contact.created, …, or *); repeat for each.
        #[arg(long = "event", required = true)]
        events: Vec<String>,
        /// The project's identifier or id.
        #[arg(long)]
        project: Option<String>,
        /// The signing secret (default: a random one).
        #[arg(long)]
        secret: Option<String>,
        /// json or xml.
        #[arg(long, default_value = "json")]
        format: String,
        /// Accept a loopback, link-local or private address.
        #[arg(long)]
        allow_private: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List every webhook: id, active, project, events, URL.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Delete a webhook and its delivery log.
    Delete {
        id: i32,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ThrottleCommand {
    /// Forget the failed sign-ins of a login and/or a client address (of everyone when
    /// neither is given), lifting their lockouts at once on every instance.
    Clear {
        /// The login (any case).
        #[arg(long)]
        login: Option<String>,
        /// The client address, as the server saw it (`127.0.0.1`, `::1`).
        #[arg(long = "ip")]
        ip: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebFormCommand {
    /// Create a web form for a project; prints its scoped key alone on the last line.
    Create {
        /// The project's identifier or id.
        #[arg(long)]
        project: String,
        #[arg(long)]
        name: String,
        /// Where a visitor is sent after a successful post.
        #[arg(long)]
        success_url: Option<String>,
        /// A site allowed to post (scheme://host[:port]); repeat for each.
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// Tags every contact from this form gets, comma-separated.
        #[arg(long)]
        tags: Option<String>,
        /// The user id new contacts are assigned to.
        #[arg(long)]
        assignee: Option<i32>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomFieldCommand {
    /// Define a field; prints its id alone on the last line.
    Create {
        #[arg(long)]
        name: String,
        /// string, text, int, float, date, bool, list or link.
        #[arg(long, default_value = "string")]
        format: String,
        /// contact or deal.
        #[arg(long = "type", default_value = "contact")]
        customized_type: String,
        /// A possible value of a list field; repeat for each.
        #[arg(long = "value")]
        possible_values: Vec<String>,
        #[arg(long)]
        required: bool,
        #[arg(long)]
        multiple: bool,
        #[arg(long)]
        searchable: bool,
        /// Offered as a list filter (`cf_<id>=`).
        #[arg(long)]
        filter: bool,
        #[arg(long)]
        default: Option<String>,
        #[arg(long)]
        regexp: Option<String>,
        #[arg(long)]
        min_length: Option<i32>,
        #[arg(long)]
        max_length: Option<i32>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints its API key alone on the last line.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        firstname: Option<String>,
        #[arg(long)]
        lastname: Option<String>,
        #[arg(long)]
        mail: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn config(db: &DatabaseArgs) -> Config {
    let mut config = Config::for_database(&db.database_url);
    if let Some(size) = db.db_pool_size {
        config.db.pool_size = size;
    }
    config.db.connect_timeout = std::time::Duration::from_secs(db.db_timeout_secs.max(1));
    config
}

fn open(config: &Config) -> anyhow::Result<Db> {
    Db::open(&config.db)
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            bind,
            db,
            max_body_bytes,
            workers,
            max_file_bytes,
            forms_refuse_user_keys,
            forms_per_ip_per_minute,
            forms_per_form_per_minute,
            statement_timeout_secs,
            body_timeout_secs,
            login_max_failures,
            login_max_failures_per_address,
            login_lockout_secs,
            webhooks,
        } => {
            let mut config = config(&db);
            config.bind = bind;
            config.body.max_bytes = max_body_bytes;
            config.body.max_file_bytes = max_file_bytes;
            config.workers = workers;
            config.forms.allow_user_keys = !forms_refuse_user_keys;
            config.forms.per_ip_per_minute = forms_per_ip_per_minute;
            config.forms.per_form_per_minute = forms_per_form_per_minute;
            config.db.statement_timeout =
                (statement_timeout_secs > 0).then(|| std::time::Duration::from_secs(statement_timeout_secs));
            config.body.total = std::time::Duration::from_secs(body_timeout_secs.max(1));
            config.logins.max_failures_per_login = login_max_failures;
            config.logins.max_failures_per_address = login_max_failures_per_address;
            config.logins.lockout = std::time::Duration::from_secs(login_lockout_secs.max(1));
            config.webhooks.allow_private = webhooks.webhooks_allow_private;
            config.webhooks.retry.base = std::time::Duration::from_millis(webhooks.webhooks_retry_base_ms.max(1));
            config.webhooks.timeout = std::time::Duration::from_millis(webhooks.webhooks_timeout_ms.max(1));
            serve(config)
        }
        Command::Migrate { db } => {
            let db = open(&config(&db))?;
            let applied = db.migrate()?;
            println!("database is up to date ({applied} migrations applied now)");
            Ok(())
        }
        Command::CustomField { command } => create_custom_field(command),
        Command::Webhook { command } => webhook(command),
        Command::Throttle { command: ThrottleCommand::Clear { login, ip, db } } => {
            let db = open(&config(&db))?;
            let cleared = db
                .run_blocking(|conn| login_throttle::clear(conn, login.as_deref(), ip.as_deref()))
                .map_err(user_error)?;
            println!("cleared {cleared} failed sign-in counters");
            Ok(())
        }
        Command::Seed { contacts, projects, users, seed, db } => {
            let db = open(&config(&db))?;
            let bar = progress_bar(contacts as u64, "contacts");
            let started = std::time::Instant::now();
            let plan = SeedPlan { contacts, projects, users, seed };
            let seeded =
                db.run_blocking(|conn| jobs::seed::seed(conn, plan, |n| bar.inc(n as u64))).map_err(user_error)?;
            bar.finish_and_clear();
            println!(
                "seeded {contacts} contacts, {projects} projects, {users} users in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            println!("user1 (Manager of the first three projects, not an admin) has the key:");
            println!("{}", seeded.member_key);
            Ok(())
        }
        Command::Import { file, project, all_or_nothing, db } => {
            let db = open(&config(&db))?;
            let reader =
                std::fs::File::open(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            // The number of rows is not known before reading them all: a running count.
            let bar = indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template("{spinner} {pos} rows imported ({per_sec})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            let started = std::time::Instant::now();
            let report = jobs::import::import(&db, std::io::BufReader::new(reader), &project, all_or_nothing, |n| {
                bar.inc(n as u64)
            })
            .map_err(user_error)?;
            bar.finish_and_clear();
            for (line, messages) in &report.refused {
                eprintln!("line {line}: {}", messages.join("; "));
            }
            if report.rolled_back {
                anyhow::bail!("{} bad rows: nothing was imported (--all-or-nothing)", report.refused.len());
            }
            println!(
                "imported {} contacts in {:.1}s; {} rows refused",
                report.imported,
                started.elapsed().as_secs_f64(),
                report.refused.len()
            );
            Ok(())
        }
        Command::WebForm {
            command: WebFormCommand::Create { project, name, success_url, origins, tags, assignee, db },
        } => {
            let db = open(&config(&db))?;
            let input = WebFormInput {
                name: Some(name),
                success_url: Some(success_url),
                allowed_origins: Some(origins.iter().map(|o| o.trim_end_matches('/').to_string()).collect()),
                default_tags: tags,
                default_assignee_id: assignee.map(Some),
            };
            let form = db.run_blocking(|conn| web_forms::create(conn, None, &project, input)).map_err(user_error)?;
            println!("created web form {:?} (id {}) for project {project}", form.name, form.id);
            println!("{}", form.form_key);
            Ok(())
        }
        Command::ImportRedmine(args) => jobs::redmine::run(args),
        Command::Copy { from, to } => copy(&from, &to),
        Command::Backup { to, db } => {
            open(&config(&db))?.backup_sqlite(&to)?;
            println!("backed up to {}", to.display());
            Ok(())
        }
        Command::User { command: UserCommand::Create { login, password, admin, firstname, lastname, mail, db } } => {
            let db = open(&config(&db))?;
            let input = UserInput {
                firstname: Some(firstname.unwrap_or_else(|| login.clone())),
                lastname,
                mail: Some(mail),
                login: Some(login),
                password: Some(password),
                admin: Some(admin),
                status: None,
            };
            let user = db.run_blocking(|conn| users::create(conn, input)).map_err(user_error)?;
            println!("created user {} (id {})", user.login, user.id);
            println!("{}", user.api_key);
            Ok(())
        }
    }
}

fn create_custom_field(command: CustomFieldCommand) -> anyhow::Result<()> {
    let CustomFieldCommand::Create {
        name,
        format,
        customized_type,
        possible_values,
        required,
        multiple,
        searchable,
        filter,
        default,
        regexp,
        min_length,
        max_length,
        db,
    } = command;
    let db = open(&config(&db))?;
    let input = FieldInput {
        name: Some(name),
        customized_type: Some(customized_type),
        field_format: Some(format),
        possible_values: Some(possible_values),
        is_required: Some(required),
        is_filter: Some(filter),
        searchable: Some(searchable),
        multiple: Some(multiple),
        default_value: Some(default),
        regexp: Some(regexp),
        min_length: Some(min_length),
        max_length: Some(max_length),
        position: None,
    };
    let field = db.run_blocking(|conn| custom_fields::create(conn, input)).map_err(user_error)?;
    println!("created {} custom field {:?} ({})", field.customized_type, field.name, field.field_format);
    println!("{}", field.id);
    Ok(())
}

fn webhook(command: WebhookCommand) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Create { url, events, project, secret, format, allow_private, db } => {
            let destination =
                actix_web::rt::System::new().block_on(crate::webhooks::client::check_destination(&url, allow_private));
            if let Err(message) = destination {
                anyhow::bail!(message);
            }
            let db = open(&config(&db))?;
            let input = WebhookInput {
                project_ref: None,
                url: Some(url),
                events: Some(events),
                secret,
                format: Some(format),
                active: Some(true),
                errors: Vec::new(),
            };
            let hook = actix_web::rt::System::new()
                .block_on(db.run(move |conn| webhooks::create_as_admin(conn, project.as_deref(), input)))
                .map_err(user_error)?;
            println!("created webhook {} for {}", hook.row.id, hook.row.url);
            println!("{}", hook.secret_shown.unwrap_or_default());
            Ok(())
        }
        WebhookCommand::List { db } => {
            let db = open(&config(&db))?;
            for hook in db.run_blocking(webhooks::list_all).map_err(user_error)? {
                let project = hook.project.as_ref().map_or("(all projects)".to_string(), |(_, name)| name.clone());
                let state = if hook.row.active { "active" } else { "off" };
                println!("{}\t{state}\t{project}\t{}\t{}", hook.row.id, hook.row.events, hook.row.url);
            }
            Ok(())
        }
        WebhookCommand::Delete { id, db } => {
            let db = open(&config(&db))?;
            actix_web::rt::System::new()
                .block_on(db.run(move |conn| webhooks::delete_as_admin(conn, id)))
                .map_err(user_error)?;
            println!("deleted webhook {id}");
            Ok(())
        }
    }
}

/// A domain error as a one-line message for the terminal.
fn user_error(e: crate::error::Error) -> anyhow::Error {
    match e {
        crate::error::Error::Invalid(messages) => anyhow::anyhow!(messages.join("; ")),
        other => anyhow::anyhow!(other),
    }
}

fn progress_bar(len: u64, unit: &str) -> indicatif::ProgressBar {
    indicatif::ProgressBar::new(len).with_style(
        indicatif::ProgressStyle::with_template(&format!(
            "[{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    )
}

fn copy(from: &str, to: &str) -> anyhow::Result<()> {
    use crate::store::copy;
    let source = open(&Config::for_database(from))?;
    let target = open(&Config::for_database(to))?;
    let mut source_conn = source.connection()?;
    let mut target_conn = target.connection()?;
    let occupied: Vec<String> = copy::table_counts(&mut target_conn)?
        .into_iter()
        .filter(|(table, n)| *n > 0 && !matches!(*table, "roles" | "deal_statuses"))
        .map(|(table, n)| format!("{n} {table}"))
        .collect();
    if !occupied.is_empty() {
        anyhow::bail!("the target database is not empty ({}); copy only into an empty database", occupied.join(", "));
    }
    let expected = copy::table_counts(&mut source_conn)?;
    let total: i64 = expected.iter().map(|(_, n)| n).sum();
    let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(0)).with_style(
        indicatif::ProgressStyle::with_template("{msg:>18} [{bar:40}] {pos}/{len} rows ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    copy::copy_all(&mut source_conn, &mut target_conn, |table, rows| {
        bar.set_message(table);
        bar.inc(rows as u64);
    })?;
    bar.finish_and_clear();
    let copied = copy::table_counts(&mut target_conn)?;
    for ((table, want), (_, got)) in expected.iter().zip(&copied) {
        if want != got {
            anyhow::bail!("verification failed: {table} has {got} rows in the target, {want} in the source");
        }
        println!("{table}: {got} rows");
    }
    println!("copied and verified {total} rows");
    Ok(())
}

fn serve(config: Config) -> anyhow::Result<()> {
    let db = open(&config)?;
    let listener = std::net::TcpListener::bind(&config.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let address = listener.local_addr()?;
    actix_web::rt::System::new().block_on(async move {
        let server = crate::app::serve(listener, db, &config)?;
        println!("contacts-server listening on http://{address}");
        server.await
    })?;
    Ok(())
}
