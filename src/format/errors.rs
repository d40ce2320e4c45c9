//! The body of an error response, in the request's format: Redmine's `errors` list in XML or
//! JSON, or an HTML page for browsers. A client that sends `X-Error-Details: 1` also learns the
//! field of each message of a 422. The status, headers and sentences are `error.rs`'s.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use askama::Template;

use super::tree::{Document, List, Node};
use super::{json, xml, Format};
use crate::error::Error;

/// Marks an error response whose body is already what it should be (`/ready`'s reason).
#[derive(Debug, Clone, Copy)]
pub struct OwnBody;

/// Fills in the body of an error response in `format`; other responses pass through.
pub fn render_error_body<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    format: Format,
) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || res.response().extensions().contains::<OwnBody>() {
        return res.map_into_boxed_body();
    }
    let err = res.response().error().and_then(|e| e.as_error::<Error>());
    let mut messages = match err {
        Some(err) => err.messages(),
        // actix's own refusals (an unknown method on a known path, say) get a sentence too.
        None => vec![status.canonical_reason().unwrap_or("Error").to_string()],
    };
    if status == StatusCode::NOT_ACCEPTABLE {
        // The addresses to use instead, spelled out (no query: it may carry `key=`).
        let path = res.request().path();
        messages.push(format!("Use {path}.json or {path}.xml"));
    }
    let details = match err {
        Some(err) if wants_details(res.request()) => err.details(),
        _ => Vec::new(),
    };
    let (req, mut response) = res.into_parts();
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .filter(|r| r.starts_with("http://") || r.starts_with("https://"))
        .map(str::to_string);
    let (content_type, body) = if details.is_empty() || !format.is_api() {
        error_body(status, &messages, format, back.as_deref())
    } else {
        detailed_body(&details, format)
    };
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    let response = response.set_body(BoxBody::new(body));
    ServiceResponse::new(req, response)
}

/// The body in `format`; a browser's page links `back` to the page it came from.
fn error_body(status: StatusCode, messages: &[String], format: Format, back: Option<&str>) -> (&'static str, Vec<u8>) {
    let doc = Document::new("errors", List::new("error", messages.iter().map(|m| Node::from(m.as_str()))));
    match format {
        Format::Xml => (Format::Xml.content_type(), xml::render(&doc)),
        Format::Html => (Format::Html.content_type(), error_page(status.as_u16(), messages, back).into_bytes()),
        _ => (Format::Json.content_type(), json::render(&doc)),
    }
}

fn wants_details(req: &actix_web::HttpRequest) -> bool {
    req.headers().get("x-error-details").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "1")
}

/// `{"errors": [...], "details": [{"field", "message"}]}`; in XML each `error` carries its
/// `field` as an attribute beside its text.
fn detailed_body(details: &[(String, String)], format: Format) -> (&'static str, Vec<u8>) {
    if format == Format::Xml {
        return (Format::Xml.content_type(), xml::render_field_errors(details));
    }
    let body = serde_json::json!({
        "errors": details.iter().map(|(_, m)| m).collect::<Vec<_>>(),
        "details": details.iter().map(|(f, m)| serde_json::json!({"field": f, "message": m})).collect::<Vec<_>>(),
    });
    (Format::Json.content_type(), body.to_string().into_bytes())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: &'a str,
    heading: &'a str,
    messages: &'a [String],
    back: Option<&'a str>,
}

/// A page listing what went wrong, under a heading saying what happened, with a link back to
/// the form when there is one.
fn error_page(status: u16, messages: &[String], back: Option<&str>) -> String {
    ErrorPage { status: &status.to_string(), heading: heading(status), messages, back }.render().unwrap_or_default()
}

/// What an HTML error page's heading says for its status.
fn heading(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        401 => "Sign-in required",
        403 => "Not allowed",
        404 => "Page not found",
        405 => "Method not allowed",
        406 => "This address serves the API: add .json or .xml",
        408 => "The request took too long to arrive",
        412 => "Unknown user to act as",
        413 => "Too large",
        415 => "Unsupported content type",
        422 => "Please correct the form",
        429 => "Too many requests",
        503 => "Service unavailable",
        s if s >= 500 => "Something went wrong on our side",
        _ => "The request could not be answered",
    }
}
