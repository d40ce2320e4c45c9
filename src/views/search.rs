//! `search/index.api.rsb`: one result per contact found.

use super::paged;
use crate::domain::contacts::ContactDetails;
use crate::domain::names::contact_name;
use crate::domain::paging::Page;
use crate::format::{Document, Element};

/// `base` is the server's own `scheme://host`, for the absolute `url` Redmine gives.
pub fn results(page: &Page<ContactDetails>, base: &str) -> Document {
    let list = paged("result", page, |c| {
        let r = &c.row;
        let mut e = Element::new();
        e.value("id", r.id)
            .value("title", contact_name(r))
            .value("type", "contact")
            .value("url", format!("{base}/contacts/{}", r.id))
            .value("description", r.background.as_deref().unwrap_or(""))
            .value("datetime", r.created_on);
        e.into()
    });
    Document::new("results", list)
}
