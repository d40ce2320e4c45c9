//! Write transactions. On SQLite each `Db` has one writer connection that every
//! `write_transaction` of its `Conn`s goes through, queued on that writer's mutex; a bare
//! `DbConnection` writes on itself.

use std::sync::{Mutex, PoisonError};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

use super::pool::{ConnectionManager, PooledConnection};
use super::{Conn, DbConnection};

/// The connection a `Db`'s SQLite writes go through. A connection drops its whole page cache
/// when it sees another connection's commit, but keeps it across its own; so with one
/// connection for every write, a write finds the pages it touches in memory instead of
/// reading them again, and the writers' queue moves that much faster.
///
/// Writers of this `Db` queue on the mutex rather than in SQLite's busy handler, which polls
/// with sleeps of up to 100 ms and so adds long tails under load; busy_timeout still covers
/// writers on other connections (other processes, jobs writing on a connection of their own).
pub(super) struct SqliteWriter {
    manager: ConnectionManager,
    conn: Mutex<DbConnection>,
}

impl SqliteWriter {
    pub(super) fn open(manager: ConnectionManager) -> ConnectionResult<SqliteWriter> {
        let conn = manager.establish()?;
        Ok(SqliteWriter { manager, conn: Mutex::new(conn) })
    }

    /// `f` in a transaction on the writer connection, once the writes queued before it are done.
    fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
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

/// What a write transaction runs on. A `Conn` (what `Db::run` hands a use case) writes through
/// its database's writer connection on SQLite and on itself on PostgreSQL; a bare
/// `DbConnection` (a job's own, or the one a write transaction hands its closure) on itself.
pub trait WriteTarget {
    /// See `write_transaction`.
    fn write_transaction<T, E>(&mut self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>;
}

/// Runs `f` in a transaction that will write, on the connection `conn` names (see
/// `WriteTarget`). On SQLite it begins IMMEDIATE, taking the write lock up front: a deferred
/// transaction that has read and then writes after another connection's commit fails at once
/// with SQLITE_BUSY, which no busy_timeout retries and which would reach the client as an
/// error. Inside a transaction already, a savepoint.
pub fn write_transaction<C, T, E>(conn: &mut C, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    C: WriteTarget + ?Sized,
    E: From<diesel::result::Error>,
{
    conn.write_transaction(f)
}

impl WriteTarget for DbConnection {
    fn write_transaction<T, E>(&mut self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let DbConnection::Sqlite(sqlite) = self else { return self.transaction(f) };
        if sqlite_depth(sqlite)?.is_some() {
            return self.transaction(f);
        }
        immediate_transaction(self, f)
    }
}

/// A connection taken with `Db::connection` writes on itself.
impl WriteTarget for PooledConnection {
    fn write_transaction<T, E>(&mut self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let conn: &mut DbConnection = self;
        conn.write_transaction(f)
    }
}

impl WriteTarget for Conn {
    fn write_transaction<T, E>(&mut self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let Conn { pooled, writer } = self;
        let conn: &mut DbConnection = pooled;
        if let (Some(writer), DbConnection::Sqlite(sqlite)) = (writer.as_ref(), &mut *conn) {
            if sqlite_depth(sqlite)?.is_none() {
                return writer.write(f);
            }
        }
        // PostgreSQL; or a SQLite connection inside a transaction of its own (which `Db::run`
        // never leaves open): a savepoint there.
        conn.write_transaction(f)
    }
}

/// How deep in transactions a SQLite connection is (`None`: in none); an error once diesel has
/// lost track of it.
fn sqlite_depth(conn: &mut diesel::SqliteConnection) -> diesel::QueryResult<Option<std::num::NonZeroU32>> {
    <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::transaction_manager_status_mut(conn)
        .transaction_depth()
}

/// `f` between `BEGIN IMMEDIATE` and a commit, or a rollback if it fails (SQLite).
fn immediate_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::db::{Db, DbOptions};
    use crate::error::Error;

    fn sqlite_db(dir: &tempfile::TempDir, name: &str) -> Db {
        let url = format!("sqlite://{}", dir.path().join(name).display());
        Db::open(&DbOptions { url, pool_size: 2, connect_timeout: Duration::from_secs(5), statement_timeout: None })
            .expect("open")
    }

    /// `f` with a connection of `db` as `Db::run` hands it, on this thread.
    fn with_conn<T>(db: &Db, f: impl FnOnce(&mut Conn) -> Result<T, Error>) -> Result<T, Error> {
        let pooled = db.connection()?;
        f(&mut Conn { pooled, writer: db.writer.clone() })
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
        let db = sqlite_db(&dir, "writer.db");
        let failed = with_conn(&db, |conn| {
            Ok(write_transaction(conn, |c| {
                add_tag(c, "kept back")?;
                Err::<(), _>(diesel::result::Error::RollbackTransaction)
            }))
        });
        assert!(matches!(failed, Ok(Err(_))));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            with_conn(&db, |conn| {
                write_transaction::<_, (), Error>(conn, |c| {
                    add_tag(c, "half done")?;
                    panic!("a bug in the middle of a write")
                })
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(tag_count(&db), 0, "nothing of either write is visible");
        with_conn(&db, |conn| Ok(write_transaction(conn, |c| add_tag(c, "after"))?)).expect("the next write commits");
        assert_eq!(tag_count(&db), 1);
    }

    /// A `Conn`'s write goes through its Db's writer connection, not the pooled one it reads on.
    #[test]
    fn a_conn_writes_through_its_dbs_writer() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = sqlite_db(&dir, "writer.db");
        with_conn(&db, |conn| {
            let pooled: *const DbConnection = &**conn;
            write_transaction(conn, |c| {
                assert!(!std::ptr::eq(c, pooled), "the writer connection, not the pooled one");
                add_tag(c, "written")
            })?;
            Ok(())
        })
        .expect("write");
        assert_eq!(tag_count(&db), 1);
    }

    /// Each database has its own writer: a write to one, made while a write to another is under
    /// way on the same thread, does not wait for it (with one lock for the process, it would
    /// never finish).
    #[test]
    fn two_databases_do_not_share_a_writer() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (first, second) = (sqlite_db(&dir, "first.db"), sqlite_db(&dir, "second.db"));
        with_conn(&first, |outer| {
            write_transaction(outer, |c| {
                add_tag(c, "first")?;
                with_conn(&second, |inner| Ok(write_transaction(inner, |c| add_tag(c, "second"))?))
            })
        })
        .expect("both writes commit");
        assert_eq!((tag_count(&first), tag_count(&second)), (1, 1));
    }
}
