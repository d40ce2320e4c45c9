//! Who is calling: the `Viewer` extractor reads Redmine's credentials — `key=` parameter,
//! `X-Redmine-API-Key`, HTTP Basic (login:password or key:anything), Bearer — and
//! `X-Redmine-Switch-User` for admins. A wrong credential is a 401, never a silent anonymous.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, FromRequest, HttpRequest};
use base64::Engine;
use futures_util::future::LocalBoxFuture;

use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::users::{self, Credentials};
use crate::domain::web_forms;
use crate::error::Error;
use crate::format::query::QueryParams;
use crate::store::users::{self as user_store, STATUS_ACTIVE};

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
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credentials = credentials(req);
        let switch_to = header_text(req.headers(), "x-redmine-switch-user");
        Box::pin(async move {
            let Some(credentials) = credentials? else { return Ok(Viewer::Anonymous) };
            let state = state.ok_or_else(|| Error::Internal(anyhow::anyhow!("no app state")))?;
            resolve(&state, credentials, switch_to).await
        })
    }
}

/// The viewer a `key` sent in a form body stands for (the plugin's web forms post it there).
pub async fn viewer_for_key(state: &AppState, key: &str) -> Result<Viewer, Error> {
    resolve(state, Credentials::ApiKey(key.to_string()), None).await
}

/// A user's credentials, or else a web form's key; neither is a 401. Looked up on every
/// request: what a caller may do is never remembered, so a lock or a removed membership counts
/// on the next request to any instance.
async fn resolve(state: &AppState, credentials: Credentials, switch_to: Option<String>) -> Result<Viewer, Error> {
    state
        .db
        .run(move |conn| {
            let Some(mut user) = users::authenticate(conn, &credentials)? else {
                if let Credentials::ApiKey(key) = &credentials {
                    if let Some(form) = web_forms::by_key(conn, key)? {
                        return Ok(Viewer::Form(Arc::new(form)));
                    }
                }
                return Err(Error::Unauthenticated { challenge: false });
            };
            if let (true, Some(login)) = (user.admin, switch_to) {
                user = user_store::find_by_login(conn, &login)?
                    .filter(|u| u.status == STATUS_ACTIVE)
                    .ok_or(Error::PreconditionFailed)?;
            }
            Ok(Viewer::User(Arc::new(users::current_user(conn, &user)?)))
        })
        .await
}
