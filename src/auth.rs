//! Who is calling: the `Viewer` extractor reads Redmine's credentials — `key=` parameter,
//! `X-Redmine-API-Key`, HTTP Basic (login:password or key:anything), Bearer — and
//! `X-Redmine-Switch-User` for admins. A wrong credential is a 401, never a silent anonymous.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use tokio::sync::Semaphore;

use crate::api::observe::SignedInUser;
use crate::api::state::AppState;
use crate::db::DbConnection;
use crate::domain::access::Viewer;
use crate::domain::login_throttle::{self, Attempt, ThrottlePolicy};
use crate::domain::users::{self, Credentials, PasswordCheck};
use crate::domain::web_forms;
use crate::error::Error;
use crate::format::query::QueryParams;
use crate::store::data_versions;
use crate::store::users::UserRow;

/// Credentials of a request, in Redmine's order: `key=` first, then the header, then Basic.
fn credentials(req: &HttpRequest) -> Result<Option<Credentials>, Error> {
    // A blank `key=` is no key (Rails' `present?`): the header still counts.
    if let Some(key) = QueryParams::from_request(req).get("key").map(str::trim).filter(|k| !k.is_empty()) {
        return Ok(Some(Credentials::ApiKey(key.to_string())));
    }
    let headers = req.headers();
    if let Some(key) = header_text(headers, "x-redmine-api-key") {
        return Ok(Some(Credentials::ApiKey(key)));
    }
    let Some(auth) = header_text(headers, header::AUTHORIZATION.as_str()) else { return Ok(None) };
    let (scheme, rest) = auth.split_once(' ').unwrap_or((auth.as_str(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(Error::Unauthenticated { challenge: false })?;
        let (login, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
        return Ok(Some(Credentials::Basic { login: login.to_string(), password: password.to_string() }));
    }
    if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
        return Ok(Some(Credentials::ApiKey(rest.trim().to_string())));
    }
    // Other schemes are not ours to read; the request stays anonymous, as in Redmine.
    Ok(None)
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

impl FromRequest for Viewer {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Viewer, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Resolved(viewer)) = req.extensions_mut().remove::<Resolved>() {
            return Box::pin(std::future::ready(viewer));
        }
        let req = req.clone();
        Box::pin(async move { resolve_request(&req, false).await.0 })
    }
}

/// The viewer `req`'s credentials stand for; with `versioned`, also the data version
/// (`store::data_versions`), read no later than the viewer (with an API key, in the caller's
/// own statement) so that the caller's rights are at least as new as the version says. The
/// version is `None` when not asked for or when it could not be read.
pub async fn resolve_request(req: &HttpRequest, versioned: bool) -> (Result<Viewer, Error>, Option<i64>) {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return (Err(Error::Internal(anyhow::anyhow!("no app state"))), None);
    };
    let version = |state: web::Data<AppState>| async move {
        if !versioned {
            return None;
        }
        state.db.run(|conn| Ok(data_versions::current(conn)?)).await.ok()
    };
    let switch_to = header_text(req.headers(), "x-redmine-switch-user");
    let (viewer, version) = match credentials(req) {
        Err(e) => (Err(e), None),
        Ok(None) => (Ok(Viewer::Anonymous), version(state).await),
        Ok(Some(Credentials::ApiKey(key))) => {
            let found = state
                .db
                .run(move |conn| match versioned {
                    true => key_viewer_versioned(conn, &key, switch_to),
                    false => Ok((key_viewer(conn, &key, switch_to), None)),
                })
                .await;
            match found {
                Ok((viewer, version)) => (viewer, version),
                Err(e) => (Err(e), None),
            }
        }
        Ok(Some(Credentials::Basic { login, password })) => {
            let version = version(state.clone()).await;
            // The peer itself, never a forwarded-for header a client could write.
            let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
            (sign_in(&state, login, password, address, switch_to).await, version)
        }
    };
    if let Ok(Viewer::User(user)) = &viewer {
        req.extensions_mut().insert(SignedInUser(user.id));
    }
    (viewer, version)
}

/// A viewer already looked up for this request (by the rate limits, which must know who calls),
/// taken by the handler's extraction: one look-up, and one counted password failure.
struct Resolved(Result<Viewer, Error>);

/// Keeps `viewer` for the request's own `Viewer` extraction.
pub fn remember_viewer(req: &HttpRequest, viewer: Result<Viewer, Error>) {
    req.extensions_mut().insert(Resolved(viewer));
}

/// The viewer a `key` sent in a form body stands for (the plugin's web forms post it there).
pub async fn viewer_for_key(state: &AppState, key: &str) -> Result<Viewer, Error> {
    let key = key.to_string();
    state.db.run(move |conn| key_viewer(conn, &key, None)).await
}

/// Password sign-ins: their throttle, and the permits that bound how many argon2 checks run at
/// once (one per core). A check holds no database connection, so guessing takes CPU from other
/// requests but never the pool's connections.
pub struct Logins {
    pub policy: ThrottlePolicy,
    permits: Arc<Semaphore>,
}

