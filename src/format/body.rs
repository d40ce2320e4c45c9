//! `Body`: a request body read once (within the size limit) and parsed by its content type into
//! one params tree, as Rails merges JSON, XML and form bodies into `params`.

use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
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
    /// A JSON, XML or form body, and the text of a multipart body.
    pub max_bytes: usize,
    /// One uploaded file (an avatar, `/uploads`).
    pub max_file_bytes: usize,
    /// One text field of a multipart form.
    pub max_field_bytes: usize,
    /// The longest a body may stall between two chunks: a client that declares a body and
    /// sends none would otherwise hold its request open for good.
    pub idle: Duration,
    /// The longest a whole body may take to arrive: a client trickling a byte within every
    /// `idle` gap would otherwise hold its connection for good.
    pub total: Duration,
    pub parse: ParseLimits,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            max_bytes: 1024 * 1024,
            max_file_bytes: 2 * 1024 * 1024,
            max_field_bytes: 64 * 1024,
            idle: Duration::from_secs(30),
            total: Duration::from_secs(60),
            parse: ParseLimits::default(),
        }
    }
}

/// A file part of a multipart form.
#[derive(Debug, Clone)]
pub struct FilePart {
    /// The field name, as `contact[avatar]`.
    pub name: String,
    pub filename: String,
    pub bytes: web::Bytes,
}

/// The parsed body: always a JSON object (empty when there was no body), and the files of a
/// multipart form.
#[derive(Debug, Clone)]
pub struct Body(pub Map<String, Value>, pub Vec<FilePart>);

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

    /// The file sent as field `name`, if any.
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.1.iter().find(|f| f.name == name)
    }

    /// A top-level text parameter (`key`, `back_url`, a honeypot), trimmed, if not blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
    }
}

impl FromRequest for Body {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Body, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limits = req.app_data::<web::Data<BodyLimits>>().map(|d| *d.get_ref()).unwrap_or_default();
        let full_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let content_type = full_type.as_deref().map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            let deadline = Deadline::new(limits);
            if content_type.as_deref() == Some("multipart/form-data") {
                let boundary = multer::parse_boundary(full_type.unwrap_or_default())
                    .map_err(|_| Error::BadRequest("the multipart body has no boundary".into()))?;
                if declared_len.is_some_and(|n| n > limits.max_bytes + limits.max_file_bytes) {
                    return Err(Error::TooLarge);
                }
                return read_multipart(payload, boundary, limits, deadline).await;
            }
            if declared_len.is_some_and(|n| n > limits.max_bytes) {
                return Err(Error::TooLarge);
            }
            let bytes = read_all(&mut payload, limits.max_bytes, deadline).await?;
            parse(content_type.as_deref(), &bytes, limits.parse).map(|params| Body(params, Vec::new()))
        })
    }
}

/// Reads a `multipart/form-data` body as it streams in (multer): text parts become params by
/// Rack's rules, file parts are kept whole up to the file limit. Too many parts, a part without
/// a name, an oversized part and a truncated body are each refused before anything is stored.
async fn read_multipart(
    mut payload: Payload,
    boundary: String,
    limits: BodyLimits,
    deadline: Deadline,
) -> Result<Body, Error> {
    // multer wants a Send stream and actix's payload is not: a channel carries the chunks
    // from one half of this future to the other.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(4);
    let forward = async move {
        loop {
            let chunk = match next_chunk(&mut payload, deadline).await {
                Ok(None) => return Ok(()),
                Ok(Some(chunk)) => Ok(chunk),
                Err(late @ (Error::BodyStalled | Error::BodyTooSlow)) => {
                    let _ = tx.send(Err(std::io::Error::other("stalled"))).await;
                    return Err(late);
                }
                Err(_) => Err(std::io::Error::other("the request body could not be read")),
            };
            if tx.send(chunk).await.is_err() {
                return Ok(()); // the parser stopped early
            }
        }
    };
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let (forwarded, parsed) = futures_util::future::join(forward, parse_multipart(stream, boundary, limits)).await;
    // A stalled body reads to the parser as a broken one; it is the client that went quiet.
    forwarded?;
    parsed
}

