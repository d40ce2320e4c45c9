//! `custom_field[…]`, and the custom values sent with a contact or a deal.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::custom_fields::{FieldInput, ValuesInput};
use crate::domain::input::{MAX_STRING, MAX_TEXT};
use crate::error::Error;

pub fn field(map: Map<String, Value>) -> Result<FieldInput, Error> {
    let mut f = Fields::new(map);
    // Redmine lists possible values as [{"value": …}]; plain strings and lines are taken too.
    let possible_values = match f.raw("possible_values").cloned() {
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(|i| match i {
                    Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ),
        Some(Value::String(s)) => Some(s.lines().map(str::to_string).collect()),
        _ => None,
    };
    let length = |f: &mut Fields, key: &str, label: &str| {
        f.int(key, label).map(|v| v.map(|n| n.clamp(0, i32::MAX as i64) as i32))
    };
    let input = FieldInput {
        name: f.required_text("name", "Name", 30),
        customized_type: f.text("customized_type", "Customized type", 30).flatten(),
        field_format: f.text("field_format", "Format", 30).flatten(),
        possible_values,
        is_required: f.bool("is_required", "Required"),
        is_filter: f.bool("is_filter", "Used as a filter"),
        searchable: f.bool("searchable", "Searchable"),
        multiple: f.bool("multiple", "Multiple values"),
        default_value: f.text("default_value", "Default value", MAX_TEXT),
        regexp: f.text("regexp", "Regular expression", MAX_STRING),
        min_length: length(&mut f, "min_length", "Minimum length"),
        max_length: length(&mut f, "max_length", "Maximum length"),
        position: f.int("position", "Position").flatten().map(|p| p as i32),
    };
    f.finish()?;
    Ok(input)
}

/// `custom_fields: [{"id": 1, "value": …}]` (or a form's `[][id]`/`[][value]` pairs) and
/// `custom_field_values: {"1": …}`; `None` when neither was sent.
pub fn custom_values(f: &mut Fields) -> Option<ValuesInput> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut sent = false;
    if let Some(list) = f.raw("custom_fields") {
        sent = true;
        let items: Vec<&Value> = match list {
            Value::Array(items) => items.iter().collect(),
            // Rails without type="array": a hash of entries.
            Value::Object(o) => o.values().collect(),
            _ => Vec::new(),
        };
        for item in items {
            let id = item.get("id").and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()));
            match id.and_then(|i| i32::try_from(i).ok()) {
                Some(id) => out.push((id, value_texts(item.get("value")))),
                None => errors.push("Custom fields is invalid".to_string()),
            }
        }
    }
    if let Some(Value::Object(values)) = f.raw("custom_field_values") {
        sent = true;
        for (id, value) in values {
            match id.parse::<i32>() {
                Ok(id) => out.push((id, value_texts(Some(value)))),
                Err(_) => errors.push("Custom fields is invalid".to_string()),
            }
        }
    }
    errors.dedup();
    errors.into_iter().for_each(|e| f.error(e));
    sent.then_some(ValuesInput(out))
}

fn value_texts(value: Option<&Value>) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().flat_map(|i| value_texts(Some(i))).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Bool(b)) => vec![if *b { "1" } else { "0" }.to_string()],
        Some(other) => vec![other.to_string()],
    }
}
