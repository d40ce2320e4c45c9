//! `GET /search`: Redmine's search API, over contacts, as python-redmine's
//! `search(q, resources=['contacts'])` asks it (`/search.json?contacts=True&q=…`).

use actix_web::web::Data;
use actix_web::HttpRequest;

use super::list_params;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::contacts;
use crate::domain::paging::Page;
use crate::error::Error;
use crate::format::query::QueryParams;
use crate::format::{own_origin, Reply};
use crate::views::search as views;

/// The result types Redmine and its plugins search; a request naming some searches only those.
const TYPES: [&str; 10] =
    ["issues", "news", "documents", "changesets", "wiki_pages", "messages", "projects", "contacts", "deals", "people"];

pub async fn search(
    req: HttpRequest,
    state: Data<AppState>,
    viewer: Viewer,
    query: QueryParams,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let paging = list_params::paging(&query);
    let named = |t: &str| query.text(t).is_some_and(|v| v != "0");
    let wants_contacts = named("contacts") || !TYPES.iter().any(|t| named(t));
    let q = query.text("q").map(str::to_string).filter(|q| wants_contacts && !q.trim().is_empty());
    let page = match q {
        // As Redmine: no words, no results.
        None => Page { items: Vec::new(), total_count: 0, paging },
        Some(q) => state.db.run(move |conn| contacts::search(conn, &user, q, paging)).await?,
    };
    Ok(Reply::ok(views::results(&page, &own_origin(&req))))
}
