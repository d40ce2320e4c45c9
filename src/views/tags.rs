//! `contacts_tags/index.api.rsb`.

use crate::domain::tags::TagCount;
use crate::format::{Document, Element, List, Node};

pub fn index(tags: &[TagCount]) -> Document {
    let items = tags.iter().map(|t| {
        let mut e = Element::new();
        e.value("id", t.id).value("name", &t.name).value("color", t.color()).value("count", t.count);
        Node::from(e)
    });
    Document::new("tags", List::new("tag", items).meta("total_count", tags.len() as i64))
}
