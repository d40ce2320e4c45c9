//! Contacts as records (issue 23): companies and their people, reports, typed phones and
//! emails, status, external ids.

use contacts_server::format::Format;
use serde_json::{json, Value};

use crate::support::TestApp;

fn texts(items: &[Value], key: &str) -> Vec<String> {
    items.iter().map(|i| i.get(key).and_then(Value::as_str).unwrap_or_default().to_string()).collect()
}

#[actix_web::test]
async fn typed_phones_and_emails_go_in_and_come_out_with_their_types() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for format in Format::API {
        let body = json!({"contact": {
            "first_name": "Ada",
            "phones": [{"number": "+1 555", "type": "mobile"}, {"number": "+1 556"}],
            "emails": [{"address": "ada@example.com", "type": "work"}],
        }});
        let res = app.admin().post(format, "/projects/crm/contacts", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("contact.id");
        assert_eq!(texts(&res.list("contact.phones"), "number"), ["+1 555", "+1 556"]);
        assert_eq!(texts(&res.list("contact.phones"), "type"), ["mobile", ""]);
        assert_eq!(texts(&res.list("contact.emails"), "type"), ["work"]);
        let shown = app.admin().get(format, &format!("/contacts/{id}")).await;
        assert_eq!(shown.list("contact.phones"), res.list("contact.phones"));
        if format == Format::Xml {
            assert!(shown.text.contains("<phone><number>+1 555</number><type>mobile</type></phone>"), "{}", shown.text);
        }
        // Redmine's comma-separated `phone` means untyped numbers.
        let res = app.admin().put(format, &format!("/contacts/{id}"), json!({"contact": {"phone": "1, 2"}})).await;
        assert_eq!(res.status, 204, "{}", res.text);
        let shown = app.admin().get(format, &format!("/contacts/{id}")).await;
        assert_eq!(texts(&shown.list("contact.phones"), "number"), ["1", "2"]);
        assert_eq!(texts(&shown.list("contact.phones"), "type"), ["", ""]);
        let bad = json!({"contact": {"phones": [{"number": "1", "type": "pager"}]}});
        let res = app.admin().put(format, &format!("/contacts/{id}"), bad).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.errors(), ["Phone type is not included in the list"]);
    }
}

#[actix_web::test]
async fn a_plain_contact_shows_none_of_the_record_fields() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let id = app.admin().create_contact("crm", json!({"first_name": "Ann", "phone": "1"})).await;
    let res = app.admin().get(Format::Json, &format!("/contacts/{id}")).await;
    let contact = res.at("contact").as_object().unwrap();
    for key in [
        "company_id",
        "primary_contact_id",
        "reports_to_id",
        "department",
        "preferred_contact_method",
        "status",
        "external_id",
    ] {
        assert!(!contact.contains_key(key), "{key} in {}", res.text);
    }
    assert_eq!(res.at("contact.phones"), &json!([{"number": "1"}]));
}

