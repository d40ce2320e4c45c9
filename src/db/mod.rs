//! The database: one connection type for both backends, the pool, migrations, and `Db::run`,
//! the only way handlers reach a connection (on the blocking pool, never on the async workers).
//! Each `Db` owns its SQLite writer connection, through which its `Conn`s' write transactions
//! go (`write.rs`).

pub mod functions;
mod migrations;
mod pool;
pub mod schema;
mod sqlite_memory;
mod stop;
mod write;

pub use migrations::{open_read_only, schema_state, SchemaState, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
pub use pool::{ConnectionManager, Pool, Pooled, PooledConnection, QueryCounter};
pub use stop::is_stopped;
pub use write::{write_transaction, WriteTarget};

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2;

use crate::error::Error;
use stop::{AbandonOnDrop, Run};
use write::SqliteWriter;

/// One connection type for SQLite and PostgreSQL: store code is written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    // Last, as diesel's docs advise: SQLite accepts any string as a path.
    Sqlite(diesel::SqliteConnection),
}

/// The query backend of `DbConnection`, for boxed queries and expressions.
pub type DbBackend = <DbConnection as Connection>::Backend;

/// Runs `$body` with `$c` bound to the backend's own connection: for the reads every request
/// makes (the caller, the contact shown). Through `DbConnection` diesel walks a query's whole
/// tree for each run to check and bind it, which for a row of 40 columns cost as much as
/// running it: a show served 8% more requests a second with its contact read this way.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database location: the backend and the string its driver takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    pub target: String,
}

impl DatabaseUrl {
    /// `postgres://…` / `postgresql://…` is PostgreSQL; `sqlite://path`, `sqlite:path` or a bare
    /// path is a SQLite file.
    pub fn parse(url: &str) -> DatabaseUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return DatabaseUrl { backend: Backend::Postgres, target: url.to_string() };
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        DatabaseUrl { backend: Backend::Sqlite, target: path.to_string() }
    }
}

/// What `Db::run` hands a use case: a pooled connection of one `Db`, which reads on it, and
/// that Db's writer, which `write_transaction(conn, …)` writes through (on SQLite; on
/// PostgreSQL it writes on this connection). Store code takes it as the `&mut DbConnection`
/// it derefs to.
pub struct Conn {
    pooled: PooledConnection,
    writer: Option<Arc<SqliteWriter>>,
}

impl std::ops::Deref for Conn {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.pooled
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.pooled
    }
}

/// The pool plus the facts about it the rest of the server may ask.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// SQLite: the connection every write transaction of `run` goes through (see `SqliteWriter`).
    writer: Option<Arc<SqliteWriter>>,
    backend: Backend,
    url: DatabaseUrl,
    queries: Arc<QueryCounter>,
    statement_timeout: Option<Duration>,
    /// The migrations `open` applied.
    migrated_at_open: usize,
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout: Duration,
    /// How long a request's statements may run before they are stopped and the request gets
    /// a 503 (`serve --statement-timeout-secs`); `None` for maintenance jobs.
    pub statement_timeout: Option<Duration>,
}

