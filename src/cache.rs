//! Answers kept for a few seconds: a client paging through a large list has it counted once,
//! and an API key is looked up once per burst of requests rather than on every one (on
//! SQLite, once per write to users, memberships, roles, projects or web forms).
//!
//! Every request that may write bumps the instance's `Generation` once it has been answered
//! (`app::note_writes`), and so does any commit made elsewhere, as the `CommitWatch` sees it
//! (a CLI job, another process or instance); an answer computed before a request began is
//! never served to it if a write came in between. On SQLite the watch sees this server's
//! commits at once and another process's within a millisecond (`watch::LOOK_INTERVAL`). On
//! PostgreSQL it hears of another instance's commit a few milliseconds late; `ttl` bounds the
//! age of an answer there, should a notification be lost.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::api::kept_answers::KeptAnswers;
use crate::db::CommitWatch;
use crate::domain::access::Viewer;
use crate::store::contacts::ContactQuery;

/// The bytes kept answers may hold: the server stays well under 100 MB.
const ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// The caches of one server instance.
pub struct Caches {
    pub generation: Generation,
    /// `total_count` of contact lists, by query (its order and paging left out).
    pub totals: FreshCache<ContactQuery, i64>,
    /// Who an API key (by its digest) stands for, with the user an admin switched to; good
    /// until a write that may change it (`Generation::access_current`).
    pub viewers: FreshCache<(String, Option<String>), Viewer>,
    /// Whole answers to API reads (`api::kept_answers`).
    pub answers: KeptAnswers,
}

impl Caches {
    pub fn new(ttl: Duration, watch: Option<Arc<CommitWatch>>) -> Caches {
        // Where every commit is seen within a millisecond (SQLite), an answer stays good until
        // the next one.
        let exact = watch.as_ref().is_some_and(|w| w.is_exact());
        let ttl = if exact && !ttl.is_zero() { Duration::MAX } else { ttl };
        Caches {
            generation: Generation::watching(watch),
            totals: FreshCache::new(ttl, 10_000),
            viewers: FreshCache::new(ttl, 10_000),
            answers: KeptAnswers::new(ttl, ANSWER_BYTES),
        }
    }
}

/// Grows with every write this instance answers and, on SQLite, with every commit anyone makes
/// to the file; an answer computed at a lower generation is out of date.
#[derive(Default)]
pub struct Generation {
    local: AtomicU64,
    /// This instance's writes that may have changed who a caller is or what they may do.
    local_access: AtomicU64,
    watch: Option<Arc<CommitWatch>>,
}

impl Generation {
    pub fn watching(watch: Option<Arc<CommitWatch>>) -> Generation {
        Generation { local: AtomicU64::new(0), local_access: AtomicU64::new(0), watch }
    }

    pub fn current(&self) -> u64 {
        self.local.load(Ordering::Acquire) + self.watch.as_ref().map_or(0, |w| w.look().commits)
    }

    /// Grows with every write that may change who a caller is or what they may do: the
    /// commits to users, memberships, roles, projects and web forms the watch sees (on SQLite
    /// this instance's own among them), and on PostgreSQL, which hears of commits a little
    /// late, this instance's own writes other than `bump_records`. Without a watch, every write.
    pub fn access_current(&self) -> u64 {
        match &self.watch {
            Some(watch) if watch.is_exact() => watch.look().access_changes,
            Some(watch) => self.local_access.load(Ordering::Acquire) + watch.look().access_changes,
            None => self.current(),
        }
    }

    /// This instance has written, perhaps to who may do what: no answer from before serves a
    /// request after.
    pub fn bump(&self) {
        self.local_access.fetch_add(1, Ordering::AcqRel);
        self.bump_records();
    }

    /// This instance has written CRM records only (contacts, notes, deals, tags, queries, custom
    /// fields, uploads): no answer from before serves a request after, but callers stand.
    pub fn bump_records(&self) {
        self.local.fetch_add(1, Ordering::AcqRel);
        if let Some(watch) = &self.watch {
            watch.look_again();
        }
    }
}

/// A bounded map of recent answers, each computed once however many requests ask at once.
pub struct FreshCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, Slot<V>>>,
}

struct Slot<V> {
    /// (generation when computing began, when it finished, the answer)
    answer: Option<(u64, Instant, V)>,
    /// Held while the answer is computed, so concurrent misses of one key wait for one result.
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot { answer: None, computing: Arc::default() }
    }
}

/// How a cached answer stands for a request that began at generation `since`.
enum Standing<V> {
    Fresh(V),
    /// No write since, but older than `ttl`: good enough while another request refreshes it.
    Aged(V),
    Missing,
}

