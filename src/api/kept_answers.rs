//! Whole answers to API reads, kept until the next write: a contact or a page asked for again
//! with nothing written in between is sent from memory, without the database. When a write is
//! seen (at once on SQLite and on one instance; a few milliseconds late across PostgreSQL
//! instances) is `cache`'s business. Requests that miss the same answer at once wait for one
//! of them to compute it, rather than all asking the database the same question.
//!
//! Only what is a function of the data, the URL and the API key is kept: GETs answered 200 in
//! JSON or XML, identified by an API key or by none. A request with an `Authorization` header
//! is always answered afresh, so a password is checked every time, as `auth` intends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::Error;
use crate::format::Format;

/// Bodies larger than this are not kept: exports stream, and a 100-contact page is about 60 KB.
const LARGEST_BODY: u64 = 256 * 1024;

/// The kept answers of one instance, within a budget of bytes.
pub struct KeptAnswers {
    ttl: Duration,
    budget: usize,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// By the digest of what identifies a request (see `request_key`).
    answers: HashMap<[u8; 32], Answer>,
    bytes: usize,
    /// Held by the request computing an answer; others missing it may wait for it.
    turns: HashMap<[u8; 32], Arc<Turn>>,
}

#[derive(Default)]
struct Turn {
    computing: tokio::sync::Mutex<()>,
    /// The generation the computing request began at: its answer serves a waiter only if no
    /// write came after that.
    began: AtomicU64,
}

/// How a kept answer stands for a request that began at generation `since`.
enum Standing {
    Fresh(Answer),
    /// No write since, but older than the TTL: served while another request refreshes it.
    Aged(Answer),
    Missing,
}

#[derive(Clone)]
struct Answer {
    /// The write generation when the request that made it began.
    generation: u64,
    at: Instant,
    headers: Box<[(HeaderName, HeaderValue)]>,
    body: Bytes,
}

impl Answer {
    fn response(self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::new(StatusCode::OK);
        for (name, value) in self.headers.iter() {
            response.headers_mut().append(name.clone(), value.clone());
        }
        response.set_body(self.body).map_into_boxed_body()
    }

    /// What keeping it costs: the body, the headers and the map's own share, roughly.
    fn weight(&self) -> usize {
        const SLOT: usize = 32 + std::mem::size_of::<Answer>();
        let headers: usize = self.headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 64).sum();
        SLOT + headers + self.body.len()
    }
}

impl KeptAnswers {
    /// A `ttl` of zero keeps nothing.
    pub fn new(ttl: Duration, budget: usize) -> KeptAnswers {
        KeptAnswers { ttl, budget, kept: Mutex::default() }
    }

    fn standing(&self, key: &[u8; 32], since: u64) -> Standing {
        match self.lock().answers.get(key) {
            Some(answer) if answer.generation < since => Standing::Missing,
            Some(answer) if answer.at.elapsed() < self.ttl => Standing::Fresh(answer.clone()),
            Some(answer) => Standing::Aged(answer.clone()),
            None => Standing::Missing,
        }
    }

    /// The turn to compute `key`'s answer, shared by every request waiting for it.
    fn turn(&self, key: &[u8; 32]) -> Arc<Turn> {
        let mut kept = self.lock();
        if kept.turns.len() > 1024 {
            // Turns left behind by requests dropped mid-way (a client gone) are forgotten here.
            kept.turns.retain(|_, turn| Arc::strong_count(turn) > 1);
        }
        kept.turns.entry(*key).or_default().clone()
    }

    /// Called once a request is done with `key`'s turn: the last one forgets it.
    fn end_turn(&self, key: &[u8; 32]) {
        let mut kept = self.lock();
        if kept.turns.get(key).is_some_and(|t| Arc::strong_count(t) == 1) {
            kept.turns.remove(key);
        }
    }

