//! The bodies' schemas, written once as JSON Schema with OpenAPI's `xml` object: the same schema
//! describes the JSON answer (wrapped in its root key) and the XML one (the root element), as the
//! one response tree renders to both (`format/json.rs`, `format/xml.rs`). Views build their trees
//! field by field, so these follow `views/` by hand; schemathesis checks every JSON answer
//! against them in CI.

use serde_json::{json, Map, Value};

use crate::domain::contacts::{CONTACT_METHODS, EMAIL_TYPES, PHONE_TYPES, STATUSES};
use crate::domain::webhooks::{Event, FORMATS};
use crate::store::webhooks::{DELIVERED, FAILED, PENDING};

pub fn int() -> Value {
    json!({"type": "integer"})
}

pub fn text() -> Value {
    json!({"type": "string"})
}

pub fn boolean() -> Value {
    json!({"type": "boolean"})
}

/// A UTC time as Redmine writes it (`2024-01-01T12:00:00Z`).
pub fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

pub fn date() -> Value {
    json!({"type": "string", "format": "date"})
}

/// `value` or `null` (an empty element in XML).
pub fn nullable(mut value: Value) -> Value {
    let kind = value["type"].take();
    value["type"] = json!([kind, "null"]);
    value
}

/// An object with these fields, in the views' order; `required` are always present.
pub fn object(fields: &[(&str, Value)], required: &[&str]) -> Value {
    let properties: Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    json!({"type": "object", "properties": properties, "required": required})
}

/// Its fields written as XML attributes (`<author id="1" name="Ann"/>`).
pub fn attributes(fields: &[(&str, Value)], required: &[&str]) -> Value {
    let fields: Vec<(&str, Value)> = fields
        .iter()
        .map(|(k, v)| {
            let mut v = v.clone();
            v["xml"] = json!({"attribute": true});
            (*k, v)
        })
        .collect();
    object(&fields, required)
}

/// One of these words.
pub fn one_of(words: &[&str]) -> Value {
    json!({"type": "string", "enum": words})
}

/// `{"id": 1, "name": "…"}`, `<author id="1" name="…"/>`: a reference to another record.
pub fn reference() -> Value {
    attributes(&[("id", int()), ("name", text())], &["id", "name"])
}

/// An array; in XML `<phones type="array"><phone>…</phone></phones>`.
pub fn list(item_name: &str, mut item: Value) -> Value {
    item["xml"]["name"] = json!(item_name);
    json!({"type": "array", "items": item, "xml": {"wrapped": true}})
}

/// `total_count`, `offset` and `limit` beside a list (attributes of the array element in XML);
/// `nometa=1` leaves them out.
pub fn list_meta(paged: bool) -> Vec<(&'static str, Value)> {
    if paged {
        vec![("total_count", int()), ("offset", int()), ("limit", int())]
    } else {
        vec![("total_count", int())]
    }
}

/// A numbered or cursor page's fields beside `total_count` (`page=`, `per_page=`, `cursor=`):
/// its place and the URLs of its neighbours (null where there is none), also sent as `Link`.
pub fn page_meta() -> Vec<(&'static str, Value)> {
    let url = || nullable(json!({"type": "string", "format": "uri"}));
    let links = object(&[("first", url()), ("next", url()), ("previous", url()), ("last", url())], &[]);
    vec![
        ("page", int()),
        ("per_page", int()),
        ("total_pages", int()),
        ("next_page", nullable(int())),
        ("previous_page", nullable(int())),
        ("links", links),
    ]
}

/// Redmine's `errors`; with `X-Error-Details: 1`, a 422 also has `details` (in XML, each
/// `error` carries its `field` as an attribute).
pub fn errors() -> Value {
    let detail = object(&[("field", text()), ("message", text())], &["field", "message"]);
    object(&[("errors", list("error", text())), ("details", list("detail", detail))], &["errors"])
}

/// Redmine's custom values: `value` is text, or a list of texts when the field is `multiple`.
fn custom_values() -> Value {
    let mut field = attributes(&[("id", int()), ("name", text()), ("multiple", boolean())], &["id", "name"]);
    field["properties"]["value"] = json!({"type": ["string", "null", "array"], "items": {"type": "string"}});
    list("custom_field", field)
}

