//! The OpenAPI 3.1 document of the API, built from the route table (paths, methods, path
//! parameters, formats), `operations` (what each route does), `schemas` (the bodies, JSON and
//! XML in one schema) and `error.rs` (the error answers). Served at `/openapi.json` and, as a
//! page, at `/docs`.

pub mod operations;
pub mod schemas;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::api::route_table::Route;
use crate::error::Error;
use crate::format::Format;
use operations::{Access, Answer, Body, Meta, Operation, Wire, OPERATIONS};

/// The operation described for `route`, by its key (`GET /contacts`, `GET /contacts.csv`).
pub fn operation_for(route: &Route) -> Option<Operation> {
    let key = route_key(route);
    OPERATIONS.iter().find(|(k, _)| *k == key).map(|(_, describe)| describe())
}

/// `METHOD /path`, with the suffix of a route limited to one format.
pub fn route_key(route: &Route) -> String {
    let suffix = route.only.map(|f| format!(".{}", suffix(f))).unwrap_or_default();
    format!("{} {}{}", route.method, route.path, suffix)
}

fn suffix(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Xml => "xml",
        Format::Csv => "csv",
        Format::Vcf => "vcf",
        Format::Html => "html",
    }
}

/// The document for these routes. A route without an operation is left out (the coverage test
/// names it).
pub fn document(routes: &[Route]) -> Value {
    let mut doc = Document::default();
    for route in routes {
        let Some(operation) = operation_for(route) else { continue };
        let formats: Vec<Option<Format>> = match (route.only, operation.wire) {
            (Some(format), _) | (None, Wire::Suffix(format)) => vec![Some(format)],
            (None, Wire::Api) => vec![Some(Format::Json), Some(Format::Xml)],
            (None, Wire::Bare) => vec![None],
        };
        for format in formats {
            let path = match format {
                Some(f) => format!("{}.{}", route.path, suffix(f)),
                None => route.path.to_string(),
            };
            let item = doc.operation(route, &operation, format);
            let entry = doc.paths.entry(path).or_insert_with(|| json!({}));
            entry[route.method.as_str().to_ascii_lowercase()] = item;
        }
    }
    doc.finish()
}

#[derive(Default)]
struct Document {
    paths: BTreeMap<String, Value>,
    schemas: Map<String, Value>,
}

impl Document {
    /// A `$ref` to `schema` stored under `name`, its XML element `element`; or the schema
    /// itself when that name already holds another one (a note's body with and without its
    /// source).
    fn component(&mut self, name: &str, element: &str, schema: Value) -> Value {
        let mut schema = schema;
        if !name.ends_with("_input") {
            closed(&mut schema);
        }
        schema["xml"]["name"] = json!(element);
        match self.schemas.get(name) {
            Some(existing) if *existing != schema => return schema,
            Some(_) => {}
            None => {
                self.schemas.insert(name.to_string(), schema);
            }
        }
        json!({"$ref": format!("#/components/schemas/{name}")})
    }

    fn operation(&mut self, route: &Route, op: &Operation, format: Option<Format>) -> Value {
        let mut params: Vec<Value> = path_params(route.path);
        params.extend(op.query.iter().map(|p| {
            let mut param = json!({"name": p.name, "in": "query", "required": false, "schema": p.schema, "description": p.description});
            if p.deep_object {
                param["style"] = json!("deepObject");
                param["explode"] = json!(true);
            }
            param
        }));
        if op.wire == Wire::Api {
            params.push(json!({
                "name": "X-Error-Details", "in": "header", "required": false,
                "schema": {"type": "string", "enum": ["1"]},
                "description": "`1`: a 422 also names each message's field (`details`)",
            }));
        }
        if matches!(op.answer, Answer::List { .. }) {
            params.push(json!({
                "name": "X-Redmine-Nometa", "in": "header", "required": false, "schema": {"type": "string"},
                "description": "any value: as `nometa=1`",
            }));
        }
        let mut item = json!({
            "operationId": operation_id(route, format),
            "summary": op.summary,
            "tags": [tag(route.path)],
            "parameters": params,
            "responses": self.responses(op, format),
        });
        item["security"] = match op.access {
            Access::User => json!([{"api_key": []}, {"key_param": []}, {"basic": []}, {"bearer": []}, {}]),
            Access::Public => json!([]),
        };
        match &op.body {
            Some(Body::Tree(root, schema)) => {
                let media = if format == Some(Format::Xml) { "application/xml" } else { "application/json" };
                let schema = self.component(&format!("{root}_input"), root, schema.clone());
                let content = json!({media: {"schema": wrapped(root, schema, media)}});
                item["requestBody"] = json!({"required": true, "content": content});
            }
            Some(Body::Bytes(media)) => {
                let content = json!({*media: {"schema": {"type": "string", "format": "binary"}}});
                item["requestBody"] = json!({"required": true, "content": content});
            }
            None => {}
        }
        item
    }

