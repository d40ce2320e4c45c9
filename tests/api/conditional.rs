//! Conditional GETs: an `ETag` on every answer, `304 Not Modified` for a matching
//! `If-None-Match`, and a tag that no longer matches once anything was written, through the API
//! or not.

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

            // Another caller's answer is another answer (a member sees no admin-only fields),
            // and another caller's tag never theirs.
            let theirs = member.get_with(format, &path, &[("If-None-Match", &tag)]).await;
            assert_eq!(theirs.status, 200, "{path}");
            assert_ne!(theirs.header("etag"), Some(tag.clone()));
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

/// A tag taken before a write is not honoured after it, whatever the write changed: the contact,
/// the reader's rights, a project, or a row written outside the API altogether.
#[actix_web::test]
async fn a_tag_from_before_any_write_gets_the_new_answer() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Ada"})).await;
    let member = app.member("mia", "crm", "Manager").await;
    let show = format!("/contacts/{id}");
    let sql = |statement: &str| app.db.connection().expect("a connection").batch_execute(statement).expect("sql");
    let memberships = admin.get(Format::Json, "/projects/crm/memberships").await.list("memberships");
    let membership = memberships.iter().find(|m| m["user"]["id"] == member.id).expect("mia's")["id"].clone();

    // (what changes, written in SQL as a user's own tools would; the member's answer after it)
    let column = format!("UPDATE contacts SET job_title = 'CTO' WHERE id = {id}");
    let steps = [
        ("a contact's column", column.as_str(), 200),
        ("a role's permissions", "UPDATE roles SET permissions = '' WHERE name = 'Manager'", 403),
        (
            "the role given back",
            "UPDATE roles SET permissions = (SELECT permissions FROM roles WHERE name = 'Reporter') WHERE name = 'Manager'",
            200,
        ),
    ];
    // Each step's read sends the tag of the last answer that had one.
    let mut tag = member.get(Format::Json, &show).await.header("etag").expect("a tag");
    assert_eq!(member.get_with(Format::Json, &show, &[("If-None-Match", &tag)]).await.status, 304);
    for (what, write, expected) in steps {
        sql(write);
        let after = member.get_with(Format::Json, &show, &[("If-None-Match", &tag)]).await;
        assert_eq!(after.status, expected, "after {what}: {}", after.text);
        tag = after.header("etag").unwrap_or(tag);
    }
    let before = member.get(Format::Json, &show).await;
    assert_eq!(before.str("contact.job_title"), "CTO");

    // Through the API: a membership removed, a note added.
    let tag = member.get(Format::Json, "/contacts").await.header("etag").expect("a tag");
    let removed = admin.delete(Format::Json, &format!("/memberships/{membership}")).await;
    assert_eq!(removed.status, 204);
    let listed = member.get_with(Format::Json, "/contacts", &[("If-None-Match", &tag)]).await;
    assert_eq!(listed.status, 403, "no project left to see contacts in: {}", listed.text);
    let tag = admin.get(Format::Json, &show).await.header("etag").expect("a tag");
    let note = admin.post(Format::Json, &format!("/contacts/{id}/notes"), json!({"note": {"content": "Met"}})).await;
    assert_eq!(note.status, 201);
    let shown = admin.get_with(Format::Json, &format!("{show}?include=notes"), &[("If-None-Match", &tag)]).await;
    assert_eq!(shown.status, 200, "another URL is another answer");
    let shown = admin.get_with(Format::Json, &show, &[("If-None-Match", &tag)]).await;
    assert_eq!(shown.status, 200, "a note added is a write like any other");
}

/// A 304 is answered before the handler: it reads the data version and the caller, not the
/// answer; and `*` is not a 304 for what does not exist.
#[actix_web::test]
async fn a_304_reads_less_than_the_answer_and_star_needs_an_answer() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Ada", "tag_list": "vip"})).await;
    for path in [format!("/contacts/{id}?include=notes,deals,contacts"), "/contacts?limit=25".to_string()] {
        let before = app.db.query_count();
        let full = admin.get(Format::Json, &path).await;
        let full_statements = app.db.query_count() - before;
        let tag = full.header("etag").expect("a tag");
        let before = app.db.query_count();
        let again = admin.get_with(Format::Json, &path, &[("If-None-Match", &tag)]).await;
        let statements = app.db.query_count() - before;
        assert_eq!(again.status, 304);
        assert!(
            statements < full_statements,
            "{path}: the 304 ran {statements} statements, the answer {full_statements}"
        );
    }
    let missing = admin.get_with(Format::Json, "/contacts/999", &[("If-None-Match", "*")]).await;
    assert_eq!(missing.status, 404);
    let there = admin.get_with(Format::Json, &format!("/contacts/{id}"), &[("If-None-Match", "*")]).await;
    assert_eq!(there.status, 304);
}

/// The delivery log changes as the worker sends, outside the data version: its tag is its body's.
#[actix_web::test]
async fn the_delivery_log_is_tagged_by_its_body() {
    let app = TestApp::spawn_with(|c| c.webhooks.allow_private = true).await;
    let admin = app.admin();
    let hook = json!({"webhook": {"url": "http://127.0.0.1:9/", "events": ["contact.created"]}});
    let hook = admin.post(Format::Json, "/webhooks", hook).await.int("webhook.id");
    let log = format!("/webhooks/{hook}/deliveries");
    let first = admin.get(Format::Json, &log).await;
    let tag = first.header("etag").expect("a tag");
    assert_eq!(admin.get_with(Format::Json, &log, &[("If-None-Match", &tag)]).await.status, 304);
    let ping = admin.post(Format::Json, &format!("/webhooks/{hook}/test"), json!({})).await;
    assert_eq!(ping.status, 201, "{}", ping.text);
    let after = admin.get_with(Format::Json, &log, &[("If-None-Match", &tag)]).await;
    assert_eq!(after.status, 200);
    assert_eq!(after.ids("deliveries"), vec![ping.int("delivery.id")]);
}