    fn put(&self, key: [u8; 32], answer: Answer) {
        let mut kept = self.lock();
        if kept.answers.get(&key).is_some_and(|old| old.generation > answer.generation) {
            return; // A request that began later has kept a newer answer.
        }
        let size = answer.weight();
        // Crude but bounded: an answer that would pass the budget starts the store over.
        if kept.bytes + size > self.budget {
            kept.answers.clear();
            kept.bytes = 0;
        }
        kept.bytes += size;
        if let Some(old) = kept.answers.insert(key, answer) {
            kept.bytes -= old.weight();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What makes two requests the same question, as a digest (so no API key is kept in memory):
/// the format, the path and query (with any `key=`), the API key header and the user an admin
/// switches to. `None` when the request is not one whose answer may be kept.
fn request_key(req: &ServiceRequest) -> Option<[u8; 32]> {
    if req.method() != Method::GET || req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    let format = *req.extensions().get::<Format>()?;
    if !matches!(format, Format::Json | Format::Xml) {
        return None;
    }
    let header = |name: &str| req.headers().get(name).map_or(&b""[..], |v| v.as_bytes());
    let mut digest = Sha256::new();
    // Everything an answer depends on: who asks, and the headers the body is written by (the
    // meta switch; the host and scheme that absolute URLs such as `content_url` carry).
    for part in [
        if format == Format::Json { &b"json"[..] } else { &b"xml"[..] },
        req.uri().path().as_bytes(),
        req.uri().query().unwrap_or("").as_bytes(),
        header("x-redmine-api-key"),
        header("x-redmine-switch-user"),
        if req.headers().contains_key("x-redmine-nometa") { &b"nometa"[..] } else { &b""[..] },
        header("host"),
        header("forwarded"),
        header("x-forwarded-host"),
        header("x-forwarded-proto"),
    ] {
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part);
    }
    Some(digest.finalize().into())
}

/// Middleware: answers a read from its kept answer when no write came since, and keeps the
/// answers of reads it passes on.
pub async fn answer_from_memory(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), Some(key)) = (state.filter(|s| !s.caches.answers.ttl.is_zero()), request_key(&req)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let answers = &state.caches.answers;
    let since = state.caches.generation.current();
    let aged = match answers.standing(&key, since) {
        Standing::Fresh(kept) => return Ok(req.into_response(kept.response())),
        Standing::Aged(kept) => Some(kept),
        Standing::Missing => None,
    };
    let outcome = take_turn(answers, &key, since, aged, req, next).await;
    answers.end_turn(&key);
    match outcome {
        Outcome::Kept(req, kept) => Ok(req.into_response(kept.response())),
        Outcome::Computed(res) => res,
    }
}

/// Passes the request on, and keeps its answer if it is one to keep.
async fn compute_and_keep<B: MessageBody + 'static>(
    answers: &KeptAnswers,
    key: [u8; 32],
    since: u64,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let keep = res.status() == StatusCode::OK
        && !res.headers().contains_key(header::SET_COOKIE)
        && is_data(res.headers())
        && matches!(res.response().body().size(), BodySize::Sized(n) if n <= LARGEST_BODY);
    if !keep {
        return Ok(res.map_into_boxed_body());
    }
    let (req, response) = res.into_parts();
    let (response, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("reading an answer to keep: {}", e.into())))?;
    // Exactly the body and headers: the rendered body may share a larger buffer, and a header
    // map keeps room to grow, which thousands of kept answers would hold whole.
    let headers = response.headers().iter().map(|(n, v)| (n.clone(), v.clone())).collect();
    let kept = Answer { generation: since, at: Instant::now(), headers, body: Bytes::copy_from_slice(&body) };
    answers.put(key, kept);
    Ok(ServiceResponse::new(req, response.set_body(body).map_into_boxed_body()))
}

enum Outcome {
    /// Another request's answer, fresh, or aged while it is refreshed.
    Kept(ServiceRequest, Answer),
    /// This request's own answer.
    Computed(Result<ServiceResponse<BoxBody>, actix_web::Error>),
}

/// Computes (and keeps) the answer when no other request is at it. Otherwise serves the aged
/// answer, or waits for the other's when it will be fresh for this request; when a write came
/// after the other began, computes its own beside it (waiting would only queue the requests).
async fn take_turn<B: MessageBody + 'static>(
    answers: &KeptAnswers,
    key: &[u8; 32],
    since: u64,
    aged: Option<Answer>,
    req: ServiceRequest,
    next: Next<B>,
) -> Outcome {
    let turn = answers.turn(key);
    if let Ok(_mine) = turn.computing.try_lock() {
        turn.began.store(since, Ordering::Release);
        return Outcome::Computed(compute_and_keep(answers, *key, since, req, next).await);
    }
    if let Some(kept) = aged {
        return Outcome::Kept(req, kept);
    }
    if turn.began.load(Ordering::Acquire) >= since {
        drop(turn.computing.lock().await);
        if let Standing::Fresh(kept) = answers.standing(key, since) {
            return Outcome::Kept(req, kept);
        }
    }
    Outcome::Computed(compute_and_keep(answers, *key, since, req, next).await)
}

/// JSON or XML (not an attachment's bytes, which are large and read rarely).
fn is_data(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("application/xml"))
}