    fn responses(&mut self, op: &Operation, format: Option<Format>) -> Value {
        let media = match format {
            Some(Format::Xml) => "application/xml",
            _ => "application/json",
        };
        let mut responses = Map::new();
        let request_id = answer_headers();
        let mut ok = |status: u16, description: &str, content: Option<Value>, headers: Value| {
            let mut answer = json!({"description": description, "headers": headers});
            if let Some(content) = content {
                answer["content"] = content;
            }
            responses.insert(status.to_string(), answer);
        };
        match &op.answer {
            Answer::Show(root, schema) => {
                let schema = self.component(root, root, schema.clone());
                ok(200, "OK", Some(json!({media: {"schema": answer_body(root, schema, media)}})), request_id.clone());
            }
            Answer::Created(root, schema) => {
                let schema = self.component(root, root, schema.clone());
                let mut headers = request_id.clone();
                headers["Location"] = json!({"description": "the new record's URL", "schema": {"type": "string"}});
                ok(201, "Created", Some(json!({media: {"schema": answer_body(root, schema, media)}})), headers);
            }
            Answer::Upserted(root, schema) => {
                let schema = self.component(root, root, schema.clone());
                let body = json!({media: {"schema": answer_body(root, schema, media)}});
                ok(200, "Updated", Some(body.clone()), request_id.clone());
                let mut headers = request_id.clone();
                headers["Location"] = json!({"description": "the new record's URL", "schema": {"type": "string"}});
                ok(201, "Created", Some(body), headers);
            }
            Answer::List { root, item, schema, meta } => {
                let item_schema = self.component(item, item, schema.clone());
                let mut headers = request_id.clone();
                if *meta == Meta::Navigated {
                    headers["Link"] = json!({
                        "description": "RFC 8288 links to the first, next, prev and last pages of a numbered or cursor page",
                        "schema": {"type": "string"},
                    });
                }
                ok(200, "OK", Some(json!({media: {"schema": list_body(root, item_schema, *meta, media)}})), headers);
            }
            Answer::NoContent => ok(204, "Done; no body", None, request_id.clone()),
            Answer::Raw { media, description, schema } => {
                let schema = schema.clone().unwrap_or_else(|| json!({"type": "string"}));
                ok(200, description, Some(json!({*media: {"schema": schema}})), request_id.clone());
            }
        }
        for extra in &op.extra {
            let mut headers = answer_headers();
            for (name, description) in &extra.headers {
                headers[*name] = json!({"description": description, "required": true, "schema": {"type": "string"}});
            }
            let mut answer = json!({"description": extra.description, "headers": headers});
            if let Some((media, schema)) = &extra.content {
                answer["content"] = json!({*media: {"schema": schema}});
            }
            responses.insert(extra.status.to_string(), answer);
        }
        // Any route may meet any error; a browser's path gets its page.
        for (status, description) in error_answers() {
            if responses.contains_key(&status.to_string()) {
                continue;
            }
            let content = match format {
                Some(Format::Xml) => {
                    json!({"application/xml": {"schema": {"$ref": "#/components/schemas/errors_xml"}}})
                }
                Some(_) => json!({"application/json": {"schema": {"$ref": "#/components/schemas/errors"}}}),
                // A path without a suffix answers a browser's page, or the format `Accept` named.
                None => json!({
                    "text/html": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/errors"}},
                    "application/xml": {"schema": {"$ref": "#/components/schemas/errors_xml"}},
                }),
            };
            let mut answer = json!({"description": description, "content": content, "headers": answer_headers()});
            match status {
                401 => {
                    answer["headers"]["WWW-Authenticate"] = json!({"description": "`Basic realm=\"Redmine API\"` when no credentials came", "schema": {"type": "string"}})
                }
                429 | 503 => {
                    answer["headers"]["Retry-After"] = json!({"description": "seconds", "schema": {"type": "integer"}})
                }
                _ => {}
            }
            responses.insert(status.to_string(), answer);
        }
        Value::Object(responses)
    }

    fn finish(mut self) -> Value {
        let mut errors = schemas::errors();
        closed(&mut errors);
        self.schemas.insert("errors".into(), errors);
        let errors_xml = json!({"type": "array", "items": {"type": "string", "xml": {"name": "error"}, "description": "with `X-Error-Details: 1`, a 422's `error` has a `field` attribute"}, "xml": {"name": "errors", "wrapped": true}});
        self.schemas.insert("errors_xml".into(), errors_xml);
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {
                "title": "contacts-server",
                "version": env!("CARGO_PKG_VERSION"),
                "description": DESCRIPTION,
            },
            "components": {
                "securitySchemes": {
                    "api_key": {"type": "apiKey", "in": "header", "name": "X-Redmine-API-Key"},
                    "key_param": {"type": "apiKey", "in": "query", "name": "key"},
                    "basic": {"type": "http", "scheme": "basic", "description": "login and password, or an API key as the login"},
                    "bearer": {"type": "http", "scheme": "bearer", "description": "an API key"},
                },
            },
        });
        // Moved in, not written through `json!`, which would copy them (it serialises its
        // values into new ones): the copy of `paths` made the start-up's peak heap twice the
        // document's. The keys come out sorted either way.
        doc["paths"] = Value::Object(self.paths.into_iter().collect());
        doc["components"]["schemas"] = Value::Object(self.schemas);
        doc
    }
}

