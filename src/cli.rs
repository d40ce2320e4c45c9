//! The command line: `serve`, `config check`, `migrate`, `copy`, `backup`, `seed`, `import`,
//! `user create|list|passwd|key|lock|unlock`, `project create|list`, `membership add`,
//! `web-form create`, `custom-field create`, `throttle clear`, `webhook create|list|delete`.
//! Settings come from flags, the
//! environment and `--config` (see `settings`).

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::{Conn, Db};
use crate::domain::access::CurrentUser;
use crate::domain::custom_fields::{self, FieldInput};
use crate::domain::login_throttle;
use crate::domain::memberships::{self, MembershipInput};
use crate::domain::paging::Paging;
use crate::domain::projects::{self, ProjectInput};
use crate::domain::users::{self, UserInput};
use crate::domain::web_forms::{self, WebFormInput};
use crate::domain::webhooks::{self, WebhookInput};
use crate::error::Error;
use crate::jobs::{self, seed::SeedPlan};
use crate::settings::{ConfigFile, DatabaseArgs, ServeArgs};
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(name = "contacts-server", version, about = "A Redmine CRM compatible contacts server")]
pub struct Cli {
    /// A TOML file of settings: serve's option names (`_` for `-`) and values. Flags and
    /// environment variables override it.
    #[arg(long, env = "CONTACTS_CONFIG", global = true)]
    pub config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (migrating the database first).
    Serve(ServeArgs),
    /// The configuration `serve` would run with.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
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
    /// Manage projects (as the first admin, or `--as`).
    Project {
        #[command(subcommand)]
        command: ProjectCommand,
    },
    /// Manage project memberships (as the first admin, or `--as`).
    Membership {
        #[command(subcommand)]
        command: MembershipCommand,
    },
    /// Manage webhooks.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
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
pub enum ConfigCommand {
    /// Print the effective configuration (flag > environment > config file > default), secrets
    /// masked; fails on an unreadable file or an unknown setting.
    Check(ServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project; prints its id alone on the last line. The acting admin becomes its
    /// Manager, as through the API.
    Create {
        #[arg(long)]
        identifier: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// Only members see it (default: public).
        #[arg(long)]
        private: bool,
        /// The admin acting (default: the first active admin).
        #[arg(long = "as")]
        acting: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List every project.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembershipCommand {
    /// Make a user a member of a project with a role.
    Add {
        #[arg(long)]
        login: String,
        /// The project's identifier or id.
        #[arg(long)]
        project: String,
        /// The role's name (Manager, Reporter, or one of yours); repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The admin acting (default: the first active admin).
        #[arg(long = "as")]
        acting: Option<String>,
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
    /// Create a user; prints its API key alone on the last line. The password is read from
    /// stdin (or a prompt) unless given.
    Create {
        #[arg(long)]
        login: String,
        /// Visible to other users of the machine while it runs: prefer stdin.
        #[arg(long)]
        password: Option<String>,
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
    /// List users (every status): id, login, name, mail, admin, status.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Set a user's password, read from stdin (or a prompt), never from the command line.
    Passwd {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Print a user's API key, or with `--regenerate` replace it (the old one stops working).
    Key {
        #[arg(long)]
        login: String,
        #[arg(long)]
        regenerate: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Lock a user out: their key and password stop working.
    Lock {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Let a locked user in again.
    Unlock {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn open(config: &Config) -> anyhow::Result<Db> {
    Db::open(&config.db)
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let file = ConfigFile::load(cli.config.as_deref())?;
    let config = |db: &DatabaseArgs| db.config(&file);
    if !matches!(cli.command, Command::Serve(_)) {
        telemetry::init_logging(LogFormat::Text);
    }
    match cli.command {
        Command::Serve(args) => {
            let config = args.config(&file)?;
            telemetry::init_logging(config.log_format);
            serve(config)
        }
        Command::Config { command: ConfigCommand::Check(args) } => {
            // Fails as `serve` would on a value it cannot use.
            args.config(&file)?;
            print!("{}", args.describe(&file)?);
            Ok(())
        }
        Command::User { command } => user_command(command, &file),
        Command::Project { command } => project_command(command, &file),
        Command::Membership { command } => membership_command(command, &file),
        Command::Migrate { db } => {
            // Opening migrates; `migrate` then only finds what another process added meanwhile.
            let db = open(&config(&db)?)?;
            let applied = db.migrated_at_open() + db.migrate()?;
            println!("database is up to date ({applied} migrations applied now)");
            Ok(())
        }
        Command::CustomField { command } => create_custom_field(command, &file),
        Command::Webhook { command } => webhook(command, &file),
        Command::Throttle { command: ThrottleCommand::Clear { login, ip, db } } => {
            let db = open(&config(&db)?)?;
            let cleared = db
                .run_blocking(|conn| login_throttle::clear(conn, login.as_deref(), ip.as_deref()))
                .map_err(user_error)?;
            println!("cleared {cleared} failed sign-in counters");
            Ok(())
        }
        Command::Seed { contacts, projects, users, seed, db } => {
            let db = open(&config(&db)?)?;
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
            let db = open(&config(&db)?)?;
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
            let db = open(&config(&db)?)?;
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
            open(&config(&db)?)?.backup_sqlite(&to)?;
            println!("backed up to {}", to.display());
            Ok(())
        }
    }
}

fn user_command(command: UserCommand, file: &ConfigFile) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { login, password, admin, firstname, lastname, mail, db } => {
            let password = match password {
                Some(password) => password,
                None => read_password(&format!("Password for {login}: "))?,
            };
            let db = open(&db.config(file)?)?;
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
        }
        UserCommand::List { db } => {
            let db = open(&db.config(file)?)?;
            let found = db
                .run_blocking(|conn| {
                    let admin = acting_admin(conn, None)?;
                    users::list(conn, &admin, Some(None), everything())
                })
                .map_err(user_error)?;
            println!("{:>5}  {:<20} {:<30} {:<30} {:<5} status", "id", "login", "name", "mail", "admin");
            for u in found.items {
                let status = if u.status == crate::store::users::STATUS_LOCKED { "locked" } else { "active" };
                let name = format!("{} {}", u.firstname, u.lastname);
                let mail = u.mail.as_deref().unwrap_or("-");
                println!("{:>5}  {:<20} {:<30} {:<30} {:<5} {status}", u.id, u.login, name.trim(), mail, u.admin);
            }
        }
        UserCommand::Passwd { login, db } => {
            let password = read_password(&format!("New password for {login}: "))?;
            let db = open(&db.config(file)?)?;
            let input = UserInput { password: Some(password), ..UserInput::default() };
            db.run_blocking(|conn| {
                let id = users::by_login(conn, &login)?.id;
                users::update(conn, id, input)
            })
            .map_err(user_error)?;
            println!("password of {login} changed");
        }
        UserCommand::Key { login, regenerate, db } => {
            let db = open(&db.config(file)?)?;
            let key = db
                .run_blocking(|conn| {
                    let user = users::by_login(conn, &login)?;
                    match regenerate {
                        true => users::regenerate_api_key(conn, user.id),
                        false => Ok(user.api_key),
                    }
                })
                .map_err(user_error)?;
            println!("{key}");
        }
        UserCommand::Lock { login, db } => set_locked(&login, &db, file, true)?,
        UserCommand::Unlock { login, db } => set_locked(&login, &db, file, false)?,
    }
    Ok(())
}

fn set_locked(login: &str, db: &DatabaseArgs, file: &ConfigFile, locked: bool) -> anyhow::Result<()> {
    use crate::store::users::{STATUS_ACTIVE, STATUS_LOCKED};
    let db = open(&db.config(file)?)?;
    let input = UserInput { status: Some(if locked { STATUS_LOCKED } else { STATUS_ACTIVE }), ..UserInput::default() };
    db.run_blocking(|conn| {
        let id = users::by_login(conn, login)?.id;
        users::update(conn, id, input)
    })
    .map_err(user_error)?;
    println!("{login} {}", if locked { "locked" } else { "unlocked" });
    Ok(())
}

fn project_command(command: ProjectCommand, file: &ConfigFile) -> anyhow::Result<()> {
    match command {
        ProjectCommand::Create { identifier, name, description, private, acting, db } => {
            let db = open(&db.config(file)?)?;
            let input = ProjectInput {
                name: Some(name),
                identifier: Some(identifier),
                description: Some(description),
                is_public: Some(!private),
            };
            let project = run_use_case(&db, move |conn| {
                let admin = acting_admin(conn, acting.as_deref())?;
                projects::create(conn, &admin, input)
            })?;
            println!("created project {} (id {})", project.identifier, project.id);
            println!("{}", project.id);
        }
        ProjectCommand::List { db } => {
            let db = open(&db.config(file)?)?;
            let found = db
                .run_blocking(|conn| {
                    let admin = acting_admin(conn, None)?;
                    projects::list(conn, &admin, everything())
                })
                .map_err(user_error)?;
            println!("{:>5}  {:<24} {:<30} public", "id", "identifier", "name");
            for p in found.items {
                println!("{:>5}  {:<24} {:<30} {}", p.id, p.identifier, p.name, p.is_public);
            }
        }
    }
    Ok(())
}

fn membership_command(command: MembershipCommand, file: &ConfigFile) -> anyhow::Result<()> {
    let MembershipCommand::Add { login, project, roles, acting, db } = command;
    let db = open(&db.config(file)?)?;
    let (user, project) = (login.clone(), project.clone());
    let membership = run_use_case(&db, move |conn| {
        let admin = acting_admin(conn, acting.as_deref())?;
        let member = users::by_login(conn, &user)?;
        let known = users::roles(conn)?;
        let mut role_ids = Vec::new();
        for wanted in &roles {
            match known.iter().find(|r| r.name.eq_ignore_ascii_case(wanted)) {
                Some(role) => role_ids.push(role.id),
                None => {
                    let names: Vec<&str> = known.iter().map(|r| r.name.as_str()).collect();
                    return Err(Error::invalid(format!("No role {wanted:?}; roles: {}", names.join(", "))));
                }
            }
        }
        let input = MembershipInput { user_id: Some(member.id), role_ids: Some(role_ids) };
        memberships::create(conn, &admin, &project, input)
    })?;
    println!("{login} is a member of {} (membership {})", membership.project.1, membership.id);
    Ok(())
}

/// Every row of a list, in one page.
fn everything() -> Paging {
    Paging { offset: 0, limit: i64::MAX }
}

/// The admin a command acts as: the one named, or the first active admin. The domain's rules
/// apply to them as to an admin calling the API.
fn acting_admin(conn: &mut crate::db::DbConnection, login: Option<&str>) -> Result<CurrentUser, Error> {
    let user = match login {
        Some(login) => users::by_login(conn, login)?,
        None => users::first_admin(conn)?.ok_or_else(|| {
            Error::invalid("There is no active admin to act as; create one with `contacts-server user create --admin`")
        })?,
    };
    if !user.admin {
        return Err(Error::invalid(format!("{} is not an admin", user.login)));
    }
    users::current_user(conn, &user)
}

/// Runs a use case that writes through the Db's writer (`&mut Conn`), as a request would.
fn run_use_case<T: Send + 'static>(
    db: &Db,
    f: impl FnOnce(&mut Conn) -> Result<T, Error> + Send + 'static,
) -> anyhow::Result<T> {
    actix_web::rt::System::new().block_on(db.run(f)).map_err(user_error)
}

/// A password from a prompt without echo (asked twice), or the first line of stdin when it is
/// not a terminal (`echo "$PASSWORD" | contacts-server user passwd --login ann`).
fn read_password(prompt: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)?;
        if rpassword::prompt_password("Once more: ")? != first {
            anyhow::bail!("the two passwords differ; nothing was changed");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        anyhow::bail!("no password on stdin; nothing was changed");
    }
    Ok(password)
}

fn create_custom_field(command: CustomFieldCommand, file: &ConfigFile) -> anyhow::Result<()> {
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
    let db = open(&db.config(file)?)?;
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

fn webhook(command: WebhookCommand, file: &ConfigFile) -> anyhow::Result<()> {
    let config = |db: &DatabaseArgs| db.config(file);
    match command {
        WebhookCommand::Create { url, events, project, secret, format, allow_private, db } => {
            let destination =
                actix_web::rt::System::new().block_on(crate::webhooks::client::check_destination(&url, allow_private));
            if let Err(message) = destination {
                anyhow::bail!(message);
            }
            let db = open(&config(&db)?)?;
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
            let db = open(&config(&db)?)?;
            for hook in db.run_blocking(webhooks::list_all).map_err(user_error)? {
                let project = hook.project.as_ref().map_or("(all projects)".to_string(), |(_, name)| name.clone());
                let state = if hook.row.active { "active" } else { "off" };
                println!("{}\t{state}\t{project}\t{}\t{}", hook.row.id, hook.row.events, hook.row.url);
            }
            Ok(())
        }
        WebhookCommand::Delete { id, db } => {
            let db = open(&config(&db)?)?;
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
    use crate::db::SchemaState;
    use crate::store::copy;
    // The source is only ever read: opened read-only, and checked before the target is touched.
    let mut source_conn = crate::db::open_read_only(from)?;
    let from_shown = crate::settings::mask_url_password(from);
    match crate::db::schema_state(&mut source_conn)? {
        SchemaState::Current => {}
        SchemaState::NotOurs => {
            anyhow::bail!("{from_shown} is not a contacts-server database (it has no __diesel_schema_migrations table)")
        }
        SchemaState::Behind(n) => anyhow::bail!(
            "{from_shown} is a contacts-server database {n} migrations older than this binary; bring it up to date \
             with `contacts-server migrate --database-url …` first (copy never writes its source)"
        ),
        SchemaState::Newer(unknown) => anyhow::bail!(
            "{from_shown} was made by a newer contacts-server (migrations {} are unknown here); copy with that version",
            unknown.join(", ")
        ),
    }
    let target = open(&Config::for_database(to))?;
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
        if let Some(bind) = &config.metrics.bind {
            println!("metrics on http://{bind}/metrics");
        }
        // Returns once a SIGTERM's graceful stop has finished (or its grace period ran out);
        // the pool, dropped with the app, then closes its connections.
        server.await
    })?;
    tracing::info!("contacts-server stopped");
    Ok(())
}
