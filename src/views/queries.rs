//! `crm_queries/index.api.rsb`, and one saved query.

use super::paged;
use crate::domain::paging::Page;
use crate::format::{Document, Element};
use crate::store::queries::{QueryRow, VISIBILITY_PUBLIC};

pub fn index(page: &Page<QueryRow>) -> Document {
    Document::new("queries", paged("query", page, |q| fields(q).into()))
}

pub fn show(q: &QueryRow) -> Document {
    let mut e = fields(q);
    e.value("object_type", &q.object_type).value("filters", &q.filters);
    Document::new("query", e)
}

fn fields(q: &QueryRow) -> Element {
    let mut e = Element::new();
    e.value("id", q.id)
        .value("name", &q.name)
        .value("is_public", q.visibility == VISIBILITY_PUBLIC)
        .value("project_id", q.project_id);
    e
}
