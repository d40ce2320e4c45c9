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