fn note_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", int()),
        ("subject", nullable(text())),
        ("content", text()),
        ("type_id", nullable(int())),
        ("author", reference()),
        ("created_on", time()),
        ("updated_on", time()),
    ]
}

pub fn note() -> Value {
    let mut fields = note_fields();
    let source = attributes(&[("id", int()), ("name", text()), ("type", text())], &["id", "type"]);
    fields.insert(1, ("source", source));
    object(&fields, &["id", "content"])
}

fn deal_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", int()),
        ("name", text()),
        ("price", nullable(json!({"type": "string", "description": "as BigDecimal prints it: 3000.0"}))),
        ("currency", nullable(text())),
        ("price_type", json!({"type": "null"})),
        ("probability", nullable(int())),
        ("due_date", nullable(time())),
        ("background", nullable(text())),
        ("project", reference()),
        ("status", reference()),
        ("category", reference()),
        ("author", reference()),
        ("contact", reference()),
        ("assigned_to", reference()),
        ("custom_fields", custom_values()),
        ("created_on", time()),
        ("updated_on", time()),
    ]
}

pub fn deal() -> Value {
    let mut fields = deal_fields();
    fields.push(("notes", list("note", object(&note_fields(), &["id"]))));
    object(&fields, &["id", "name", "project"])
}

fn issue() -> Value {
    object(
        &[
            ("id", int()),
            ("project", reference()),
            ("tracker", reference()),
            ("status", reference()),
            ("subject", text()),
            ("due_date", nullable(date())),
            ("created_on", time()),
            ("updated_on", time()),
        ],
        &["id", "subject"],
    )
}

pub fn linked_issue() -> Value {
    issue()
}

pub fn contact() -> Value {
    let address = object(
        &[
            ("full_address", nullable(text())),
            ("street", nullable(text())),
            ("city", nullable(text())),
            ("region", nullable(text())),
            ("country", nullable(text())),
            ("country_code", nullable(text())),
            ("postcode", nullable(text())),
        ],
        &[],
    );
    let tag_list = json!({
        "type": "array", "items": {"type": "string"},
        "description": "JSON: an array of tag names; XML: one text, the names joined by \", \""
    });
    let named = || attributes(&[("id", int()), ("name", text())], &["id", "name"]);
    object(
        &[
            ("id", int()),
            ("avatar", attributes(&[("attachment_id", int())], &["attachment_id"])),
            ("is_company", boolean()),
            ("first_name", text()),
            ("last_name", nullable(text())),
            ("middle_name", nullable(text())),
            ("company", nullable(text())),
            ("website", nullable(text())),
            ("skype_name", nullable(text())),
            ("birthday", nullable(date())),
            ("job_title", nullable(text())),
            ("background", nullable(text())),
            ("author", reference()),
            ("assigned_to", reference()),
            (
                "visibility",
                json!({"type": "integer", "enum": [0, 1, 2], "description": "0 project, 1 public, 2 private"}),
            ),
            ("address", address),
            ("phones", list("phone", object(&[("number", text()), ("type", text())], &["number"]))),
            ("emails", list("email", object(&[("address", text()), ("type", text())], &["address"]))),
            ("tag_list", tag_list),
            ("custom_fields", custom_values()),
            ("company_id", int()),
            ("primary_contact_id", int()),
            ("reports_to_id", int()),
            ("department", text()),
            ("preferred_contact_method", one_of(&CONTACT_METHODS)),
            ("status", json!({"type": "string", "enum": STATUSES, "description": "shown only when not `active`"})),
            ("external_id", text()),
            ("created_on", time()),
            ("updated_on", time()),
            ("projects", list("project", named())),
            ("notes", list("note", object(&note_fields(), &["id"]))),
            ("contacts", list("contact", named())),
            ("deals", list("deal", object(&deal_fields(), &["id"]))),
            ("issues", list("issue", issue())),
            ("tickets", list("issue", issue())),
        ],
        &["id", "is_company", "first_name", "visibility", "address", "tag_list", "created_on", "updated_on"],
    )
}

pub fn tag() -> Value {
    object(&[("id", int()), ("name", text()), ("color", text()), ("count", int())], &["id", "name"])
}

pub fn deal_status() -> Value {
    object(
        &[
            ("id", int()),
            ("name", text()),
            ("position", nullable(int())),
            ("is_default", boolean()),
            ("status_type", int()),
            ("color", int()),
        ],
        &["id", "name"],
    )
}

