//! The bytes on the wire, pinned: every resource's show and list (with and without each
//! `include=` it takes) and the error bodies, in JSON and in XML, as insta snapshots of the raw
//! body under its status and `Content-Type`. Only values that differ from run to run (times of
//! now, API keys, tokens, the server's port) are replaced, by `Wire::redact`, so the rest stays
//! byte-exact. The same files must pass on SQLite and on PostgreSQL.
//!
//! A new or changed answer fails here; review the `.snap.new` file (or run with
//! `INSTA_UPDATE=always` and read the diff) before accepting it.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use contacts_server::format::Format;
use regex::Regex;
use serde_json::json;

use crate::support::{Actor, Res, TestApp};
use crate::web_forms::PNG;

/// A server filled through the API with one of everything, and what must be redacted from its
/// answers.
struct Wire {
    app: TestApp,
    /// Values that are new on every run (keys, tokens), each with its placeholder.
    secrets: RefCell<Vec<(String, String)>>,
    ids: Fixture,
}

/// Ids of the records the fixture made, for the paths of show requests.
struct Fixture {
    ada: i64,
    acme: i64,
    deal: i64,
    note: i64,
    deal_note: i64,
    attachment: i64,
    form: i64,
    field: i64,
    membership: i64,
    manager: i64,
    manager_key: String,
}

