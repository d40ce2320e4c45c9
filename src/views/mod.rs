//! Views: domain values → response trees, one function per Redmine `.api.rsb` template.
//! Views never query and never pick a format.

pub mod attachments;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod docs;
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
use crate::domain::paging::{Neighbours, Page};
use crate::format::{Element, List, Node};

/// A list with Redmine's `api_meta`: total_count, offset, limit.
pub fn paged<T>(item: &'static str, page: &Page<T>, render: impl Fn(&T) -> Node) -> List {
    List::new(item, page.items.iter().map(render))
        .meta("total_count", page.total_count)
        .meta("offset", page.paging.offset)
        .meta("limit", page.paging.limit)
}

/// The URLs of a numbered or cursor page's neighbours (built by the handler, which knows the
/// request); `None` where there is no such page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    pub first: Option<String>,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub last: Option<String>,
}

/// A list paged as the client asked: Redmine's `api_meta` alone for offset paging (byte for
/// byte what Redmine clients get); with numbered pages also `page`, `per_page`, `total_pages`,
/// `next_page`, `previous_page`; with cursors `total_count` and `per_page`; `links` for both.
pub fn navigated<T>(
    item: &'static str,
    page: &Page<T>,
    neighbours: &Neighbours,
    links: Option<&PageLinks>,
    render: impl Fn(&T) -> Node,
) -> List {
    let mut list = match neighbours {
        Neighbours::Cursor { per_page, .. } => List::new(item, page.items.iter().map(render))
            .meta("total_count", page.total_count)
            .meta("per_page", *per_page),
        _ => paged(item, page, render),
    };
    if let Neighbours::Numbered { page: number, per_page, total_pages } = neighbours {
        list = list
            .meta("page", *number)
            .meta("per_page", *per_page)
            .meta("total_pages", *total_pages)
            .meta("next_page", (number < total_pages).then_some(number + 1))
            .meta("previous_page", (*number > 1).then_some(number - 1));
    }
    if let Some(links) = links {
        list = list
            .link("first", links.first.clone())
            .link("next", links.next.clone())
            .link("previous", links.previous.clone())
            .link("last", links.last.clone());
    }
    list
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
