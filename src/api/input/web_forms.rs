//! `web_form[…]`.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::input::{MAX_STRING, MAX_TEXT};
use crate::domain::web_forms::{is_redirect_url, origin_of, WebFormInput};
use crate::error::Error;

pub fn web_form(map: Map<String, Value>) -> Result<WebFormInput, Error> {
    let mut f = Fields::new(map);
    let allowed_origins = match f.raw("allowed_origins").cloned() {
        None => None,
        Some(Value::Array(items)) => Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        Some(Value::String(s)) => Some(s.split([',', '\n', ' ']).map(str::to_string).collect()),
        Some(Value::Null) => Some(Vec::new()),
        Some(_) => {
            f.error("Allowed origins is invalid");
            None
        }
    };
    let allowed_origins = allowed_origins.map(|list: Vec<String>| {
        list.iter().map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect::<Vec<_>>()
    });
    if let Some(origins) = &allowed_origins {
        if origins.iter().any(|o| origin_of(o).as_deref() != Some(o.as_str())) {
            f.error("Allowed origins is invalid (each one scheme://host[:port])");
        }
    }
    let success_url = f.text("success_url", "Success URL", MAX_TEXT);
    if let Some(Some(url)) = &success_url {
        if !is_redirect_url(url) {
            f.error("Success URL is invalid");
        }
    }
    let input = WebFormInput {
        name: f.required_text("name", "Name", MAX_STRING),
        success_url,
        allowed_origins,
        default_tags: f.list("default_tags", "Default tags").map(|t| t.join(",")),
        default_assignee_id: f.id("default_assignee_id", "Default assignee"),
    };
    f.finish()?;
    input.check()?;
    Ok(input)
}
