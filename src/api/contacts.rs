//! `/contacts`, `/projects/:project/contacts` and `/contacts/:id/projects`. `POST /contacts` is in
//! `contact_posts`, the CSV and vCard answers in `exports`.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, Responder};

use super::list_params;
use super::{contact_posts, input};
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::contacts::{self, ContactDetails, ContactFilters, Includes};
use crate::domain::paging::{Neighbours, Page, PageRequest};
use crate::error::Error;
use crate::format::body::Body;
use crate::format::query::QueryParams;
use crate::format::Reply;
use crate::views::contacts as views;

pub async fn list_contacts(
    state: Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    query: QueryParams,
) -> Result<Reply, Error> {
    list(state, viewer, req, query, None).await
}

pub async fn list_project_contacts(
    state: Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    project: Path<String>,
    query: QueryParams,
) -> Result<Reply, Error> {
    list(state, viewer, req, query, Some(project.into_inner())).await
}

async fn list(
    state: Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    query: QueryParams,
    project: Option<String>,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let request = list_params::page_request(&query);
    let includes = list_params::includes(&query);
    let (page, neighbours) = state
        .db
        .run(move |conn| {
            // A saved query's filters stand under the request's (`query_id=`).
            let mut filters = list_params::contact_filters(conn, &user, query)?;
            if project.is_some() {
                filters.project_ref = project;
            }
            contacts::list(conn, &user, &filters, request, includes)
        })
        .await?;
    Ok(paged_reply(&req, &page, &neighbours, &includes))
}

/// `POST /contacts/search`: the list filtered by a body of and/or groups (Pylon's shape), paged
/// by `cursor`/`per_page` (in the body or the query string: the `links` repeat the body's
/// search at another cursor), `page`, or Redmine's `offset`/`limit`.
pub async fn search_contacts(
    state: Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    query: QueryParams,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let filters: ContactFilters = list_params::search_body(&body.0)?;
    let request = match list_params::page_request(&query) {
        PageRequest::Offset(_) => list_params::page_request(&list_params::search_paging(&body.0)),
        asked => asked,
    };
    let includes = list_params::includes(&query);
    let (page, neighbours) = state.db.run(move |conn| contacts::list(conn, &user, &filters, request, includes)).await?;
    Ok(paged_reply(&req, &page, &neighbours, &includes))
}

/// A page of contacts with the links to its neighbours (body and `Link` header).
fn paged_reply(req: &HttpRequest, page: &Page<ContactDetails>, neighbours: &Neighbours, includes: &Includes) -> Reply {
    let links = list_params::page_links(req, neighbours);
    let newest = page.items.iter().map(|c| c.row.updated_on);
    let reply = Reply::ok(views::index(page, neighbours, links.as_ref(), includes)).last_modified(newest);
    match &links {
        Some(l) => reply.links([
            ("first", l.first.as_ref()),
            ("next", l.next.as_ref()),
            ("prev", l.previous.as_ref()),
            ("last", l.last.as_ref()),
        ]),
        None => reply,
    }
}

/// `GET /contacts/:id/employees`: the company's people, a list like `/contacts`.
pub async fn list_employees(
    state: Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    id: Path<i32>,
    query: QueryParams,
) -> Result<Reply, Error> {
    related_list(state, viewer, req, id.into_inner(), query, contacts::employees).await
}

/// `GET /contacts/:id/reports`: who reports to the contact, a list like `/contacts`.
pub async fn list_reports(
    state: Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    id: Path<i32>,
    query: QueryParams,
) -> Result<Reply, Error> {
    related_list(state, viewer, req, id.into_inner(), query, contacts::reports).await
}

type RelatedList =
    fn(
        &mut crate::db::DbConnection,
        &crate::domain::access::CurrentUser,
        i32,
        contacts::ContactFilters,
        PageRequest,
        Includes,
    )
        -> Result<(crate::domain::paging::Page<contacts::ContactDetails>, crate::domain::paging::Neighbours), Error>;

/// A list of the contacts linked to contact `id` (its employees, its reports), filtered and
/// paged as the contacts list is.
async fn related_list(
    state: Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    id: i32,
    query: QueryParams,
    related: RelatedList,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let request = list_params::page_request(&query);
    let includes = list_params::includes(&query);
    let (page, neighbours) = state
        .db
        .run(move |conn| {
            let filters = list_params::contact_filters(conn, &user, query)?;
            related(conn, &user, id, filters, request, includes)
        })
        .await?;
    Ok(paged_reply(&req, &page, &neighbours, &includes))
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

/// `POST /contacts/:id/archive`: answers the contact as it now is.
pub async fn archive_contact(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    act_and_show(state, viewer, id.into_inner(), |conn, user, id| contacts::archive(conn, user, id).map(|()| id)).await
}

/// `POST /contacts/:id/activate`: answers the contact as it now is.
pub async fn activate_contact(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    act_and_show(state, viewer, id.into_inner(), |conn, user, id| contacts::activate(conn, user, id).map(|()| id)).await
}

/// `POST /contacts/:id/set_primary`: makes the person its company's primary contact and
/// answers the company.
pub async fn set_primary_contact(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    act_and_show(state, viewer, id.into_inner(), contacts::set_primary).await
}

/// Runs `action` on contact `id` and answers the contact it names (the one acted on, or its
/// company) as it now is, read in the same connection.
async fn act_and_show(
    state: Data<AppState>,
    viewer: Viewer,
    id: i32,
    action: fn(&mut crate::db::Conn, &crate::domain::access::CurrentUser, i32) -> Result<i32, Error>,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let contact = state
        .db
        .run(move |conn| {
            let shown = action(conn, &user, id)?;
            contacts::show(conn, &user, shown, Includes::default())
        })
        .await?;
    Ok(Reply::ok(views::show(&contact, &Includes::default())))
}

/// `PUT /projects/:project/contacts/external/:external_id`: 200 with the contact updated, or
/// 201 with the contact created.
pub async fn upsert_external_contact(
    state: Data<AppState>,
    viewer: Viewer,
    path: Path<(String, String)>,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let (project, external_id) = path.into_inner();
    let input = input::contacts::contact(body.section("contact")?, None, state.phone_format);
    let (contact, created) = state
        .db
        .run(move |conn| {
            let (id, created) = contacts::upsert_external(conn, &user, &project, &external_id, input)?;
            Ok::<_, Error>((contacts::show(conn, &user, id, Includes::default())?, created))
        })
        .await?;
    let shown = views::show(&contact, &Includes::default());
    Ok(if created { Reply::created(shown, format!("/contacts/{}", contact.row.id)) } else { Reply::ok(shown) })
}
