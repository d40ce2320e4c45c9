//! The database: one connection type for both backends, the pool, migrations, and `Db::run`,
//! the only way handlers reach a connection (on the blocking pool, never on the async workers).

pub mod schema;
mod sqlite_memory;
mod stop;

pub use stop::is_stopped;
use stop::{AbandonOnDrop, Run, Stopper};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::Error;

/// One connection type for SQLite and PostgreSQL: store code is written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    // Last, as diesel's docs advise: SQLite accepts any string as a path.
    Sqlite(diesel::SqliteConnection),
}

/// The query backend of `DbConnection`, for boxed queries and expressions.
pub type DbBackend = <DbConnection as Connection>::Backend;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

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

/// Counts the SQL statements run through the pool; tests use it to prove list pages are not N+1.
#[derive(Debug, Default)]
pub struct QueryCounter(AtomicU64);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct CountQueries(Arc<QueryCounter>);

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0 .0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Opens connections of the configured backend and sets SQLite's per-connection pragmas.
pub struct ConnectionManager {
    url: DatabaseUrl,
    counter: Arc<QueryCounter>,
    /// PostgreSQL's `statement_timeout` for pooled connections (SQLite's is kept per run).
    statement_timeout: Option<Duration>,
}

impl ConnectionManager {
    /// A connection for the SQLite writer, or for anything else that is never stopped.
    fn establish(&self) -> ConnectionResult<DbConnection> {
        self.open(false).map(|(conn, _)| conn)
    }

    /// A connection, and with `stoppable` what can stop its statements (see `stop`).
    fn open(&self, stoppable: bool) -> ConnectionResult<(DbConnection, Option<Stopper>)> {
        let (mut conn, stopper) = match self.url.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url.target)?;
                let stopper = match stoppable {
                    true => Some(
                        stop::prepare_postgres(&mut conn, self.statement_timeout, &self.url.target)
                            .map_err(ConnectionError::CouldntSetupConfiguration)?,
                    ),
                    false => None,
                };
                (DbConnection::Postgres(conn), stopper)
            }
            Backend::Sqlite => {
                let (mut conn, stopper) = match stoppable {
                    true => {
                        let (conn, stop) = stop::establish_sqlite(&self.url.target)?;
                        (conn, Some(Stopper::Sqlite(stop)))
                    }
                    false => (diesel::SqliteConnection::establish(&self.url.target)?, None),
                };
                // busy_timeout makes writers queue instead of failing with "database is locked"
                // (WAL, which lets readers run beside the one writer, is set once per file in
                // `Db::open`: switching it needs a lock every new connection would contend for).
                // The WAL is copied back into the database every 10,000 pages (40 MB) rather than
                // SQLite's 1,000: a page written by many commits in between is copied once, and
                // checkpoints were 4% of a create's CPU.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA wal_autocheckpoint = 10000;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                crate::store::shares_project_utils::register_impl(&mut conn, |ids: String, wanted: String| {
                    crate::store::sqlite_shares_project(&ids, &wanted)
                })
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                crate::store::unicode_lower_utils::register_impl(&mut conn, |text: String| text.to_lowercase())
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                (DbConnection::Sqlite(conn), stopper)
            }
        };
        conn.set_instrumentation(CountQueries(self.counter.clone()));
        Ok((conn, stopper))
    }
}

/// A pooled connection, when it last went back to the pool, and whether its last use went
/// well.
pub struct Pooled {
    /// Declared before `stopper`, so it is closed first: SQLite's progress handler reads it.
    conn: DbConnection,
    stopper: Option<Stopper>,
    returned: Instant,
    last_use_ok: bool,
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// A connection back in the pool within this long is taken as alive without asking.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let (conn, stopper) = self.open(true).map_err(r2d2::Error::ConnectionError)?;
        Ok(Pooled { conn, stopper, returned: Instant::now(), last_use_ok: true })
    }

    /// On checkout (PostgreSQL: a connection dies with its server, and is then replaced). A
    /// check query on every checkout was one round trip in ten of a busy server's; like most
    /// pools, only a connection that has sat idle, or whose last use failed, is checked.
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        if pooled.last_use_ok && pooled.returned.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        pooled.conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)?;
        pooled.last_use_ok = true;
        Ok(())
    }

    /// On return: notes the time, for `is_valid`.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.returned = Instant::now();
        false
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// One SQLite writer at a time in this process (see `write_transaction`).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The connection a server's SQLite writes go through. A connection drops its whole page cache
/// when it sees another connection's commit, but keeps it across its own; so with one
/// connection for every write, a write finds the pages it touches in memory instead of
/// reading them again, and the writers' queue moves that much faster.
struct SqliteWriter {
    manager: ConnectionManager,
    conn: std::sync::Mutex<DbConnection>,
}

