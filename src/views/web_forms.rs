//! Web forms in the API.

use crate::format::{Document, Element, List, Node};
use crate::store::web_forms::WebFormRow;

pub fn index(forms: &[WebFormRow]) -> Document {
    Document::new("web_forms", List::new("web_form", forms.iter().map(|f| Node::from(fields(f)))))
}

pub fn show(form: &WebFormRow) -> Document {
    Document::new("web_form", fields(form))
}

fn fields(f: &WebFormRow) -> Element {
    let mut e = Element::new();
    e.value("id", f.id)
        .value("project_id", f.project_id)
        .value("name", &f.name)
        .value("key", &f.form_key)
        .value("success_url", f.success_url.as_deref())
        .child("allowed_origins", List::new("origin", f.origins().map(Node::from)))
        .value("default_tags", &f.default_tags)
        .value("default_assignee_id", f.default_assignee_id)
        .value("created_on", f.created_on)
        .value("updated_on", f.updated_on);
    e
}
