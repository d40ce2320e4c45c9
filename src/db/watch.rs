//! Noticing commits made through other connections (a CLI job, another server process or
//! instance), so a server's caches never serve an answer from before them.
//!
//! - SQLite: a connection of its own reads `PRAGMA data_version`, which changes whenever
//!   anyone else has committed to the file; every look sees every commit before it. When it
//!   has changed, the watch also reads `access_version` (migration 11), which triggers bump on
//!   writes to users, memberships, roles, projects and web forms: a caller looked up by API
//!   key stays good across any number of contact writes. A look stands for `LOOK_INTERVAL`,
//!   so another process's commit is seen at most that late; after this server's own writes
//!   the next request looks again (`look_again`).
//! - PostgreSQL: every write statement notifies the `contacts_server_writes` channel with the
//!   schema it wrote to (triggers of migration 7; PostgreSQL delivers a notification only once
//!   its transaction commits, one per transaction), and a write to users, memberships, roles,
//!   projects or web forms also with `<schema> access` (migration 13). A thread with a
//!   connection of its own `LISTEN`s and counts them, a few milliseconds behind the commit.
//!   While it cannot listen, every look counts as a change, so nothing is served from a cache.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// The channel migration 7's triggers notify.
const CHANNEL: &str = "contacts_server_writes";
/// How long a SQLite look stands for. A look takes a lock and a read transaction; a server
/// answering from memory tens of thousands of times a second spent most of each answer there.
pub const LOOK_INTERVAL: Duration = Duration::from_millis(1);
/// How often the listener looks for notifications: the most a PostgreSQL answer can lag.
const LISTEN_POLL: Duration = Duration::from_millis(2);
/// How often the listener proves its connection alive (a dead one may raise no error).
const LISTEN_PING: Duration = Duration::from_secs(1);

pub enum CommitWatch {
    DataVersion {
        looker: Mutex<Looker>,
        commits: AtomicU64,
        access_changes: AtomicU64,
        /// Calls of `look_again` so far (from 1, so that the first request looks).
        asks: AtomicU64,
        /// The asks the last finished look began after, and when it began (nanoseconds after
        /// `epoch`): it stands for requests within `interval` of that, and no later ask.
        answered: AtomicU64,
        looked_at: AtomicU64,
        epoch: Instant,
        /// How long a look stands for: `LOOK_INTERVAL`, or longer in tests.
        interval: Duration,
    },
    Notified {
        heard: Arc<Heard>,
    },
}

/// What a look has seen so far: commits of any kind, and the commits among them that may
/// have changed who a caller is or what they may do.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub commits: u64,
    pub access_changes: u64,
}

/// The SQLite watch's connection and what it read last (`None`: nothing yet, or unreadable).
pub struct Looker {
    conn: diesel::SqliteConnection,
    data_version: Option<i64>,
    access_version: Option<i64>,
}

/// What the PostgreSQL listener thread shares with the watch.
#[derive(Default)]
pub struct Heard {
    commits: AtomicU64,
    access_changes: AtomicU64,
    listening: AtomicBool,
}