#[actix_web::test]
async fn archived_contacts_leave_lists_and_their_totals_unless_asked() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let reader = app.member("reader", "crm", "Manager").await;
    let reporter = app.member("reporter", "crm", "Reporter").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.admin().create_contact("crm", json!({"first_name": format!("C{i}"), "visibility": i % 3})).await);
    }
    for format in Format::API {
        let res = app.admin().post(format, &format!("/contacts/{}/archive", ids[0]), json!({})).await;
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(res.str("contact.status"), "archived");
        app.admin().post(format, &format!("/contacts/{}/archive", ids[1]), json!({})).await;
        for actor in [&app.admin(), &reader] {
            let cases =
                [("", 3), ("?status=archived", 2), ("?status=*", 5), ("?status=active", 3), ("?status=inactive", 0)];
            for (query, expected) in cases {
                let res = actor.get(format, &format!("/contacts{query}")).await;
                assert_eq!(res.status, 200, "{}", res.text);
                assert_eq!(res.meta("total_count"), Some(expected), "{query}");
                assert_eq!(res.list("contacts").len() as i64, expected, "{query}");
            }
        }
        // A Reporter sees no private contact of another author: its totals come from other tallies.
        for query in ["", "?status=archived", "?status=*"] {
            let res = reporter.get(format, &format!("/contacts{query}")).await;
            assert_eq!(res.meta("total_count"), Some(res.list("contacts").len() as i64), "{query}");
        }
        assert!(!app.admin().get(format, "/contacts").await.ids("contacts").contains(&ids[0]));
        let res = app.admin().post(format, &format!("/contacts/{}/activate", ids[0]), json!({})).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.opt("contact.status"), None);
        assert_eq!(app.admin().get(format, "/contacts").await.meta("total_count"), Some(4));
        app.admin().delete(format, &format!("/contacts/{}", ids[1])).await;
        for (query, expected) in [("", 4), ("?status=archived", 0), ("?status=*", 4)] {
            let res = reader.get(format, &format!("/contacts{query}")).await;
            assert_eq!((res.meta("total_count"), res.list("contacts").len() as i64), (Some(expected), expected));
        }
        let res =
            app.admin().put(format, &format!("/contacts/{}", ids[2]), json!({"contact": {"status": "inactive"}})).await;
        assert_eq!(res.status, 204);
        let res = app.admin().get(format, "/contacts?status=inactive").await;
        assert_eq!((res.meta("total_count"), res.ids("contacts")), (Some(1), vec![ids[2]]));
        assert_eq!(app.admin().get(format, "/contacts?status=gone").await.status, 422);
        // Back as it was for the next format.
        app.admin().post(format, &format!("/contacts/{}/activate", ids[2]), json!({})).await;
        ids[1] = app.admin().create_contact("crm", json!({"first_name": "C1"})).await;
    }
    assert_eq!(reader.post(Format::Json, &format!("/contacts/{}/archive", ids[3]), json!({})).await.status, 200);
    let outsider = app.user("outsider").await;
    assert_eq!(outsider.post(Format::Json, &format!("/contacts/{}/archive", ids[3]), json!({})).await.status, 403);
}

#[actix_web::test]
async fn a_person_links_to_a_company_which_names_a_primary_contact() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let acme = app.admin().create_contact("crm", json!({"first_name": "Acme", "is_company": true})).await;
    let other = app.admin().create_contact("crm", json!({"first_name": "Other", "is_company": true})).await;
    for format in Format::API {
        let body = json!({"contact": {"first_name": "Ann", "company_id": acme}});
        let res = app.admin().post(format, "/projects/crm/contacts", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let ann = res.int("contact.id");
        assert_eq!((res.str("contact.company"), res.int("contact.company_id")), ("Acme".to_string(), acme));
        let res = app.admin().get(format, &format!("/contacts/{acme}/employees")).await;
        assert_eq!((res.meta("total_count"), res.ids("contacts")), (Some(1), vec![ann]));
        // include=contacts keeps working.
        let res = app.admin().get(format, &format!("/contacts/{acme}?include=contacts")).await;
        assert_eq!(res.ids("contact.contacts"), vec![ann]);

        let res = app.admin().post(format, &format!("/contacts/{ann}/set_primary"), json!({})).await;
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!((res.int("contact.id"), res.int("contact.primary_contact_id")), (acme, ann));
        let res = app
            .admin()
            .put(format, &format!("/contacts/{other}"), json!({"contact": {"primary_contact_id": ann}}))
            .await;
        assert_eq!(res.errors(), ["Primary contact is invalid"]);

        // The company's new name follows to its people.
        app.admin().put(format, &format!("/contacts/{acme}"), json!({"contact": {"first_name": "Acme Ltd"}})).await;
        assert_eq!(app.admin().get(format, &format!("/contacts/{ann}")).await.str("contact.company"), "Acme Ltd");
        app.admin().put(format, &format!("/contacts/{acme}"), json!({"contact": {"first_name": "Acme"}})).await;
        // Another company name sent alone unlinks; a person or a missing contact is no company.
        app.admin().put(format, &format!("/contacts/{ann}"), json!({"contact": {"company": "Elsewhere"}})).await;
        let res = app.admin().get(format, &format!("/contacts/{ann}")).await;
        assert_eq!((res.str("contact.company"), res.opt("contact.company_id")), ("Elsewhere".to_string(), None));
        for bad in [ann, 999_999] {
            let res =
                app.admin().put(format, &format!("/contacts/{ann}"), json!({"contact": {"company_id": bad}})).await;
            assert_eq!((res.status, res.errors()), (422, vec!["Company is invalid".to_string()]));
        }
        let res = app.admin().post(format, &format!("/contacts/{ann}/set_primary"), json!({})).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Company cannot be blank".to_string()]));
        let res = app.admin().get(format, &format!("/contacts?company_id={acme}")).await;
        assert_eq!(res.meta("total_count"), Some(0));
    }
}

