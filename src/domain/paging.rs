//! Redmine's `api_offset_and_limit`: offset, limit (25 by default, at most exactly 100) and page.

use crate::format::query::QueryParams;

pub const DEFAULT_LIMIT: i64 = 25;
/// python-redmine pages by assuming exactly this cap.
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub offset: i64,
    pub limit: i64,
}

impl Paging {
    pub fn from_query(query: &QueryParams) -> Paging {
        let number = |name: &str| query.get(name).and_then(|v| v.trim().parse::<i64>().ok());
        let limit = match number("limit") {
            Some(n) if n >= 1 => n.min(MAX_LIMIT),
            _ => DEFAULT_LIMIT,
        };
        let offset = match (number("offset"), number("page")) {
            (Some(offset), _) => offset.max(0),
            (None, Some(page)) if page > 0 => (page - 1).saturating_mul(limit),
            _ => 0,
        };
        Paging { offset, limit }
    }
}

/// One page of a list with the total it came from.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total_count: i64,
    pub paging: Paging,
}