impl Db {
    /// Opens the pool and applies pending migrations, so a fresh database needs no set-up.
    pub fn open(options: &DbOptions) -> anyhow::Result<Db> {
        let url = DatabaseUrl::parse(&options.url);
        if url.backend == Backend::Sqlite {
            if let Some(parent) = std::path::Path::new(&url.target).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
        }
        if url.backend == Backend::Sqlite {
            sqlite_memory::use_mimalloc();
            let mut first = diesel::SqliteConnection::establish(&url.target)
                .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
            first.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        }
        let counter = Arc::new(QueryCounter::default());
        let backend = url.backend;
        let writer = match backend {
            Backend::Sqlite => {
                let manager = ConnectionManager { url: url.clone(), counter: counter.clone(), statement_timeout: None };
                let writer =
                    SqliteWriter::open(manager).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
                Some(Arc::new(writer))
            }
            Backend::Postgres => None,
        };
        let manager = ConnectionManager {
            url: url.clone(),
            counter: counter.clone(),
            statement_timeout: options.statement_timeout,
        };
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size.max(1))
            // A PostgreSQL connection can die with its server (and is then replaced); a SQLite
            // file cannot, so its connections skip the check query on every checkout.
            .test_on_check_out(backend == Backend::Postgres)
            .connection_timeout(options.connect_timeout)
            .build(manager)
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        let mut db = Db {
            pool,
            writer,
            backend,
            url,
            queries: counter,
            statement_timeout: options.statement_timeout,
            migrated_at_open: 0,
        };
        db.migrated_at_open = db.migrate()?;
        Ok(db)
    }

    /// How many migrations `open` applied (it brings every database it opens up to date).
    pub fn migrated_at_open(&self) -> usize {
        self.migrated_at_open
    }

    /// Applies the pending migrations of this backend.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get().map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
        migrations::run_pending(&mut conn)
    }

    /// SQLite's online backup: a consistent copy of the live database into a new file, taken
    /// while the server keeps serving. PostgreSQL has pg_dump for this.
    pub fn backup_sqlite(&self, to: &std::path::Path) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            anyhow::bail!("backup copies SQLite databases; for PostgreSQL use pg_dump");
        }
        if to.exists() {
            anyhow::bail!("{} already exists; choose a new file", to.display());
        }
        let target = to.to_str().ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
        let mut conn = self.pool.get()?;
        conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))?;
        Ok(())
    }

    /// A `Db` for work that runs beside the requests (the webhook worker), with `pool_size`
    /// connections of its own: it never holds one that a request waits for. On SQLite its
    /// write transactions queue on the same writer as the requests'.
    pub fn beside(&self, pool_size: u32) -> anyhow::Result<Db> {
        let manager = ConnectionManager {
            url: self.url.clone(),
            counter: self.queries.clone(),
            statement_timeout: self.statement_timeout,
        };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .test_on_check_out(self.backend == Backend::Postgres)
            .connection_timeout(self.pool.connection_timeout())
            .build(manager)
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        Ok(Db { pool, ..self.clone() })
    }

    /// A connection for a long maintenance job (copy, backup, import), outside any request. Its
    /// write transactions are its own (`WriteTarget`), not queued for this Db's writer.
    pub fn connection(&self) -> Result<PooledConnection, Error> {
        self.pool.get().map_err(|_| Error::Unavailable)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The most connections the pool opens.
    pub fn max_connections(&self) -> usize {
        self.pool.max_size() as usize
    }

    /// Connections open now: (in use, idle).
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections - state.idle_connections, state.idle_connections)
    }

    /// Why the server should not be sent requests now, if it should not: the database did not
    /// answer within `within`, or this binary's migrations are not all applied. Migrations it
    /// does not know (a newer instance's, during a rolling upgrade) do not count.
    pub async fn readiness(&self, within: Duration) -> Result<(), String> {
        let check = self.run(|conn| schema_state(conn).map_err(Error::Internal));
        match actix_web::rt::time::timeout(within, check).await {
            Err(_) => Err(format!("the database did not answer within {} ms", within.as_millis())),
            Ok(Err(_)) => Err("the database is unavailable".into()),
            Ok(Ok(SchemaState::Current | SchemaState::Newer(_))) => Ok(()),
            Ok(Ok(SchemaState::Behind(n))) => Err(format!("{n} migrations are pending")),
            Ok(Ok(SchemaState::NotOurs)) => Err("the database holds no contacts-server schema".into()),
        }
    }

    /// Statements run so far through this pool.
    pub fn query_count(&self) -> u64 {
        self.queries.get()
    }

    /// Runs `f` with a pooled connection of this Db on the blocking thread pool; its
    /// `write_transaction`s go through this Db's writer.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut Conn) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.run_counted(true, f).await
    }

    /// `run` for background work (the webhook worker): its statements, the pool's check of the
    /// connection among them, are not counted in `query_count`.
    pub async fn run_uncounted<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut Conn) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.run_counted(false, f).await
    }

    async fn run_counted<T, F>(&self, counted: bool, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut Conn) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, writer, limit) = (self.pool.clone(), self.writer.clone(), self.statement_timeout);
        let run = Arc::new(Run::default());
        // Dropped with this future when the client goes away: its statement is stopped.
        let abandon = AbandonOnDrop(Some(run.clone()));
        let outcome = actix_web::web::block(move || {
            let _uncounted = (!counted).then(pool::Uncounted::start);
            let waited = std::time::Instant::now();
            let pooled = pool.get().map_err(|_| {
                metrics::counter!(crate::telemetry::names::POOL_TIMEOUTS).increment(1);
                Error::Unavailable
            })?;
            metrics::histogram!(crate::telemetry::names::POOL_WAIT).record(waited.elapsed());
            let mut conn = Conn { pooled, writer };
            if let Some(stopper) = &conn.pooled.stopper {
                run.start(stopper, limit);
            }
            let outcome = f(&mut conn);
            run.finish();
            // Refusals (404, 403, 422, a stopped statement) say nothing of the connection.
            conn.pooled.last_use_ok = !matches!(outcome, Err(Error::Unavailable | Error::Internal(_)));
            outcome
        })
        .await;
        abandon.defuse();
        outcome.map_err(|_| Error::Unavailable)?
    }

    /// Runs `f` with a pooled connection on the current thread (CLI commands, test set-up); its
    /// write transactions are its own, as a job's (`connection`).
    pub fn run_blocking<T>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, Error>) -> Result<T, Error> {
        let mut conn = self.pool.get().map_err(|_| Error::Unavailable)?;
        f(&mut conn)
    }
}