impl Logins {
    /// `concurrent` checks at most (at least one).
    pub fn new(policy: ThrottlePolicy, concurrent: usize) -> Logins {
        Logins { policy, permits: Arc::new(Semaphore::new(concurrent.max(1))) }
    }

    /// Checks a password on a thread of its own once a permit is free. Waiting for the permit
    /// is asynchronous: queued guesses hold neither a worker nor a blocking thread.
    async fn check_password(&self, user: Option<UserRow>, password: String) -> Result<PasswordCheck, Error> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| Error::Unavailable)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("password-check".into())
            .spawn(move || {
                let _permit = permit;
                let _ = tx.send(users::check_password(user.as_ref(), &password));
            })
            .map_err(|e| Error::Internal(anyhow::anyhow!("starting a password check failed: {e}")))?;
        rx.await.map_err(|_| Error::Internal(anyhow::anyhow!("a password check stopped without an answer")))?
    }
}

/// The user of an API key, or else the web form of that key; neither is a 401. Looked up on every
/// request: what a caller may do is never remembered, so a lock or a removed membership counts
/// on the next request to any instance.
fn key_viewer(conn: &mut DbConnection, key: &str, switch_to: Option<String>) -> Result<Viewer, Error> {
    if let Some(user) = users::authenticate_key(conn, key)? {
        return viewer_of(conn, user, switch_to);
    }
    form_viewer(conn, key)
}

/// `key_viewer` and the data version, read no later than what the viewer's rights come from:
/// in the user's own statement, or else before the web form is looked up.
fn key_viewer_versioned(
    conn: &mut DbConnection,
    key: &str,
    switch_to: Option<String>,
) -> Result<(Result<Viewer, Error>, Option<i64>), Error> {
    if let Some((user, version)) = users::authenticate_key_versioned(conn, key)? {
        return Ok((viewer_of(conn, user, switch_to), Some(version)));
    }
    let version = data_versions::current(conn)?;
    Ok((form_viewer(conn, key), Some(version)))
}

/// The web form of an API key sent by a form's page, or a bare 401.
fn form_viewer(conn: &mut DbConnection, key: &str) -> Result<Viewer, Error> {
    match web_forms::by_key(conn, key)? {
        Some(form) => Ok(Viewer::Form(Arc::new(form))),
        None => Err(Error::Unauthenticated { challenge: false }),
    }
}

/// The viewer a signed-in user acts as (see `users::acting_user`).
fn viewer_of(conn: &mut DbConnection, user: UserRow, switch_to: Option<String>) -> Result<Viewer, Error> {
    Ok(Viewer::User(Arc::new(users::acting_user(conn, user, switch_to)?)))
}

/// HTTP Basic with a login and password (or an API key as the login): the user, a bare 401
/// for any failure, or a 429 while the login or the client's address is locked out. Three
/// steps so that no connection is held while argon2 runs: read the user and the throttle,
/// check the password, write what the outcome changes.
async fn sign_in(
    state: &AppState,
    login: String,
    password: String,
    address: String,
    switch_to: Option<String>,
) -> Result<Viewer, Error> {
    let attempt = Attempt::new(&login, &address);
    let policy = state.logins.policy;
    let read = {
        let (attempt, switch_to) = (attempt.clone(), switch_to.clone());
        state
            .db
            .run(move |conn| {
                // The lockout first: a guess at a locked login, or from a locked address, costs
                // one look-up (an API key sent as the login from a locked address waits too).
                let checked = login_throttle::check(conn, &policy, &attempt, now_precise())?;
                let candidates = users::sign_in_candidates(conn, &login)?;
                if let (None, Some(user)) = (&candidates.by_login, &candidates.by_key) {
                    // An API key as the login, as Redmine allows: no password to check.
                    return Ok(Err(viewer_of(conn, user.clone(), switch_to.clone())?));
                }
                Ok(Ok((checked, candidates)))
            })
            .await?
    };
    let (checked, candidates) = match read {
        Ok(read) => read,
        Err(viewer) => return Ok(viewer),
    };
    let check = state.logins.check_password(candidates.by_login.clone(), password).await?;
    state
        .db
        .run(move |conn| match (check, candidates.by_login) {
            (PasswordCheck::Passed { rehashed }, Some(user)) => {
                if checked.login_has_failures {
                    login_throttle::record_success(conn, &attempt)?;
                }
                users::signed_in(conn, &user, rehashed)?;
                viewer_of(conn, user, switch_to)
            }
            // A login that is also some user's API key (Redmine tries the password first).
            (_, _) if candidates.by_key.is_some() => match candidates.by_key {
                Some(user) => viewer_of(conn, user, switch_to),
                None => Err(Error::Unauthenticated { challenge: false }),
            },
            _ => {
                login_throttle::record_failure(conn, &policy, &attempt, now_precise())?;
                Err(Error::Unauthenticated { challenge: false })
            }
        })
        .await
}

/// The time to the microsecond: lockouts of a second are compared to it.
fn now_precise() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