pub fn deal_category() -> Value {
    object(&[("id", int()), ("name", text())], &["id", "name"])
}

pub fn query() -> Value {
    object(
        &[
            ("id", int()),
            ("name", text()),
            ("is_public", boolean()),
            ("project_id", nullable(int())),
            ("object_type", text()),
            ("filters", text()),
        ],
        &["id", "name"],
    )
}

pub fn custom_field() -> Value {
    let possible = list("possible_value", object(&[("value", text()), ("label", text())], &["value"]));
    object(
        &[
            ("id", int()),
            ("name", text()),
            ("customized_type", text()),
            ("field_format", text()),
            ("regexp", text()),
            ("min_length", nullable(int())),
            ("max_length", nullable(int())),
            ("is_required", boolean()),
            ("is_filter", boolean()),
            ("searchable", boolean()),
            ("multiple", boolean()),
            ("default_value", nullable(text())),
            ("visible", boolean()),
            ("possible_values", possible),
        ],
        &["id", "name", "customized_type", "field_format"],
    )
}

pub fn project() -> Value {
    object(
        &[
            ("id", int()),
            ("name", text()),
            ("identifier", text()),
            ("description", nullable(text())),
            ("status", int()),
            ("is_public", boolean()),
            ("created_on", time()),
            ("updated_on", time()),
        ],
        &["id", "name", "identifier"],
    )
}

fn roles() -> Value {
    list("role", attributes(&[("id", int()), ("name", text())], &["id", "name"]))
}

pub fn membership() -> Value {
    object(
        &[("id", int()), ("project", reference()), ("user", reference()), ("roles", roles())],
        &["id", "project", "roles"],
    )
}

pub fn web_form() -> Value {
    object(
        &[
            ("id", int()),
            ("project_id", int()),
            ("name", text()),
            ("key", text()),
            ("success_url", nullable(text())),
            ("allowed_origins", list("origin", text())),
            ("default_tags", text()),
            ("default_assignee_id", nullable(int())),
            ("created_on", time()),
            ("updated_on", time()),
        ],
        &["id", "name", "key"],
    )
}

pub fn attachment() -> Value {
    object(
        &[
            ("id", int()),
            ("filename", text()),
            ("filesize", int()),
            ("content_type", text()),
            ("description", text()),
            ("content_url", json!({"type": "string", "format": "uri"})),
            ("digest", text()),
            ("author", reference()),
            ("created_on", time()),
        ],
        &["id", "filename", "content_url"],
    )
}

pub fn upload() -> Value {
    object(&[("id", int()), ("token", nullable(text()))], &["token"])
}

pub fn search_result() -> Value {
    object(
        &[
            ("id", int()),
            ("title", text()),
            ("type", text()),
            ("url", text()),
            ("description", text()),
            ("datetime", time()),
        ],
        &["id", "title", "url"],
    )
}

pub fn user() -> Value {
    let memberships =
        list("membership", object(&[("id", int()), ("project", reference()), ("roles", roles())], &["id", "project"]));
    object(
        &[
            ("id", int()),
            ("login", text()),
            ("admin", boolean()),
            ("firstname", text()),
            ("lastname", text()),
            ("mail", nullable(text())),
            ("created_on", time()),
            ("updated_on", time()),
            ("last_login_on", nullable(time())),
            ("api_key", json!({"type": "string", "description": "only to the user themselves"})),
            ("status", int()),
            ("memberships", memberships),
        ],
        &["id", "login", "admin"],
    )
}

pub fn role() -> Value {
    object(&[("id", int()), ("name", text()), ("permissions", list("permission", text()))], &["id", "name"])
}

pub fn webhook() -> Value {
    let project = json!({
        "type": ["object", "null"],
        "description": "null for a global hook (an admin's): every project its owner may see",
        "properties": reference()["properties"].clone(),
        "required": ["id", "name"],
    });
    object(
        &[
            ("id", int()),
            ("project", project),
            ("url", text()),
            ("events", list("event", json!({"type": "string", "description": "an event's name, or `*` for all"}))),
            ("format", one_of(&FORMATS)),
            ("active", boolean()),
            ("secret", json!({"type": "string", "description": "in full only in the answer to the hook's creation"})),
            ("secret_last4", json!({"type": "string", "description": "afterwards: its last 4 characters"})),
            ("disabled_reason", nullable(text())),
            ("created_on", time()),
            ("updated_on", time()),
        ],
        &["id", "url", "events", "format", "active"],
    )
}

