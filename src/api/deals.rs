//! `/deals`, `/deal_statuses`, `/projects/:project/deal_categories`, `/deal_categories/:id`.

use actix_web::web::{Data, Path};

use super::input;
use super::input::Fields;
use super::list_params;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::deals;
use crate::domain::queries;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::query::QueryParams;
use crate::format::Reply;
use crate::views::deals as views;

pub async fn list_deals(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    list(state, viewer, query, None).await
}

pub async fn list_project_deals(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    query: QueryParams,
) -> Result<Reply, Error> {
    list(state, viewer, query, Some(project.into_inner())).await
}

async fn list(
    state: Data<AppState>,
    viewer: Viewer,
    query: QueryParams,
    project: Option<String>,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let paging = list_params::paging(&query);
    let page = state
        .db
        .run(move |conn| {
            // A saved query's parameters stand under the request's (`query_id=`).
            let query = list_params::with_saved_query(conn, &user, queries::DEAL, query)?;
            let mut filters = list_params::deal_filters(&query);
            if project.is_some() {
                filters.project_ref = project;
            }
            deals::list(conn, &user, &filters, paging)
        })
        .await?;
    Ok(Reply::ok(views::index(&page)))
}

pub async fn show_deal(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let with_notes = list_params::includes(&query).notes;
    let deal = state.db.run(move |conn| deals::show(conn, &user, id, with_notes)).await?;
    Ok(Reply::ok(views::show(&deal, with_notes)))
}

pub async fn create_deal(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    create(state, viewer, None, body).await
}

pub async fn create_project_deal(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    body: Body,
) -> Result<Reply, Error> {
    create(state, viewer, Some(project.into_inner()), body).await
}

async fn create(state: Data<AppState>, viewer: Viewer, project: Option<String>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let input = input::deals::deal(body.section("deal")?, body.0.get("project_id"));
    let deal = state.db.run(move |conn| deals::create(conn, &user, project.as_deref(), input)).await?;
    Ok(Reply::created(views::show(&deal, false), format!("/deals/{}", deal.row.id)))
}

pub async fn update_deal(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let input = input::deals::deal(body.section("deal")?, None);
    state.db.run(move |conn| deals::update(conn, &user, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_deal(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| deals::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}

pub async fn list_statuses(state: Data<AppState>, viewer: Viewer) -> Result<Reply, Error> {
    viewer.user()?;
    let statuses = state.db.run(deals::statuses).await?;
    Ok(Reply::ok(views::statuses(&statuses)))
}

pub async fn list_categories(state: Data<AppState>, viewer: Viewer, project: Path<String>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let categories = state.db.run(move |conn| deals::categories(conn, &user, &project)).await?;
    Ok(Reply::ok(views::categories(&categories)))
}

/// The category name from `{"deal_category": {"name"}}` or the plugin's `category[name]`.
fn category_name(body: &Body) -> Result<Option<String>, Error> {
    let section = match body.section("deal_category")? {
        map if map.is_empty() => body.section("category")?,
        map => map,
    };
    let mut f = Fields::new(section);
    let name = f.text("name", "Name", 255).flatten();
    f.finish()?;
    Ok(name)
}

pub async fn create_category(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let name = category_name(&body)?;
    let category = state.db.run(move |conn| deals::create_category(conn, &user, &project, name)).await?;
    Ok(Reply::created(views::category_show(&category), format!("/deal_categories/{}", category.id)))
}

pub async fn update_category(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let name = category_name(&body)?;
    state.db.run(move |conn| deals::update_category(conn, &user, id, name)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_category(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let reassign_to = match query.text("reassign_to_id") {
        None => None,
        Some(v) => Some(v.parse::<i32>().map_err(|_| Error::invalid("Reassign to is invalid"))?),
    };
    state.db.run(move |conn| deals::delete_category(conn, &user, id, reassign_to)).await?;
    Ok(Reply::NoContent)
}
