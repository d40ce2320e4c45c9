//! Views: domain values → response trees, one function per Redmine `.api.rsb` template.
//! Views never query and never pick a format.

pub mod attachments;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod exports;
pub mod issues;
pub mod notes;
pub mod pages;
pub mod projects;
pub mod queries;
pub mod search;
pub mod tags;
pub mod users;
pub mod web_forms;
pub mod webhooks;

use crate::domain::custom_fields::ShownValue;
use crate::domain::paging::Page;
use crate::format::{Element, List, Node};

/// A list with Redmine's `api_meta`: total_count, offset, limit.
pub fn paged<T>(item: &'static str, page: &Page<T>, render: impl Fn(&T) -> Node) -> List {
    List::new(item, page.items.iter().map(render))
        .meta("total_count", page.total_count)
        .meta("offset", page.paging.offset)
        .meta("limit", page.paging.limit)
}

/// Redmine's `render_api_custom_values`: every field with `id` and `name` attributes (and
/// `multiple`), its value as text, or a list of texts for a multiple field; `None` when no field
/// is defined, so the element is left out as Redmine leaves it out.
pub fn custom_fields(values: &[ShownValue]) -> Option<List> {
    if values.is_empty() {
        return None;
    }
    let items = values.iter().map(|v| {
        let mut e = Element::new();
        e.attr("id", v.id).attr("name", &v.name);
        if v.multiple {
            e.attr("multiple", true);
            e.child("value", List::new("value", v.values.iter().map(|t| Node::from(t.as_str()))));
        } else {
            e.value("value", v.values.first().map(String::as_str));
        }
        e.into()
    });
    Some(List::new("custom_field", items))
}