pub fn delivery() -> Value {
    object(
        &[
            ("id", int()),
            ("webhook_id", int()),
            ("event", json!({"type": "string", "description": "an event's name, or `ping` (a test)"})),
            ("status", one_of(&[PENDING, DELIVERED, FAILED])),
            ("attempts", int()),
            ("last_response_code", nullable(int())),
            ("last_response_body", nullable(text())),
            ("next_attempt_at", nullable(time())),
            ("occurred_at", time()),
            ("queued_on", time()),
            ("delivered_on", nullable(time())),
        ],
        &["id", "webhook_id", "event", "status"],
    )
}

/// A request body: `{"contact": {…}}` in JSON, `<contact>…</contact>` in XML. Reading is
/// lenient as Rails' is: numbers and booleans may come as text, unknown fields are ignored.
pub mod input {
    use serde_json::{json, Value};

    use super::{
        boolean, date, int, list, object, one_of, text, Event, CONTACT_METHODS, EMAIL_TYPES, FORMATS, PHONE_TYPES,
        STATUSES,
    };

    /// An id or an identifier (`1` or `"crm"`).
    fn project_ref() -> Value {
        json!({"type": ["integer", "string"]})
    }

    /// `phones: [{"number": …, "type": "mobile"}]`: typed items, when `phone` is not sent.
    fn typed_items(item: &str, key: &str, types: &[&str]) -> Value {
        list(item, object(&[(key, text()), ("type", one_of(types))], &[key]))
    }

    /// One text of comma-separated items, or an array of them.
    fn comma_list() -> Value {
        json!({"type": ["string", "array"], "items": {"type": "string"}})
    }

    pub fn contact() -> Value {
        let address = object(
            &[
                ("street1", text()),
                ("street2", text()),
                ("city", text()),
                ("region", text()),
                ("postcode", text()),
                ("country_code", json!({"type": "string", "description": "ISO 3166 alpha-2"})),
            ],
            &[],
        );
        let value = object(&[("id", int()), ("value", json!({"type": ["string", "array"]}))], &["id"]);
        object(
            &[
                ("project_id", project_ref()),
                ("first_name", text()),
                ("last_name", text()),
                ("middle_name", text()),
                ("company", text()),
                ("is_company", boolean()),
                ("job_title", text()),
                ("website", text()),
                ("skype_name", text()),
                ("birthday", date()),
                ("background", text()),
                ("phone", comma_list()),
                ("email", comma_list()),
                ("phones", typed_items("phone", "number", &PHONE_TYPES)),
                ("emails", typed_items("email", "address", &EMAIL_TYPES)),
                ("tag_list", comma_list()),
                ("assigned_to_id", int()),
                ("visibility", json!({"type": "integer", "enum": [0, 1, 2]})),
                ("address_attributes", address),
                ("custom_fields", list("custom_field", value)),
                ("avatar", object(&[("token", text())], &["token"])),
                ("uploads", list("upload", object(&[("token", text()), ("description", text())], &["token"]))),
                ("company_id", int()),
                ("primary_contact_id", int()),
                ("reports_to_id", int()),
                ("department", text()),
                ("preferred_contact_method", one_of(&CONTACT_METHODS)),
                ("status", one_of(&STATUSES)),
                ("external_id", text()),
            ],
            &[],
        )
    }

    pub fn deal() -> Value {
        object(
            &[
                ("project_id", project_ref()),
                ("name", text()),
                ("contact_id", int()),
                ("price", json!({"type": ["number", "string"]})),
                ("currency", text()),
                ("probability", int()),
                ("due_date", date()),
                ("background", text()),
                ("status_id", int()),
                ("category_id", int()),
                ("assigned_to_id", int()),
            ],
            &[],
        )
    }

    pub fn note(with_source: bool) -> Value {
        let mut fields = vec![
            ("subject", text()),
            ("content", text()),
            ("type_id", int()),
            ("note_time", json!({"type": "string", "description": "HH:MM"})),
        ];
        if with_source {
            fields.push(("source_type", json!({"type": "string", "enum": ["contact", "deal"]})));
            fields.push(("source_id", int()));
        }
        object(&fields, &[])
    }

