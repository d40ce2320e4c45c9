//! Conditional GETs: an `ETag` on every answer, `304 Not Modified` for a matching
//! `If-None-Match`, and a tag that changes with any byte of the answer.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn a_matching_if_none_match_is_a_304_until_anything_in_the_answer_changes() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Ada", "tag_list": "vip"})).await;
    let member = app.member("mia", "crm", "Manager").await;
    for format in Format::API {
        for path in [format!("/contacts/{id}"), "/contacts?limit=5".to_string(), "/projects/crm".to_string()] {
            let full = admin.get(format, &path).await;
            assert_eq!(full.status, 200, "{path}: {}", full.text);
            let tag = full.header("etag").expect("an ETag");
            assert!(tag.starts_with("W/\""), "{tag}");
            assert_eq!(full.header("cache-control").as_deref(), Some("max-age=0, private, must-revalidate"));

            let again = admin.get_with(format, &path, &[("If-None-Match", &tag)]).await;
            assert_eq!(again.status, 304, "{path}");
            assert_eq!(again.text, "", "a 304 has no body");
            assert_eq!(again.header("etag"), Some(tag.clone()));
            let other = admin.get_with(format, &path, &[("If-None-Match", "W/\"0123\"")]).await;
            assert_eq!((other.status, other.text.as_str()), (200, full.text.as_str()));

            // Another caller's answer is another answer (a member sees no admin-only fields).
            let same = member.get(format, &path).await.text == full.text;
            let theirs = member.get_with(format, &path, &[("If-None-Match", &tag)]).await;
            assert_eq!(theirs.status, if same { 304 } else { 200 }, "{path}");
        }
    }
    let tag_of = |res: &crate::support::Res| res.header("etag").expect("an ETag");
    let shown = admin.get(Format::Json, &format!("/contacts/{id}")).await;
    let (before, tag) = (shown.text.clone(), tag_of(&shown));
    // A tag renamed changes the answer without touching the contact: a new ETag all the same.
    let tags = admin.get(Format::Json, "/contacts_tags").await;
    let vip = tags.int("tags.0.id");
    let renamed = admin.put(Format::Json, &format!("/contacts_tags/{vip}"), json!({"tag": {"name": "gold"}})).await;
    assert_eq!(renamed.status, 204, "{}", renamed.text);
    let after = admin.get_with(Format::Json, &format!("/contacts/{id}"), &[("If-None-Match", &tag)]).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.text, before);
    assert!(after.text.contains("gold"));
    assert_ne!(tag_of(&after), tag);
}

#[actix_web::test]
async fn a_contact_and_a_list_say_when_they_were_last_modified() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let first = admin.create_contact("crm", json!({"first_name": "Old"})).await;
    let second = admin.create_contact("crm", json!({"first_name": "New"})).await;
    let http_date = |updated_on: &str| {
        let time = chrono::DateTime::parse_from_rfc3339(updated_on).expect("an ISO time");
        time.with_timezone(&chrono::Utc).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    };
    for format in Format::API {
        let shown = admin.get(format, &format!("/contacts/{first}")).await;
        let updated = shown.str("contact.updated_on");
        assert_eq!(shown.header("last-modified"), Some(http_date(&updated)));
        let list = admin.get(format, "/contacts").await;
        let newest = admin.get(format, &format!("/contacts/{second}")).await.str("contact.updated_on");
        let newest = std::cmp::max(newest, updated);
        assert_eq!(list.header("last-modified"), Some(http_date(&newest)));
    }
    // Writes and errors carry no tag.
    let missing = admin.get(Format::Json, "/contacts/999").await;
    assert_eq!((missing.status, missing.header("etag")), (404, None));
}
