//! `webhook[…]`: `url`, `events` (a list or one comma-separated string), `secret`, `format`,
//! `active` and, on `POST /webhooks`, `project_id`.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::input::MAX_TEXT;
use crate::domain::webhooks::WebhookInput;
use crate::error::Error;

pub fn webhook(map: Map<String, Value>) -> WebhookInput {
    let mut f = Fields::new(map);
    let input = WebhookInput {
        project_ref: f.text("project_id", "Project", MAX_TEXT).flatten(),
        url: f.text("url", "Url", MAX_TEXT).map(Option::unwrap_or_default),
        events: f.list("events", "Events"),
        secret: f.text("secret", "Secret", MAX_TEXT).map(Option::unwrap_or_default),
        format: f.text("format", "Format", MAX_TEXT).map(Option::unwrap_or_default),
        active: f.bool("active", "Active"),
        errors: Vec::new(),
    };
    // Kept with the input: the domain adds its own and answers them all in one 422.
    let errors = match f.finish() {
        Err(Error::Invalid(errors)) => errors,
        _ => Vec::new(),
    };
    WebhookInput { errors, ..input }
}
