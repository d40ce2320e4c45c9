//! `/projects/:project/web_forms`, `/web_forms/:id` and the embeddable `/web_forms/:id/form.html`.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};

use super::input;
use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::custom_fields;
use crate::domain::web_forms;
use crate::error::Error;
use crate::format::body::Body;
use crate::format::{own_origin, Format, Reply};
use crate::views::pages::{self, FormField};
use crate::views::web_forms as views;

pub async fn list_forms(state: Data<AppState>, viewer: Viewer, project: Path<String>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let forms = state.db.run(move |conn| web_forms::list(conn, &user, &project)).await?;
    Ok(Reply::ok(views::index(&forms)))
}

pub async fn create_form(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    body: Body,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let input = input::web_forms::web_form(body.section("web_form")?)?;
    let form = state.db.run(move |conn| web_forms::create(conn, Some(&user), &project, input)).await?;
    Ok(Reply::created(views::show(&form), format!("/web_forms/{}", form.id)))
}

pub async fn show_form(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let form = state.db.run(move |conn| web_forms::find_managed(conn, &user, id)).await?;
    Ok(Reply::ok(views::show(&form)))
}

pub async fn update_form(state: Data<AppState>, viewer: Viewer, id: Path<i32>, body: Body) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let input = input::web_forms::web_form(body.section("web_form")?)?;
    state.db.run(move |conn| web_forms::update(conn, &user, id, input)).await?;
    Ok(Reply::NoContent)
}

pub async fn delete_form(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    state.db.run(move |conn| web_forms::delete(conn, &user, id)).await?;
    Ok(Reply::NoContent)
}

/// A ready-to-paste HTML form for the web form: its key, the contact fields, the project's
/// contact custom fields (lists as selects, multiple ones as multiple selects), a photo input
/// and the honeypot.
pub async fn form_html(
    req: HttpRequest,
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
) -> Result<HttpResponse, Error> {
    // An HTML page only: there is no `form.html.json`.
    if Format::of(&req) != Format::Html {
        return Err(Error::NotFound);
    }
    let user = viewer.user()?;
    let id = id.into_inner();
    let (form, fields) = state
        .db
        .run(move |conn| {
            let form = web_forms::find_managed(conn, &user, id)?;
            let fields = custom_fields::fields(conn, custom_fields::CONTACT)?;
            Ok((form, fields))
        })
        .await?;
    let fields: Vec<FormField> = fields
        .into_iter()
        .map(|f| FormField {
            id: f.id,
            required: f.is_required,
            multiple: f.multiple,
            choices: if f.field_format == "list" {
                f.possible_values().into_iter().map(str::to_string).collect()
            } else {
                Vec::new()
            },
            name: f.name,
        })
        .collect();
    let action = format!("{}/contacts", own_origin(&req));
    let origins: Vec<&str> = form.origins().collect();
    let html = pages::web_form(&form.name, &origins.join(", "), &action, &form.form_key, &fields);
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_TYPE, Format::Html.content_type())).body(html))
}
