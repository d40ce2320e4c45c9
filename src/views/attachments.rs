//! `attachments/show.api.rsb` and the upload answer.

use crate::domain::attachments::AttachmentDetails;
use crate::format::{Document, Element};
use crate::store::attachments::AttachmentRow;

/// `base` is the server's own `scheme://host`, for the absolute `content_url` Redmine gives.
pub fn show(a: &AttachmentDetails, base: &str) -> Document {
    let r = &a.row;
    let mut e = Element::new();
    e.value("id", r.id)
        .value("filename", &r.filename)
        .value("filesize", r.filesize)
        .value("content_type", &r.content_type)
        .value("description", "")
        .value("content_url", format!("{base}/attachments/download/{}/{}", r.id, url_segment(&r.filename)))
        .value("digest", &r.digest);
    if let Some((id, name)) = &a.author {
        e.reference("author", *id, name);
    }
    e.value("created_on", r.created_on);
    Document::new("attachment", e)
}

pub fn upload(r: &AttachmentRow) -> Document {
    let mut e = Element::new();
    e.value("id", r.id).value("token", r.token.as_deref());
    Document::new("upload", e)
}

/// A file name as one URL path segment.
fn url_segment(name: &str) -> String {
    form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20")
}