thread_local! {
    /// The writer of the database whose `Db::run` this thread is running, if SQLite.
    static ROUTED_WRITER: std::cell::RefCell<Option<Arc<SqliteWriter>>> = const { std::cell::RefCell::new(None) };
}

/// Sends this thread's `write_transaction`s to `writer` until dropped.
struct WriteRoute;

impl WriteRoute {
    fn to(writer: Option<Arc<SqliteWriter>>) -> WriteRoute {
        ROUTED_WRITER.with(|routed| *routed.borrow_mut() = writer);
        WriteRoute
    }
}

impl Drop for WriteRoute {
    fn drop(&mut self) {
        ROUTED_WRITER.with(|routed| routed.borrow_mut().take());
    }
}

impl SqliteWriter {
    fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let mut conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A write that panicked or failed to roll back may have left the connection in a
        // transaction; a new connection starts clean (closing the old one rolls it back).
        let clean = match &mut *conn {
            DbConnection::Sqlite(sqlite) => matches!(sqlite_depth(sqlite), Ok(None)),
            DbConnection::Postgres(_) => false,
        };
        if !clean {
            *conn = self.manager.establish().map_err(|e| {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UnableToSendCommand,
                    Box::new(e.to_string()),
                )
            })?;
        }
        immediate_transaction(&mut conn, f)
    }
}

/// How deep in transactions a SQLite connection is (`None`: in none); an error once diesel has
/// lost track of it.
fn sqlite_depth(conn: &mut diesel::SqliteConnection) -> diesel::QueryResult<Option<std::num::NonZeroU32>> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::transaction_manager_status_mut(conn)
        .transaction_depth()
}

/// Runs `f` in a transaction that will write. On SQLite it begins IMMEDIATE, taking the write
/// lock up front: a deferred transaction that has read and then writes after another
/// connection's commit fails at once with SQLITE_BUSY, which no busy_timeout retries and
/// which would reach the client as an error. Inside a transaction already, a savepoint. Under
/// `Db::run` on SQLite, `f` gets the database's writer connection instead of `conn`.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let DbConnection::Sqlite(sqlite) = conn else { return conn.transaction(f) };
    if sqlite_depth(sqlite)?.is_some() {
        return conn.transaction(f);
    }
    // Writers of this process queue here rather than in SQLite's busy handler, which polls
    // with sleeps of up to 100 ms and so adds long tails under load; busy_timeout still
    // covers writers in other processes.
    let _writer = SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match ROUTED_WRITER.with(|routed| routed.borrow().clone()) {
        Some(writer) => writer.write(f),
        None => immediate_transaction(conn, f),
    }
}

/// `f` between `BEGIN IMMEDIATE` and a commit, or a rollback if it fails (SQLite).
fn immediate_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else { return conn.transaction(f) };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let outcome = f(conn);
    let DbConnection::Sqlite(sqlite) = conn else { unreachable!("the backend of a connection does not change") };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

