//! Conditional GETs, as Rails answers them for Redmine (Rack::ETag and Rack::ConditionalGet):
//! every complete GET answer carries an `ETag`, and a request whose `If-None-Match` names it
//! gets `304 Not Modified` without the body.
//!
//! A tag is a digest of what decides the answer: the database's data version
//! (`store::data_versions`, which every committed write to a table an answer reads makes
//! larger), read before anything else of the request; who asks; and the request (its URL,
//! `Accept` and the origin it reached) and the server's version. The same digest made for a
//! later request is the same only if no write committed in between, so its answer would be the
//! same too: that request is answered 304 before its handler runs, for the price of reading one
//! number and the caller's rights. A 304 is neither counted nor refused by the rate limits
//! (which run inside), as GitHub's API does not count them.
//!
//! The webhook delivery log, which the worker writes while requests are served outside the
//! data version, is tagged by a digest of its body instead (`tag_by_body`).

use actix_web::body::{self, BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

use crate::api::probes;
use crate::api::state::AppState;
use crate::auth;
use crate::domain::access::Viewer;

/// Bodies larger than this are sent as they are, untagged (a digest would mean holding them).
const MAX_TAGGED_BYTES: u64 = 8 * 1024 * 1024;

/// The answer depends on who asked: only the client may keep it, and must ask again.
const PRIVATE_REVALIDATE: &str = "max-age=0, private, must-revalidate";

/// Marks an answer whose tag is a digest of its body (see the module's doc).
pub struct TagByBody;

/// `res` to be tagged by its body.
pub fn tag_by_body(mut res: HttpResponse) -> HttpResponse {
    res.extensions_mut().insert(TagByBody);
    res
}

pub async fn etag(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Probes are never tagged (`no-store`), and must not wait on the database for a version.
    if req.method() != Method::GET || req.app_data::<Data<AppState>>().is_none() || probes::is_probe(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let wanted = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let tag = version_tag(&req).await;
    // Only a tag itself, never `*`: a tag is only ever given with a 200, while `*` asks
    // whether there is an answer at all, which only the handler knows.
    if let (Some(tag), Some(wanted)) = (&tag, &wanted) {
        if names(wanted, tag) {
            return Ok(req.into_response(not_modified(tag)));
        }
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let kept = res.headers().get(header::CACHE_CONTROL).is_some_and(|v| v.as_bytes() == b"no-store");
    if res.status() != StatusCode::OK || kept {
        return Ok(res);
    }
    if res.response().extensions().contains::<TagByBody>() {
        return tagged_by_body(res, wanted).await;
    }
    let Some(tag) = tag else { return Ok(res) };
    if wanted.as_deref().is_some_and(names_any) {
        return Ok(ServiceResponse::new(res.into_parts().0, not_modified(&tag)));
    }
    label(res.headers_mut(), &tag);
    Ok(res)
}

/// This request's tag at the current data version, with its viewer resolved on the way (and kept
/// for the handler); `None` when the version cannot be read or the credentials fail (the handler
/// then answers the error).
async fn version_tag(req: &ServiceRequest) -> Option<String> {
    // The version first: the caller's rights and every row read after it are at least as new,
    // so an answer is never older than its tag says.
    let (viewer, version) = auth::resolve_request(req.request(), true).await;
    let who = match &viewer {
        Ok(Viewer::Anonymous) => "anonymous".to_string(),
        Ok(Viewer::User(user)) => format!("user {}", user.id),
        Ok(Viewer::Form(form)) => format!("form {}", form.id),
        Err(_) => String::new(),
    };
    auth::remember_viewer(req.request(), viewer);
    let version = version.filter(|_| !who.is_empty())?;
    let accept = req.headers().get(header::ACCEPT).map_or(&b""[..], |v| v.as_bytes());
    let mut digest = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION").as_bytes(),
        version.to_string().as_bytes(),
        who.as_bytes(),
        req.uri().to_string().as_bytes(),
        accept,
        crate::format::own_origin(req.request()).as_bytes(),
    ] {
        // Each part's length first: no two different lists of parts digest the same bytes.
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    Some(weak_tag(&digest.finalize()))
}

async fn tagged_by_body(
    res: ServiceResponse<BoxBody>,
    wanted: Option<String>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Only a whole answer of known length: a streamed one goes out as it is read.
    if !matches!(res.response().body().size(), BodySize::Sized(n) if n <= MAX_TAGGED_BYTES) {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = body::to_bytes(body).await.map_err(|_| actix_web::error::ErrorInternalServerError("body"))?;
    let tag = weak_tag(&Sha256::digest(&bytes));
    if wanted.as_deref().is_some_and(|wanted| names(wanted, &tag) || names_any(wanted)) {
        return Ok(ServiceResponse::new(req, not_modified(&tag)));
    }
    label(head.headers_mut(), &tag);
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(bytes))))
}

fn label(headers: &mut header::HeaderMap, tag: &str) {
    headers.insert(header::ETAG, HeaderValue::from_str(tag).expect("a hex digest is a valid header value"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE_REVALIDATE));
}

fn not_modified(tag: &str) -> HttpResponse {
    let mut res = HttpResponse::NotModified().finish();
    label(res.headers_mut(), tag);
    res
}

/// A weak tag (`W/"…"`), as Rack's: the same answer compressed or not is the same to a client.
fn weak_tag(digest: &[u8]) -> String {
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether an `If-None-Match` list names `tag`, compared weakly.
fn names(if_none_match: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if_none_match.split(',').any(|candidate| opaque(candidate) == opaque(tag))
}

/// Whether an `If-None-Match` list holds `*`: any current answer.
fn names_any(if_none_match: &str) -> bool {
    if_none_match.split(',').any(|candidate| candidate.trim() == "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_named_weakly_in_a_list_and_star_names_any() {
        let tag = weak_tag(&Sha256::digest(b"{}"));
        assert!(names(&tag, &tag));
        assert!(names(&tag.replace("W/", ""), &tag), "weak comparison ignores W/");
        assert!(names(&format!("\"other\", {tag}"), &tag));
        assert!(!names("*", &tag) && names_any("W/\"a\", *"));
        assert!(!names(&weak_tag(&Sha256::digest(b"[]")), &tag));
        assert!(!names("", &tag) && !names_any(&tag));
    }
}
