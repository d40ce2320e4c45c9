//! `/notes` and `/contacts/:id/notes`.

use actix_web::web::{Data, Path};

use super::input;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::notes::{self, Source};
use crate::error::Error;
use crate::format::body::Body;
use crate::format::Reply;
use crate::views::notes as views;

pub async fn create_note(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    create(state, viewer, None, body).await
}

pub async fn create_contact_note(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    body: Body,
) -> Result<Reply, Error> {
    create(state, viewer, Some(Source::Contact(id.into_inner())), body).await
}

async fn create(state: Data<AppState>, viewer: Viewer, source: Option<Source>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let input = input::notes::note(body.section("note")?, &body.0, source.is_none())?;
    let note = state.db.run(move |conn| notes::create(conn, &user, source, input)).await?;
    Ok(Reply::created(views::show(&note), format!("/notes/{}", note.row.id)))
}

pub async fn show_note(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let note = state.db.run(move |conn| notes::show(conn, &user, id)).await?;
    Ok(Reply::ok(views::show(&note)))
}

pub async fn update_note(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let input = input::notes::note(body.section("note")?, &body.0, false)?;
    state.db.run(move |conn| notes::update(conn, &user, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_note(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| notes::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}
