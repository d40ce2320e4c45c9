//! `/custom_fields`: Redmine's admin list, plus create, update and delete, which Redmine has
//! only in its web UI.

use actix_web::web::{Data, Path};

use super::input;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::custom_fields;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::Reply;
use crate::views::custom_fields as views;

pub async fn list_fields(state: Data<AppState>, viewer: Viewer) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let fields = state.db.run(move |conn| custom_fields::list(conn, &user)).await?;
    Ok(Reply::ok(views::index(&fields)))
}

pub async fn show_field(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let field = state.db.run(move |conn| custom_fields::show(conn, &user, id)).await?;
    Ok(Reply::ok(views::show(&field)))
}

pub async fn create_field(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    user.require_admin()?;
    let input = input::custom_fields::field(body.section("custom_field")?)?;
    let field = state.db.run(move |conn| custom_fields::create(conn, input)).await?;
    Ok(Reply::created(views::show(&field), format!("/custom_fields/{}", field.id)))
}

pub async fn update_field(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    user.require_admin()?;
    let id = id.into_inner();
    let input = input::custom_fields::field(body.section("custom_field")?)?;
    state.db.run(move |conn| custom_fields::update(conn, &user, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_field(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| custom_fields::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}
