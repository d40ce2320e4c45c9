//! `query[…]`: a saved query's name, type, project and filters.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::input::{MAX_STRING, MAX_TEXT};
use crate::domain::queries::{QueryInput, CONTACT};
use crate::error::Error;

pub fn query(map: Map<String, Value>) -> Result<QueryInput, Error> {
    let mut f = Fields::new(map);
    let filters = match f.raw("filters").cloned() {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim_start_matches('?').to_string(),
        // The plugin's own shape (`queries.filters`): field → {operator, values}, kept as
        // Redmine's long form.
        Some(Value::Object(params)) if params.values().any(|v| v.get("operator").is_some()) => {
            let mut out = form_urlencoded::Serializer::new(String::new());
            out.append_pair("set_filter", "1");
            for (field, spec) in &params {
                let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                out.append_pair("f[]", field);
                out.append_pair(&format!("op[{field}]"), &spec.get("operator").map(text).unwrap_or_default());
                let values = match spec.get("values") {
                    Some(Value::Array(items)) => items.iter().map(text).collect(),
                    // XML: `<values type="array">` is an array already; one `<value>` an object.
                    Some(Value::Object(items)) => items.values().map(text).collect(),
                    Some(Value::Null) | None => Vec::new(),
                    Some(one) => vec![text(one)],
                };
                for v in values {
                    out.append_pair(&format!("v[{field}][]"), &v);
                }
            }
            out.finish()
        }
        Some(Value::Object(params)) => {
            let mut out = form_urlencoded::Serializer::new(String::new());
            for (key, value) in &params {
                let values = match value {
                    Value::Array(items) => items.clone(),
                    other => vec![other.clone()],
                };
                for v in values {
                    out.append_pair(key, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()).as_str());
                }
            }
            out.finish()
        }
        Some(_) => {
            f.error("Filters is invalid");
            String::new()
        }
    };
    if filters.chars().count() > MAX_TEXT {
        f.error(format!("Filters is too long (maximum is {MAX_TEXT} characters)"));
    }
    let project_ref = match f.raw("project_id") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        None | Some(Value::Null | Value::String(_)) => None,
        // Not read as "no project": that would make a project's query global.
        Some(_) => {
            f.error("Project is invalid");
            None
        }
    };
    let visibility = f.int("visibility", "Visibility").flatten();
    let input = QueryInput {
        name: f.text("name", "Name", MAX_STRING).flatten(),
        object_type: f.text("object_type", "Object type", 30).flatten().unwrap_or_else(|| CONTACT.into()),
        project_ref,
        // Private unless asked for: Redmine's default visibility is VISIBILITY_PRIVATE.
        is_public: f.bool("is_public", "Public").unwrap_or(visibility == Some(2)),
        filters,
    };
    f.finish()?;
    Ok(input)
}