/// When a body must have arrived: within `idle` of its last chunk, and within `total` of its
/// start.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    idle: Duration,
    end: Instant,
}

impl Deadline {
    /// From now, by `limits.idle` and `limits.total`.
    pub fn new(limits: BodyLimits) -> Deadline {
        Deadline { idle: limits.idle, end: Instant::now() + limits.total }
    }
}

/// The next chunk of a body, `None` at its end; 408 when none comes within `idle`, or the body
/// is not whole by its deadline.
async fn next_chunk(payload: &mut Payload, deadline: Deadline) -> Result<Option<web::Bytes>, Error> {
    let left = deadline.end.saturating_duration_since(Instant::now());
    match actix_web::rt::time::timeout(deadline.idle.min(left), payload.next()).await {
        Err(_) if deadline.idle <= left => Err(Error::BodyStalled),
        Err(_) => Err(Error::BodyTooSlow),
        Ok(None) => Ok(None),
        Ok(Some(chunk)) => {
            chunk.map(Some).map_err(|_: PayloadError| Error::BadRequest("the request body could not be read".into()))
        }
    }
}

/// A whole body of at most `limit` bytes.
async fn read_all(payload: &mut Payload, limit: usize, deadline: Deadline) -> Result<web::BytesMut, Error> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = next_chunk(payload, deadline).await? {
        if bytes.len() + chunk.len() > limit {
            return Err(Error::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

async fn parse_multipart(
    stream: impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> + Send + 'static,
    boundary: String,
    limits: BodyLimits,
) -> Result<Body, Error> {
    let size = multer::SizeLimit::new()
        .whole_stream((limits.max_bytes + limits.max_file_bytes) as u64)
        .per_field(limits.max_file_bytes as u64);
    let mut multipart =
        multer::Multipart::with_constraints(stream, boundary, multer::Constraints::new().size_limit(size));
    let mut params = Map::new();
    let mut files = Vec::new();
    let mut parts = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        parts += 1;
        if parts > limits.parse.max_fields {
            return Err(Error::BadRequest("the form has too many fields".into()));
        }
        let name = field
            .name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::BadRequest("a part of the form has no name".into()))?
            .to_string();
        match field.file_name().map(str::to_string) {
            // A file input left empty still sends a part with an empty file name.
            Some(filename) => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if !filename.is_empty() || !bytes.is_empty() {
                    files.push(FilePart { name, filename, bytes });
                }
            }
            None => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if bytes.len() > limits.max_field_bytes {
                    return Err(Error::TooLarge);
                }
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| Error::BadRequest("invalid UTF-8 in a form field".into()))?;
                params::insert_rack_pair(&mut params, &name, Value::String(text), limits.parse)
                    .map_err(|e| Error::BadRequest(e.0))?;
            }
        }
    }
    Ok(Body(params, files))
}

fn multipart_error(e: multer::Error) -> Error {
    match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => Error::TooLarge,
        multer::Error::IncompleteFieldData { .. }
        | multer::Error::IncompleteStream
        | multer::Error::IncompleteHeaders => Error::BadRequest("the multipart body is truncated".into()),
        _ => Error::BadRequest("the multipart body is malformed".into()),
    }
}

/// Reads a raw body (`/uploads`) of at most `limit` bytes.
pub async fn read_limited(
    payload: web::Payload,
    declared: Option<usize>,
    limit: usize,
    deadline: Deadline,
) -> Result<web::Bytes, Error> {
    if declared.is_some_and(|n| n > limit) {
        return Err(Error::TooLarge);
    }
    Ok(read_all(&mut payload.into_inner(), limit, deadline).await?.freeze())
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
