//! `/contacts/:id/projects`: linking a contact to more projects, and unlinking.

use contacts_server::format::Format;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn contacts_are_linked_to_and_unlinked_from_projects() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let sales = app.project("sales", false).await;
    for format in Format::API {
        let id = app.admin().create_contact("crm", json!({"first_name": "Linked"})).await;
        let res =
            app.admin().post(format, &format!("/contacts/{id}/projects"), json!({"project": {"id": "sales"}})).await;
        assert_eq!(res.status, 204, "{}", res.text);
        let again =
            app.admin().post(format, &format!("/contacts/{id}/projects"), json!({"project": {"id": sales}})).await;
        assert_eq!(again.status, 204, "linking twice is harmless");
        let shown = app.admin().get(format, &format!("/contacts/{id}")).await;
        assert_eq!(shown.list("contact.projects").len(), 2);
        assert!(app.admin().get(format, "/projects/sales/contacts").await.meta("total_count").unwrap() >= 1);
        assert_eq!(app.admin().delete(format, &format!("/contacts/{id}/projects/crm")).await.status, 204);
        let last = app.admin().delete(format, &format!("/contacts/{id}/projects/sales")).await;
        assert_eq!(last.status, 403, "the last project stays");
        assert_eq!(app.admin().delete(format, &format!("/contacts/{id}/projects/nope")).await.status, 404);
        let missing =
            app.admin().post(format, &format!("/contacts/{id}/projects"), json!({"project": {"id": "nope"}})).await;
        assert_eq!(missing.status, 404);
    }
    // The plugin's own tests send form fields to .xml.
    let id = app.admin().create_contact("crm", json!({"first_name": "Form"})).await;
    let res = app
        .admin()
        .raw(
            Method::POST,
            Format::Xml,
            &format!("/contacts/{id}/projects"),
            "application/x-www-form-urlencoded",
            b"project[id]=2".to_vec(),
        )
        .await;
    assert_eq!(res.status, 204);
}

#[actix_web::test]
async fn linking_needs_edit_permission_in_both_projects() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("sales", false).await;
    let manager = app.member("man", "crm", "Manager").await;
    app.add_member(&manager, "sales", "Reporter").await;
    let id = manager.create_contact("crm", json!({"first_name": "Mine"})).await;
    for format in Format::API {
        let res = manager.post(format, &format!("/contacts/{id}/projects"), json!({"project": {"id": "sales"}})).await;
        assert_eq!(res.status, 403, "a Reporter in the target project may not link");
    }
}
