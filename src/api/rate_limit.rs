//! Fixed-window request counters kept in memory, and the API's rate limits built on them.
//!
//! The web forms' limiter counts per client address and per form, each instance its own (behind
//! N instances a client gets up to N times the limit, which still stops a flood from one
//! source). The API's limiter counts per caller and class of request in windows aligned to the
//! clock, the same on every instance; about once a second each instance adds what it counted to
//! the database's totals and reads back what the others counted (`reconcile`), so that they share
//! one budget without a database write per request. Between two reconciles an instance knows
//! only its own new requests: the budget can be overrun by what the others admitted in that
//! second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage};

use crate::api::state::AppState;
use crate::auth;
use crate::config::ApiLimits;
use crate::domain::access::Viewer;
use crate::domain::rate_limits::{self, HitsRow};
use crate::error::Error;
use crate::format::query::QueryParams;
use crate::format::Format;

/// How often each instance reconciles its counts with the others'.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(1);

/// Counters per key (a client address, a web form, an API caller and class).
pub struct RateLimiter {
    window_secs: i64,
    /// Windows begin at multiples of the window since the epoch, the same on every instance
    /// (shared counts); otherwise at a key's first request.
    aligned: bool,
    counts: Mutex<HashMap<String, Count>>,
}

#[derive(Debug, Default)]
struct Count {
    window_start: i64,
    /// Requests this instance admitted in the window.
    counted: u32,
    /// Of those, the ones not yet added to the shared totals.
    unsynced: u32,
    /// What the other instances had admitted at the last reconcile.
    elsewhere: u32,
}

/// Where a key's budget stands after a request: `X-RateLimit-*`, and whether it was refused.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// When the window ends, in Unix seconds.
    pub reset_at: i64,
    pub refused: bool,
    pub retry_after_secs: u64,
}

/// One reconcile's view of this instance: the window, the requests to add to its totals
/// (sorted by bucket), and what this instance had counted in each of its buckets when they were
/// taken (the rest of a total is the others').
pub struct Pending {
    pub window_start: i64,
    pub rows: Vec<HitsRow>,
    counted: HashMap<String, u32>,
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl RateLimiter {
    /// The web forms' limiter: a minute from each key's first request, this instance only.
    pub fn per_minute() -> RateLimiter {
        RateLimiter { window_secs: 60, aligned: false, counts: Mutex::new(HashMap::new()) }
    }

    /// A limiter whose counts the instances share through `reconcile`.
    pub fn shared(window: Duration) -> RateLimiter {
        let window_secs = window.as_secs().max(1) as i64;
        RateLimiter { window_secs, aligned: true, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts one request for `key`; past `limit` in the current window, a 429 that says when
    /// the window ends. A limit of 0 turns the check off.
    pub fn check(&self, key: &str, limit: u32) -> Result<(), Error> {
        if limit == 0 {
            return Ok(());
        }
        let quota = self.take(key, limit, unix_now());
        if quota.refused {
            return Err(Error::RateLimited { retry_after_secs: quota.retry_after_secs });
        }
        Ok(())
    }

    /// Counts one request for `key` at `now` (Unix seconds) unless its window's `limit` is
    /// used up; a refused request is not counted.
    pub fn take(&self, key: &str, limit: u32, now: i64) -> Quota {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if counts.len() > 100_000 {
            // Forget finished windows so a stream of new addresses cannot grow the map forever.
            counts.retain(|_, c| now - c.window_start < self.window_secs);
        }
        let current = if self.aligned { self.window_at(now) } else { now };
        let count = counts.entry(key.to_string()).or_default();
        if now - count.window_start >= self.window_secs {
            *count = Count { window_start: current, ..Count::default() };
        }
        let used = count.counted.saturating_add(count.elsewhere);
        let refused = used >= limit;
        if !refused {
            count.counted += 1;
            count.unsynced += 1;
        }
        let reset_at = count.window_start + self.window_secs;
        Quota {
            limit,
            remaining: limit.saturating_sub(used).saturating_sub(u32::from(!refused)),
            reset_at,
            refused,
            retry_after_secs: (reset_at - now).max(1) as u64,
        }
    }

    /// The window that contains `now`.
    fn window_at(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.window_secs)
    }

    /// Takes the requests counted since the last reconcile in the current window, sorted by
    /// bucket (so two instances lock the same rows in the same order); `None` when this
    /// instance counted nothing in the window.
    pub fn pending(&self, now: i64) -> Option<Pending> {
        let window_start = self.window_at(now);
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut rows = Vec::new();
        let mut counted = HashMap::new();
        for (key, count) in counts.iter_mut().filter(|(_, c)| c.window_start == window_start && c.counted > 0) {
            let hits = std::mem::take(&mut count.unsynced);
            if hits > 0 {
                rows.push(HitsRow { bucket: key.clone(), window_start, hits: hits as i32 });
            }
            counted.insert(key.clone(), count.counted);
        }
        rows.sort_by(|a, b| a.bucket.cmp(&b.bucket));
        (!counted.is_empty()).then_some(Pending { window_start, rows, counted })
    }

    /// Learns the window's totals the database answered.
    pub fn absorb(&self, sent: &Pending, totals: &[HitsRow]) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for total in totals {
            let Some(counted) = sent.counted.get(&total.bucket) else { continue };
            if let Some(count) = counts.get_mut(&total.bucket).filter(|c| c.window_start == sent.window_start) {
                count.elsewhere = (total.hits.max(0) as u32).saturating_sub(*counted);
            }
        }
    }

    /// Puts back counts a failed reconcile did not store, to be sent with the next one.
    pub fn restore(&self, sent: Pending) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for row in sent.rows {
            if let Some(count) = counts.get_mut(&row.bucket).filter(|c| c.window_start == row.window_start) {
                count.unsynced += row.hits as u32;
            }
        }
    }
}

