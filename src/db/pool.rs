//! Opening connections: the per-connection set-up of each backend, the pool's manager and
//! what it keeps beside each pooled connection, and the statement counter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

use super::stop::{self, Stopper};
use super::{functions, Backend, DatabaseUrl, DbConnection};

/// Counts the SQL statements run through the pool; tests use it to prove list pages are not N+1.
#[derive(Debug, Default)]
pub struct QueryCounter(AtomicU64);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts statements and records how long each ran (`db_statement_duration_seconds`).
struct CountQueries {
    counter: Arc<QueryCounter>,
    started: Option<Instant>,
}

thread_local! {
    static UNCOUNTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// While alive, this thread's statements are not counted: background work (the webhook
/// worker) that would otherwise land in a request's count at random.
pub(super) struct Uncounted {
    before: bool,
}

impl Uncounted {
    pub(super) fn start() -> Uncounted {
        Uncounted { before: UNCOUNTED.with(|u| u.replace(true)) }
    }
}

impl Drop for Uncounted {
    fn drop(&mut self) {
        UNCOUNTED.with(|u| u.set(self.before));
    }
}

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                if !UNCOUNTED.with(std::cell::Cell::get) {
                    self.counter.0.fetch_add(1, Ordering::Relaxed);
                }
                self.started = Some(Instant::now());
            }
            InstrumentationEvent::FinishQuery { .. } => {
                if let Some(started) = self.started.take() {
                    metrics::histogram!(crate::telemetry::names::STATEMENT_DURATION).record(started.elapsed());
                }
            }
            _ => {}
        }
    }
}

/// Opens connections of the configured backend and sets SQLite's per-connection pragmas.
pub struct ConnectionManager {
    pub(super) url: DatabaseUrl,
    pub(super) counter: Arc<QueryCounter>,
    /// PostgreSQL's `statement_timeout` for pooled connections (SQLite's is kept per run).
    pub(super) statement_timeout: Option<Duration>,
}

impl ConnectionManager {
    /// A connection for the SQLite writer, or for anything else that is never stopped.
    pub(super) fn establish(&self) -> ConnectionResult<DbConnection> {
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
                functions::register_on_sqlite(&mut conn).map_err(ConnectionError::CouldntSetupConfiguration)?;
                (DbConnection::Sqlite(conn), stopper)
            }
        };
        conn.set_instrumentation(CountQueries { counter: self.counter.clone(), started: None });
        Ok((conn, stopper))
    }
}

/// A pooled connection, when it last went back to the pool, and whether its last use went
/// well.
pub struct Pooled {
    /// Declared before `stopper`, so it is closed first: SQLite's progress handler reads it.
    conn: DbConnection,
    pub(super) stopper: Option<Stopper>,
    returned: Instant,
    pub(super) last_use_ok: bool,
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

/// A connection taken from the pool.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;