impl Wire {
    /// Two projects, an admin and a manager, custom fields of both kinds, a company with an
    /// employee, a person with every field (text to escape and non-ASCII among them), an avatar,
    /// notes, a deal with a category, an issue, a saved query and a web form.
    async fn fill() -> Wire {
        let app = TestApp::spawn().await;
        let mut secrets = vec![(app.admin_key.clone(), "[admin api key]".to_string())];
        let admin = app.admin();
        let res = admin
            .post(
                Format::Json,
                "/projects",
                json!({"project": {"name": "CRM", "identifier": "crm", "description": "Clients & <leads>", "is_public": false}}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        app.project("sales", true).await;
        let manager = app.member("manager", "crm", "Manager").await;
        secrets.push((manager.key(), "[manager api key]".to_string()));
        let membership = admin.get(Format::Json, "/projects/crm/memberships").await.int("memberships.0.id");

        let mut fields = Vec::new();
        for field in [
            json!({"name": "License", "field_format": "string", "customized_type": "contact", "searchable": true, "regexp": "^[A-Z]-[0-9]+$", "max_length": 20}),
            json!({"name": "Segments", "field_format": "list", "customized_type": "contact", "multiple": true, "possible_values": ["smb", "eu", "us"], "is_filter": true}),
            json!({"name": "Seats", "field_format": "int", "customized_type": "deal", "default_value": "5", "is_required": false}),
        ] {
            let res = admin.post(Format::Json, "/custom_fields", json!({ "custom_field": field })).await;
            assert_eq!(res.status, 201, "{}", res.text);
            fields.push(res.int("custom_field.id"));
        }

        let upload = manager
            .raw(
                reqwest::Method::POST,
                Format::Json,
                "/uploads?filename=face%20one.png",
                "application/octet-stream",
                PNG.to_vec(),
            )
            .await;
        assert_eq!(upload.status, 201, "{}", upload.text);
        secrets.push((upload.str("upload.token"), "[upload token]".to_string()));
        let attachment = upload.int("upload.id");

        let acme = manager
            .create_contact(
                "crm",
                json!({"first_name": "Acme", "is_company": true, "tag_list": "vip", "visibility": 1}),
            )
            .await;
        let ada = manager
            .create_contact(
                "crm",
                json!({
                    "first_name": "Ada", "last_name": "Lovelace", "middle_name": "King", "company": "Acme",
                    "job_title": "Analyst", "website": "https://example.org/ada", "skype_name": "ada.l",
                    "birthday": "1815-12-10", "background": "Quotes \"<&>'\" and Zoë Ünal\nsecond line",
                    "phone": "+1 555 0100, +44 20 7946 0000", "email": "ada@example.com, countess@example.org",
                    "tag_list": "vip, été, Math", "assigned_to_id": 1,
                    "address_attributes": {"street1": "12 St James's Square", "city": "London", "region": "Westminster", "postcode": "SW1Y 4JH", "country_code": "GB"},
                    "custom_fields": [{"id": fields[0], "value": "L-77"}, {"id": fields[1], "value": ["us", "smb"]}],
                    "avatar": {"token": upload.str("upload.token")}
                }),
            )
            .await;
        // In both projects, so a list with `include=projects` shows two.
        let res =
            admin.post(Format::Json, &format!("/contacts/{ada}/projects"), json!({"project": {"id": "sales"}})).await;
        assert!(res.status < 300, "{}", res.text);
        admin.create_contact("sales", json!({"first_name": "Bob", "last_name": "Public"})).await;

        let note = manager
            .post(
                Format::Json,
                &format!("/contacts/{ada}/notes"),
                json!({"note": {"subject": "Call", "content": "Wants a quote <soon> & cheap", "type_id": 1}}),
            )
            .await;
        assert_eq!(note.status, 201, "{}", note.text);
        let category = manager
            .post(Format::Json, "/projects/crm/deal_categories", json!({"deal_category": {"name": "Software"}}))
            .await;
        assert_eq!(category.status, 201, "{}", category.text);
        let deal = manager
            .post(
                Format::Json,
                "/projects/crm/deals",
                json!({"deal": {
                    "name": "Licences", "contact_id": ada, "price": "3000.50", "currency": "EUR", "probability": 50,
                    "due_date": "2030-12-12", "background": "Two <seats> & more", "category_id": category.int("deal_category.id"),
                    "assigned_to_id": manager.id, "custom_fields": [{"id": fields[2], "value": "12"}]
                }}),
            )
            .await;
        assert_eq!(deal.status, 201, "{}", deal.text);
        let deal_note = manager
            .post(
                Format::Json,
                "/notes",
                json!({"note": {"source_type": "Deal", "source_id": deal.int("deal.id"), "content": "Sent the offer"}}),
            )
            .await;
        assert_eq!(deal_note.status, 201, "{}", deal_note.text);
        let issue = manager
            .post(
                Format::Json,
                &format!("/contacts/{ada}/issues"),
                json!({"issue": {"subject": "Printer jams", "tracker": "Support", "due_date": "2030-01-02"}}),
            )
            .await;
        assert_eq!(issue.status, 201, "{}", issue.text);

        let query = manager
            .post(
                Format::Json,
                "/crm_queries",
                json!({"query": {"name": "VIPs", "object_type": "contact", "project_id": "crm", "is_public": true, "filters": {"tags": "vip"}}}),
            )
            .await;
        assert_eq!(query.status, 201, "{}", query.text);
        let form = admin
            .post(
                Format::Json,
                "/projects/crm/web_forms",
                json!({"web_form": {"name": "Site", "success_url": "https://example.org/thanks", "allowed_origins": ["https://example.org"], "default_tags": "website", "default_assignee_id": manager.id}}),
            )
            .await;
        assert_eq!(form.status, 201, "{}", form.text);
        secrets.push((form.str("web_form.key"), "[web form key]".to_string()));

        secrets.push((app.address.clone(), "http://[server]".to_string()));
        let ids = Fixture {
            ada,
            acme,
            deal: deal.int("deal.id"),
            note: note.int("note.id"),
            deal_note: deal_note.int("note.id"),
            attachment,
            form: form.int("web_form.id"),
            field: fields[0],
            membership,
            manager: manager.id,
            manager_key: manager.key(),
        };
        Wire { app, secrets: RefCell::new(secrets), ids }
    }

    /// The member of crm with the Manager role, who made most of the fixture.
    fn manager(&self) -> Actor<'_> {
        Actor { app: &self.app, auth: crate::support::Auth::Key(self.ids.manager_key.clone()), id: self.ids.manager }
    }

    /// `secret` is replaced by `placeholder` in every answer from now on.
    fn redact_also(&self, secret: String, placeholder: &str) {
        self.secrets.borrow_mut().push((secret, placeholder.to_string()));
    }

    /// GETs `path` as `actor` in both formats and compares each answer with its snapshot.
    async fn check(&self, actor: &Actor<'_>, name: &str, path: &str) {
        for format in Format::API {
            let res = actor.get(format, path).await;
            self.snapshot(name, format, &res);
        }
    }

    /// Compares one answer with the snapshot `name.json` or `name.xml`.
    #[track_caller]
    fn snapshot(&self, name: &str, format: Format, res: &Res) {
        let suffix = if format == Format::Xml { "xml" } else { "json" };
        insta::assert_snapshot!(format!("{name}.{suffix}"), self.redact(res));
    }

    /// Status, content type and length, then the body, once the run's own values are replaced
    /// (the length is the replaced body's, so a trailing byte cannot hide).
    fn redact(&self, res: &Res) -> String {
        let mut body = res.text.clone();
        for (secret, placeholder) in self.secrets.borrow().iter() {
            body = body.replace(secret.as_str(), placeholder);
        }
        let body = redact_now(&body);
        let content_type = res.header("content-type").unwrap_or_default();
        format!("{} {content_type}, {} bytes\n{body}", res.status, body.len())
    }
}

/// Replaces each `YYYY-MM-DDTHH:MM:SSZ` within a day of now (a `created_on`, an `updated_on`)
/// by `[now]`; fixed times the fixture wrote (a due date) stay.
fn redact_now(text: &str) -> String {
    let stamp = Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z").expect("a valid pattern");
    let now = Utc::now();
    stamp
        .replace_all(text, |caps: &regex::Captures| {
            let found = &caps[0];
            match found.parse::<DateTime<Utc>>() {
                Ok(t) if (now - t).num_hours().abs() < 24 => "[now]".to_string(),
                _ => found.to_string(),
            }
        })
        .into_owned()
}

#[actix_web::test]
async fn contacts_show_and_list_with_each_include() {
    let wire = Wire::fill().await;
    let manager = wire.manager();
    let includes = [
        "",
        "notes",
        "contacts",
        "deals",
        "issues",
        "tickets",
        "projects",
        "notes,contacts,deals,issues,tickets,projects",
    ];
    for include in includes {
        let suffix = match include {
            "" => String::new(),
            i if i.contains(',') => "_include_all".to_string(),
            i => format!("_include_{i}"),
        };
        let query = if include.is_empty() { String::new() } else { format!("?include={include}") };
        wire.check(&manager, &format!("contact_show{suffix}"), &format!("/contacts/{}{query}", wire.ids.ada)).await;
        wire.check(&manager, &format!("contacts_list{suffix}"), &format!("/contacts{query}")).await;
    }
    wire.check(
        &manager,
        "contact_show_company_include_contacts",
        &format!("/contacts/{}?include=contacts", wire.ids.acme),
    )
    .await;
    wire.check(&manager, "project_contacts_list", "/projects/crm/contacts").await;
    wire.check(&manager, "project_contacts_list_include_projects", "/projects/crm/contacts?include=projects").await;
    let all = "notes,contacts,deals,issues,tickets,projects";
    wire.check(&manager, "project_contacts_list_include_all", &format!("/projects/crm/contacts?include={all}")).await;
    wire.check(&manager, "contacts_list_nometa", "/contacts?nometa=1&limit=1").await;
    wire.check(&manager, "contacts_list_paged", "/contacts?limit=1&offset=1&sort=name").await;
}

#[actix_web::test]
async fn notes_deals_and_their_statuses_and_categories() {
    let wire = Wire::fill().await;
    let manager = wire.manager();
    wire.check(&manager, "note_show", &format!("/notes/{}", wire.ids.note)).await;
    wire.check(&manager, "note_show_of_deal", &format!("/notes/{}", wire.ids.deal_note)).await;
    wire.check(&manager, "deal_show", &format!("/deals/{}", wire.ids.deal)).await;
    wire.check(&manager, "deal_show_include_notes", &format!("/deals/{}?include=notes", wire.ids.deal)).await;
    wire.check(&manager, "deals_list", "/deals").await;
    wire.check(&manager, "project_deals_list", "/projects/crm/deals?status_id=*").await;
    wire.check(&manager, "deal_statuses_list", "/deal_statuses").await;
    wire.check(&manager, "deal_categories_list", "/projects/crm/deal_categories").await;
}

#[actix_web::test]
async fn tags_projects_memberships_users_and_roles() {
    let wire = Wire::fill().await;
    let manager = wire.manager();
    let admin = wire.app.admin();
    wire.check(&manager, "tags_list", "/contacts_tags").await;
    wire.check(&manager, "project_show", "/projects/crm").await;
    wire.check(&admin, "projects_list", "/projects").await;
    wire.check(&admin, "memberships_list", "/projects/crm/memberships").await;
    wire.check(&admin, "membership_show", &format!("/memberships/{}", wire.ids.membership)).await;
    wire.check(&manager, "user_current", "/users/current").await;
    wire.check(&manager, "user_current_memberships", "/users/current?include=memberships").await;
    wire.check(&admin, "user_show", &format!("/users/{}", wire.ids.manager)).await;
    wire.check(&admin, "users_list", "/users").await;
    wire.check(&admin, "roles_list", "/roles").await;
    wire.check(&admin, "role_show", "/roles/2").await;
}

#[actix_web::test]
async fn custom_fields_queries_web_forms_search_and_attachments() {
    let wire = Wire::fill().await;
    let manager = wire.manager();
    let admin = wire.app.admin();
    wire.check(&admin, "custom_fields_list", "/custom_fields").await;
    wire.check(&admin, "custom_field_show", &format!("/custom_fields/{}", wire.ids.field)).await;
    wire.check(&manager, "queries_list", "/crm_queries?object_type=contact").await;
    wire.check(&admin, "web_forms_list", "/projects/crm/web_forms").await;
    wire.check(&admin, "web_form_show", &format!("/web_forms/{}", wire.ids.form)).await;
    wire.check(&manager, "search", "/search?q=ada&contacts=1").await;
    wire.check(&manager, "search_nothing", "/search?q=").await;
    wire.check(&manager, "attachment_show", &format!("/attachments/{}", wire.ids.attachment)).await;
}

#[actix_web::test]
async fn error_bodies() {
    let wire = Wire::fill().await;
    let manager = wire.manager();
    let anonymous = wire.app.anonymous();
    wire.check(&anonymous, "error_401", "/contacts").await;
    wire.check(&wire.app.as_key("0000000000000000000000000000000000000000"), "error_401_wrong_key", "/contacts").await;
    wire.check(&manager, "error_403", "/users").await;
    wire.check(&manager, "error_404", "/contacts/999999").await;
    wire.check(&manager, "error_404_no_route", "/no/such/route").await;
    for format in Format::API {
        let res = manager
            .post(format, "/projects/crm/contacts", json!({"contact": {"last_name": "Nameless", "visibility": 7}}))
            .await;
        wire.snapshot("error_422", format, &res);
    }
    for format in Format::API {
        let res = manager
            .raw(
                reqwest::Method::POST,
                format,
                "/projects/crm/contacts",
                "application/json",
                b"{\"contact\": ".to_vec(),
            )
            .await;
        wire.snapshot("error_400", format, &res);
    }
}

/// Answers of creates whose record has no GET of its own: an upload, an issue linked to a contact.
#[actix_web::test]
async fn uploads_and_linked_issues_as_created() {
    let wire = Wire::fill().await;
    let manager = wire.manager();
    for format in Format::API {
        let res = manager
            .raw(
                reqwest::Method::POST,
                format,
                "/uploads?filename=notes.txt",
                "application/octet-stream",
                b"hello".to_vec(),
            )
            .await;
        wire.redact_also(res.str("upload.token"), "[upload token]");
        wire.snapshot("upload_created", format, &res);
    }
    for format in Format::API {
        let path = format!("/contacts/{}/issues", wire.ids.acme);
        let body =
            json!({"issue": {"subject": "Broken <screen> & more", "status": "Feedback", "due_date": "2031-02-03"}});
        let res = manager.post(format, &path, body).await;
        wire.snapshot("issue_created", format, &res);
    }
}

/// Issue 23's new answers: a contact with every record field set (each shown only when set), a
/// company's employees and a contact's reports.
#[actix_web::test]
async fn contacts_as_records() {
    let wire = Wire::fill().await;
    let manager = wire.manager();
    let body = json!({"contact": {
        "first_name": "Grace", "company_id": wire.ids.acme, "reports_to_id": wire.ids.ada,
        "department": "Research", "preferred_contact_method": "email", "status": "inactive",
        "external_id": "ext-1",
        "phones": [{"number": "+1 555 0100", "type": "mobile"}, {"number": "+1 555 0101"}],
        "emails": [{"address": "grace@example.com", "type": "work"}],
    }});
    let res = manager.post(Format::Json, "/projects/crm/contacts", body).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let grace = res.int("contact.id");
    let res = manager.post(Format::Json, &format!("/contacts/{grace}/set_primary"), json!({})).await;
    assert_eq!(res.status, 200, "{}", res.text);
    wire.check(&manager, "contact_show_records", &format!("/contacts/{grace}")).await;
    wire.check(&manager, "contact_show_company_with_primary", &format!("/contacts/{}", wire.ids.acme)).await;
    wire.check(&manager, "contact_employees", &format!("/contacts/{}/employees", wire.ids.acme)).await;
    wire.check(&manager, "contact_reports", &format!("/contacts/{}/reports", wire.ids.ada)).await;
}
