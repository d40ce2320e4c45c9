//! `/projects` and memberships.

use actix_web::web::{Data, Path};

use super::input;
use super::list_params;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::memberships;
use crate::domain::projects;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::query::QueryParams;
use crate::format::Reply;
use crate::views::projects as views;

pub async fn list_projects(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let paging = list_params::paging(&query);
    let page = state.db.run(move |conn| projects::list(conn, &user, paging)).await?;
    Ok(Reply::ok(views::index(&page)))
}

pub async fn show_project(state: Data<AppState>, viewer: Viewer, project: Path<String>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let project = state.db.run(move |conn| projects::find_visible(conn, &user, &project)).await?;
    Ok(Reply::ok(views::show(&project)))
}

pub async fn create_project(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let input = input::projects::project(body.section("project")?)?;
    let project = state.db.run(move |conn| projects::create(conn, &user, input)).await?;
    Ok(Reply::created(views::show(&project), format!("/projects/{}", project.identifier)))
}

pub async fn update_project(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let input = input::projects::project(body.section("project")?)?;
    state.db.run(move |conn| projects::update(conn, &user, &project, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_project(state: Data<AppState>, viewer: Viewer, project: Path<String>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    state.db.run(move |conn| projects::delete(conn, &user, &project)).await?;
    Ok(Reply::NoContent)
}

pub async fn list_memberships(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let paging = list_params::paging(&query);
    let page = state.db.run(move |conn| memberships::list(conn, &user, &project, paging)).await?;
    Ok(Reply::ok(views::memberships(&page)))
}

pub async fn create_membership(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let input = input::memberships::membership(body.section("membership")?)?;
    let membership = state.db.run(move |conn| memberships::create(conn, &user, &project, input)).await?;
    Ok(Reply::created(views::membership_show(&membership), format!("/memberships/{}", membership.id)))
}

pub async fn show_membership(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let membership = state.db.run(move |conn| memberships::show(conn, &user, id)).await?;
    Ok(Reply::ok(views::membership_show(&membership)))
}

pub async fn update_membership(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let input = input::memberships::membership(body.section("membership")?)?;
    state.db.run(move |conn| memberships::update(conn, &user, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_membership(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| memberships::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}
