//! What each route does, keyed as the route table serves it (`GET /contacts`, `GET
//! /contacts.csv` for a route limited to one format): its summary, query parameters, body and
//! answer. Paths, methods, path parameters, credentials and error answers are not written
//! here: `openapi::document` derives them from the route table and `error.rs`.

use serde_json::{json, Value};

use super::schemas::{self as s, input};
use crate::format::Format;

/// One operation's description.
pub struct Operation {
    pub summary: &'static str,
    pub wire: Wire,
    pub access: Access,
    pub query: Vec<Param>,
    pub body: Option<Body>,
    pub answer: Answer,
    /// Answers of its own beyond the errors every route may give (`/ready`'s 503).
    pub extra: Vec<Extra>,
}

pub struct Extra {
    pub status: u16,
    pub description: &'static str,
    /// Its body's media type and schema, if it has one.
    pub content: Option<(&'static str, Value)>,
    /// Headers it sends (text): name, description.
    pub headers: Vec<(&'static str, &'static str)>,
}

/// The plugin's `redirect_on_success` (a top-level body field): a create answers 302 to it.
fn redirect_on_success() -> Extra {
    Extra {
        status: 302,
        description: "`redirect_on_success` was an http(s) URL: no body (with a web form's key, only to a place the form allows, else 400)",
        content: None,
        headers: vec![("Location", "the `redirect_on_success` URL")],
    }
}

/// `{"status": "ok"}`, with a `reason` when it is not.
fn status_body(values: &[&str], with_reason: bool) -> Value {
    let mut fields = vec![("status", json!({"type": "string", "enum": values}))];
    let mut required = vec!["status"];
    if with_reason {
        fields.push(("reason", s::text()));
        required.push("reason");
    }
    s::object(&fields, &required)
}

/// How the route is reached and answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// `.json` and `.xml`: the path is listed once per format.
    Api,
    /// One suffix only: the route's own format guard (`.csv`, `.vcf`), or `/openapi.json`.
    Suffix(Format),
    /// No suffix: a browser's page, a file or a CORS preflight.
    Bare,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Credentials if the caller has them; what an anonymous caller may do depends on the
    /// projects' settings (401 when they may not).
    User,
    /// No credentials read.
    Public,
}

pub struct Param {
    pub name: &'static str,
    pub schema: Value,
    pub description: &'static str,
    /// Sent as `name[key]=value` (OpenAPI's `deepObject` style).
    pub deep_object: bool,
}

