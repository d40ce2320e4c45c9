//! `contact[…]`: names, lists of phones and emails, `address_attributes`, custom values, avatar.

use serde_json::{Map, Value};

use super::custom_fields::custom_values;
use super::Fields;
use crate::domain::contacts::{AddressInput, AvatarInput, ContactInput, VISIBILITY_PROJECT};
use crate::domain::input::{MAX_STRING, MAX_TEXT};
use crate::domain::phones::{self, PhoneFormat};
use crate::domain::{countries, syntax};
use crate::error::Error;
use crate::format::body::Body;

/// Reads `contact[…]`; `fallback_project` is a top-level `project_id`, which Redmine also takes;
/// phone numbers are kept in `phone_format`.
pub fn contact(map: Map<String, Value>, fallback_project: Option<&Value>, phone_format: PhoneFormat) -> ContactInput {
    let mut f = Fields::new(map);
    let project_ref = match f.raw("project_id").or(fallback_project) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Object(o)) => o.get("id").map(|v| v.to_string().trim_matches('"').to_string()),
        _ => None,
    };
    let phones = f.list("phone", "Phone").or_else(|| phone_objects(&mut f)).map(|numbers| {
        let normalised: Option<Vec<String>> = numbers.iter().map(|n| phones::normalise(n, phone_format)).collect();
        normalised.unwrap_or_else(|| {
            f.error("Phone is invalid");
            numbers
        })
    });
    let emails = f.list("email", "Email").map(|list| list.iter().map(|e| e.replace(' ', "")).collect());
    let visibility = match f.int("visibility", "Visibility") {
        Some(Some(v)) if (0..=2).contains(&v) => Some(v as i32),
        Some(None) => Some(VISIBILITY_PROJECT),
        Some(Some(_)) => {
            f.error("Visibility is not included in the list");
            None
        }
        None => None,
    };
    let address = f.object("address_attributes", "Address").map(|map| {
        let mut a = Fields::new(map);
        let address = AddressInput {
            street1: a.text("street1", "Street", MAX_STRING),
            street2: a.text("street2", "Street 2", MAX_STRING),
            city: a.text("city", "City", MAX_STRING),
            region: a.text("region", "Region", MAX_STRING),
            postcode: a.text("postcode", "Postcode", 30),
            country_code: a.text("country_code", "Country", 2).map(|c| c.map(|c| c.to_ascii_uppercase())),
        };
        if let Some(Some(code)) = &address.country_code {
            if countries::country_name(code).is_none() {
                a.error("Country is not included in the list");
            }
        }
        if let Err(Error::Invalid(messages)) = a.finish() {
            messages.into_iter().for_each(|m| f.error(m));
        }
        address
    });
    let mut input = ContactInput {
        project_ref,
        first_name: f.text("first_name", "First name", MAX_STRING),
        last_name: f.text("last_name", "Last name", MAX_STRING),
        middle_name: f.text("middle_name", "Middle name", MAX_STRING),
        company: f.text("company", "Company", MAX_STRING),
        is_company: f.bool("is_company", "Is company"),
        job_title: f.text("job_title", "Job title", MAX_STRING),
        website: f.text("website", "Website", MAX_STRING),
        skype_name: f.text("skype_name", "Skype name", MAX_STRING),
        birthday: f.date("birthday", "Birthday"),
        background: f.text("background", "Background", MAX_TEXT),
        phones,
        emails,
        tags: f.list("tag_list", "Tags"),
        assigned_to_id: f.id("assigned_to_id", "Assigned to"),
        visibility,
        address,
        custom_fields: custom_values(&mut f),
        avatar: match f.raw("avatar") {
            Some(Value::Object(o)) => {
                o.get("token").and_then(Value::as_str).map(|t| AvatarInput::Token(t.trim().to_string()))
            }
            _ => avatar_upload(f.raw("uploads")),
        },
        errors: Vec::new(),
    };
    check_lists(&mut f, &input);
    if let Err(Error::Invalid(messages)) = f.finish() {
        input.errors = messages;
    }
    input
}

/// The avatar a body carries besides `contact[avatar][token]`: a multipart `contact[avatar]`
/// file, or the plugin's `attachments[n]` described `avatar` with a multipart `file` or an
/// upload's `token` (these take precedence, as in Redmine's `save_attachments`).
pub fn avatar(body: &Body) -> Option<AvatarInput> {
    if let Some(file) = body.file("contact[avatar]") {
        return Some(AvatarInput::File { filename: file.filename.clone(), bytes: file.bytes.to_vec() });
    }
    let entries: Vec<(String, &Map<String, Value>)> = match body.0.get("attachments") {
        Some(Value::Object(by_index)) => {
            by_index.iter().filter_map(|(n, e)| e.as_object().map(|e| (n.clone(), e))).collect()
        }
        Some(Value::Array(items)) => {
            items.iter().enumerate().filter_map(|(n, e)| e.as_object().map(|e| (n.to_string(), e))).collect()
        }
        _ => return None,
    };
    entries.into_iter().find_map(|(n, entry)| {
        if entry.get("description").and_then(Value::as_str).map(str::trim) != Some("avatar") {
            return None;
        }
        if let Some(file) = body.file(&format!("attachments[{n}][file]")) {
            return Some(AvatarInput::File { filename: file.filename.clone(), bytes: file.bytes.to_vec() });
        }
        let token = entry.get("token").and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty())?;
        Some(AvatarInput::Token(token.to_string()))
    })
}

/// Redmine's `uploads: [{"token", "description": "avatar", …}]`: the upload described `avatar`.
fn avatar_upload(uploads: Option<&Value>) -> Option<AvatarInput> {
    let items: Vec<&Value> = match uploads? {
        Value::Array(items) => items.iter().collect(),
        // Rails without type="array": a hash of entries.
        Value::Object(by_index) => by_index.values().collect(),
        _ => return None,
    };
    items.into_iter().find_map(|item| {
        if item.get("description").and_then(Value::as_str).map(str::trim) != Some("avatar") {
            return None;
        }
        let token = item.get("token").and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty())?;
        Some(AvatarInput::Token(token.to_string()))
    })
}

/// `phones: [{"number": …}]`, the shape contacts are shown in, read back for clients that
/// send a contact as they received it.
fn phone_objects(f: &mut Fields) -> Option<Vec<String>> {
    let Some(Value::Array(items)) = f.raw("phones") else { return None };
    let numbers = items
        .iter()
        .filter_map(|i| match i {
            Value::Object(o) => o.get("number").and_then(Value::as_str).map(str::to_string),
            Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    Some(numbers)
}

fn check_lists(f: &mut Fields, input: &ContactInput) {
    if let Some(emails) = &input.emails {
        if emails.iter().any(|e| !syntax::is_email_address(e)) {
            f.error("Email is invalid");
        }
        if emails.join(", ").chars().count() > MAX_TEXT {
            f.error(format!("Email is too long (maximum is {MAX_TEXT} characters)"));
        }
    }
    if let Some(Some(website)) = &input.website {
        if !syntax::is_web_address(website) {
            f.error("Website is invalid");
        }
    }
    if let Some(phones) = &input.phones {
        if phones.iter().any(|p| p.chars().count() > MAX_STRING) {
            f.error(format!("Phone is too long (maximum is {MAX_STRING} characters)"));
        }
    }
    if let Some(tags) = &input.tags {
        if tags.iter().any(|t| t.chars().count() > MAX_STRING) {
            f.error(format!("Tags is too long (maximum is {MAX_STRING} characters)"));
        }
    }
}
