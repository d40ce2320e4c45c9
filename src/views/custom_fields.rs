//! `custom_fields/index.api.rsb`, and one field for create and show.

use crate::format::{Document, Element, List};
use crate::store::custom_fields::CustomFieldRow;

pub fn index(fields: &[CustomFieldRow]) -> Document {
    Document::new("custom_fields", List::new("custom_field", fields.iter().map(|f| field(f).into())))
}

pub fn show(f: &CustomFieldRow) -> Document {
    Document::new("custom_field", field(f))
}

fn field(f: &CustomFieldRow) -> Element {
    let mut e = Element::new();
    e.value("id", f.id)
        .value("name", &f.name)
        .value("customized_type", &f.customized_type)
        .value("field_format", &f.field_format)
        .value("regexp", f.regexp.as_deref().unwrap_or(""))
        .value("min_length", f.min_length)
        .value("max_length", f.max_length)
        .value("is_required", f.is_required)
        .value("is_filter", f.is_filter)
        .value("searchable", f.searchable)
        .value("multiple", f.multiple)
        .value("default_value", f.default_value.as_deref())
        .value("visible", true);
    let values = f.possible_values();
    if !values.is_empty() {
        let items = values.into_iter().map(|v| Element::new().value("value", v).value("label", v).clone().into());
        e.child("possible_values", List::new("possible_value", items));
    }
    e
}