impl<K: Hash + Eq + Clone, V: Clone> FreshCache<K, V> {
    /// A `ttl` of zero turns the cache off: every call computes.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        FreshCache { ttl, capacity, entries: Mutex::default() }
    }

    /// The answer for `key` as of the current generation: cached, or computed by `compute`
    /// (errors are returned and not kept). Concurrent misses of one key wait for one
    /// computation; they wait as tasks, holding no thread and no database connection.
    pub async fn get_or_compute<E, F, Fut>(&self, key: K, generation: &Generation, compute: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if self.ttl.is_zero() {
            return compute().await;
        }
        let since = generation.current();
        let computing = {
            let mut entries = self.lock();
            if let Standing::Fresh(v) = self.standing(&entries, &key, since) {
                return Ok(v);
            }
            self.slot(&mut entries, key.clone()).computing.clone()
        };
        let _turn = match computing.try_lock() {
            Ok(turn) => turn,
            Err(_) => {
                if let Standing::Aged(v) = self.standing(&self.lock(), &key, since) {
                    return Ok(v);
                }
                computing.lock().await
            }
        };
        // Another request may have computed it while this one waited its turn.
        if let Standing::Fresh(v) = self.standing(&self.lock(), &key, since) {
            return Ok(v);
        }
        let began = generation.current();
        let value = compute().await?;
        if let Some(slot) = self.lock().get_mut(&key) {
            slot.answer = Some((began, Instant::now(), value.clone()));
        }
        Ok(value)
    }

    /// The answer for `key`, if one computed at generation `since` or later is still within
    /// its TTL.
    pub fn get_fresh(&self, key: &K, since: u64) -> Option<V> {
        match self.standing(&self.lock(), key, since) {
            Standing::Fresh(v) => Some(v),
            _ => None,
        }
    }

    /// Keeps `value` for `key`, computed from the data as of generation `began`.
    pub fn put(&self, key: K, began: u64, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        self.slot(&mut entries, key).answer = Some((began, Instant::now(), value));
    }

    /// The slot of `key`, made when missing. Crude but bounded: a key that would pass the
    /// capacity starts the cache over.
    fn slot<'a>(&self, entries: &'a mut HashMap<K, Slot<V>>, key: K) -> &'a mut Slot<V> {
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.entry(key).or_default()
    }

    fn standing(&self, entries: &HashMap<K, Slot<V>>, key: &K, since: u64) -> Standing<V> {
        match entries.get(key).and_then(|slot| slot.answer.as_ref()) {
            Some((generation, _, _)) if *generation < since => Standing::Missing,
            Some((_, at, v)) if at.elapsed() < self.ttl => Standing::Fresh(v.clone()),
            Some((_, _, v)) => Standing::Aged(v.clone()),
            None => Standing::Missing,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Slot<V>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;

    fn answer<E>(n: Result<i64, E>) -> impl FnOnce() -> std::future::Ready<Result<i64, E>> {
        move || std::future::ready(n)
    }

    #[actix_web::test]
    async fn a_write_between_makes_the_answer_stale() {
        let cache = FreshCache::new(Duration::from_secs(60), 10);
        let generation = Generation::default();
        assert_eq!(cache.get_or_compute("k", &generation, answer::<()>(Ok(1))).await, Ok(1));
        let again = cache.get_or_compute("k", &generation, answer::<()>(Ok(2))).await;
        assert_eq!(again, Ok(1), "kept while nothing was written");
        generation.bump();
        let after = cache.get_or_compute("k", &generation, answer::<()>(Ok(3))).await;
        assert_eq!(after, Ok(3), "recomputed after a write");
        assert_eq!(cache.get_or_compute("other", &generation, answer::<()>(Ok(4))).await, Ok(4));
    }

    #[actix_web::test]
    async fn errors_are_not_kept_and_a_zero_ttl_keeps_nothing() {
        let cache = FreshCache::new(Duration::from_secs(60), 10);
        let generation = Generation::default();
        assert_eq!(cache.get_or_compute("k", &generation, answer(Err("down"))).await, Err("down"));
        assert_eq!(cache.get_or_compute("k", &generation, answer::<&str>(Ok(5))).await, Ok(5));

        let off = FreshCache::new(Duration::ZERO, 10);
        assert_eq!(off.get_or_compute("k", &generation, answer::<()>(Ok(1))).await, Ok(1));
        assert_eq!(off.get_or_compute("k", &generation, answer::<()>(Ok(2))).await, Ok(2));
    }

    #[actix_web::test]
    async fn an_answer_older_than_the_ttl_is_computed_again() {
        let cache = FreshCache::new(Duration::from_millis(20), 10);
        let generation = Generation::default();
        assert_eq!(cache.get_or_compute("k", &generation, answer::<()>(Ok(1))).await, Ok(1));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(cache.get_or_compute("k", &generation, answer::<()>(Ok(2))).await, Ok(2));
    }

    /// A look at SQLite stands for its interval, but never across this server's own write:
    /// `bump` (every write request) makes the next request look, so a right granted through
    /// the server counts on the very next request.
    #[test]
    fn a_write_by_this_server_makes_the_next_request_look_again() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("generation.db");
        let db = crate::db::Db::open(&crate::db::DbOptions {
            url: format!("sqlite://{}", path.display()),
            pool_size: 2,
            connect_timeout: Duration::from_secs(5),
        })
        .expect("open");
        let hour = Duration::from_secs(3600);
        let watch = CommitWatch::data_version_looking_every(path.to_str().expect("a UTF-8 path"), hour);
        let generation = Generation::watching(Some(Arc::new(watch.expect("a watch"))));
        let before = generation.access_current();
        let grant = "UPDATE roles SET permissions = permissions WHERE id = 1";
        db.connection().expect("a connection").batch_execute(grant).expect("a role write");
        assert_eq!(generation.access_current(), before, "within the interval, the last look stands");
        generation.bump();
        assert!(generation.access_current() > before, "after a write of its own, the server looks again");
    }
}
