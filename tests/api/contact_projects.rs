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
    for (round, format) in Format::API.into_iter().enumerate() {
        let id = app.admin().create_contact("crm", json!({"first_name": "Linked"})).await;
        let res =
            app.admin().post(format, &format!("/contacts/{id}/projects"), json!({"project": {"id": "sales"}})).await;
        assert_eq!(res.status, 204, "{}", res.text);
        let again =
            app.admin().post(format, &format!("/contacts/{id}/projects"), json!({"project": {"id": sales}})).await;
        assert_eq!(again.status, 204, "linking twice is harmless");
        let shown = app.admin().get(format, &format!("/contacts/{id}")).await;
        assert_eq!(shown.list("contact.projects").len(), 2);
        // This round's contact, and the last round's, which kept sales as its last project.
        let in_sales = app.admin().get(format, "/projects/sales/contacts").await;
        assert_eq!(in_sales.meta("total_count"), Some(round as i64 + 1), "{}", in_sales.text);
        assert_eq!(in_sales.ids("contacts")[0], id, "newest first");
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

/// Links and unlinks sent at once for one contact each see the others' (the contact is locked
/// first), so the project list visibility is decided by keeps every link: a member of one of
/// the projects sees the contact exactly while it is linked there, and the last project stays.
#[actix_web::test]
async fn concurrent_links_and_unlinks_keep_every_project_and_the_visibility_they_give() {
    let app = TestApp::spawn().await;
    let others = ["p2", "p3", "p4", "p5"];
    app.project("p1", false).await;
    for p in others {
        app.project(p, false).await;
    }
    let reader = app.member("rex", "p5", "Reporter").await;
    let admin = app.admin();
    for round in 0..5 {
        let id = admin.create_contact("p1", json!({"first_name": format!("Round {round}")})).await;
        let path = format!("/contacts/{id}");
        let link_path = format!("{path}/projects");
        let links = others.map(|p| admin.post(Format::Json, &link_path, json!({"project": {"id": p}})));
        for res in futures_util::future::join_all(links).await {
            assert_eq!(res.status, 204, "{}", res.text);
        }
        assert_eq!(admin.get(Format::Json, &path).await.list("contact.projects").len(), 5, "round {round}");
        assert_eq!(reader.get(Format::Json, &path).await.status, 200, "round {round}: linked to p5, seen there");
        let unlink_paths = others.map(|p| format!("{path}/projects/{p}"));
        let unlinks = unlink_paths.iter().map(|p| admin.delete(Format::Json, p));
        for res in futures_util::future::join_all(unlinks).await {
            assert_eq!(res.status, 204, "{}", res.text);
        }
        assert_eq!(admin.get(Format::Json, &path).await.list("contact.projects").len(), 1, "round {round}");
        assert_eq!(reader.get(Format::Json, &path).await.status, 403, "round {round}: unlinked from p5, hidden");
        // Two removals at once cannot leave the contact without a project.
        admin.post(Format::Json, &format!("{path}/projects"), json!({"project": {"id": "p2"}})).await;
        let both_paths = ["p1", "p2"].map(|p| format!("{path}/projects/{p}"));
        let both = both_paths.iter().map(|p| admin.delete(Format::Json, p));
        let statuses: Vec<u16> = futures_util::future::join_all(both).await.iter().map(|r| r.status).collect();
        assert!(statuses.contains(&403), "round {round}: {statuses:?}");
        assert_eq!(admin.get(Format::Json, &path).await.list("contact.projects").len(), 1, "round {round}");
    }
}
