//! Error responses, in one place: the status comes from `Error::status_code`, the headers a
//! client acts on (`WWW-Authenticate`, `Retry-After`) are set here, and the format middleware
//! writes the body in the request's format (Redmine's `errors` list, or an HTML page for browsers).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use super::tree::{Document, List, Node};
use super::{json, xml, Format};
use crate::error::Error;

/// The response before the body: status and the headers a client acts on.
pub fn bare_response(err: &Error) -> HttpResponse {
    let mut res = HttpResponse::build(err.status_code());
    match err {
        Error::Unauthenticated { challenge: true } => {
            res.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="Redmine API""#));
        }
        Error::RateLimited { retry_after_secs } => {
            res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        Error::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
        _ => {}
    }
    res.finish()
}

/// The sentences shown for an error; the cause of an internal error is never among them.
pub fn messages(err: &Error) -> Vec<String> {
    let text = match err {
        Error::Invalid(messages) => return messages.clone(),
        Error::BadRequest(reason) => return vec![reason.clone()],
        Error::Unauthenticated { .. } => "Authentication required",
        Error::Forbidden => "You are not authorized to access this resource",
        Error::NotFound => "Not found",
        Error::NotAcceptable => {
            "We couldn't handle your request, sorry. If you were trying to access the API, \
             make sure to append .json or .xml to your request URL."
        }
        Error::PreconditionFailed => "Invalid X-Redmine-Switch-User header",
        Error::BodyStalled => "The request body stopped arriving",
        Error::TooLarge => "Request body too large",
        Error::UnsupportedMedia => "Unsupported content type",
        Error::RateLimited { .. } => "Too many requests, try again later",
        Error::Unavailable => "The service is unavailable, try again later",
        Error::TimedOut => "The request took too long and was stopped; narrow it down or try again later",
        Error::Internal(_) => "Internal error",
    };
    vec![text.to_string()]
}

/// Fills in the body of an error response in `format`; other responses pass through.
pub fn render_error_body<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    format: Format,
) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res.map_into_boxed_body();
    }
    let messages = match res.response().error().and_then(|e| e.as_error::<Error>()) {
        Some(err) => messages(err),
        // actix's own refusals (an unknown method on a known path, say) get a sentence too.
        None => vec![status.canonical_reason().unwrap_or("Error").to_string()],
    };
    let (req, mut response) = res.into_parts();
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .filter(|r| r.starts_with("http://") || r.starts_with("https://"))
        .map(str::to_string);
    let (content_type, body) = error_body(status, &messages, format, back.as_deref());
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    let response = response.set_body(BoxBody::new(body));
    ServiceResponse::new(req, response)
}

/// The body in `format`; a browser's page links `back` to the page it came from.
fn error_body(status: StatusCode, messages: &[String], format: Format, back: Option<&str>) -> (&'static str, Vec<u8>) {
    let doc = Document::new("errors", List::new("error", messages.iter().map(|m| Node::from(m.as_str()))));
    match format {
        Format::Xml => (Format::Xml.content_type(), xml::render(&doc)),
        Format::Html => {
            (Format::Html.content_type(), crate::views::pages::error(status.as_u16(), messages, back).into_bytes())
        }
        _ => (Format::Json.content_type(), json::render(&doc)),
    }
}
