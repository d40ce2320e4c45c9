//! The wire: which format a request wants (from the path suffix), the response tree and its two
//! renderers, request bodies and query strings, and the error bodies. API handlers return a tree
//! and leave the format to `Reply`; only the browser and file answers (`contact_posts`, `exports`) choose.

pub mod body;
pub mod errors;
pub mod json;
pub mod params;
pub mod query;
pub mod reply;
pub mod tree;
pub mod xml;

#[cfg(test)]
mod render_tests;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::Uri;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};

pub use reply::Reply;
pub use tree::{Document, Element, List, Node, Scalar};

/// This server's own `scheme://host` as the request reached it (behind a proxy, as forwarded),
/// for the absolute URLs Redmine answers with (`Location`, `content_url`, a search result's `url`).
pub fn own_origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// The representation a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Csv,
    Vcf,
    /// No suffix and no API `Accept`: a browser.
    Html,
}

impl Format {
    /// The API formats, for tests and loops over both.
    pub const API: [Format; 2] = [Format::Json, Format::Xml];

    fn from_suffix(suffix: &str) -> Option<Format> {
        match suffix {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            "csv" => Some(Format::Csv),
            "vcf" => Some(Format::Vcf),
            _ => None,
        }
    }

    /// Without a suffix, an explicit JSON or XML `Accept` still gets the API (the plugin's own
    /// curl examples rely on it); anything else is a browser — and a browser, whose `Accept`
    /// names `application/xml` too, always asks for `text/html` first.
    fn from_accept(headers: &HeaderMap) -> Format {
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
        if accept.contains("text/html") {
            Format::Html
        } else if accept.contains("application/json") {
            Format::Json
        } else if accept.contains("application/xml") || accept.contains("text/xml") {
            Format::Xml
        } else {
            Format::Html
        }
    }

    /// The format stored on the request by the middleware.
    pub fn of(req: &HttpRequest) -> Format {
        req.extensions().get::<Format>().copied().unwrap_or(Format::Json)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Vcf => "text/vcard; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    pub fn is_api(self) -> bool {
        matches!(self, Format::Json | Format::Xml)
    }
}

/// Paths under which a dot belongs to the resource (a file name), not to a format suffix.
const UNSUFFIXED_PREFIXES: [&str; 1] = ["/attachments/download/"];

/// Strips a known format suffix from the path before routing, so one route table serves
/// `/contacts.json`, `/contacts.xml` and `/contacts`, and records the format on the request.
/// Error responses get their body here, in that format.
pub async fn negotiate(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path().to_string();
    let mut format = None;
    if !UNSUFFIXED_PREFIXES.iter().any(|p| path.starts_with(p)) {
        if let Some((stem, suffix)) = path.rsplit_once('.') {
            if !stem.is_empty() && !suffix.contains('/') {
                if let Some(found) = Format::from_suffix(suffix) {
                    format = Some(found);
                    rewrite_path(&mut req, stem);
                }
            }
        }
    }
    let format = format.unwrap_or_else(|| Format::from_accept(req.headers()));
    req.extensions_mut().insert(format);
    // A NUL byte (`%00`) in a parameter is refused before any handler: no parameter means
    // one, and PostgreSQL fails on one in a text value (schemathesis found `search=a%00b`).
    if req.query_string().to_ascii_lowercase().contains("%00") {
        let err = crate::error::Error::BadRequest("a query parameter holds a NUL byte (%00)".into());
        let res = ServiceResponse::from_err(err, req.into_parts().0);
        return Ok(errors::render_error_body(res, format));
    }
    let res = next.call(req).await?;
    // A handler may have switched the request to HTML (a browser's form post).
    let format = res.request().extensions().get::<Format>().copied().unwrap_or(format);
    Ok(errors::render_error_body(res, format))
}

fn rewrite_path(req: &mut ServiceRequest, stem: &str) {
    let path_and_query = match req.query_string() {
        "" => stem.to_string(),
        q => format!("{stem}?{q}"),
    };
    let mut parts = req.head().uri.clone().into_parts();
    let Ok(pq) = path_and_query.parse() else { return };
    parts.path_and_query = Some(pq);
    if let Ok(uri) = Uri::from_parts(parts) {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
}
