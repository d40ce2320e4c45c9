//! `/contacts_tags`: tags with the count of contacts the reader can see.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn tag_counts_only_count_contacts_the_reader_can_see() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let member = app.member("m", "crm", "Reporter").await;
    // Reads contacts elsewhere, so public contacts are theirs to see, but not crm's.
    app.project("side", false).await;
    let outsider = app.member("o", "side", "Reporter").await;
    app.admin().create_contact("crm", json!({"first_name": "A", "tag_list": "vip,main"})).await;
    app.admin().create_contact("crm", json!({"first_name": "B", "tag_list": "vip", "visibility": 1})).await;
    app.admin().create_contact("crm", json!({"first_name": "C", "tag_list": "secret", "visibility": 2})).await;
    for format in Format::API {
        let res = app.admin().get(format, "/contacts_tags").await;
        assert_eq!(res.status, 200);
        let names: Vec<String> = res.list("tags").iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, ["main", "secret", "vip"]);
        assert_eq!(res.meta("total_count"), Some(3));
        assert_eq!(res.str("tags.2.count"), "2");
        assert_eq!(res.str("tags.2.color"), "#766970");
        let res = member.get(format, "/contacts_tags").await;
        let seen: Vec<(String, String)> = res
            .list("tags")
            .iter()
            .map(|t| (t["name"].as_str().unwrap().into(), t["count"].to_string().trim_matches('"').into()))
            .collect();
        assert_eq!(seen, [("main".into(), "1".into()), ("vip".into(), "2".into())], "no private tag");
        let res = outsider.get(format, "/contacts_tags").await;
        let seen: Vec<(String, String)> = res
            .list("tags")
            .iter()
            .map(|t| (t["name"].as_str().unwrap().into(), t["count"].to_string().trim_matches('"').into()))
            .collect();
        assert_eq!(seen, [("vip".into(), "1".into())], "only the public contact");
    }
}

/// (name, count) of every tag as the admin sees them.
async fn tag_counts(app: &TestApp, format: Format) -> Vec<(String, i64)> {
    let res = app.admin().get(format, "/contacts_tags").await;
    res.list("tags")
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_string(), t["count"].to_string().trim_matches('"').parse().unwrap()))
        .collect()
}

fn tag_id(tags: &crate::support::Res, name: &str) -> i64 {
    let found = tags.list("tags").into_iter().find(|t| t["name"] == name).expect("the tag is listed");
    found["id"].to_string().trim_matches('"').parse().unwrap()
}

#[actix_web::test]
async fn admins_rename_merge_and_delete_tags() {
    for format in Format::API {
        let app = TestApp::spawn().await;
        app.project("crm", false).await;
        let member = app.member("m", "crm", "Manager").await;
        let admin = app.admin();
        let a = admin.create_contact("crm", json!({"first_name": "A", "tag_list": "vip,VIP-old"})).await;
        admin.create_contact("crm", json!({"first_name": "B", "tag_list": "VIP-old,lead"})).await;
        admin.create_contact("crm", json!({"first_name": "C", "tag_list": "prospect"})).await;
        let tags = admin.get(format, "/contacts_tags").await;
        let (old, lead, prospect) = (tag_id(&tags, "VIP-old"), tag_id(&tags, "lead"), tag_id(&tags, "prospect"));

        let rename = json!({"tag": {"name": "Lead"}});
        assert_eq!(member.put(format, &format!("/contacts_tags/{lead}"), rename.clone()).await.status, 403);
        assert_eq!(admin.put(format, &format!("/contacts_tags/{lead}"), rename).await.status, 204);
        let taken = admin.put(format, &format!("/contacts_tags/{lead}"), json!({"tag": {"name": "vip"}})).await;
        assert_eq!(taken.status, 422);
        assert_eq!(taken.errors(), vec!["Name has already been taken"]);
        for (name, message) in [
            (json!(""), "Name cannot be blank"),
            (json!("x".repeat(256)), "Name is too long (maximum is 255 characters)"),
            (json!("a,b"), "Name is invalid"),
        ] {
            let res = admin.put(format, &format!("/contacts_tags/{lead}"), json!({"tag": {"name": name}})).await;
            assert_eq!(res.status, 422);
            assert_eq!(res.errors(), vec![message]);
        }
        assert_eq!(admin.put(format, "/contacts_tags/9999", json!({"tag": {"name": "x"}})).await.status, 404);
        // Through a contact's tag_list: blank entries are skipped, an overlong name refused.
        let long = json!({"contact": {"tag_list": format!("ok,{}", "y".repeat(256))}});
        let res = admin.put(format, &format!("/contacts/{a}"), long).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.errors(), vec!["Tags is too long (maximum is 255 characters)"]);

        // Merging VIP-old into vip: A carried both and keeps one link; B moves over.
        let merge = json!({"tag": {"name": "vip", "ids": [old]}});
        assert_eq!(member.post(format, "/contacts_tags/merge", merge.clone()).await.status, 403);
        assert_eq!(admin.post(format, "/contacts_tags/merge", merge).await.status, 204);
        assert_eq!(tag_counts(&app, format).await, vec![("Lead".into(), 1), ("prospect".into(), 1), ("vip".into(), 2)]);
        assert_eq!(
            admin.get(format, &format!("/contacts/{a}")).await.at("contact.tag_list").clone(),
            match format {
                Format::Xml => json!("vip"),
                _ => json!(["vip"]),
            }
        );
        let unknown = admin.post(format, "/contacts_tags/merge", json!({"tag": {"name": "x", "ids": [old]}})).await;
        assert_eq!(unknown.status, 422, "{}", unknown.text);
        // Merging into a new name renames the first tag.
        let merge = json!({"tag": {"name": "pipeline", "ids": [lead, prospect]}});
        assert_eq!(admin.post(format, "/contacts_tags/merge", merge).await.status, 204);
        assert_eq!(tag_counts(&app, format).await, vec![("pipeline".into(), 2), ("vip".into(), 2)]);

        assert_eq!(member.delete(format, &format!("/contacts_tags/{lead}")).await.status, 403);
        assert_eq!(admin.delete(format, &format!("/contacts_tags/{lead}")).await.status, 204);
        assert_eq!(tag_counts(&app, format).await, vec![("vip".into(), 2)]);
        assert_eq!(admin.get(format, "/contacts?tags=pipeline").await.meta("total_count"), Some(0));
    }
}

/// A tag is one tag whatever the case of its ASCII letters, and is found again under a name with
/// other capitals (on PostgreSQL a second "Éclair" once failed with 404: the lookup folded É, the
/// unique index did not).
#[actix_web::test]
async fn a_tag_with_non_ascii_capitals_is_found_again() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let first = admin.create_contact("crm", json!({"first_name": "A", "tag_list": "Éclair, VIP"})).await;
    let second = admin.create_contact("crm", json!({"first_name": "B", "tag_list": "Éclair, vip"})).await;
    for id in [first, second] {
        let shown = admin.get(Format::Json, &format!("/contacts/{id}")).await;
        assert_eq!(shown.at("contact.tag_list"), &json!(["VIP", "Éclair"]), "{}", shown.text);
    }
    let listed = admin.get(Format::Json, "/contacts?tags=%C3%89clair").await;
    assert_eq!(listed.ids("contacts"), [second, first], "{}", listed.text);
    let listed = admin.get(Format::Json, "/contacts?tags=vip").await;
    assert_eq!(listed.ids("contacts"), [second, first], "{}", listed.text);
}