pub enum Body {
    /// A tree under its root element (`contact`): JSON or XML, as the path's suffix says.
    Tree(&'static str, Value),
    /// Raw bytes of this media type.
    Bytes(&'static str),
}

pub enum Answer {
    /// 200 with `{root: schema}`.
    Show(&'static str, Value),
    /// 200 with `{root: [item…]}` and the list's `meta` beside it.
    List { root: &'static str, item: &'static str, schema: Value, meta: Meta },
    /// 201 with `{root: schema}` and a `Location`.
    Created(&'static str, Value),
    /// 200 with `{root: schema}` when the record was there, else 201 as `Created`.
    Upserted(&'static str, Value),
    /// 204, no body.
    NoContent,
    /// 200 with a body of this media type (a file, a page, the document itself), and the
    /// schema of a JSON one.
    Raw { media: &'static str, description: &'static str, schema: Option<Value> },
}

/// What a list answers beside its items (Redmine's `api_meta`); `nometa=1` drops them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    /// `total_count`, `offset`, `limit`: a page.
    Paged,
    /// A page, numbered or by cursor when asked (`page=`, `per_page=`, `cursor=`): also its
    /// place, `links` to its neighbours and a `Link` header.
    Navigated,
    /// `total_count` only: the whole list.
    Count,
    None,
}

fn param(name: &'static str, schema: Value, description: &'static str) -> Param {
    Param { name, schema, description, deep_object: false }
}

fn paging() -> Vec<Param> {
    vec![
        param("offset", json!({"type": "integer"}), "items to skip (negative is 0)"),
        param("limit", json!({"type": "integer"}), "items per page: 25 by default, at most 100"),
        param("page", json!({"type": "integer"}), "offset = (page − 1) × limit when no offset is given"),
        param("nometa", json!({"type": "integer", "enum": [0, 1]}), "1 leaves out total_count, offset and limit"),
    ]
}

/// `page=`/`per_page=`/`cursor=` beside Redmine's `offset`/`limit`.
fn navigation() -> Vec<Param> {
    let mut params = paging();
    params[2] = param(
        "page",
        s::int(),
        "a numbered page (of `per_page`, else `limit`, items): adds `page`, `total_pages`, `next_page`, `previous_page` and `links`",
    );
    params.extend([
        param("per_page", s::int(), "items per page, at most 2,000; alone, it asks for cursor pages"),
        param("cursor", s::text(), "a cursor page: from `links` (empty: the first page)"),
    ]);
    params
}

/// Redmine's operator filters on a contact field (`FIELDS`, or `cf_<id>`) and their short form.
fn operator_filters() -> Vec<Param> {
    let words = |values: &[&str]| json!({"type": "string", "enum": values});
    let mut params = vec![
        param("set_filter", json!({"type": "string", "enum": ["0", "1"]}), "sent by Redmine's forms; filters are read without it"),
        param("f[]", json!({"type": "array", "items": {"type": "string"}}), "the fields filtered on (a filter field or `cf_<id>`); 422 for an unknown one. Short form: `field=expression`, the operator first (`first_name=~ada`, `created_on=>=2024-01-01`)"),
        param("op", json!({"type": "object", "additionalProperties": {"type": "string"}}), "`op[field]`: its operator (`=`, `!`, `~`, `!~`, `^`, `$`, `*`, `!*`, `>=`, `<=`, `><`, `t`, `w`, `m`, `>t-`…); 422 for one the field does not take"),
        param("v", json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}), "`v[field][]`: its values"),
        param("status", words(&["active", "inactive", "archived"]), "one of its words, or an operator and the word (`!archived`); 422 for another word"),
        param("external_id", s::text(), "the short form: `=id`, `~part`, `*` (any), `!*` (none)…"),
        param("company_id", s::text(), "a company's id (short form: `!*` for none)"),
        param("reports_to_id", s::text(), "a contact's id (short form: `!*` for none)"),
        param("department", s::text(), "the short form: a text operator then the value (`~sales`)"),
        param("preferred_contact_method", words(&["email", "phone", "mobile"]), "one of its words, or an operator and the word; 422 for another word"),
    ];
    for p in params.iter_mut().filter(|p| ["op", "v"].contains(&p.name)) {
        p.deep_object = true;
    }
    params
}

fn contact_filters() -> Vec<Param> {
    let mut params = navigation();
    params.extend(operator_filters());
    params.extend([
        param("project_id", s::text(), "a project's id or identifier"),
        param("assigned_to_id", s::text(), "a user's id, or `me`"),
        param("search", s::text(), "names, company, emails and phones, any case"),
        param("tags", s::text(), "comma-separated tag names: contacts with every one"),
        param("is_company", json!({"type": "string", "enum": ["0", "1", "true", "false"]}), "companies or people"),
        param("updated_since", s::date(), "updated on or after this day"),
        param("sort", s::text(), "a field, `:desc` for descending (default: newest first)"),
        param("query_id", s::int(), "a saved query's filters (`/crm_queries`)"),
        param("include", s::text(), "`projects`, `notes`, `contacts`, `deals`, `issues`, `tickets`"),
    ]);
    params
}

fn deal_filters() -> Vec<Param> {
    let mut params = paging();
    params.extend([
        param("project_id", s::text(), "a project's id or identifier"),
        param("assigned_to_id", s::text(), "a user's id, or `me`"),
        param("status_id", s::text(), "a status id, `o` (open, the default), `c` (closed) or `*`"),
        param("search", s::text(), "the deal's name"),
        param("contact_id", s::int(), "deals of this contact"),
    ]);
    params
}

fn csv_or_vcard(format: Format, summary: &'static str) -> Operation {
    let (media, description) = match format {
        Format::Csv => ("text/csv", "the contacts as CSV, the columns `contacts-server import` reads"),
        _ => ("text/vcard", "the contacts as vCard 3.0"),
    };
    Operation {
        wire: Wire::Suffix(format),
        query: contact_filters(),
        ..op(summary, Answer::Raw { media, description, schema: None })
    }
}

fn op(summary: &'static str, answer: Answer) -> Operation {
    Operation {
        summary,
        wire: Wire::Api,
        access: Access::User,
        query: Vec::new(),
        body: None,
        answer,
        extra: Vec::new(),
    }
}

fn list(summary: &'static str, root: &'static str, item: &'static str, schema: Value) -> Operation {
    Operation { query: paging(), ..op(summary, Answer::List { root, item, schema, meta: Meta::Paged }) }
}

/// A list answered whole, without paging.
fn whole(summary: &'static str, root: &'static str, item: &'static str, schema: Value, meta: Meta) -> Operation {
    op(summary, Answer::List { root, item, schema, meta })
}

/// A list answered whole, with only its `total_count`.
fn all(summary: &'static str, root: &'static str, item: &'static str, schema: Value) -> Operation {
    op(summary, Answer::List { root, item, schema, meta: Meta::Count })
}

fn show(summary: &'static str, root: &'static str, schema: Value) -> Operation {
    op(summary, Answer::Show(root, schema))
}

fn create(summary: &'static str, root: &'static str, body: Value, answer: Value) -> Operation {
    Operation { body: Some(Body::Tree(root, body)), ..op(summary, Answer::Created(root, answer)) }
}

fn update(summary: &'static str, root: &'static str, body: Value) -> Operation {
    Operation { body: Some(Body::Tree(root, body)), ..op(summary, Answer::NoContent) }
}

fn delete(summary: &'static str) -> Operation {
    op(summary, Answer::NoContent)
}

fn with_query(mut operation: Operation, query: Vec<Param>) -> Operation {
    operation.query = query;
    operation
}

/// A list of contacts: filtered, paged by offset, number or cursor.
fn contacts(summary: &'static str) -> Operation {
    let answer = Answer::List { root: "contacts", item: "contact", schema: s::contact(), meta: Meta::Navigated };
    Operation { query: contact_filters(), ..op(summary, answer) }
}

fn list_contacts() -> Operation {
    contacts("Contacts the caller may see")
}

fn search_contacts() -> Operation {
    let summary = "Contacts matching a body of and/or filter groups (`search`), paged by `cursor`/`per_page` \
                   (in the body or the query), `page` or `offset`/`limit`";
    let mut query = navigation();
    query.push(param("include", s::text(), "`projects`, `notes`, `contacts`, `deals`, `issues`, `tickets`"));
    Operation { query, body: Some(Body::Tree("search", input::search())), ..contacts(summary) }
}

/// A contact's answer after an action on it (no body sent).
fn contact_action(summary: &'static str) -> Operation {
    show(summary, "contact", s::contact())
}

fn show_contact() -> Operation {
    let include = param("include", s::text(), "`notes`, `contacts` (or `employees`), `deals`, `issues`, `tickets`");
    with_query(show("A contact", "contact", s::contact()), vec![include])
}

fn create_contact() -> Operation {
    let summary = "Create a contact; `project_id` in the body. A web form's post (a `key` in the body, \
                   urlencoded or multipart, no suffix) is answered for a browser";
    Operation { extra: vec![redirect_on_success()], ..create(summary, "contact", input::contact(), s::contact()) }
}

fn update_contact() -> Operation {
    update("Change a contact: only the fields sent", "contact", input::contact())
}

fn update_note() -> Operation {
    update("Change a note", "note", input::note(false))
}

fn update_deal() -> Operation {
    update("Change a deal: only the fields sent", "deal", input::deal())
}

fn update_tag() -> Operation {
    update("Rename a tag", "tag", input::named())
}

fn update_field() -> Operation {
    update("Change a custom field", "custom_field", input::custom_field())
}

fn list_deals() -> Operation {
    with_query(list("Deals the caller may see", "deals", "deal", s::deal()), deal_filters())
}

fn create_deal() -> Operation {
    create("Create a deal", "deal", input::deal(), s::deal())
}

fn list_memberships() -> Operation {
    list("A project's members", "memberships", "membership", s::membership())
}

fn update_webhook() -> Operation {
    update("Change a webhook: only the fields sent (its project stays)", "webhook", input::webhook())
}

/// Builds an operation's description (on demand: the document is built once, at start).
pub type Describe = fn() -> Operation;

/// Every operation, keyed `METHOD /path` as the route table has it (a route limited to one
/// format: `GET /contacts.csv`).
pub const OPERATIONS: &[(&str, Describe)] = &[
    ("GET /contacts.csv", || csv_or_vcard(Format::Csv, "Export the contacts as CSV")),
    ("GET /contacts.vcf", || csv_or_vcard(Format::Vcf, "Export the contacts as vCards")),
    ("GET /contacts", list_contacts),
    ("POST /contacts", create_contact),
    ("OPTIONS /contacts", || Operation {
        wire: Wire::Bare,
        access: Access::Public,
        ..op("CORS preflight of a web form's post from an allowed origin", Answer::NoContent)
    }),
    ("GET /contacts/{id}.vcf", || Operation {
        wire: Wire::Suffix(Format::Vcf),
        ..op("A contact as a vCard", Answer::Raw { media: "text/vcard", description: "one vCard 3.0", schema: None })
    }),
    ("GET /contacts/{id}", show_contact),
    ("PUT /contacts/{id}", update_contact),
    ("PATCH /contacts/{id}", update_contact),
    ("DELETE /contacts/{id}", || delete("Delete a contact")),
    ("GET /projects/{project}/contacts.csv", || csv_or_vcard(Format::Csv, "Export a project's contacts as CSV")),
    ("GET /projects/{project}/contacts.vcf", || csv_or_vcard(Format::Vcf, "Export a project's contacts as vCards")),
    ("GET /projects/{project}/contacts", || contacts("A project's contacts")),
    ("POST /projects/{project}/contacts", || Operation {
        extra: vec![redirect_on_success()],
        ..create("Create a contact in a project", "contact", input::contact(), s::contact())
    }),
    ("GET /projects/{project}/contacts/{id}", || {
        let include = param("include", s::text(), "`notes`, `contacts` (or `employees`), `deals`, `issues`, `tickets`");
        with_query(show("A contact of the project (404 when it is not in it)", "contact", s::contact()), vec![include])
    }),
    ("POST /contacts/search", search_contacts),
    ("GET /contacts/{id}/employees", || {
        contacts("A company's people (`company_id`), filtered and paged as `/contacts`")
    }),
    ("GET /contacts/{id}/reports", || {
        contacts("Who reports to the contact (`reports_to_id`), filtered and paged as `/contacts`")
    }),
    ("POST /contacts/{id}/archive", || contact_action("Archive a contact (`status` archived); answers it")),
    ("POST /contacts/{id}/activate", || contact_action("Make a contact active again; answers it")),
    ("POST /contacts/{id}/set_primary", || {
        contact_action("Make the person its company's primary contact; answers the company")
    }),
    ("PUT /projects/{project}/contacts/external/{external_id}", || Operation {
        body: Some(Body::Tree("contact", input::contact())),
        ..op(
            "Create or change the project's contact with this `external_id`: 201 when created, 200 when changed",
            Answer::Upserted("contact", s::contact()),
        )
    }),
    ("POST /contacts/{id}/projects", || update("Add the contact to a project", "project", input::project_link())),
    ("DELETE /contacts/{id}/projects/{project}", || delete("Take the contact out of a project (not its last)")),
    ("POST /contacts/{id}/notes", || create("Add a note to a contact", "note", input::note(false), s::note())),
    ("POST /contacts/{id}/issues", || {
        create(
            "Link an issue to a contact (an existing `id`, or a new issue)",
            "issue",
            input::issue(),
            s::linked_issue(),
        )
    }),
    ("DELETE /contacts/{id}/issues/{issue}", || delete("Unlink an issue from a contact")),
    ("POST /notes", || create("Add a note to a contact or a deal", "note", input::note(true), s::note())),
    ("GET /notes/{id}", || show("A note", "note", s::note())),
    ("PUT /notes/{id}", update_note),
    ("PATCH /notes/{id}", update_note),
    ("DELETE /notes/{id}", || delete("Delete a note")),
    ("GET /deals", list_deals),
    ("POST /deals", create_deal),
    ("GET /deals/{id}", || {
        let include = param("include", s::text(), "`notes`");
        with_query(show("A deal", "deal", s::deal()), vec![include])
    }),
    ("PUT /deals/{id}", update_deal),
    ("PATCH /deals/{id}", update_deal),
    ("DELETE /deals/{id}", || delete("Delete a deal")),
    ("GET /projects/{project}/deals", || {
        with_query(list("A project's deals", "deals", "deal", s::deal()), deal_filters())
    }),
    ("POST /projects/{project}/deals", create_deal),
    ("GET /deal_statuses", || all("Deal statuses", "deal_statuses", "deal_status", s::deal_status())),
    ("GET /projects/{project}/deal_categories", || {
        all("A project's deal categories", "deal_categories", "deal_category", s::deal_category())
    }),
    ("POST /projects/{project}/deal_categories", || {
        create("Create a deal category", "deal_category", input::named(), s::deal_category())
    }),
    ("PUT /deal_categories/{id}", || update("Rename a deal category", "deal_category", input::named())),
    ("DELETE /deal_categories/{id}", || {
        let reassign = param("reassign_to_id", s::int(), "the category its deals move to");
        with_query(delete("Delete a deal category"), vec![reassign])
    }),
    ("GET /contacts_tags", || all("Tags, with how many contacts carry each", "tags", "tag", s::tag())),
    ("POST /contacts_tags/merge", || update("Merge tags (`ids`) into one (`name`)", "tag", input::tag_merge())),
    ("PUT /contacts_tags/{id}", update_tag),
    ("PATCH /contacts_tags/{id}", update_tag),
    ("DELETE /contacts_tags/{id}", || delete("Delete a tag")),
    ("GET /crm_queries", || {
        let mut operation = list("Saved queries", "queries", "query", s::query());
        operation.query.push(param(
            "object_type",
            json!({"type": "string", "enum": ["contact", "deal"]}),
            "their kind",
        ));
        operation
    }),
    ("POST /crm_queries", || create("Save a query", "query", input::query(), s::query())),
    ("DELETE /crm_queries/{id}", || delete("Delete a saved query")),
    ("GET /custom_fields", || {
        whole("Custom fields (admins)", "custom_fields", "custom_field", s::custom_field(), Meta::None)
    }),
    ("POST /custom_fields", || {
        create("Create a custom field", "custom_field", input::custom_field(), s::custom_field())
    }),
    ("GET /custom_fields/{id}", || show("A custom field", "custom_field", s::custom_field())),
    ("PUT /custom_fields/{id}", update_field),
    ("PATCH /custom_fields/{id}", update_field),
    ("DELETE /custom_fields/{id}", || delete("Delete a custom field and its values")),
    ("GET /projects", || list("Projects the caller may see", "projects", "project", s::project())),
    ("POST /projects", || create("Create a project", "project", input::project(), s::project())),
    ("GET /projects/{project}", || show("A project", "project", s::project())),
    ("PUT /projects/{project}", || update("Change a project", "project", input::project())),
    ("DELETE /projects/{project}", || delete("Delete a project")),
    ("GET /projects/{project}/memberships", list_memberships),
    ("POST /projects/{project}/memberships", || {
        create("Add a member", "membership", input::membership(), s::membership())
    }),
    ("GET /memberships/{id}", || show("A membership", "membership", s::membership())),
    ("PUT /memberships/{id}", || update("Change a member's roles", "membership", input::membership())),
    ("DELETE /memberships/{id}", || delete("Remove a member")),
    ("GET /projects/{project}/web_forms", || {
        whole("A project's web forms", "web_forms", "web_form", s::web_form(), Meta::None)
    }),
    ("POST /projects/{project}/web_forms", || {
        create("Create a web form", "web_form", input::web_form(), s::web_form())
    }),
    ("GET /web_forms/{id}", || show("A web form", "web_form", s::web_form())),
    ("PUT /web_forms/{id}", || update("Change a web form", "web_form", input::web_form())),
    ("DELETE /web_forms/{id}", || delete("Delete a web form")),
    ("GET /web_forms/{id}/form.html", || Operation {
        wire: Wire::Bare,
        ..op(
            "The form's HTML, to paste into a site",
            Answer::Raw { media: "text/html", description: "an HTML snippet", schema: None },
        )
    }),
    ("GET /attachments/{id}", || show("An attachment's details", "attachment", s::attachment())),
    ("GET /attachments/download/{id}/{filename}", || Operation {
        wire: Wire::Bare,
        ..op(
            "An attachment's bytes",
            Answer::Raw { media: "*/*", description: "the file, with the type it was uploaded with", schema: None },
        )
    }),
    ("POST /uploads", || Operation {
        query: vec![param("filename", s::text(), "the file's name")],
        body: Some(Body::Bytes("application/octet-stream")),
        ..op(
            "Upload a file (an avatar): the raw bytes as application/octet-stream",
            Answer::Created("upload", s::upload()),
        )
    }),
    ("GET /search", || {
        let mut operation = list("Search (contacts)", "results", "result", s::search_result());
        operation.query.push(param("q", s::text(), "the words searched for"));
        operation.query.push(param("contacts", s::text(), "search contacts (the default); `0` for none"));
        operation
    }),
    ("GET /users/current", || {
        let include = param("include", s::text(), "`memberships`");
        with_query(show("The caller, with their API key", "user", s::user()), vec![include])
    }),
    ("GET /users", || {
        let mut operation = list("Users (admins)", "users", "user", s::user());
        operation.query.push(param("status", s::int(), "1 active (default), 3 locked; empty for all"));
        operation
    }),
    ("POST /users", || create("Create a user", "user", input::user(), s::user())),
    ("GET /users/{id}", || {
        let include = param("include", s::text(), "`memberships`");
        with_query(show("A user", "user", s::user()), vec![include])
    }),
    ("PUT /users/{id}", || update("Change a user", "user", input::user())),
    ("DELETE /users/{id}", || delete("Delete a user")),
    ("GET /roles", || whole("Roles", "roles", "role", s::role(), Meta::None)),
    ("GET /roles/{id}", || show("A role and its permissions", "role", s::role())),
    ("GET /webhooks", || whole("The caller's webhooks", "webhooks", "webhook", s::webhook(), Meta::None)),
    ("POST /webhooks", || {
        let summary = "Create a webhook: on a project with `project_id`, else a global one (admins); \
                       the answer shows its whole secret, once";
        create(summary, "webhook", input::webhook(), s::webhook())
    }),
    ("GET /projects/{project}/webhooks", || {
        whole("The project's webhooks", "webhooks", "webhook", s::webhook(), Meta::None)
    }),
    ("POST /projects/{project}/webhooks", || {
        create("Create a webhook on the project (`manage_webhooks`)", "webhook", input::webhook(), s::webhook())
    }),
    ("GET /webhooks/{id}", || show("A webhook (its secret's last 4 characters)", "webhook", s::webhook())),
    ("PUT /webhooks/{id}", update_webhook),
    ("PATCH /webhooks/{id}", update_webhook),
    ("DELETE /webhooks/{id}", || delete("Delete a webhook and its deliveries")),
    ("POST /webhooks/{id}/test", || Operation {
        body: None,
        ..create("Queue a `ping` delivery to the hook", "delivery", json!({}), s::delivery())
    }),
    ("GET /webhooks/{id}/deliveries", || {
        list("The hook's deliveries, newest first", "deliveries", "delivery", s::delivery())
    }),
    ("POST /webhooks/{id}/deliveries/{delivery}/redeliver", || {
        show("Queue the delivery again (its attempts start over)", "delivery", s::delivery())
    }),
    ("GET /openapi", || Operation {
        wire: Wire::Suffix(Format::Json),
        access: Access::Public,
        ..op("This document", Answer::Raw { media: "application/json", description: "OpenAPI 3.1", schema: None })
    }),
    // Served by the ops branch (issue 24 items 1–2), in the shapes agreed there.
    ("GET /health", || Operation {
        wire: Wire::Bare,
        access: Access::Public,
        ..op(
            "The process answers (no database read)",
            Answer::Raw { media: "application/json", description: "alive", schema: Some(status_body(&["ok"], false)) },
        )
    }),
    ("GET /ready", || Operation {
        wire: Wire::Bare,
        access: Access::Public,
        extra: vec![Extra {
            status: 503,
            description: "the database does not answer within 1 s, or migrations are pending",
            content: Some(("application/json", status_body(&["unavailable"], true))),
            headers: Vec::new(),
        }],
        ..op(
            "The database answers and its migrations are current",
            Answer::Raw {
                media: "application/json",
                description: "ready",
                schema: Some(status_body(&["ready"], false)),
            },
        )
    }),
    ("GET /metrics", || Operation {
        wire: Wire::Bare,
        ..op(
            "Prometheus metrics: the `--metrics-token` as a Bearer token when one is set, else an admin's credentials",
            Answer::Raw { media: "text/plain; version=0.0.4", description: "Prometheus text format", schema: None },
        )
    }),
    ("GET /docs", || Operation {
        wire: Wire::Bare,
        access: Access::Public,
        ..op(
            "This document as a page",
            Answer::Raw { media: "text/html", description: "the API, one section per path", schema: None },
        )
    }),
];
