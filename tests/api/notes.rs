//! `/notes`: notes on contacts and deals, their permissions, and `include=notes`.

use contacts_server::format::Format;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn notes_are_created_shown_updated_and_deleted() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let contact = app.admin().create_contact("crm", json!({"first_name": "Ivan", "last_name": "Ivanov"})).await;
    for format in Format::API {
        let body = json!({"note": {"project_id": "crm", "source_type": "Contact", "source_id": contact, "subject": "Call", "content": "Called, left a message", "type_id": 1, "note_time": "11:11"}});
        let res = app.admin().post(format, "/notes", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("note.id");
        assert_eq!(res.header("location").unwrap(), app.url(&format!("/notes/{id}")));
        assert_eq!(res.str("note.source.id"), contact.to_string());
        match format {
            Format::Json => assert_eq!(res.str("note.source.type"), "Contact"),
            _ => assert!(
                res.text.contains(&format!(r#"<source id="{contact}" name="Ivan Ivanov" type="Contact"/>"#)),
                "{}",
                res.text
            ),
        }
        assert_eq!(res.str("note.source.name"), "Ivan Ivanov");
        assert_eq!(res.str("note.author.name"), "Redmine Admin");
        assert!(res.str("note.created_on").contains("T11:11:00Z"), "{}", res.text);
        let res = app.admin().put(format, &format!("/notes/{id}"), json!({"note": {"content": "Updated"}})).await;
        assert_eq!(res.status, 204);
        let shown = app.admin().get(format, &format!("/notes/{id}")).await;
        assert_eq!(shown.str("note.content"), "Updated");
        assert_eq!(shown.str("note.subject"), "Call");
        let nested = app
            .admin()
            .post(format, &format!("/contacts/{contact}/notes"), json!({"note": {"content": "Nested"}}))
            .await;
        assert_eq!(nested.status, 201, "{}", nested.text);
        let with = app.admin().get(format, &format!("/contacts/{contact}?include=notes")).await;
        let contents: Vec<String> =
            with.list("contact.notes").iter().map(|n| n["content"].as_str().unwrap().to_string()).collect();
        assert!(contents.contains(&"Updated".to_string()) && contents.contains(&"Nested".to_string()), "{contents:?}");
        assert_eq!(app.admin().delete(format, &format!("/notes/{id}")).await.status, 204);
        assert_eq!(app.admin().get(format, &format!("/notes/{id}")).await.status, 404);
    }
    // The plugin's test: form fields with the source at the top level, to .xml.
    let form = format!("note[content]=API test&project_id=1&source_id={contact}&source_type=Contact");
    let res = app
        .admin()
        .raw(Method::POST, Format::Xml, "/notes", "application/x-www-form-urlencoded", form.into_bytes())
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
}

#[actix_web::test]
async fn bad_notes_are_422_and_permissions_hold() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let reporter = app.member("rep", "crm", "Reporter").await;
    let outsider = app.user("out").await;
    let contact = app.admin().create_contact("crm", json!({"first_name": "C"})).await;
    let note = app
        .admin()
        .post(Format::Json, &format!("/contacts/{contact}/notes"), json!({"note": {"content": "Secret"}}))
        .await
        .int("note.id");
    for format in Format::API {
        let missing = app
            .admin()
            .post(format, "/notes", json!({"note": {"source_type": "Contact", "source_id": 999, "content": "x"}}))
            .await;
        assert_eq!((missing.status, missing.errors()), (422, vec!["Source is invalid".to_string()]));
        let bad_type = app
            .admin()
            .post(format, "/notes", json!({"note": {"source_type": "User", "source_id": 1, "content": "x"}}))
            .await;
        assert_eq!(bad_type.status, 422);
        let empty =
            app.admin().post(format, &format!("/contacts/{contact}/notes"), json!({"note": {"content": ""}})).await;
        assert_eq!(empty.errors(), vec!["Content cannot be blank"]);
        assert_eq!(
            app.admin().post(format, "/contacts/999/notes", json!({"note": {"content": "x"}})).await.status,
            404
        );
        assert_eq!(reporter.get(format, &format!("/notes/{note}")).await.status, 200);
        assert_eq!(
            reporter
                .post(format, &format!("/contacts/{contact}/notes"), json!({"note": {"content": "x"}}))
                .await
                .status,
            403
        );
        assert_eq!(
            reporter.put(format, &format!("/notes/{note}"), json!({"note": {"content": "x"}})).await.status,
            403
        );
        assert_eq!(reporter.delete(format, &format!("/notes/{note}")).await.status, 403);
        assert_eq!(outsider.get(format, &format!("/notes/{note}")).await.status, 403);
    }
    // Deleting the contact takes its notes with it.
    assert_eq!(app.admin().delete(Format::Json, &format!("/contacts/{contact}")).await.status, 204);
    assert_eq!(app.admin().get(Format::Json, &format!("/notes/{note}")).await.status, 404);
}
