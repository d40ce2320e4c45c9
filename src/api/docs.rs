//! `/openapi.json` and `/docs`: the OpenAPI document of the routes this server registers, and
//! the same as a page. Both are built once, when the server starts.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};

use crate::api::route_table::Route;
use crate::error::Error;
use crate::format::Format;
use crate::{openapi, views};

pub struct ApiDocs {
    json: Vec<u8>,
    page: String,
}

impl ApiDocs {
    pub fn new(routes: &[Route]) -> ApiDocs {
        let document = openapi::document(routes);
        let json = serde_json::to_vec(&document).unwrap_or_default();
        ApiDocs { json, page: views::docs::page(&document) }
    }
}

/// Only as `/openapi.json`.
pub async fn openapi_json(req: HttpRequest, docs: Data<ApiDocs>) -> Result<HttpResponse, Error> {
    if Format::of(&req) != Format::Json {
        return Err(Error::NotFound);
    }
    Ok(HttpResponse::Ok().content_type(Format::Json.content_type()).body(docs.json.clone()))
}

pub async fn docs_page(docs: Data<ApiDocs>) -> HttpResponse {
    HttpResponse::Ok().content_type(Format::Html.content_type()).body(docs.page.clone())
}
