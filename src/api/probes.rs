//! What load balancers and monitoring ask: `/health` (the process answers), `/ready` (the
//! database answers and the schema is current) and `/metrics` (Prometheus' text format).
//! None needs a format suffix; each answers the same with one.

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use subtle::ConstantTimeEq;

use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::error::Error;
use crate::format::errors::OwnBody;
use crate::telemetry::{self, names};

/// The probes' paths. Asked every few seconds, and `/health` must answer from the process alone
/// even while the database hangs: nothing before their handlers may wait on the pool.
pub const PATHS: [&str; 3] = ["/health", "/ready", "/metrics"];

/// Is `path` (format suffix or not) one of the probes?
pub fn is_probe(path: &str) -> bool {
    let stem = path.rsplit_once('.').map_or(path, |(stem, _)| stem);
    PATHS.contains(&stem)
}

/// How long `/ready` waits for the database.
const READY_WITHIN: Duration = Duration::from_secs(1);

/// Who may read `/metrics` (`serve --metrics-token`, `--metrics-bind`).
#[derive(Debug, Clone, Default)]
pub struct MetricsAccess {
    /// When set, `Authorization: Bearer <token>` is required.
    pub token: Option<String>,
    /// The `--metrics-bind` listener's address: it serves `/metrics` alone, and the main
    /// listener then does not.
    pub listener: Option<SocketAddr>,
}

impl MetricsAccess {
    fn on_metrics_listener(&self, req: &HttpRequest) -> bool {
        self.listener == Some(req.app_config().local_addr())
    }
}

/// With `--metrics-bind`, `/metrics` is found on that listener only and nothing else is.
pub async fn metrics_listener_apart(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(access) = req.app_data::<Data<MetricsAccess>>() {
        if access.listener.is_some() && access.on_metrics_listener(req.request()) != (req.path() == "/metrics") {
            return Ok(ServiceResponse::from_err(Error::NotFound, req.into_parts().0));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

pub async fn health() -> HttpResponse {
    json(HttpResponse::Ok(), r#"{"status":"ok"}"#.to_string())
}

pub async fn ready(state: Data<AppState>) -> HttpResponse {
    match state.db.readiness(READY_WITHIN).await {
        Ok(()) => json(HttpResponse::Ok(), r#"{"status":"ready"}"#.to_string()),
        Err(reason) => {
            let body = serde_json::json!({"status": "unavailable", "reason": reason}).to_string();
            let mut res = json(HttpResponse::ServiceUnavailable(), body);
            // The reason is the body: not replaced by the error pages.
            res.extensions_mut().insert(OwnBody);
            res
        }
    }
}

fn json(mut builder: actix_web::HttpResponseBuilder, body: String) -> HttpResponse {
    builder
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The metrics, to whoever `MetricsAccess` lets in: the token's holder, or else an admin.
pub async fn metrics(req: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, Error> {
    let access = req.app_data::<Data<MetricsAccess>>().map(|a| a.get_ref().clone()).unwrap_or_default();
    match &access.token {
        Some(token) => {
            let sent = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            if !sent.is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(token.as_bytes()))) {
                return Err(Error::Unauthenticated { challenge: false });
            }
        }
        // A listener of its own, without a token, is protected by where it listens.
        None if access.on_metrics_listener(&req) => {}
        None => match Viewer::from_request(&req, &mut Payload::None).await? {
            Viewer::User(user) if user.admin => {}
            Viewer::Anonymous => return Err(Error::Unauthenticated { challenge: true }),
            _ => return Err(Error::Forbidden),
        },
    }
    let (in_use, idle) = state.db.pool_state();
    metrics::gauge!(names::POOL_CONNECTIONS, "state" => "in_use").set(in_use);
    metrics::gauge!(names::POOL_CONNECTIONS, "state" => "idle").set(idle);
    metrics::gauge!(names::POOL_MAX).set(state.db.max_connections() as f64);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(telemetry::metrics().render()))
}
