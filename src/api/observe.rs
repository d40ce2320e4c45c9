//! The outermost middleware: every request gets an id (the client's `X-Request-Id` when it is
//! a plain token, else a new one) echoed in the answer, one log line and its metrics. The line
//! names the route pattern, never the path's ids or the query string (which may carry `key=`).

use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpMessage;

use tracing::Instrument;

use crate::api::probes;
use crate::telemetry::names;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The user a request's credentials named (set by the `Viewer` extractor), for its log line.
#[derive(Debug, Clone, Copy)]
pub struct SignedInUser(pub i32);

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_plain_id(v))
        .map_or_else(new_id, str::to_string);
    // Only a middleware fails this way (handlers' errors are answers by now; `negotiate`
    // renders every one): no request is left to answer with, the line is still written.
    let method = method_label(req.method());
    // What is logged while the request runs (an internal error's cause) carries its id.
    let span = tracing::info_span!("request", request_id = id.as_str());
    let mut res = match next.call(req).instrument(span).await {
        Ok(res) => res,
        Err(err) => {
            let status = err.as_response_error().status_code().as_u16();
            record(method, "unmatched", status, started.elapsed(), &id, None);
            return Err(err);
        }
    };
    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    // Unmatched paths share one label: a scan of random URLs must not grow the metrics.
    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_string());
    let user_id = res.request().extensions().get::<SignedInUser>().map(|u| u.0);
    record(method, &route, res.status().as_u16(), elapsed, &id, user_id);
    Ok(res)
}

/// The request's metrics and log line.
fn record(method: &'static str, route: &str, status: u16, elapsed: Duration, id: &str, user_id: Option<i32>) {
    metrics::histogram!(names::HTTP_DURATION, "method" => method, "route" => route.to_string()).record(elapsed);
    metrics::counter!(names::HTTP_REQUESTS, "method" => method, "route" => route.to_string(), "status" => status.to_string())
        .increment(1);
    let duration_ms = elapsed.as_micros() as f64 / 1000.0;
    macro_rules! line {
        ($level:expr) => {
            tracing::event!(
                target: "contacts_server::request",
                $level,
                method,
                route,
                status,
                duration_ms,
                request_id = id,
                user_id,
                "request"
            )
        };
    }
    // Probes, asked every few seconds: their lines are debug-level.
    if probes::PATHS.contains(&route) {
        line!(tracing::Level::DEBUG);
    } else {
        line!(tracing::Level::INFO);
    }
}

/// 1 to 64 letters, digits, `.`, `_` or `-`: safe in a header and a log line.
fn is_plain_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// 128 random bits in hex.
fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The standard methods by name, any other as `other`, so a made-up method adds no series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_clients_are_kept_only_when_plain() {
        assert!(is_plain_id("abc-123_x.y"));
        assert!(is_plain_id(&"a".repeat(64)));
        assert!(!is_plain_id(&"a".repeat(65)));
        assert!(!is_plain_id(""));
        assert!(!is_plain_id("a b"));
        assert!(!is_plain_id("a\"b"));
        assert_eq!(new_id().len(), 32);
    }
}
