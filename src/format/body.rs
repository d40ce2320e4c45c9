//! `Body`: a request body read once (within the size limit) and parsed by its content type into
//! one params tree, as Rails merges JSON, XML and form bodies into `params`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::params::{self, ParseLimits};
use crate::error::Error;

/// Limits on request bodies, shared through app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub parse: ParseLimits,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits { max_bytes: 1024 * 1024, parse: ParseLimits::default() }
    }
}

/// The parsed body: always a JSON object (empty when there was no body).
#[derive(Debug, Clone)]
pub struct Body(pub Map<String, Value>);

impl Body {
    /// The object under `root` (`contact` in `{"contact": {…}}`); a missing root is an empty
    /// object, anything else under it is a 400.
    pub fn section(&self, root: &str) -> Result<Map<String, Value>, Error> {
        match self.0.get(root) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map.clone()),
            Some(_) => Err(Error::BadRequest(format!("`{root}` must be an object"))),
        }
    }
}

impl FromRequest for Body {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Body, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limits = req.app_data::<web::Data<BodyLimits>>().map(|d| *d.get_ref()).unwrap_or_default();
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_len.is_some_and(|n| n > limits.max_bytes) {
                return Err(Error::TooLarge);
            }
            let mut bytes = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| Error::BadRequest("the request body could not be read".into()))?;
                if bytes.len() + chunk.len() > limits.max_bytes {
                    return Err(Error::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            parse(content_type.as_deref(), &bytes, limits.parse).map(Body)
        })
    }
}

fn parse(content_type: Option<&str>, bytes: &[u8], limits: ParseLimits) -> Result<Map<String, Value>, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let parsed = match content_type {
        Some("application/json") => params::parse_json(bytes, limits),
        Some("application/xml") | Some("text/xml") => params::parse_xml(bytes, limits),
        Some("application/x-www-form-urlencoded") => params::parse_form(bytes, limits),
        _ => return Err(Error::UnsupportedMedia),
    };
    match parsed.map_err(|e| Error::BadRequest(e.0))? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::BadRequest("the body must be an object".into())),
    }
}
