//! `/contacts`, `/projects/:project/contacts` and `/contacts/:id/projects`. `POST /contacts` is in
//! `contact_posts`, the CSV and vCard answers in `exports`.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, Responder};

use super::list_params;
use super::{contact_posts, input};
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::contacts::{self, Includes};
use crate::domain::queries;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::query::QueryParams;
use crate::format::Reply;
use crate::views::contacts as views;

pub async fn list_contacts(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    list(state, viewer, query, None).await
}

pub async fn list_project_contacts(
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
    let includes = list_params::includes(&query);
    let page = state
        .db
        .run(move |conn| {
            // A saved query's parameters stand under the request's (`query_id=`).
            let query = list_params::with_saved_query(conn, &user, queries::CONTACT, query)?;
            let mut filters = list_params::contact_filters(&query);
            if project.is_some() {
                filters.project_ref = project;
            }
            contacts::list(conn, &user, &filters, paging, includes)
        })
        .await?;
    let newest = page.items.iter().map(|c| c.row.updated_on);
    Ok(Reply::ok(views::index(&page, &includes)).last_modified(newest))
}

pub async fn show_contact(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let includes = list_params::includes(&query);
    let contact = state.db.run(move |conn| contacts::show(conn, &user, id, includes)).await?;
    Ok(Reply::ok(views::show(&contact, &includes)).last_modified([contact.row.updated_on]))
}

/// `GET /projects/:project/contacts/:id`: the contact as `show_contact` answers it, if it is in
/// that project.
pub async fn show_project_contact(
    state: Data<AppState>,
    viewer: Viewer,
    path: Path<(String, i32)>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let (project, id) = path.into_inner();
    let includes = list_params::includes(&query);
    let contact = state.db.run(move |conn| contacts::show_in_project(conn, &user, &project, id, includes)).await?;
    Ok(Reply::ok(views::show(&contact, &includes)).last_modified([contact.row.updated_on]))
}

/// `POST /projects/:project/contacts` (python-redmine's create); `POST /contacts` is in `contact_posts`.
pub async fn create_project_contact(
    req: HttpRequest,
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    body: Body,
) -> Result<HttpResponse, Error> {
    let user = viewer.user()?;
    let project = project.into_inner();
    let redirect = contact_posts::success_redirect(&req, &viewer, &body)?;
    let mut input = input::contacts::contact(body.section("contact")?, body.0.get("project_id"), state.phone_format);
    input.avatar = input::contacts::avatar(&body).or(input.avatar);
    let contact = state.db.run(move |conn| contacts::create(conn, &user, Some(&project), input)).await?;
    if let Some(url) = redirect {
        return Ok(HttpResponse::Found().insert_header((header::LOCATION, url)).finish());
    }
    let doc = views::show(&contact, &Includes::default());
    Ok(Reply::created(doc, format!("/contacts/{}", contact.row.id)).respond_to(&req).map_into_boxed_body())
}

pub async fn update_contact(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let mut input = input::contacts::contact(body.section("contact")?, None, state.phone_format);
    input.avatar = input::contacts::avatar(&body).or(input.avatar);
    state.db.run(move |conn| contacts::update(conn, &user, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_contact(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| contacts::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}

/// The project named in `{"project": {"id": …}}`, `project[id]=…` or a top-level `project_id`.
fn project_ref(body: &Body) -> Result<String, Error> {
    let section = body.section("project")?;
    let value = section.get("id").or_else(|| body.0.get("project_id")).or_else(|| body.0.get("id"));
    match value {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        _ => Err(Error::invalid("Project cannot be blank")),
    }
}

pub async fn add_contact_project(
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let project = project_ref(&body)?;
    state.db.run(move |conn| contacts::add_project(conn, &user, id, &project)).await?;
    Ok(Reply::NoContent)
}

pub async fn remove_contact_project(
    state: Data<AppState>,
    viewer: Viewer,
    path: Path<(i32, String)>,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let (id, project) = path.into_inner();
    state.db.run(move |conn| contacts::remove_project(conn, &user, id, &project)).await?;
    Ok(Reply::NoContent)
}
