//! `/crm_queries`.

use actix_web::web::{Data, Path};

use super::input;
use super::list_params;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::queries;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::query::QueryParams;
use crate::format::Reply;
use crate::views::queries as views;

pub async fn list_queries(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let paging = list_params::paging(&query);
    let kind = query.text("object_type").map(str::to_string);
    let page = state.db.run(move |conn| queries::list(conn, &user, kind.as_deref(), paging)).await?;
    Ok(Reply::ok(views::index(&page)))
}

pub async fn create_query(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let section = match body.section("query")? {
        map if map.is_empty() => body.section("crm_query")?,
        map => map,
    };
    let input = input::queries::query(section)?;
    let query = state.db.run(move |conn| queries::create(conn, &user, input)).await?;
    Ok(Reply::created(views::show(&query), format!("/crm_queries/{}", query.id)))
}

pub async fn delete_query(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| queries::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}
