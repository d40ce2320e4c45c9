//! The command line: `serve`, `migrate`, `user create`.

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, DEFAULT_BIND, DEFAULT_DATABASE_URL};
use crate::db::Db;
use crate::domain::users::{self, UserInput};

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
    /// Connections in the pool.
    #[arg(long, env = "CONTACTS_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
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
    },
    /// Create or update the database schema.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
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
    config.db.pool_size = db.db_pool_size;
    config
}

fn open(config: &Config) -> anyhow::Result<Db> {
    Db::open(&config.db)
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind, db, max_body_bytes, workers } => {
            let mut config = config(&db);
            config.bind = bind;
            config.body.max_bytes = max_body_bytes;
            config.workers = workers;
            serve(config)
        }
        Command::Migrate { db } => {
            let db = open(&config(&db))?;
            let applied = db.migrate()?;
            println!("database is up to date ({applied} migrations applied now)");
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
            let user = db.run_blocking(|conn| users::create(conn, input)).map_err(|e| match e {
                crate::error::Error::Invalid(messages) => anyhow::anyhow!(messages.join("; ")),
                other => anyhow::anyhow!(other),
            })?;
            println!("created user {} (id {})", user.login, user.id);
            println!("{}", user.api_key);
            Ok(())
        }
    }
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
