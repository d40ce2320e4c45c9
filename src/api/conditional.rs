//! Conditional GETs, as Rails answers them for Redmine (Rack::ETag and Rack::ConditionalGet):
//! every complete GET answer carries an `ETag`, a digest of its body, and a request whose
//! `If-None-Match` names it gets `304 Not Modified` without the body. The tag is computed from
//! the answer itself, so it changes whenever any byte of the answer would: it cannot go stale.

use actix_web::body::{self, BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

/// Bodies larger than this are sent as they are, untagged (a digest would mean holding them).
const MAX_TAGGED_BYTES: u64 = 8 * 1024 * 1024;

pub async fn etag(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let wanted = (req.method() == Method::GET)
        .then(|| req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string));
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(if_none_match) = wanted else { return Ok(res) };
    // Only a whole answer of known length is tagged: streamed exports go out as they are read.
    let sized = matches!(res.response().body().size(), BodySize::Sized(n) if n <= MAX_TAGGED_BYTES);
    if res.status() != StatusCode::OK || !sized {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = body::to_bytes(body).await.map_err(|_| actix_web::error::ErrorInternalServerError("body"))?;
    let tag = tag_of(&bytes);
    let headers = head.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_str(&tag).expect("a hex digest is a valid header value"));
    // The answer depends on who asked: only the client may keep it, and must ask again.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=0, private, must-revalidate"));
    if if_none_match.as_deref().is_some_and(|wanted| matches(wanted, &tag)) {
        let mut not_modified = HttpResponse::NotModified();
        for name in [header::ETAG, header::CACHE_CONTROL, header::LAST_MODIFIED] {
            if let Some(value) = head.headers().get(&name) {
                not_modified.insert_header((name, value.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(bytes))))
}

/// A weak tag (`W/"…"`), as Rack's: the same answer compressed or not is the same to a client.
fn tag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether an `If-None-Match` list names `tag` (`*` names any), compared weakly.
fn matches(if_none_match: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if_none_match.split(',').any(|candidate| candidate.trim() == "*" || opaque(candidate) == opaque(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_matches_itself_weakly_in_a_list_and_star_matches_all() {
        let tag = tag_of(b"{}");
        assert!(matches(&tag, &tag));
        assert!(matches(&tag.replace("W/", ""), &tag), "weak comparison ignores W/");
        assert!(matches(&format!("\"other\", {tag}"), &tag));
        assert!(matches("*", &tag));
        assert!(!matches(&tag_of(b"[]"), &tag));
        assert!(!matches("", &tag));
    }
}
