//! Stopping a statement from outside: past the statement time limit, or when the client that
//! asked for it has gone (its request future was dropped).
//!
//! - SQLite: a progress handler on each pooled connection, called every few thousand VM steps,
//!   ends the statement (`SQLITE_INTERRUPT`) once its request's deadline has passed or the
//!   request was abandoned.
//! - PostgreSQL: `statement_timeout` is set on each pooled connection; an abandoned request's
//!   statement is cancelled with `pg_cancel_backend` from a connection of its own.

use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use libsqlite3_sys as ffi;

/// What can stop the statement a pooled connection is running.
#[derive(Clone)]
pub enum Stopper {
    Sqlite(Arc<SqliteStop>),
    Postgres { backend_pid: i32, url: Arc<str> },
}

/// The state a SQLite connection's progress handler reads.
#[derive(Default)]
pub struct SqliteStop {
    /// Milliseconds after `epoch()` past which the running statement ends; 0 for none.
    deadline: AtomicU64,
    abandoned: AtomicBool,
}

impl SqliteStop {
    /// A new run: its own deadline, and nothing left of a run that ended without `disarm`
    /// (one that panicked).
    fn arm(&self, limit: Option<Duration>) {
        let deadline = limit.map_or(0, |limit| millis_since_epoch() + limit.as_millis() as u64);
        self.abandoned.store(false, Ordering::Release);
        self.deadline.store(deadline, Ordering::Release);
    }

    fn disarm(&self) {
        self.deadline.store(0, Ordering::Release);
        self.abandoned.store(false, Ordering::Release);
    }

    fn should_stop(&self) -> bool {
        let deadline = self.deadline.load(Ordering::Acquire);
        self.abandoned.load(Ordering::Acquire) || (deadline != 0 && millis_since_epoch() > deadline)
    }
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn millis_since_epoch() -> u64 {
    epoch().elapsed().as_millis() as u64
}

thread_local! {
    /// The handle of the last SQLite connection this thread opened (see `capture_handle`).
    static OPENED: std::cell::Cell<*mut ffi::sqlite3> = const { std::cell::Cell::new(std::ptr::null_mut()) };
}

/// Called by SQLite for every connection opened in the process (an auto extension): diesel
/// does not hand out the raw handle, which the progress handler needs.
unsafe extern "C" fn capture_handle(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    OPENED.with(|opened| opened.set(db));
    ffi::SQLITE_OK
}

unsafe extern "C" fn progress(context: *mut c_void) -> c_int {
    // SAFETY: `context` is the `SqliteStop` of this connection, which outlives it (`Pooled`
    // drops the connection before its stopper).
    let stop = unsafe { &*(context as *const SqliteStop) };
    c_int::from(stop.should_stop())
}

/// VM steps between two calls of the progress handler: about every few microseconds.
const PROGRESS_STEPS: c_int = 4_000;

/// Opens a SQLite connection with a progress handler that `SqliteStop` controls.
pub fn establish_sqlite(target: &str) -> ConnectionResult<(diesel::SqliteConnection, Arc<SqliteStop>)> {
    static REGISTER: Once = Once::new();
    // SAFETY: registering an entry point with the signature SQLite expects.
    REGISTER.call_once(|| unsafe {
        ffi::sqlite3_auto_extension(Some(capture_handle));
    });
    OPENED.with(|opened| opened.set(std::ptr::null_mut()));
    let conn = diesel::SqliteConnection::establish(target)?;
    let handle = OPENED.with(|opened| opened.replace(std::ptr::null_mut()));
    let stop = Arc::new(SqliteStop::default());
    if !handle.is_null() {
        // SAFETY: `handle` is the connection just opened on this thread, still open; the
        // context pointer stays valid as long as the connection (see `progress`).
        unsafe {
            ffi::sqlite3_progress_handler(handle, PROGRESS_STEPS, Some(progress), Arc::as_ptr(&stop) as *mut c_void)
        };
    }
    Ok((conn, stop))
}

/// Sets the statement time limit of a PostgreSQL connection and learns its backend's pid.
pub fn prepare_postgres(conn: &mut diesel::PgConnection, limit: Option<Duration>, url: &str) -> QueryResult<Stopper> {
    use diesel::connection::SimpleConnection;
    if let Some(limit) = limit {
        conn.batch_execute(&format!("SET statement_timeout = {}", limit.as_millis()))?;
    }
    let backend_pid =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("pg_backend_pid()")).get_result(conn)?;
    Ok(Stopper::Postgres { backend_pid, url: Arc::from(url) })
}

/// One `Db::run`: which connection it runs on, once it has one, and whether it is over. The
/// lock makes a cancel and the end of the run exclusive, so a cancel never reaches the next
/// request to use the connection.
#[derive(Default)]
pub struct Run {
    state: Mutex<RunState>,
}

#[derive(Default)]
struct RunState {
    stopper: Option<Stopper>,
    over: bool,
    /// Abandoned before it had a connection: its first statement stops at once (SQLite) or it
    /// is cancelled as soon as it starts (PostgreSQL).
    abandoned_early: bool,
}

impl Run {
    /// The run has its connection; on SQLite its statements end at `limit`.
    pub fn start(self: &Arc<Self>, stopper: &Stopper, limit: Option<Duration>) {
        if let Stopper::Sqlite(stop) = stopper {
            stop.arm(limit);
        }
        let early = {
            let mut state = self.lock();
            state.stopper = Some(stopper.clone());
            state.abandoned_early
        };
        if early {
            self.abandon();
        }
    }

    /// The run is over: no cancel can reach its connection after this.
    pub fn finish(&self) {
        let mut state = self.lock();
        state.over = true;
        if let Some(Stopper::Sqlite(stop)) = &state.stopper {
            stop.disarm();
        }
    }

    /// The request was abandoned: stop its statement if it is still running.
    pub fn abandon(self: &Arc<Self>) {
        let stopper = {
            let mut state = self.lock();
            if state.over {
                return;
            }
            if state.stopper.is_none() {
                state.abandoned_early = true;
                return;
            }
            state.stopper.clone()
        };
        match stopper {
            Some(Stopper::Sqlite(stop)) => stop.abandoned.store(true, Ordering::Release),
            Some(Stopper::Postgres { backend_pid, url }) => {
                let run = self.clone();
                // Connecting takes a few milliseconds; not on the async worker.
                std::thread::spawn(move || {
                    let state = run.lock();
                    if state.over {
                        return;
                    }
                    if let Ok(mut conn) = diesel::PgConnection::establish(&url) {
                        let cancel = format!("SELECT pg_cancel_backend({backend_pid})");
                        let _ = diesel::sql_query(cancel).execute(&mut conn);
                    }
                    // Held until the cancel is sent: `finish` waits for it, and PostgreSQL
                    // ignores a cancel that arrives while its backend waits for a command.
                    drop(state);
                });
            }
            None => {}
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Abandons its run when dropped before `defuse`: the request future went away.
pub struct AbandonOnDrop(pub Option<Arc<Run>>);

impl AbandonOnDrop {
    pub fn defuse(mut self) {
        self.0 = None;
    }
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if let Some(run) = self.0.take() {
            run.abandon();
        }
    }
}

/// Whether a database error is a statement stopped by its time limit or its client's leaving.
pub fn is_stopped(message: &str) -> bool {
    message.contains("interrupted") || message.contains("canceling statement")
}
