//! Attachments: contact avatars and Redmine's upload API. A file's type is found from its
//! bytes (PNG, JPEG, GIF, WebP), never from the type or name a client claims; anything else
//! (SVG, which can carry script, among it) is `application/octet-stream`, may be uploaded but
//! never becomes an avatar, and downloads as an attachment, not inline.

use sha2::{Digest, Sha256};

use super::access::CurrentUser;
use super::visibility;
use crate::db::DbConnection;
use crate::error::Error;
use crate::store::attachments::{self as store, AttachmentRow, NewAttachmentRow};
use crate::store::{now, users};

/// The image type of `bytes` by its signature, or `None`.
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
    /// Checks an avatar: an image by its content, with a file name safe to send back.
    pub fn image(filename: &str, bytes: &[u8]) -> Result<CheckedFile, String> {
        let content_type = image_type(bytes).ok_or(NOT_AN_IMAGE)?;
        Ok(CheckedFile { filename: safe_filename(filename, content_type), content_type, bytes: bytes.to_vec() })
    }

    /// Any uploaded file, typed by its content: an image, or `application/octet-stream`.
    fn any(filename: &str, bytes: &[u8]) -> CheckedFile {
        let content_type = image_type(bytes).unwrap_or(ANY_FILE);
        CheckedFile { filename: safe_filename(filename, content_type), content_type, bytes: bytes.to_vec() }
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

/// `POST /uploads`: stores a file unattached and returns it with its token.
pub fn upload(
    conn: &mut DbConnection,
    user: &CurrentUser,
    filename: &str,
    bytes: &[u8],
) -> Result<AttachmentRow, Error> {
    let id = store::insert(conn, &CheckedFile::any(filename, bytes).row(None, Some(user.id)))?;
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
