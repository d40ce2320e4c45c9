//! The OpenAPI document as a page (`/docs`): one section per tag, each operation with its
//! parameters, body and answers, then the schemas. Rendered from the document itself, so the
//! page cannot say anything the document does not.

use askama::Template;
use serde_json::Value;

struct Section {
    name: String,
    operations: Vec<OperationView>,
}

struct OperationView {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    params: Vec<[String; 4]>,
    body: Option<String>,
    answers: Vec<[String; 3]>,
}

#[derive(Template)]
#[template(path = "docs.html")]
struct DocsPage<'a> {
    title: &'a str,
    version: &'a str,
    description: &'a str,
    sections: Vec<Section>,
    schemas: Vec<(String, String)>,
}

pub fn page(doc: &Value) -> String {
    let mut sections: Vec<Section> = Vec::new();
    // Read in place: a copy of `paths`, most of the document, would double the start-up's
    // peak heap.
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let tag = op["tags"][0].as_str().unwrap_or("api").to_string();
            let view = operation(path, method, op);
            match sections.iter_mut().find(|s| s.name == tag) {
                Some(section) => section.operations.push(view),
                None => sections.push(Section { name: tag, operations: vec![view] }),
            }
        }
    }
    sections.sort_by(|a, b| a.name.cmp(&b.name));
    let schemas = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| (name.clone(), pretty(schema)))
        .collect();
    DocsPage {
        title: doc["info"]["title"].as_str().unwrap_or_default(),
        version: doc["info"]["version"].as_str().unwrap_or_default(),
        description: doc["info"]["description"].as_str().unwrap_or_default(),
        sections,
        schemas,
    }
    .render()
    .unwrap_or_default()
}

fn operation(path: &str, method: &str, op: &Value) -> OperationView {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| [text(&p["name"]), text(&p["in"]), type_of(&p["schema"]), text(&p["description"])])
        .collect();
    let body = op["requestBody"]["content"].as_object().map(|content| {
        content.iter().map(|(media, c)| format!("{media}: {}", pretty(&c["schema"]))).collect::<Vec<_>>().join("\n")
    });
    let answers = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, answer)| {
            let content = answer["content"].as_object().map(|content| {
                content
                    .iter()
                    .map(|(media, c)| format!("{media} {}", brief(&c["schema"])))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            [status.clone(), text(&answer["description"]), content.unwrap_or_default()]
        })
        .collect();
    OperationView {
        anchor: text(&op["operationId"]),
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        summary: text(&op["summary"]),
        params,
        body,
        answers,
    }
}

fn type_of(schema: &Value) -> String {
    match &schema["type"] {
        Value::String(t) => t.clone(),
        other => other.to_string(),
    }
}

/// A schema in one line: the names of the schemas it refers to, else its type.
fn brief(schema: &Value) -> String {
    let text = schema.to_string();
    let refs: Vec<&str> = text.split("#/components/schemas/").skip(1).filter_map(|s| s.split('"').next()).collect();
    if refs.is_empty() {
        type_of(schema)
    } else {
        refs.join(", ")
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