impl Heard {
    /// One more commit, of rights too when `access`.
    fn count(&self, access: bool) {
        self.commits.fetch_add(1, Ordering::AcqRel);
        if access {
            self.access_changes.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// What the SQLite watch reads, as tables so that diesel keeps the statements prepared.
mod sqlite_versions {
    diesel::table! {
        /// `PRAGMA data_version` as a table-valued function.
        pragma_data_version (data_version) {
            data_version -> BigInt,
        }
    }
    diesel::table! {
        /// Migration 11's count of writes to who may do what.
        access_version (id) {
            id -> Integer,
            changes -> BigInt,
        }
    }
}

impl CommitWatch {
    pub fn data_version(path: &str) -> anyhow::Result<CommitWatch> {
        CommitWatch::data_version_looking_every(path, LOOK_INTERVAL)
    }

    /// A SQLite watch whose look stands for `interval`.
    pub fn data_version_looking_every(path: &str, interval: Duration) -> anyhow::Result<CommitWatch> {
        let mut conn = diesel::SqliteConnection::establish(path)?;
        // Without a busy handler the pragma fails whenever readers briefly contend for the
        // WAL index, and every failure would read as a change.
        conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
        let looker = Looker { conn, data_version: None, access_version: None };
        Ok(CommitWatch::DataVersion {
            looker: Mutex::new(looker),
            commits: AtomicU64::new(0),
            access_changes: AtomicU64::new(0),
            asks: AtomicU64::new(1),
            answered: AtomicU64::new(0),
            looked_at: AtomicU64::new(0),
            epoch: Instant::now(),
            interval,
        })
    }

    /// Starts the listener thread; it ends once the watch is dropped.
    pub fn listen(url: &str) -> CommitWatch {
        let heard = Arc::new(Heard::default());
        let (url, shared) = (url.to_string(), Arc::downgrade(&heard));
        std::thread::Builder::new()
            .name("commit-listener".into())
            .spawn(move || listen_until_dropped(&url, &shared))
            .expect("start the commit listener thread");
        CommitWatch::Notified { heard }
    }

    /// Whether every commit is seen within `LOOK_INTERVAL` (SQLite), so a cached answer needs
    /// no age limit.
    pub fn is_exact(&self) -> bool {
        matches!(self, CommitWatch::DataVersion { .. })
    }

    /// Makes the next look read the database, whatever the interval: this server has just
    /// written, and its next answer must see that.
    pub fn look_again(&self) {
        if let CommitWatch::DataVersion { asks, .. } = self {
            asks.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// How many times commits were seen since the watch began (each count grows by one per
    /// look that finds any). A look that cannot tell counts as a change: it costs a recount,
    /// never a stale answer.
    pub fn look(&self) -> Seen {
        match self {
            CommitWatch::DataVersion {
                looker,
                commits,
                access_changes,
                asks,
                answered,
                looked_at,
                epoch,
                interval,
            } => {
                let seen = || Seen {
                    commits: commits.load(Ordering::Acquire),
                    access_changes: access_changes.load(Ordering::Acquire),
                };
                let now = || u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
                let standing = answered.load(Ordering::Acquire) == asks.load(Ordering::Acquire)
                    && now().saturating_sub(looked_at.load(Ordering::Acquire)) < interval.as_nanos() as u64;
                if standing {
                    return seen();
                }
                let mut looker = looker.lock().unwrap_or_else(PoisonError::into_inner);
                let looker = &mut *looker;
                // Both read before the database is: the look covers the asks made so far.
                let (asked, began) = (asks.load(Ordering::Acquire), now());
                let version = sqlite_versions::pragma_data_version::table
                    .select(sqlite_versions::pragma_data_version::data_version)
                    .first::<i64>(&mut looker.conn)
                    .ok();
                if count_change(version, &mut looker.data_version, commits) {
                    // Read after the pragma: a commit between the two is seen here or next look.
                    let access = sqlite_versions::access_version::table
                        .select(sqlite_versions::access_version::changes)
                        .first::<i64>(&mut looker.conn)
                        .ok();
                    count_change(access, &mut looker.access_version, access_changes);
                }
                // The time first: a request that sees the new `answered` sees it too.
                looked_at.store(began, Ordering::Release);
                answered.store(asked, Ordering::Release);
                seen()
            }
            CommitWatch::Notified { heard } => {
                if !heard.listening.load(Ordering::Acquire) {
                    heard.count(true);
                }
                Seen {
                    commits: heard.commits.load(Ordering::Acquire),
                    access_changes: heard.access_changes.load(Ordering::Acquire),
                }
            }
        }
    }
}

/// Counts a change in `count` when `read` differs from `last` or could not be read (`None`),
/// and keeps it as the new `last`.
fn count_change(read: Option<i64>, last: &mut Option<i64>, count: &AtomicU64) -> bool {
    let changed = read.is_none() || read != *last;
    if changed {
        *last = read;
        count.fetch_add(1, Ordering::AcqRel);
    }
    changed
}

/// The listener thread: connects, listens, counts notifications; on any failure, stops
/// vouching for the caches and connects again a second later.
fn listen_until_dropped(url: &str, shared: &Weak<Heard>) {
    while shared.strong_count() > 0 {
        if let Ok(mut conn) = diesel::PgConnection::establish(url) {
            let schema = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("current_schema()"))
                .get_result::<String>(&mut conn);
            if let (Ok(schema), Ok(())) = (schema, conn.batch_execute(&format!("LISTEN {CHANNEL}"))) {
                hear(&mut conn, &schema, shared);
            }
        }
        if let Some(heard) = shared.upgrade() {
            heard.listening.store(false, Ordering::Release);
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Counts notifications of writes to `schema` on `conn` until it fails or the watch is dropped.
fn hear(conn: &mut diesel::PgConnection, schema: &str, shared: &Weak<Heard>) {
    let mut pinged = Instant::now();
    let access = format!("{schema} access");
    {
        let Some(heard) = shared.upgrade() else { return };
        // Commits made while nobody listened are unknown: count one for them.
        heard.count(true);
        heard.listening.store(true, Ordering::Release);
    }
    loop {
        let Some(heard) = shared.upgrade() else { return };
        for note in conn.notifications_iter() {
            match note {
                Ok(note) if note.payload == schema => heard.count(false),
                Ok(note) if note.payload == access => heard.count(true),
                Ok(_) => {}
                Err(_) => return,
            }
        }
        drop(heard);
        if pinged.elapsed() >= LISTEN_PING {
            if conn.batch_execute("SELECT 1").is_err() {
                return;
            }
            pinged = Instant::now();
        }
        std::thread::sleep(LISTEN_POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, DbOptions};

    fn write(db: &Db, sql: &str) {
        db.connection().expect("a pooled connection").batch_execute(sql).expect("a write");
    }

    /// Every commit by another connection is seen once the last look has aged past the
    /// interval, or at once after `look_again`; only writes to who may do what count as
    /// changes of access.
    #[test]
    fn the_sqlite_watch_sees_every_commit_and_tells_access_writes_apart() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("watch.db").display());
        let db = Db::open(&DbOptions { url, pool_size: 2, connect_timeout: Duration::from_secs(5) }).expect("open");
        let watch = db.watch_commits().expect("a watch");
        let start = watch.look();

        write(&db, "INSERT INTO tags (name) VALUES ('a contact write')");
        watch.look_again();
        let after_tag = watch.look();
        assert!(after_tag.commits > start.commits, "seen at once after look_again");
        assert_eq!(after_tag.access_changes, start.access_changes, "a tag is no change of access");

        write(
            &db,
            "INSERT INTO users (login, hashed_password, firstname, lastname, admin, status, api_key, \
             api_key_digest, created_on, updated_on) VALUES ('u', '', 'U', 'V', 0, 1, 'k', 'd', \
             CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        );
        std::thread::sleep(2 * LOOK_INTERVAL);
        let after_user = watch.look();
        assert!(after_user.commits > after_tag.commits, "seen once the last look has aged");
        assert!(after_user.access_changes > after_tag.access_changes, "a new user changes access");

        write(&db, "UPDATE users SET last_login_on = CURRENT_TIMESTAMP");
        watch.look_again();
        let after_login = watch.look();
        assert!(after_login.commits > after_user.commits);
        assert_eq!(after_login.access_changes, after_user.access_changes, "a login stamp changes no access");
    }
}