    pub fn issue() -> Value {
        object(
            &[
                ("id", json!({"type": "integer", "description": "an existing issue; else one is made"})),
                ("project_id", project_ref()),
                ("subject", text()),
                ("status", text()),
                ("tracker", text()),
                ("due_date", date()),
                ("assigned_to_id", int()),
            ],
            &[],
        )
    }

    /// `POST /contacts/search`: and/or groups of tests (`{"operator": "and", "subfilters":
    /// […]}`, a test `{"field", "operator", "value" | "values"}`), Redmine's operators (`~`) or
    /// Pylon's (`string_contains`); paging here or in the query string.
    pub fn search() -> Value {
        let filter = json!({
            "type": "object",
            "description": "a test {field, operator, value | values} or a group {operator: and | or, subfilters: [filter…]}",
            "properties": {
                "field": {"type": "string", "description": "a filter field (as `f[]`) or `cf_<id>`"},
                "operator": {"type": "string", "description": "`and`/`or` for a group; else `=`, `~`, `string_contains`, `equals`, `in`, `is_set`, `time_range`…"},
                "value": {"type": ["string", "number", "boolean"]},
                "values": {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
                "subfilters": {"type": "array", "items": {"type": "object"}},
            },
        });
        object(
            &[
                ("filter", filter),
                ("search", text()),
                ("sort", text()),
                ("project_id", project_ref()),
                ("cursor", text()),
                ("per_page", int()),
                ("page", int()),
                ("offset", int()),
                ("limit", int()),
            ],
            &[],
        )
    }

    pub fn webhook() -> Value {
        let events: Vec<&str> = Event::ALL.iter().map(|e| e.name()).chain(["*"]).collect();
        object(
            &[
                ("project_id", project_ref()),
                (
                    "url",
                    json!({"type": "string", "description": "http(s); not a private address unless the server allows it"}),
                ),
                (
                    "events",
                    json!({"type": ["string", "array"], "items": {"type": "string", "enum": events}, "description": "a list, or one comma-separated text; `*` for all"}),
                ),
                (
                    "secret",
                    json!({"type": "string", "description": "signs each delivery (HMAC-SHA256); made up when not sent"}),
                ),
                ("format", super::one_of(&FORMATS)),
                ("active", boolean()),
            ],
            &[],
        )
    }

    pub fn project_link() -> Value {
        object(&[("id", project_ref())], &["id"])
    }

    pub fn named() -> Value {
        object(&[("name", text())], &[])
    }

    pub fn tag_merge() -> Value {
        object(&[("ids", json!({"type": "array", "items": {"type": "integer"}})), ("name", text())], &[])
    }

    pub fn query() -> Value {
        object(
            &[
                ("name", text()),
                ("object_type", json!({"type": "string", "enum": ["contact", "deal"]})),
                ("project_id", project_ref()),
                ("visibility", int()),
                ("is_public", boolean()),
                ("filters", json!({"type": "object"})),
            ],
            &[],
        )
    }

    pub fn custom_field() -> Value {
        object(
            &[
                ("name", text()),
                ("customized_type", json!({"type": "string", "enum": ["contact", "deal"]})),
                ("field_format", text()),
                ("is_required", boolean()),
                ("is_filter", boolean()),
                ("searchable", boolean()),
                ("multiple", boolean()),
                ("default_value", text()),
                ("regexp", text()),
                ("min_length", int()),
                ("max_length", int()),
                ("position", int()),
                ("possible_values", comma_list()),
            ],
            &[],
        )
    }

    pub fn project() -> Value {
        object(&[("name", text()), ("identifier", text()), ("description", text()), ("is_public", boolean())], &[])
    }

    pub fn membership() -> Value {
        object(&[("user_id", int()), ("role_ids", json!({"type": "array", "items": {"type": "integer"}}))], &[])
    }

    pub fn web_form() -> Value {
        object(
            &[
                ("name", text()),
                ("success_url", text()),
                ("allowed_origins", comma_list()),
                ("default_tags", comma_list()),
                ("default_assignee_id", int()),
            ],
            &[],
        )
    }

    pub fn user() -> Value {
        object(
            &[
                ("login", text()),
                ("password", text()),
                ("firstname", text()),
                ("lastname", text()),
                ("mail", text()),
                ("admin", boolean()),
                ("status", int()),
            ],
            &[],
        )
    }
}