/// What a request is counted as; each class has its own limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitClass {
    Reads,
    Writes,
    Exports,
    Search,
}

impl LimitClass {
    /// CSV and vCard answers are exports; `/search`, `…/search` and a list's `search=` are
    /// searches; other GET, HEAD and OPTIONS requests are reads, the rest writes.
    fn of(req: &ServiceRequest) -> LimitClass {
        if matches!(req.extensions().get::<Format>(), Some(Format::Csv | Format::Vcf)) {
            return LimitClass::Exports;
        }
        if req.path() == "/search" || req.path().ends_with("/search") {
            return LimitClass::Search;
        }
        if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return LimitClass::Writes;
        }
        let query = QueryParams::from_request(req.request());
        if query.get("search").is_some_and(|s| !s.trim().is_empty()) {
            LimitClass::Search
        } else {
            LimitClass::Reads
        }
    }

    fn name(self) -> &'static str {
        match self {
            LimitClass::Reads => "reads",
            LimitClass::Writes => "writes",
            LimitClass::Exports => "exports",
            LimitClass::Search => "search",
        }
    }

    fn limit(self, limits: &ApiLimits) -> u32 {
        match self {
            LimitClass::Reads => limits.reads,
            LimitClass::Writes => limits.writes,
            LimitClass::Exports => limits.exports,
            LimitClass::Search => limits.search,
        }
    }
}

