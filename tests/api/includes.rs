//! `include=` on show and list: notes, contacts (companies and employees), deals, issues.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn a_company_lists_its_visible_employees_and_a_person_its_company() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let member = app.member("m", "crm", "Reporter").await;
    let acme = app.admin().create_contact("crm", json!({"first_name": "Acme", "is_company": true})).await;
    let wile = app
        .admin()
        .create_contact("crm", json!({"first_name": "Wile", "last_name": "Coyote", "company": "Acme"}))
        .await;
    app.admin().create_contact("crm", json!({"first_name": "Secret", "company": "Acme", "visibility": 2})).await;
    for format in Format::API {
        let res = member.get(format, &format!("/contacts/{acme}?include=contacts")).await;
        let names: Vec<String> =
            res.list("contact.contacts").iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, ["Wile Coyote"], "no private employee: {}", res.text);
        if format == Format::Xml {
            let expected = format!(r#"<contacts type="array"><contact id="{wile}" name="Wile Coyote"/></contacts>"#);
            res.assert_xml_at("contacts", &expected);
        }
        let admin = app.admin().get(format, &format!("/contacts/{acme}?include=employees")).await;
        assert_eq!(admin.list("contact.contacts").len(), 2);
        let res = member.get(format, &format!("/contacts/{wile}?include=contacts")).await;
        assert_eq!(res.str("contact.contacts.0.name"), "Acme");
    }
}

#[actix_web::test]
async fn every_include_at_once_on_show_and_list_with_a_constant_query_count() {
    // Uncached: the worst case is what must not grow with the page.
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let user = app.member("m", "crm", "Manager").await;
    let mut counts = Vec::new();
    user.create_contact("crm", json!({"first_name": "Acme", "is_company": true})).await;
    for n in [1, 8] {
        for i in 0..n {
            let id = user
                .create_contact("crm", json!({"first_name": format!("C{i}"), "company": "Acme", "tag_list": "t"}))
                .await;
            user.post(Format::Json, &format!("/contacts/{id}/notes"), json!({"note": {"content": "n"}})).await;
            user.post(Format::Json, "/projects/crm/deals", json!({"deal": {"name": "d", "contact_id": id}})).await;
            let issue = user
                .post(Format::Json, &format!("/contacts/{id}/issues"), json!({"issue": {"subject": "Broken"}}))
                .await;
            assert_eq!(issue.status, 201, "{}", issue.text);
        }
        for format in Format::API {
            let before = app.db.query_count();
            let res = user
                .get(format, "/contacts?limit=100&include=notes%2Ccontacts%2Cdeals%2Cissues%2Ctickets%2Cprojects")
                .await;
            counts.push(app.db.query_count() - before);
            let first = res.list("contacts").into_iter().find(|c| c["first_name"] == "C0").unwrap();
            for key in ["notes", "deals", "issues", "tickets", "projects", "contacts"] {
                assert_eq!(first[key].as_array().map(Vec::len), Some(1), "{key} in {first}");
            }
        }
    }
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "queries: {counts:?}");
    let id = user.get(Format::Json, "/contacts?search=C0").await.int("contacts.0.id");
    for format in Format::API {
        let res = user.get(format, &format!("/contacts/{id}?include=notes,contacts,deals,tickets,issues")).await;
        assert_eq!(res.str("contact.issues.0.subject"), "Broken");
        assert_eq!(res.str("contact.tickets.0.status.name"), "New");
        assert_eq!(res.str("contact.deals.0.name"), "d");
        assert_eq!(res.str("contact.notes.0.content"), "n");
        assert_eq!(res.str("contact.contacts.0.name"), "Acme");
    }
}

#[actix_web::test]
async fn included_lists_respect_permissions() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("other", false).await;
    let member = app.member("m", "crm", "Reporter").await;
    let id = app.admin().create_contact("crm", json!({"first_name": "Shared"})).await;
    app.admin().post(Format::Json, &format!("/contacts/{id}/projects"), json!({"project": {"id": "other"}})).await;
    app.admin()
        .post(Format::Json, "/projects/other/deals", json!({"deal": {"name": "Elsewhere", "contact_id": id}}))
        .await;
    app.admin()
        .post(
            Format::Json,
            &format!("/contacts/{id}/issues"),
            json!({"issue": {"subject": "Hidden", "project_id": "other"}}),
        )
        .await;
    app.admin().post(Format::Json, "/projects/crm/deals", json!({"deal": {"name": "Here", "contact_id": id}})).await;
    for format in Format::API {
        let res = member.get(format, &format!("/contacts/{id}?include=deals,issues")).await;
        let deals: Vec<String> =
            res.list("contact.deals").iter().map(|d| d["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(deals, ["Here"], "a deal in a project the reader is not in stays hidden");
        assert_eq!(res.at("contact.issues"), &json!([]), "{}", res.text);
    }
}

#[actix_web::test]
async fn a_contact_s_details_are_read_in_one_statement() {
    // Uncached, so every request reads. Beyond finding the contact (whose row says which
    // projects it is in, so whether the reader may see it), a show reads in one statement its
    // tags, projects, custom fields and values, avatar and the people named: on PostgreSQL
    // each statement is a round trip.
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let field = admin
        .post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Tier", "field_format": "string"}}))
        .await
        .int("custom_field.id");
    let bare = admin.create_contact("crm", json!({"first_name": "Bare"})).await;
    let full = admin
        .create_contact(
            "crm",
            json!({"first_name": "Full", "tag_list": "b,a", "assigned_to_id": 1,
                   "custom_fields": [{"id": field, "value": "gold"}]}),
        )
        .await;
    let mut spent = Vec::new();
    for id in [full + 100, bare, full] {
        let before = app.db.query_count();
        let res = admin.get(Format::Json, &format!("/contacts/{id}")).await;
        spent.push(app.db.query_count() - before);
        assert_eq!(res.status, if id > full { 404 } else { 200 }, "{}", res.text);
    }
    assert_eq!(spent[1] - spent[0], 1, "beyond a missing contact's look-up: {spent:?}");
    assert_eq!(spent[1], spent[2]);
    let res = admin.get(Format::Json, &format!("/contacts/{full}")).await;
    assert_eq!(res.at("contact.tag_list"), &json!(["a", "b"]));
    assert_eq!(res.str("contact.custom_fields.0.value"), "gold");
    assert_eq!(res.str("contact.assigned_to.name"), "Redmine Admin");
    assert_eq!(res.str("contact.projects.0.name"), "CRM");
}
