//! A page of a list: Redmine's offset and limit (25 by default, at most exactly 100), read from
//! the query string by `api::list_params`.

pub const DEFAULT_LIMIT: i64 = 25;
/// python-redmine pages by assuming exactly this cap.
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub offset: i64,
    pub limit: i64,
}

/// One page of a list with the total it came from.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total_count: i64,
    pub paging: Paging,
}

/// The most rows a numbered or cursor page holds (`per_page`, as Harvest allows).
pub const MAX_PER_PAGE: i64 = 2000;

/// How a client pages a list: Redmine's offset and limit; numbered pages (`page=`, with
/// `per_page`); or cursors (`cursor=`, `per_page=`), opaque positions in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    Offset(Paging),
    Numbered { page: i64, per_page: i64 },
    Cursor { cursor: Option<String>, per_page: i64 },
}

/// Where a numbered or cursor page stands, for the links a client follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Neighbours {
    /// Redmine's offset paging: no links.
    None,
    Numbered {
        page: i64,
        per_page: i64,
        total_pages: i64,
    },
    /// The cursors of the next and previous pages (none at either end) and of the last page.
    Cursor {
        per_page: i64,
        next: Option<String>,
        previous: Option<String>,
        last: String,
    },
}