const DESCRIPTION: &str = "The Redmine CRM (RedmineUP contacts plugin) REST API. Every API path ends in \
`.json` or `.xml`; both carry the same tree (in XML, a list's `total_count`, `offset` and `limit` are \
attributes of the array element, `type=\"array\"`). Bodies: JSON `{\"contact\": {…}}`, XML \
`<contact>…</contact>`, or form fields `contact[first_name]=…`. Credentials: the \
`X-Redmine-API-Key` header, a `key` query parameter, HTTP Basic (login and password, or an API key \
as the login) or a Bearer API key; an admin may act as another user with `X-Redmine-Switch-User`.";

/// What every answer carries: `X-Request-Id` (`api::observe`), and the `X-RateLimit-*` of
/// the caller's budget while a limit applies (`api::rate_limit`).
fn answer_headers() -> Value {
    let budget = |description: &str| json!({"description": description, "schema": {"type": "integer"}});
    json!({
        "X-Request-Id": {
            "description": "the request's id: the one sent (sanitised) or a new one",
            "required": true,
            "schema": {"type": "string"},
        },
        "X-RateLimit-Limit": budget("while a rate limit applies: the request's class's budget per window"),
        "X-RateLimit-Remaining": budget("what is left of it"),
        "X-RateLimit-Reset": budget("when the window ends, in Unix seconds"),
    })
}

/// Every status an `Error` may answer, with its sentence (a 422's sentences are its fields').
fn error_answers() -> Vec<(u16, String)> {
    use actix_web::ResponseError;
    let samples = [
        Error::BadRequest("the body or a parameter cannot be read".into()),
        Error::Unauthenticated { challenge: true },
        Error::Forbidden,
        Error::NotFound,
        Error::BodyStalled,
        Error::PreconditionFailed,
        Error::TooLarge,
        Error::UnsupportedMedia,
        Error::invalid("what is wrong, in Redmine's words: \"First name cannot be blank\""),
        Error::RateLimited { retry_after_secs: 60 },
        Error::Unavailable,
    ];
    samples.iter().map(|e| (e.status_code().as_u16(), e.messages().join(" "))).collect()
}

/// An answer's objects hold only the fields described: a field a view adds without the schema
/// is a mismatch schemathesis reports. (Bodies sent stay open: unknown fields are ignored.)
fn closed(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") {
                map.insert("additionalProperties".into(), json!(false));
            }
            map.values_mut().for_each(closed);
        }
        Value::Array(items) => items.iter_mut().for_each(closed),
        _ => {}
    }
}

fn answer_body(root: &str, schema: Value, media: &str) -> Value {
    let mut body = wrapped(root, schema, media);
    closed(&mut body);
    body
}

/// `{root: schema}` in JSON; the element itself in XML.
fn wrapped(root: &str, schema: Value, media: &str) -> Value {
    if media == "application/xml" {
        schema
    } else {
        json!({"type": "object", "properties": {root: schema}, "required": [root]})
    }
}

fn list_body(root: &str, item: Value, meta: Meta, media: &str) -> Value {
    let meta_fields = match meta {
        Meta::Paged => schemas::list_meta(true),
        Meta::Navigated => [schemas::list_meta(true), schemas::page_meta()].concat(),
        Meta::Count => schemas::list_meta(false),
        Meta::None => Vec::new(),
    };
    if media == "application/xml" {
        let mut list = json!({"type": "array", "items": item, "xml": {"name": root, "wrapped": true}});
        if !meta_fields.is_empty() {
            let names: Vec<&str> = meta_fields.iter().map(|(k, _)| *k).collect();
            list["description"] = json!(format!("attributes of the array element: {}", names.join(", ")));
        }
        return list;
    }
    let mut fields = vec![(root, json!({"type": "array", "items": item}))];
    fields.extend(meta_fields);
    let mut body = schemas::object(&fields, &[root]);
    closed(&mut body);
    body
}

fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let (schema, description, example) = match name {
                "project" => (json!({"type": "string"}), "a project's id or identifier", json!("1")),
                "filename" => (json!({"type": "string"}), "the file's name", json!("avatar.png")),
                "external_id" => (json!({"type": "string"}), "the contact's id in another system", json!("crm-42")),
                _ => (json!({"type": "integer"}), "an id", json!(1)),
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema, "description": description, "example": example})
        })
        .collect()
}

/// `GET /contacts/{id}.json` → `get_contacts_id_json`: unique, as each path and method is.
fn operation_id(route: &Route, format: Option<Format>) -> String {
    let mut id = route.method.as_str().to_ascii_lowercase();
    for word in route.path.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').filter(|w| !w.is_empty()) {
        id.push('_');
        id.push_str(word);
    }
    if let Some(f) = format {
        id.push('_');
        id.push_str(suffix(f));
    }
    id
}

/// The section a path is listed under: its first segment (`/projects/{p}/deals` → `deals`).
fn tag(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && !s.starts_with('{')).collect();
    match segments.as_slice() {
        ["projects", rest, ..] => rest.to_string(),
        [first, ..] => first.to_string(),
        [] => "api".to_string(),
    }
}
