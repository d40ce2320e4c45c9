//! `/users`, `/users/current` and `/roles`.

use actix_web::web::{Data, Path};

use super::input;
use super::list_params;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::users;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::query::QueryParams;
use crate::format::Reply;
use crate::views::users as views;

pub async fn current_user(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let includes = list_params::user_includes(&query);
    let details = state.db.run(move |conn| users::show(conn, &user, user.id, includes)).await?;
    Ok(Reply::ok(views::show_details(&details, true)))
}

pub async fn list_users(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let paging = list_params::paging(&query);
    // `status=` names one status; an empty or unreadable one means all.
    let status = query.get("status").map(|s| s.trim().parse::<i32>().ok());
    let page = state.db.run(move |conn| users::list(conn, &user, status, paging)).await?;
    Ok(Reply::ok(views::index(&page)))
}

pub async fn show_user(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let (id, includes) = (id.into_inner(), list_params::user_includes(&query));
    let viewer_id = user.id;
    let details = state.db.run(move |conn| users::show(conn, &user, id, includes)).await?;
    Ok(Reply::ok(views::show_details(&details, details.row.id == viewer_id)))
}

pub async fn create_user(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    user.require_admin()?;
    let input = input::users::user(body.section("user")?)?;
    let row = state.db.run(move |conn| users::create(conn, input)).await?;
    Ok(Reply::created(views::show(&row, false), format!("/users/{}", row.id)))
}

pub async fn update_user(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    user.require_admin()?;
    let id = id.into_inner();
    let input = input::users::user(body.section("user")?)?;
    state.db.run(move |conn| users::update(conn, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_user(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| users::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}

pub async fn list_roles(state: Data<AppState>, viewer: Viewer) -> Result<Reply, Error> {
    viewer.user()?;
    let roles = state.db.run(users::roles).await?;
    Ok(Reply::ok(views::roles(&roles)))
}

pub async fn show_role(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    viewer.user()?;
    let id = id.into_inner();
    let roles = state.db.run(users::roles).await?;
    let role = roles.iter().find(|r| r.id == id).ok_or(Error::NotFound)?;
    Ok(Reply::ok(views::role(role)))
}
