//! `contact[…]`: names, lists of phones and emails, `address_attributes`, custom values, avatar.

use serde_json::{Map, Value};

use super::custom_fields::custom_values;
use super::Fields;
use crate::domain::contacts::{
    AddressInput, AvatarInput, ContactInput, CONTACT_METHODS, EMAIL_TYPES, PHONE_TYPES, STATUSES, VISIBILITY_PROJECT,
};
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
    // Redmine's comma-separated `phone` and `email` are untyped lists; `phones: [{number, type}]`
    // and `emails: [{address, type}]` may give each item a type.
    let (phones, phone_types) = match f.list("phone", "Phone") {
        Some(list) => (Some(list), None),
        None => typed_items(&mut f, "phones", "number", "Phone", &PHONE_TYPES).unzip(),
    };
    let phones = phones.map(|numbers: Vec<String>| {
        let normalised: Option<Vec<String>> = numbers.iter().map(|n| phones::normalise(n, phone_format)).collect();
        normalised.unwrap_or_else(|| {
            f.error("Phone is invalid");
            numbers
        })
    });
    let (emails, email_types) = match f.list("email", "Email") {
        Some(list) => (Some(list), None),
        None => typed_items(&mut f, "emails", "address", "Email", &EMAIL_TYPES).unzip(),
    };
    let emails = emails.map(|list: Vec<String>| list.iter().map(|e| e.replace(' ', "")).collect());
    let preferred_contact_method = f.text("preferred_contact_method", "Preferred contact method", MAX_STRING);
    if let Some(Some(method)) = &preferred_contact_method {
        if !CONTACT_METHODS.contains(&method.as_str()) {
            f.error("Preferred contact method is not included in the list");
        }
    }
    let status = match f.text("status", "Status", MAX_STRING) {
        Some(Some(status)) if STATUSES.contains(&status.as_str()) => Some(status),
        None => None,
        Some(_) => {
            f.error("Status is not included in the list");
            None
        }
    };
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
        phone_types,
        emails,
        email_types,
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
        company_id: f.id("company_id", "Company"),
        primary_contact_id: f.id("primary_contact_id", "Primary contact"),
        reports_to_id: f.id("reports_to_id", "Reports to"),
        department: f.text("department", "Department", MAX_STRING),
        preferred_contact_method,
        status,
        external_id: f.text("external_id", "External id", MAX_STRING),
        errors: Vec::new(),
    };
    check_lists(&mut f, &input);
    if let Err(Error::Invalid(messages)) = f.finish() {
        input.errors = messages;
    }
    input
}

/// `phones: [{"number": …, "type": …}]` (or `emails` with `address`), the shape contacts are
/// shown in, read back for clients that send a contact as they received it: the items, and a
/// type for each ('' when none), which must be one of `types`.
fn typed_items(
    f: &mut Fields,
    key: &str,
    value_key: &str,
    label: &str,
    types: &[&str],
) -> Option<(Vec<String>, Vec<String>)> {
    let Some(Value::Array(items)) = f.raw(key) else { return None };
    let mut values = Vec::new();
    let mut kinds = Vec::new();
    let mut wrong_type = false;
    for item in items {
        let (value, kind) = match item {
            Value::Object(o) => (
                o.get(value_key).and_then(Value::as_str).map(str::trim),
                o.get("type").and_then(Value::as_str).map(str::trim).unwrap_or(""),
            ),
            Value::String(s) => (Some(s.trim()), ""),
            _ => (None, ""),
        };
        let Some(value) = value.filter(|v| !v.is_empty()) else { continue };
        wrong_type |= !kind.is_empty() && !types.contains(&kind);
        // A comma would split the item in two where the list is stored.
        values.extend(value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string));
        kinds.resize(values.len(), kind.to_string());
    }
    if wrong_type {
        f.error(format!("{label} type is not included in the list"));
    }
    Some((values, kinds))
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
