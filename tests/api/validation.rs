//! Validation options: E.164 phone numbers when the server is asked, email and web address
//! syntax, and each message's field for clients that send `X-Error-Details: 1`.

use contacts_server::domain::phones::PhoneFormat;
use contacts_server::format::Format;
use serde_json::json;

use crate::support::{Res, TestApp};

async fn post_with_details(app: &TestApp, format: Format, body: &serde_json::Value) -> Res {
    let suffix = if format == Format::Xml { "xml" } else { "json" };
    let req = app
        .http
        .post(app.url(&format!("/projects/crm/contacts.{suffix}")))
        .header("X-Redmine-API-Key", &app.admin_key)
        .header("X-Error-Details", "1")
        .header("Content-Type", "application/json")
        .body(body.to_string());
    Res::read(format, req.send().await).await
}

#[actix_web::test]
async fn post_contact_normalises_phones_to_e164_when_the_server_is_asked() {
    let app = TestApp::spawn_with(|c| c.phone_format = PhoneFormat::E164).await;
    app.project("crm", false).await;
    let admin = app.admin();
    for format in Format::API {
        let res = admin
            .post(
                format,
                "/projects/crm/contacts",
                json!({"contact": {"first_name": "Ada", "phone": "+1 (555) 010-2030, 0044 20 7946 0000"}}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("contact.id");
        let shown = admin.get(Format::Json, &format!("/contacts/{id}")).await;
        let numbers: Vec<_> = shown.list("contact.phones").iter().map(|p| p["number"].clone()).collect();
        assert_eq!(numbers, vec![json!("+15550102030"), json!("+442079460000")]);

        let res = admin.put(format, &format!("/contacts/{id}"), json!({"contact": {"phone": "555 0102"}})).await;
        assert_eq!(res.status, 422, "{}", res.text);
        assert_eq!(res.errors(), vec!["Phone is invalid"]);
    }
    // As sent, the default, keeps numbers as written.
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let id = app.admin().create_contact("crm", json!({"first_name": "Ada", "phone": "555 0102"})).await;
    let shown = app.admin().get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(shown.str("contact.phones.0.number"), "555 0102");
}

#[actix_web::test]
async fn post_contact_refuses_impossible_email_and_web_addresses() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    for format in Format::API {
        for (field, value, message) in [
            ("email", "ada@example.com, bob@@example.com", "Email is invalid"),
            ("email", "ada@-example.com", "Email is invalid"),
            ("website", "javascript:alert(1)", "Website is invalid"),
            ("website", "ftp://example.com", "Website is invalid"),
            ("website", "https://user@evil.example", "Website is invalid"),
        ] {
            let res = admin
                .post(format, "/projects/crm/contacts", json!({"contact": {"first_name": "Ada", field: value}}))
                .await;
            assert_eq!((res.status, res.errors()), (422, vec![message.to_string()]), "{field} {value}");
        }
        // What the plugin took, and real addresses, still pass.
        for (field, value) in [
            ("email", "ada@e"),
            ("email", "jo.ann+crm@example.co.uk, root@[127.0.0.1]"),
            ("website", "domoway.ru"),
            ("website", "https://example.org/ada?x=1#top"),
        ] {
            let res = admin
                .post(format, "/projects/crm/contacts", json!({"contact": {"first_name": "Ada", field: value}}))
                .await;
            assert_eq!(res.status, 201, "{field} {value}: {}", res.text);
        }
    }
}

#[actix_web::test]
async fn error_details_name_each_field_only_when_asked() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let body = json!({"contact": {"first_name": "", "email": "nope", "is_company": "maybe"}});
    let plain = app.admin().post(Format::Json, "/projects/crm/contacts", body.clone()).await;
    assert_eq!(plain.status, 422);
    assert_eq!(plain.body.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["errors"]);
    let plain_xml = app.admin().post(Format::Xml, "/projects/crm/contacts", body.clone()).await;

    let detailed = post_with_details(&app, Format::Json, &body).await;
    assert_eq!(detailed.status, 422, "{}", detailed.text);
    assert_eq!(detailed.body["errors"], json!(plain.errors()));
    let details = detailed.body["details"].as_array().unwrap().clone();
    let fields: Vec<_> = details.iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(
        fields.contains(&"first_name") && fields.contains(&"email") && fields.contains(&"is_company"),
        "{fields:?}"
    );
    assert!(details.iter().any(|d| d["message"] == "Email is invalid" && d["field"] == "email"));

    let xml = post_with_details(&app, Format::Xml, &body).await;
    assert_eq!(xml.status, 422);
    assert!(xml.text.contains(r#"<error field="email">Email is invalid</error>"#), "{}", xml.text);
    assert!(xml.text.contains(r#"<error field="first_name">First name cannot be blank</error>"#), "{}", xml.text);
    assert_eq!(plain_xml.errors(), plain.errors());
    assert!(!plain_xml.text.contains("field="), "{}", plain_xml.text);
}
