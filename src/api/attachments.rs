//! `/attachments/:id`, `/attachments/download/:id/:filename` and `POST /uploads`.

use actix_web::http::header;
use actix_web::web::{self, Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};

use crate::api::state::AppState;
use crate::domain::access::Viewer;
use crate::domain::attachments::{self, CheckedFile};
use crate::error::Error;
use crate::format::body::{read_limited, BodyLimits, Deadline};
use crate::format::query::QueryParams;
use crate::format::{own_origin, Reply};
use crate::views::attachments as views;

pub async fn show_attachment(
    req: HttpRequest,
    state: Data<AppState>,
    viewer: Viewer,
    id: Path<i32>,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let attachment = state.db.run(move |conn| attachments::find_visible(conn, &user, id)).await?;
    Ok(Reply::ok(views::show(&attachment, &own_origin(&req))))
}

/// The bytes, with the type found when they were checked, and headers that keep a browser from
/// reading them as anything else.
pub async fn download(state: Data<AppState>, viewer: Viewer, path: Path<(i32, String)>) -> Result<HttpResponse, Error> {
    let user = viewer.user()?;
    let (id, _) = path.into_inner();
    let (row, bytes) = state.db.run(move |conn| attachments::download(conn, &user, id)).await?;
    // Images are shown, once decoded again here (a file stored before images were decoded on
    // upload may only look like one); any other file is saved, never opened by the browser on
    // this site.
    let content_type = row.content_type.clone();
    let (inline, bytes) = web::block(move || (attachments::decodes_as(&content_type, &bytes), bytes))
        .await
        .map_err(|_| Error::Unavailable)?;
    let disposition = if inline { "inline" } else { "attachment" };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{}\"", row.filename)))
        .insert_header((header::CONTENT_TYPE, row.content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(bytes))
}

/// Redmine's upload API: the raw bytes (`application/octet-stream`), `?filename=`; answers 201
/// with a token to give as `avatar: {"token": …}`.
pub async fn upload(
    req: HttpRequest,
    state: Data<AppState>,
    viewer: Viewer,
    query: QueryParams,
    payload: Payload,
) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/octet-stream") {
        return Err(Error::UnsupportedMedia);
    }
    let limits = req.app_data::<Data<BodyLimits>>().map_or_else(BodyLimits::default, |l| *l.get_ref());
    let deadline = Deadline::new(limits);
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
    let bytes = read_limited(payload, declared, limits.max_file_bytes, deadline).await?;
    let filename = query.text("filename").unwrap_or("").to_string();
    // Decoding an image is CPU work: on the blocking pool, before any connection is taken.
    let file = web::block(move || CheckedFile::any(&filename, &bytes)).await.map_err(|_| Error::Unavailable)??;
    let row = state.db.run(move |conn| attachments::upload(conn, &user, &file)).await?;
    let id = row.id;
    Ok(Reply::created(views::upload(&row), format!("/attachments/{id}")))
}
