//! Views: domain values → response trees, one function per Redmine `.api.rsb` template.
//! Views never query and never pick a format.

pub mod contacts;
pub mod deals;
pub mod issues;
pub mod notes;
pub mod projects;
pub mod tags;
pub mod users;

use crate::domain::paging::Page;
use crate::format::{List, Node};

/// A list with Redmine's `api_meta`: total_count, offset, limit.
pub fn paged<T>(item: &'static str, page: &Page<T>, render: impl Fn(&T) -> Node) -> List {
    List::new(item, page.items.iter().map(render))
        .meta("total_count", page.total_count)
        .meta("offset", page.paging.offset)
        .meta("limit", page.paging.limit)
}
