//! `/contacts/:id/issues`: linking contacts to issues.

use actix_web::web::{Data, Path};

use super::input;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::issues;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::Reply;
use crate::views::issues as views;

pub async fn link_issue(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let input = input::issues::issue(body.section("issue")?)?;
    let issue = state.db.run(move |conn| issues::link(conn, &user, id, input)).await?;
    Ok(Reply::created(views::show(&issue), format!("/issues/{}", issue.row.id)))
}

pub async fn unlink_issue(state: Data<AppState>, viewer: Viewer, path: Path<(i32, i32)>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let (id, issue) = path.into_inner();
    state.db.run(move |conn| issues::unlink(conn, &user, id, issue)).await?;
    Ok(Reply::NoContent)
}
