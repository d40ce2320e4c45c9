//! `/webhooks`, `/projects/:project/webhooks`, `/webhooks/:id`, `/webhooks/:id/test`,
//! `/webhooks/:id/deliveries` and `/webhooks/:id/deliveries/:delivery/redeliver`.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, Responder};

use super::conditional;
use super::input;
use super::list_params;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::webhooks::{self, WebhookInput};
use crate::error::Error;
use crate::format::body::Body;
use crate::format::query::QueryParams;
use crate::format::Reply;
use crate::views::webhooks as views;

pub async fn list_webhooks(state: Data<AppState>, viewer: Viewer) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let hooks = state.db.run(move |conn| webhooks::list(conn, &user, None)).await?;
    Ok(Reply::ok(views::index(&hooks)))
}

pub async fn list_project_webhooks(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let hooks = state.db.run(move |conn| webhooks::list(conn, &user, Some(&project))).await?;
    Ok(Reply::ok(views::index(&hooks)))
}

pub async fn create_webhook(state: Data<AppState>, viewer: Viewer, body: Body) -> Result<Reply, Error> {
    create(state, viewer, None, body).await
}

pub async fn create_project_webhook(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    body: Body,
) -> Result<Reply, Error> {
    create(state, viewer, Some(project.into_inner()), body).await
}

/// Reads a hook's body and checks where its URL points (resolving its name: the domain does
/// not reach the network); a refused address is one more 422 message.
async fn read(state: &AppState, body: &Body) -> Result<WebhookInput, Error> {
    let mut input = input::webhooks::webhook(body.section("webhook")?);
    if let Some(url) = &input.url {
        if webhooks::check_url(url).is_ok() {
            if let Err(message) = crate::webhooks::client::check_destination(url, state.webhooks.allow_private).await {
                input.errors.push(message);
            }
        }
    }
    Ok(input)
}

async fn create(state: Data<AppState>, viewer: Viewer, project: Option<String>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let input = read(&state, &body).await?;
    let hook = state.db.run(move |conn| webhooks::create(conn, &user, project.as_deref(), input)).await?;
    Ok(Reply::created(views::show(&hook), format!("/webhooks/{}", hook.row.id)))
}

pub async fn show_webhook(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let hook = state.db.run(move |conn| webhooks::show(conn, &user, id)).await?;
    Ok(Reply::ok(views::show(&hook)))
}

pub async fn update_webhook(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let mut input = read(&state, &body).await?;
    // A project is chosen at creation only.
    input.project_ref = None;
    state.db.run(move |conn| webhooks::update(conn, &user, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_webhook(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| webhooks::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}

/// Queues a `ping` whose data is the hook as GET shows it (its secret's last 4 characters).
pub async fn test_webhook(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let delivery = state
        .db
        .run(move |conn| {
            let hook = webhooks::show(conn, &user, id)?;
            let data = crate::webhooks::data(&views::show(&hook), &hook.row.format);
            webhooks::ping(conn, &user, id, data)
        })
        .await?;
    Ok(Reply::created(views::delivery(&delivery), format!("/webhooks/{id}/deliveries")))
}

pub async fn list_deliveries(
    req: HttpRequest,
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    query: QueryParams,
) -> Result<HttpResponse, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let paging = list_params::paging(&query);
    let page = state.db.run(move |conn| webhooks::deliveries(conn, &user, id, paging)).await?;
    // The worker writes deliveries as it sends them, outside the data version.
    Ok(conditional::tag_by_body(Reply::ok(views::deliveries(&page)).respond_to(&req)))
}

pub async fn redeliver(state: Data<AppState>, viewer: Viewer, ids: Path<(i32, i32)>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let (id, delivery_id) = ids.into_inner();
    let delivery = state.db.run(move |conn| webhooks::redeliver(conn, &user, id, delivery_id)).await?;
    Ok(Reply::ok(views::delivery(&delivery)))
}
