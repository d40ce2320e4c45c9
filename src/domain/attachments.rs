//! Attachments: contact avatars and Redmine's upload API. A file's type is found from its
//! bytes (PNG, JPEG, GIF, WebP), never from the type or name a client claims, and it is an
//! image only if it decodes as that type within the size limits: a PNG signature followed by
//! HTML is refused (422). Anything else (SVG, which can carry script, among it) is
//! `application/octet-stream`, may be uploaded but never becomes an avatar, and downloads as
//! an attachment, not inline.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::access::CurrentUser;
use super::visibility;
use crate::db::DbConnection;
use crate::error::Error;
use crate::store::attachments::{self as store, AttachmentRow, NewAttachmentRow};
use crate::store::{now, users};

/// The image type `bytes` claim by their signature, or `None`.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The widest and tallest image accepted.
pub const MAX_IMAGE_DIMENSION: u32 = 4096;

/// The most memory decoding one image may take (a 4096 × 4096 RGBA image is 64 MiB).
const MAX_DECODE_BYTES: u64 = 80 * 1024 * 1024;

/// Whether `bytes` decode as the image type `content_type` names, within the limits.
/// CPU-bound for large images: callers run it off the async workers.
pub fn decodes_as(content_type: &str, bytes: &[u8]) -> bool {
    let format = match content_type {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::WebP,
        _ => return false,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_DIMENSION);
    limits.max_image_height = Some(MAX_IMAGE_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.decode().is_ok()
}

/// The image type of `bytes`: the one their signature claims, if they decode as it.
/// `Err` carries the claimed type of bytes that do not decode.
fn decoded_type(bytes: &[u8]) -> Result<Option<&'static str>, &'static str> {
    match image_type(bytes) {
        Some(claimed) if decodes_as(claimed, bytes) => Ok(Some(claimed)),
        Some(claimed) => Err(claimed),
        None => Ok(None),
    }
}

/// What an image that does not decode as the type it claims is told.
fn not_decodable(claimed: &str, what: &str) -> String {
    let name = claimed.trim_start_matches("image/").to_ascii_uppercase();
    let name = if name == "WEBP" { "WebP".to_string() } else { name };
    format!("{what} is not a valid {name} image (or is larger than {MAX_IMAGE_DIMENSION} × {MAX_IMAGE_DIMENSION})")
}

/// A file typed by its content, ready to store.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// What an avatar that is not an image is told.
pub const NOT_AN_IMAGE: &str = "Avatar is not an image (PNG, JPEG, GIF or WebP)";

/// The type stored for a file that is not one of the images.
const ANY_FILE: &str = "application/octet-stream";

impl CheckedFile {
    /// Checks an avatar: an image by its content that decodes as such, with a file name safe
    /// to send back.
    pub fn image(filename: &str, bytes: &[u8]) -> Result<CheckedFile, String> {
        let content_type =
            decoded_type(bytes).map_err(|claimed| not_decodable(claimed, "Avatar"))?.ok_or(NOT_AN_IMAGE)?;
        Ok(CheckedFile { filename: safe_filename(filename, content_type), content_type, bytes: bytes.to_vec() })
    }

    /// Any uploaded file, typed by its content: an image, or `application/octet-stream`. A
    /// file that claims to be an image and does not decode as one is refused (422).
    pub fn any(filename: &str, bytes: &[u8]) -> Result<CheckedFile, Error> {
        let content_type =
            decoded_type(bytes).map_err(|claimed| Error::invalid(not_decodable(claimed, "File")))?.unwrap_or(ANY_FILE);
        Ok(CheckedFile { filename: safe_filename(filename, content_type), content_type, bytes: bytes.to_vec() })
    }

    pub fn row(&self, contact_id: Option<i32>, author_id: Option<i32>) -> NewAttachmentRow {
        NewAttachmentRow {
            contact_id,
            filename: self.filename.clone(),
            content_type: self.content_type.to_string(),
            filesize: i32::try_from(self.bytes.len()).unwrap_or(i32::MAX),
            digest: Sha256::digest(&self.bytes).iter().map(|b| format!("{b:02x}")).collect(),
            content: self.bytes.clone(),
            token: None,
            author_id,
            created_on: now(),
        }
    }
}

/// The last path segment, without control characters, quotes or slashes, at most 100
/// characters; a blank name becomes `avatar.<ext>`.
fn safe_filename(name: &str, content_type: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '%')).take(100).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        match content_type.strip_prefix("image/") {
            Some(ext) => format!("avatar.{ext}"),
            None => "upload".to_string(),
        }
    } else {
        clean
    }
}

/// `POST /uploads`: stores a file (checked with `CheckedFile::any`) unattached and returns it
/// with its token.
pub fn upload(conn: &mut DbConnection, user: &CurrentUser, file: &CheckedFile) -> Result<AttachmentRow, Error> {
    let id = store::insert(conn, &file.row(None, Some(user.id)))?;
    let token = format!("{id}.{}", super::users::generate_api_key());
    store::set_token(conn, id, &token)?;
    store::find(conn, id)?.ok_or(Error::NotFound)
}

/// An attachment with its author's name.
#[derive(Debug, Clone)]
pub struct AttachmentDetails {
    pub row: AttachmentRow,
    pub author: Option<(i32, String)>,
}

/// An attachment the user may see: one of a contact they can see, or their own upload.
pub fn find_visible(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<AttachmentDetails, Error> {
    let row = store::find(conn, id)?.ok_or(Error::NotFound)?;
    match row.contact_id {
        Some(contact) => {
            visibility::find_contact(conn, user, contact)?;
        }
        None if row.author_id == Some(user.id) || user.admin => {}
        None => return Err(Error::NotFound),
    }
    let author = match row.author_id {
        Some(id) => users::names(conn, &[id])?.into_iter().next().map(|n| (n.0, users::display_name(&n.1, &n.2))),
        None => None,
    };
    Ok(AttachmentDetails { row, author })
}

/// The bytes of an attachment the user may see.
pub fn download(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(AttachmentRow, Vec<u8>), Error> {
    let details = find_visible(conn, user, id)?;
    let bytes = store::content(conn, id)?;
    Ok((details.row, bytes))
}
