//! `/contacts_tags`: the list, and the plugin's admin actions (rename, merge, delete).

use actix_web::web::{Data, Path};
use serde_json::Value;

use super::input::Fields;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::tags;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::Reply;
use crate::views::tags as views;

pub async fn list_tags(state: Data<AppState>, viewer: Viewer) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let tags = state.db.run(move |conn| tags::list(conn, &user)).await?;
    Ok(Reply::ok(views::index(&tags)))
}

/// `{"tag": {"name": …}}`, also as the plugin's form `tag[name]=…`.
fn tag_name(body: &Body) -> Result<Option<String>, Error> {
    let mut f = Fields::new(body.section("tag")?);
    let name = f.text("name", "Name", usize::MAX).flatten();
    f.finish()?;
    Ok(name)
}

pub async fn update_tag(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let name = tag_name(&body)?;
    state.db.run(move |conn| tags::rename(conn, &user, id, name)).await?;
    Ok(Reply::NoContent)
}

/// `POST /contacts_tags/merge` with the merged tag's name and the ids to merge, as
/// `{"tag": {"name": …, "ids": [1, 2]}}` (XML alike) or the plugin's form `ids[]=1&ids[]=2&tag[name]=…`.
pub async fn merge_tags(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let name = tag_name(&body)?;
    let section = body.section("tag")?;
    let ids: Option<Vec<i32>> = match section.get("ids").or(body.0.get("ids")) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()).and_then(|n| i32::try_from(n).ok()))
            .collect(),
        Some(Value::String(s)) => s.split(',').map(|p| p.trim().parse().ok()).collect(),
        None => Some(Vec::new()),
        Some(_) => None,
    };
    let ids = ids.ok_or_else(|| Error::invalid("Tags is invalid"))?;
    state.db.run(move |conn| tags::merge(conn, &user, &ids, name)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_tag(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| tags::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}