/// The API's rate limits: counts each request against its caller's budget for its class (a
/// user's or a web form's; an anonymous caller's, or one with a wrong credential, per client
/// address), answers 429 past it and says on every answer where the budget stands. Inside
/// `format::negotiate`, which has taken the path's suffix off and writes the 429's body.
pub async fn limit_api(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let class = LimitClass::of(&req);
    let limit = class.limit(&state.api_limits);
    if limit == 0 {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // Who calls decides the budget; the handler's `Viewer` is then this one, not a second look-up.
    let viewer = Viewer::from_request(req.request(), &mut Payload::None).await;
    let caller = match &viewer {
        Ok(Viewer::User(user)) if user.admin && state.api_limits.exempt_admins => None,
        Ok(Viewer::User(user)) => Some(format!("user:{}", user.id)),
        Ok(Viewer::Form(form)) => Some(format!("form:{}", form.id)),
        _ => Some(format!("ip:{}", req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default())),
    };
    auth::remember_viewer(req.request(), viewer);
    let Some(caller) = caller else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let quota = state.api_limiter.take(&format!("{}:{caller}", class.name()), limit, unix_now());
    let mut res = if quota.refused {
        let err = Error::RateLimited { retry_after_secs: quota.retry_after_secs };
        ServiceResponse::from_err(err, req.into_parts().0).map_into_boxed_body()
    } else {
        next.call(req).await?.map_into_boxed_body()
    };
    let headers = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", i64::from(quota.limit)),
        ("x-ratelimit-remaining", i64::from(quota.remaining)),
        ("x-ratelimit-reset", quota.reset_at),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
    Ok(res)
}

/// Reconciles the API limiter's counts with the other instances' about once a second, for as
/// long as the server's state lives.
pub fn spawn_reconcile(state: &Data<AppState>) {
    if !state.api_limits.enabled() {
        return;
    }
    let state = Arc::downgrade(&state.clone().into_inner());
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(RECONCILE_EVERY);
        let mut cleaned_before = 0;
        loop {
            tick.tick().await;
            let Some(state) = state.upgrade() else { break };
            let now = unix_now();
            let window_secs = state.api_limiter.window_secs;
            // Once per window, the windows before the previous one go.
            let current = state.api_limiter.window_at(now);
            let expired_before = (current - window_secs > cleaned_before).then_some(current - window_secs);
            let pending = state.api_limiter.pending(now);
            if pending.is_none() && expired_before.is_none() {
                continue;
            }
            let (window_start, rows) = match &pending {
                Some(p) => (p.window_start, p.rows.clone()),
                None => (current, Vec::new()),
            };
            let reconciled =
                state.db.run(move |conn| rate_limits::reconcile(conn, window_start, &rows, expired_before)).await;
            match reconciled {
                Ok(totals) => {
                    if let Some(pending) = &pending {
                        state.api_limiter.absorb(pending, &totals);
                    }
                    cleaned_before = expired_before.unwrap_or(cleaned_before);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "reconciling rate limit counts failed; retrying");
                    if let Some(pending) = pending {
                        state.api_limiter.restore(pending);
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_admits_its_limit_then_refuses_until_it_ends() {
        let limiter = RateLimiter::shared(Duration::from_secs(60));
        let t = 6_000; // a window's first second
        let first = limiter.take("k", 2, t);
        assert_eq!((first.remaining, first.reset_at, first.refused), (1, t + 60, false));
        assert_eq!(limiter.take("k", 2, t + 1).remaining, 0);
        let refused = limiter.take("k", 2, t + 50);
        assert_eq!((refused.refused, refused.retry_after_secs), (true, 10));
        assert!(!limiter.take("k", 2, t + 60).refused, "a new window");
    }

    #[test]
    fn reconciled_totals_count_the_other_instances_requests() {
        let limiter = RateLimiter::shared(Duration::from_secs(60));
        let t = 6_000;
        for _ in 0..3 {
            limiter.take("k", 10, t);
        }
        let sent = limiter.pending(t).unwrap();
        assert_eq!(sent.rows[0].hits, 3);
        // Another instance had added 4; one more request here since the rows were sent.
        limiter.take("k", 10, t);
        limiter.absorb(&sent, &[HitsRow { bucket: "k".into(), window_start: t, hits: 7 }]);
        assert_eq!(limiter.take("k", 10, t).remaining, 10 - 4 - 5);
        assert_eq!(limiter.pending(t).unwrap().rows[0].hits, 2, "only what was not sent yet");
        // A bucket with nothing new still learns the others' requests.
        let quiet = limiter.pending(t).unwrap();
        assert!(quiet.rows.is_empty());
        limiter.absorb(&quiet, &[HitsRow { bucket: "k".into(), window_start: t, hits: 12 }]);
        assert!(limiter.take("k", 10, t).refused);
    }

    #[test]
    fn counts_a_failed_reconcile_did_not_store_are_sent_again() {
        let limiter = RateLimiter::shared(Duration::from_secs(60));
        limiter.take("k", 10, 6_000);
        let sent = limiter.pending(6_000).unwrap();
        limiter.restore(sent);
        assert_eq!(limiter.pending(6_000).unwrap().rows[0].hits, 1);
    }
}