#[actix_web::test]
async fn reports_to_refuses_a_cycle_and_lists_a_contacts_reports() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let boss = app.admin().create_contact("crm", json!({"first_name": "Boss"})).await;
    for format in Format::API {
        let body = json!({"contact": {"first_name": "Mid", "reports_to_id": boss, "department": "Sales",
            "preferred_contact_method": "mobile"}});
        let res = app.admin().post(format, "/projects/crm/contacts", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let mid = res.int("contact.id");
        assert_eq!(
            (
                res.int("contact.reports_to_id"),
                res.str("contact.department"),
                res.str("contact.preferred_contact_method")
            ),
            (boss, "Sales".to_string(), "mobile".to_string())
        );
        let low = app.admin().create_contact("crm", json!({"first_name": "Low", "reports_to_id": mid})).await;
        for (id, to) in [(boss, low), (boss, boss), (mid, low)] {
            let res =
                app.admin().put(format, &format!("/contacts/{id}"), json!({"contact": {"reports_to_id": to}})).await;
            assert_eq!((res.status, res.errors()), (422, vec!["Reports to would make a cycle".to_string()]));
        }
        let res = app.admin().get(format, &format!("/contacts/{mid}/reports")).await;
        assert_eq!((res.meta("total_count"), res.ids("contacts")), (Some(1), vec![low]));
        let res = app.admin().get(format, "/contacts?department=Sales&preferred_contact_method=mobile").await;
        assert_eq!(res.ids("contacts"), vec![mid]);
        let res = app.admin().get(format, &format!("/contacts?reports_to_id={boss}")).await;
        assert_eq!(res.ids("contacts"), vec![mid]);
        let res = app.admin().get(format, "/contacts?preferred_contact_method=pigeon").await;
        assert_eq!(res.status, 422);
        let bad = json!({"contact": {"preferred_contact_method": "pigeon"}});
        let res = app.admin().put(format, &format!("/contacts/{mid}"), bad).await;
        assert_eq!(res.errors(), ["Preferred contact method is not included in the list"]);
        // Leave the chain for the next format.
        app.admin().delete(format, &format!("/contacts/{low}")).await;
        app.admin().delete(format, &format!("/contacts/{mid}")).await;
    }
    assert_eq!(app.admin().get(Format::Json, "/contacts/999999/reports").await.status, 404);
}

#[actix_web::test]
async fn external_ids_are_unique_per_project_findable_and_upserted() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("ops", false).await;
    for (format, ext) in [(Format::Json, "acc-1"), (Format::Xml, "acc-2")] {
        let path = format!("/projects/crm/contacts/external/{ext}");
        let res = app.admin().put(format, &path, json!({"contact": {"first_name": "Ext"}})).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("contact.id");
        assert_eq!(res.str("contact.external_id"), ext);
        let res = app.admin().put(format, &path, json!({"contact": {"job_title": "CTO"}})).await;
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!((res.int("contact.id"), res.str("contact.job_title")), (id, "CTO".to_string()));
        let res = app.admin().get(format, &format!("/contacts?external_id={ext}")).await;
        assert_eq!((res.meta("total_count"), res.ids("contacts")), (Some(1), vec![id]));

        let body = json!({"contact": {"first_name": "Twin", "external_id": ext}});
        let res = app.admin().post(format, "/projects/crm/contacts", body.clone()).await;
        assert_eq!((res.status, res.errors()), (422, vec!["External id has already been taken".to_string()]));
        // Another project may use it.
        let twin = app.admin().post(format, "/projects/ops/contacts", body).await;
        assert_eq!(twin.status, 201, "{}", twin.text);
        let res = app
            .admin()
            .post(format, &format!("/contacts/{}/projects", twin.int("contact.id")), json!({"project": {"id": "crm"}}))
            .await;
        assert_eq!(res.status, 422, "{}", res.text);
    }
    assert_eq!(
        app.admin()
            .put(Format::Json, "/projects/nowhere/contacts/external/x", json!({"contact": {"first_name": "X"}}))
            .await
            .status,
        404
    );
}
