//! The OpenAPI document (`/openapi.json`) and its page (`/docs`): every route the server
//! registers is described, and nothing else.

use std::collections::BTreeSet;

use contacts_server::app::route_table;
use contacts_server::format::Format;
use contacts_server::openapi::{operation_for, operations::OPERATIONS, route_key};
use serde_json::Value;

use crate::support::TestApp;

#[test]
fn every_route_has_an_operation_and_every_operation_a_route() {
    let table = route_table();
    let served: Vec<String> = table.routes().iter().map(route_key).collect();
    let undescribed: Vec<String> = table
        .routes()
        .iter()
        .zip(&served)
        .filter(|(route, _)| operation_for(route).is_none())
        .map(|(route, key)| format!("{key} ({})", route.handler))
        .collect();
    assert!(
        undescribed.is_empty(),
        "routes without an entry in OPERATIONS (src/openapi/operations.rs): {undescribed:?}"
    );
    let unrouted: Vec<&str> =
        OPERATIONS.iter().map(|(key, _)| *key).filter(|key| !served.iter().any(|s| s == key)).collect();
    assert!(unrouted.is_empty(), "OPERATIONS entries no route in src/app.rs serves: {unrouted:?}");
    let mut keys = BTreeSet::new();
    let repeated: Vec<&str> = OPERATIONS.iter().map(|(key, _)| *key).filter(|key| !keys.insert(*key)).collect();
    assert!(repeated.is_empty(), "OPERATIONS keys given twice: {repeated:?}");
}

/// A document path without its format suffix, as the router sees it.
fn routed_path(path: &str) -> &str {
    if path.starts_with("/attachments/download/") {
        return path;
    }
    [".json", ".xml", ".csv", ".vcf"].iter().find_map(|s| path.strip_suffix(s)).unwrap_or(path)
}

#[actix_web::test]
async fn openapi_json_lists_exactly_the_served_routes_at_the_paths_clients_call() {
    let app = TestApp::spawn().await;
    let res = app.anonymous().raw(reqwest::Method::GET, Format::Json, "/openapi", "", Vec::new()).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.header("content-type").unwrap_or_default().starts_with("application/json"));
    let doc: Value = serde_json::from_str(&res.text).expect("the document is JSON");
    assert_eq!(doc["openapi"], "3.1.0");

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            documented.insert((method.to_ascii_uppercase(), routed_path(path).to_string()));
        }
    }
    let served: BTreeSet<(String, String)> =
        route_table().routes().iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(missing.is_empty(), "served but not in /openapi.json: {missing:?}");
    assert!(extra.is_empty(), "in /openapi.json but not served: {extra:?}");

    // Clients call suffixed paths: both API formats, and the file formats a route is limited to.
    let paths = &doc["paths"];
    for path in ["/contacts.json", "/contacts.xml", "/contacts.csv", "/contacts.vcf", "/contacts/{id}.vcf"] {
        assert!(paths[path]["get"].is_object(), "GET {path} is documented");
    }
    assert!(paths["/contacts"]["get"].is_null(), "no suffix-less API path");
    assert!(paths["/contacts/{id}.xml"]["put"]["requestBody"]["content"]["application/xml"].is_object());
    assert!(paths["/contacts/{id}.json"]["put"]["requestBody"]["content"]["application/json"].is_object());
}

#[actix_web::test]
async fn openapi_json_describes_xml_by_the_json_tree() {
    let app = TestApp::spawn().await;
    let res = app.anonymous().raw(reqwest::Method::GET, Format::Json, "/openapi", "", Vec::new()).await;
    let doc: Value = serde_json::from_str(&res.text).expect("the document is JSON");
    let contact = &doc["components"]["schemas"]["contact"];
    assert_eq!(contact["xml"]["name"], "contact");
    assert_eq!(contact["properties"]["author"]["properties"]["id"]["xml"]["attribute"], true);
    assert_eq!(contact["properties"]["phones"]["xml"]["wrapped"], true);
    assert_eq!(contact["properties"]["phones"]["items"]["xml"]["name"], "phone");
    let list = &doc["paths"]["/contacts.xml"]["get"]["responses"]["200"]["content"]["application/xml"]["schema"];
    assert_eq!(list["xml"], serde_json::json!({"name": "contacts", "wrapped": true}));
    let json_list = &doc["paths"]["/contacts.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(json_list["properties"]["total_count"].is_object());
}

#[actix_web::test]
async fn openapi_is_only_json() {
    let app = TestApp::spawn().await;
    let res = app.anonymous().raw(reqwest::Method::GET, Format::Xml, "/openapi", "", Vec::new()).await;
    assert_eq!(res.status, 404);
}

#[actix_web::test]
async fn docs_page_shows_every_path_without_fetching_anything() {
    let app = TestApp::spawn().await;
    let res = app.anonymous().raw(reqwest::Method::GET, Format::Html, "/docs", "", Vec::new()).await;
    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap_or_default().starts_with("text/html"));
    for shown in ["/contacts/{id}.json", "/contacts/{id}.xml", "/projects/{project}/deals.json", "X-Redmine-API-Key"] {
        assert!(res.text.contains(shown), "the page shows {shown}");
    }
    assert!(!res.text.contains("src=\"http") && !res.text.contains("href=\"http"), "nothing from elsewhere");
}

#[actix_web::test]
async fn openapi_json_describes_the_record_fields_pages_and_new_routes() {
    let app = TestApp::spawn().await;
    let res = app.anonymous().raw(reqwest::Method::GET, Format::Json, "/openapi", "", Vec::new()).await;
    let doc: Value = serde_json::from_str(&res.text).expect("the document is JSON");
    let contact = &doc["components"]["schemas"]["contact"]["properties"];
    for field in ["company_id", "primary_contact_id", "reports_to_id", "department", "external_id"] {
        assert!(contact[field].is_object(), "the contact's {field}");
    }
    assert_eq!(contact["status"]["enum"], serde_json::json!(["active", "inactive", "archived"]));
    assert_eq!(contact["preferred_contact_method"]["enum"], serde_json::json!(["email", "phone", "mobile"]));
    assert!(contact["phones"]["items"]["properties"]["type"].is_object());

    let list = &doc["paths"]["/contacts.json"]["get"]["responses"]["200"];
    for field in ["page", "per_page", "total_pages", "next_page", "previous_page", "links"] {
        assert!(list["content"]["application/json"]["schema"]["properties"][field].is_object(), "a list's {field}");
    }
    assert!(list["headers"]["Link"].is_object());
    assert_eq!(list["headers"]["X-Request-Id"]["required"], true);
    let names: Vec<&str> = doc["paths"]["/contacts.json"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in ["cursor", "per_page", "f[]", "op", "v", "status", "X-Error-Details"] {
        assert!(names.contains(&name), "GET /contacts.json takes {name}");
    }

    let search = &doc["paths"]["/contacts/search.json"]["post"];
    assert!(search["requestBody"]["content"]["application/json"]["schema"]["properties"]["search"].is_object());
    let upsert = &doc["paths"]["/projects/{project}/contacts/external/{external_id}.json"]["put"];
    assert!(upsert["responses"]["200"].is_object() && upsert["responses"]["201"].is_object());
    assert_eq!(upsert["parameters"][1]["schema"]["type"], "string", "an external id is text");
    assert!(doc["components"]["schemas"]["errors"]["properties"]["details"].is_object());
    assert!(doc["paths"]["/projects/{project}/contacts.json"]["post"]["responses"]["302"].is_object());
}