/// The pool plus the facts about it the rest of the server may ask.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// SQLite: the connection every write of `run` goes through (see `SqliteWriter`).
    writer: Option<Arc<SqliteWriter>>,
    backend: Backend,
    queries: Arc<QueryCounter>,
    statement_timeout: Option<Duration>,
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
                let conn = manager.establish().map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
                Some(Arc::new(SqliteWriter { manager, conn: std::sync::Mutex::new(conn) }))
            }
            Backend::Postgres => None,
        };
        let manager = ConnectionManager { url, counter: counter.clone(), statement_timeout: options.statement_timeout };
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size.max(1))
            // A PostgreSQL connection can die with its server (and is then replaced); a SQLite
            // file cannot, so its connections skip the check query on every checkout.
            .test_on_check_out(backend == Backend::Postgres)
            .connection_timeout(options.connect_timeout)
            .build(manager)
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        let db = Db { pool, writer, backend, queries: counter, statement_timeout: options.statement_timeout };
        db.migrate()?;
        Ok(db)
    }

    /// Applies the pending migrations of this backend.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get().map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
        let applied = match &mut **conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| anyhow::anyhow!("migrating the database failed: {e}"))
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

    /// A connection for a long maintenance job (copy, backup), outside any request.
    pub fn connection(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, Error> {
        self.pool.get().map_err(|_| Error::Unavailable)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The most connections the pool opens.
    pub fn max_connections(&self) -> usize {
        self.pool.max_size() as usize
    }

    /// Statements run so far through this pool.
    pub fn query_count(&self) -> u64 {
        self.queries.get()
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, writer, limit) = (self.pool.clone(), self.writer.clone(), self.statement_timeout);
        let run = Arc::new(Run::default());
        // Dropped with this future when the client goes away: its statement is stopped.
        let abandon = AbandonOnDrop(Some(run.clone()));
        let outcome = actix_web::web::block(move || {
            let _route = WriteRoute::to(writer);
            let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
            if let Some(stopper) = &conn.stopper {
                run.start(stopper, limit);
            }
            let outcome = f(&mut conn);
            run.finish();
            // Refusals (404, 403, 422, a stopped statement) say nothing of the connection.
            conn.last_use_ok = !matches!(outcome, Err(Error::Unavailable | Error::Internal(_)));
            outcome
        })
        .await;
        abandon.defuse();
        outcome.map_err(|_| Error::Unavailable)?
    }

    /// Runs `f` with a pooled connection on the current thread (CLI commands).
    pub fn run_blocking<T>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, Error>) -> Result<T, Error> {
        let _route = WriteRoute::to(self.writer.clone());
        let mut conn = self.pool.get().map_err(|_| Error::Unavailable)?;
        f(&mut conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_db(dir: &tempfile::TempDir) -> Db {
        let url = format!("sqlite://{}", dir.path().join("writer.db").display());
        Db::open(&DbOptions { url, pool_size: 2, connect_timeout: Duration::from_secs(5), statement_timeout: None })
            .expect("open")
    }

    fn tag_count(db: &Db) -> i64 {
        db.run_blocking(|c| Ok(crate::db::schema::tags::table.count().get_result::<i64>(c)?)).expect("count tags")
    }

    fn add_tag(c: &mut DbConnection, name: &str) -> diesel::QueryResult<()> {
        diesel::insert_into(crate::db::schema::tags::table)
            .values(crate::db::schema::tags::name.eq(name))
            .execute(c)
            .map(drop)
    }

    /// The shared writer connection outlives a write that fails and one that panics: neither
    /// leaves a row behind, and the next write commits.
    #[test]
    fn the_sqlite_writer_recovers_from_failed_and_panicking_writes() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = sqlite_db(&dir);
        let failed = db.run_blocking(|conn| {
            Ok(write_transaction(conn, |c| {
                add_tag(c, "kept back")?;
                Err::<(), _>(diesel::result::Error::RollbackTransaction)
            }))
        });
        assert!(matches!(failed, Ok(Err(_))));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            db.run_blocking(|conn| {
                write_transaction::<(), Error>(conn, |c| {
                    add_tag(c, "half done")?;
                    panic!("a bug in the middle of a write")
                })
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(tag_count(&db), 0, "nothing of either write is visible");
        db.run_blocking(|conn| Ok(write_transaction(conn, |c| add_tag(c, "after"))?)).expect("the next write commits");
        assert_eq!(tag_count(&db), 1);
    }
}
