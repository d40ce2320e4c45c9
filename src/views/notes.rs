//! `notes/show.api.rsb`, and notes inside a contact or a deal.

use crate::domain::notes::NoteDetails;
use crate::format::{Document, Element, List, Node};

pub fn show(n: &NoteDetails) -> Document {
    let mut e = Element::new();
    e.value("id", n.row.id);
    if let Some((id, name, kind)) = &n.source {
        let mut source = Element::new();
        source.attr("id", *id).attr("name", name.as_str()).attr("type", *kind);
        e.child("source", source);
    }
    e.value("subject", n.row.subject.as_deref()).value("content", &n.row.content).value("type_id", n.row.type_id);
    if let Some((id, name)) = &n.author {
        e.reference("author", *id, name);
    }
    e.value("created_on", n.row.created_on).value("updated_on", n.row.updated_on);
    Document::new("note", e)
}

/// The `notes` list embedded with `include=notes`.
pub fn embedded<'a>(notes: impl Iterator<Item = &'a NoteDetails>) -> List {
    List::new(
        "note",
        notes.map(|n| {
            let mut e = Element::new();
            e.value("id", n.row.id)
                .value("subject", n.row.subject.as_deref())
                .value("content", &n.row.content)
                .value("type_id", n.row.type_id);
            if let Some((id, name)) = &n.author {
                e.reference("author", *id, name);
            }
            e.value("created_on", n.row.created_on).value("updated_on", n.row.updated_on);
            Node::from(e)
        }),
    )
}
