//! `Reply`: what a handler returns on success. It renders the tree in the request's format.

use actix_web::body::BoxBody;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, Responder};
use chrono::NaiveDateTime;

use super::query::QueryParams;
use super::tree::Document;
use super::{json, xml, Format};
use crate::error::Error;

#[derive(Debug)]
pub enum Reply {
    /// A tree, rendered as JSON or XML; `last_modified` is the newest `updated_on` of the
    /// records it shows, where the handler knows it.
    Document {
        status: StatusCode,
        doc: Document,
        location: Option<String>,
        last_modified: Option<NaiveDateTime>,
        /// A paged list's `Link` header (RFC 8288).
        link: Option<String>,
    },
    /// 204, Redmine's answer to a successful update or delete.
    NoContent,
    /// A download (CSV, vCard): its type, the file name offered, and the bytes, possibly
    /// streamed as they are read.
    File { content_type: &'static str, filename: String, body: BoxBody },
}

impl Reply {
    pub fn ok(doc: Document) -> Reply {
        Reply::Document { status: StatusCode::OK, doc, location: None, last_modified: None, link: None }
    }

    /// Sends `Link: <url>; rel="next", …` for each of `links` given (`rel`, URL).
    pub fn links<'a>(mut self, links: impl IntoIterator<Item = (&'a str, Option<&'a String>)>) -> Reply {
        if let Reply::Document { link, .. } = &mut self {
            let header: Vec<String> =
                links.into_iter().filter_map(|(rel, url)| url.map(|u| format!("<{u}>; rel=\"{rel}\""))).collect();
            *link = (!header.is_empty()).then(|| header.join(", "));
        }
        self
    }

    /// Sends `Last-Modified` with the newest of `times` (UTC), when there is one.
    pub fn last_modified(mut self, times: impl IntoIterator<Item = NaiveDateTime>) -> Reply {
        if let Reply::Document { last_modified, .. } = &mut self {
            *last_modified = times.into_iter().max();
        }
        self
    }

    /// 201 with the new record and a `Location` (a path; made absolute when answering).
    pub fn created(doc: Document, location: String) -> Reply {
        Reply::Document { status: StatusCode::CREATED, doc, location: Some(location), last_modified: None, link: None }
    }
}

impl Responder for Reply {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        match self {
            Reply::NoContent => HttpResponse::NoContent().finish(),
            Reply::File { content_type, filename, body } => HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, content_type))
                .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
                .insert_header(("X-Content-Type-Options", "nosniff"))
                .body(body),
            Reply::Document { status, doc, location, last_modified, link } => {
                let format = Format::of(req);
                let doc = if wants_no_meta(req) { doc.without_meta() } else { doc };
                let body = match format {
                    Format::Json => json::render(&doc),
                    Format::Xml => xml::render(&doc),
                    // An API document asked for without `.json`/`.xml`: Redmine's 406.
                    _ => return actix_web::ResponseError::error_response(&Error::NotAcceptable),
                };
                let mut res = HttpResponse::build(status);
                res.insert_header((header::CONTENT_TYPE, format.content_type()));
                if let Some(time) = last_modified {
                    let time = std::time::SystemTime::from(time.and_utc());
                    res.insert_header((header::LAST_MODIFIED, header::HttpDate::from(time).to_string()));
                }
                if let Some(link) = link {
                    res.insert_header((header::LINK, link));
                }
                if let Some(path) = location {
                    res.insert_header((header::LOCATION, format!("{}{path}", super::own_origin(req))));
                }
                res.body(body)
            }
        }
    }
}

/// `nometa=1` or an `X-Redmine-Nometa` header drops total_count, offset and limit.
fn wants_no_meta(req: &HttpRequest) -> bool {
    req.headers().contains_key("x-redmine-nometa")
        || QueryParams::from_request(req).get("nometa").is_some_and(|v| !v.is_empty())
}
