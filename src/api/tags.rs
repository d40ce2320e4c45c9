//! `/contacts_tags`.

use actix_web::web::Data;

use crate::app::AppState;
use crate::domain::access::Viewer;
use crate::domain::tags;
use crate::error::Error;
use crate::format::Reply;
use crate::views::tags as views;

pub async fn list_tags(state: Data<AppState>, viewer: Viewer) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let tags = state.db.run(move |conn| tags::list(conn, &user)).await?;
    Ok(Reply::ok(views::index(&tags)))
}
