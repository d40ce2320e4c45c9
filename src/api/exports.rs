//! Contact exports: `GET /contacts.csv`, `GET /contacts.vcf` (with the list's filters and
//! `query_id`) and `GET /contacts/:id.vcf`. Lists are streamed in batches, so an export of a
//! whole address book holds one batch in memory, not the book.

use actix_web::body::BoxBody;
use actix_web::web::{Bytes, Data, Path};

use super::list_params;
use crate::api::state::AppState;
use crate::db::Db;
use crate::domain::access::Viewer;
use crate::domain::contacts::{self, ContactDetails};
use crate::error::Error;
use crate::format::query::QueryParams;
use crate::format::{Format, Reply};
use crate::views::exports as views;

/// Contacts per batch: one page query and its detail queries.
const BATCH: i64 = 500;

pub async fn contacts_csv(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    let export = prepare(&state, viewer, query, None).await?;
    let header = views::csv_header(&export.custom_fields);
    Ok(file(Format::Csv, "contacts.csv", stream(state.db.clone(), export, header, views::csv_rows)))
}

pub async fn contacts_vcf(state: Data<AppState>, viewer: Viewer, query: QueryParams) -> Result<Reply, Error> {
    let export = prepare(&state, viewer, query, None).await?;
    Ok(file(Format::Vcf, "contacts.vcf", stream(state.db.clone(), export, Vec::new(), vcards)))
}

pub async fn project_contacts_csv(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let export = prepare(&state, viewer, query, Some(project.into_inner())).await?;
    let header = views::csv_header(&export.custom_fields);
    Ok(file(Format::Csv, "contacts.csv", stream(state.db.clone(), export, header, views::csv_rows)))
}

pub async fn project_contacts_vcf(
    state: Data<AppState>,
    viewer: Viewer,
    project: Path<String>,
    query: QueryParams,
) -> Result<Reply, Error> {
    let export = prepare(&state, viewer, query, Some(project.into_inner())).await?;
    Ok(file(Format::Vcf, "contacts.vcf", stream(state.db.clone(), export, Vec::new(), vcards)))
}

pub async fn contact_vcf(state: Data<AppState>, viewer: Viewer, id: Path<i32>) -> Result<Reply, Error> {
    let user = viewer.user()?;
    let id = id.into_inner();
    let contact = state.db.run(move |conn| contacts::export_one(conn, &user, id)).await?;
    Ok(file(Format::Vcf, &format!("contact-{id}.vcf"), BoxBody::new(views::vcard(&contact))))
}

/// Checks the filters and permissions before the first byte, so a bad request still gets its
/// status and error body.
async fn prepare(
    state: &AppState,
    viewer: Viewer,
    query: QueryParams,
    project: Option<String>,
) -> Result<contacts::Export, Error> {
    let user = viewer.user()?;
    state
        .db
        .run(move |conn| {
            let mut filters = list_params::contact_filters(conn, &user, query)?;
            if project.is_some() {
                filters.project_ref = project;
            }
            contacts::export(conn, &user, &filters)
        })
        .await
}

fn vcards(batch: &[ContactDetails]) -> Vec<u8> {
    batch.iter().map(views::vcard).collect::<String>().into_bytes()
}

fn file(format: Format, filename: &str, body: BoxBody) -> Reply {
    Reply::File { content_type: format.content_type(), filename: filename.to_string(), body }
}

/// Reads the export batch by batch on a blocking thread and hands each rendered batch to the
/// response as it is ready; a slow client slows the reading (the channel holds two batches).
fn stream(db: Db, export: contacts::Export, header: Vec<u8>, render: fn(&[ContactDetails]) -> Vec<u8>) -> BoxBody {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, Error>>(2);
    actix_web::rt::task::spawn_blocking(move || {
        if !header.is_empty() && tx.blocking_send(Ok(header.into())).is_err() {
            return;
        }
        let mut conn = match db.connection() {
            Ok(conn) => conn,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut after = 0;
        loop {
            match contacts::export_batch(&mut conn, &export, after, BATCH) {
                Ok(batch) if batch.is_empty() => return,
                Ok(batch) => {
                    after = batch.last().map_or(after, |c| c.row.id);
                    if tx.blocking_send(Ok(render(&batch).into())).is_err() {
                        return; // the client went away
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "an export stopped part way");
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    BoxBody::new(actix_web::body::BodyStream::new(chunks))
}
