//! Answers to reads kept in memory: served again only while nothing was written, and never to
//! a request that identifies itself differently.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::{Actor, Auth, TestApp, TestDb, PASSWORD};

/// The answer to `path`, and how many SQL queries it took.
async fn read(app: &TestApp, actor: &Actor<'_>, format: Format, path: &str) -> (u16, String, u64) {
    let before = app.db.query_count();
    let res = actor.get(format, path).await;
    (res.status, res.text, app.db.query_count() - before)
}

#[actix_web::test]
async fn a_read_asked_again_is_answered_from_memory_until_something_is_written() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Kept"})).await;
    app.settle().await;
    let path = format!("/contacts/{id}");
    for format in Format::API {
        let (status, first, queries) = read(&app, &admin, format, &path).await;
        assert_eq!(status, 200);
        assert!(queries > 0);
        let (_, again, queries) = read(&app, &admin, format, &path).await;
        assert_eq!((again, queries), (first, 0), "the same answer, from memory");
    }
    let (_, page, _) = read(&app, &admin, Format::Json, "/contacts?limit=5").await;
    assert_eq!(read(&app, &admin, Format::Json, "/contacts?limit=5").await.2, 0);

    let res = admin.put(Format::Json, &path, json!({"contact": {"first_name": "Changed"}})).await;
    assert_eq!(res.status, 204);
    for format in Format::API {
        let (_, after, queries) = read(&app, &admin, format, &path).await;
        assert!(after.contains("Changed") && queries > 0, "a write makes every kept answer stale");
    }
    let (_, page_after, _) = read(&app, &admin, Format::Json, "/contacts?limit=5").await;
    assert_ne!(page_after, page);
    assert!(page_after.contains("Changed"));
}

#[actix_web::test]
async fn a_kept_answer_is_never_served_to_someone_else() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let member = app.member("mem", "crm", "Reporter").await;
    let outsider = app.user("out").await;
    let id = app.admin().create_contact("crm", json!({"first_name": "Secret"})).await;
    app.settle().await;
    let path = format!("/contacts/{id}");
    for format in Format::API {
        assert_eq!(read(&app, &member, format, &path).await.0, 200);
        assert_eq!(read(&app, &member, format, &path).await.2, 0, "kept for the member");
        assert_eq!(read(&app, &outsider, format, &path).await.0, 403);
        assert_eq!(read(&app, &app.anonymous(), format, &path).await.0, 401);
        let Auth::Key(key) = &outsider.auth else { panic!("an API key") };
        let (status, _, _) = read(&app, &app.anonymous(), format, &format!("{path}?key={key}")).await;
        assert_eq!(status, 403, "the key in the query string is part of the question");
        let switched = app.admin().get_with(format, &path, &[("X-Redmine-Switch-User", "out")]).await;
        assert_eq!(switched.status, 403, "nor is the user an admin switches to");
    }
}

/// The headers an answer's body depends on are part of the question: the meta switch, and the
/// host an absolute URL (an attachment's `content_url`) is written with.
#[actix_web::test]
async fn a_kept_answer_follows_the_headers_its_body_depends_on() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let png = crate::web_forms::PNG.to_vec();
    let upload = admin
        .raw(reqwest::Method::POST, Format::Json, "/uploads?filename=a.png", "application/octet-stream", png)
        .await;
    let avatar = json!({"first_name": "Meta", "avatar": {"token": upload.str("upload.token")}});
    let id = admin.create_contact("crm", avatar).await;
    let attachment = admin.get(Format::Json, &format!("/contacts/{id}")).await.int("contact.avatar.attachment_id");
    app.settle().await;
    for format in Format::API {
        for order in [[false, true], [true, false]] {
            for nometa in order {
                let headers: &[(&str, &str)] = if nometa { &[("X-Redmine-Nometa", "1")] } else { &[] };
                let res = admin.get_with(format, &format!("/contacts?limit=1&order={order:?}"), headers).await;
                assert_eq!(res.meta("total_count").is_none(), nometa, "nometa {nometa}: {}", res.text);
            }
        }
        for host in ["crm.example", "mirror.example:8080"] {
            let res = admin.get_with(format, &format!("/attachments/{attachment}"), &[("Host", host)]).await;
            assert!(res.str("attachment.content_url").starts_with(&format!("http://{host}/")), "{}", res.text);
        }
    }
}

#[actix_web::test]
async fn a_password_is_checked_on_every_request() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.member("pat", "crm", "Manager").await;
    let by_password = Actor { app: &app, auth: Auth::Basic("pat".into(), PASSWORD.into()), id: 0 };
    let id = app.admin().create_contact("crm", json!({"first_name": "Pw"})).await;
    let path = format!("/contacts/{id}");
    for _ in 0..2 {
        let (status, _, queries) = read(&app, &by_password, Format::Json, &path).await;
        assert_eq!(status, 200);
        assert!(queries > 0, "answered afresh");
    }
    let wrong = Actor { app: &app, auth: Auth::Basic("pat".into(), "wrong".into()), id: 0 };
    assert_eq!(read(&app, &wrong, Format::Json, &path).await.0, 401);
}

#[actix_web::test]
async fn a_commit_by_another_process_is_seen_on_sqlite() {
    if TestDb::postgres_server().is_some() {
        // There, other instances' writes are seen after the TTL (see `instances`).
        return;
    }
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    admin.create_contact("crm", json!({"first_name": "Before"})).await;
    let (_, kept, _) = read(&app, &admin, Format::Json, "/contacts").await;
    app.import_csv("first_name,last_name\nOutside,Writer\n", "crm");
    let (_, after, queries) = read(&app, &admin, Format::Json, "/contacts").await;
    assert_ne!(after, kept);
    assert!(after.contains("Outside") && queries > 0);
}

#[actix_web::test]
async fn requests_that_miss_an_answer_together_ask_the_database_once() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "First"})).await;
    for i in 0..10 {
        admin.create_contact("crm", json!({"first_name": format!("Other{i}")})).await;
    }
    let path = "/contacts?limit=25&sort=first_name";
    let contact = format!("/contacts/{id}");
    let (app_ref, admin, contact) = (&app, &admin, &contact);
    let write = |n: usize| async move {
        let res = admin.put(Format::Json, contact, json!({"contact": {"job_title": format!("Title {n}")}})).await;
        assert_eq!(res.status, 204);
        app_ref.settle().await;
    };
    write(1).await;
    let (_, _, alone) = read(&app, admin, Format::Json, path).await;

    write(2).await;
    let before = app.db.query_count();
    let answers = futures_util::future::join_all((0..10).map(|_| admin.get(Format::Json, path))).await;
    let spent = app.db.query_count() - before;
    assert!(answers.iter().all(|a| a.status == 200 && a.text == answers[0].text && a.text.contains("Title 2")));
    assert!(spent < 2 * alone, "ten requests at once took {spent} queries; one alone takes {alone}");
}

/// A caller found by API key is remembered across contact writes, and looked up again after
/// any write to who they are or what they may do: through the API (a membership, a lock) or
/// by another connection (a role edited in the database).
#[actix_web::test]
async fn a_caller_is_looked_up_again_after_a_change_to_their_rights_only() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("other", false).await;
    let member = app.member("mem", "crm", "Reporter").await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Seen"})).await;
    let elsewhere = admin.create_contact("other", json!({"first_name": "Elsewhere"})).await;
    app.settle().await;
    let path = format!("/contacts/{id}");
    assert_eq!(read(&app, &member, Format::Json, &path).await.0, 200);

    // A contact write makes the kept answer stale, but not the caller.
    admin.create_contact("crm", json!({"first_name": "Unrelated"})).await;
    app.settle().await;
    let (status, _, after_contact_write) = read(&app, &member, Format::Json, &path).await;
    assert_eq!(status, 200);
    admin.put(Format::Json, &path, json!({"contact": {"job_title": "Edited"}})).await;
    app.settle().await;
    let (_, _, after_second_write) = read(&app, &member, Format::Json, &path).await;
    assert_eq!(after_second_write, after_contact_write, "the same work after each contact write");

    // A new membership counts at once.
    let elsewhere_path = format!("/contacts/{elsewhere}");
    assert_eq!(read(&app, &member, Format::Json, &elsewhere_path).await.0, 403);
    app.add_member(&member, "other", "Reporter").await;
    let (status, text, _) = read(&app, &member, Format::Json, &elsewhere_path).await;
    assert_eq!(status, 200, "{text}");

    // A write to roles by another connection costs the caller's lookup, even one that
    // changes nothing of theirs; one that takes their right away counts at once.
    let edit_roles = |sql: &str| {
        app.db.connection().expect("a pooled connection").batch_execute(sql).expect("edit the roles");
    };
    edit_roles("UPDATE roles SET name = name WHERE name = 'Manager'");
    app.settle().await;
    let (status, _, after_role_write) = read(&app, &member, Format::Json, &path).await;
    assert_eq!(status, 200);
    assert!(after_role_write > after_contact_write, "{after_role_write} vs {after_contact_write} queries");
    edit_roles("UPDATE roles SET permissions = 'add_contacts' WHERE name = 'Reporter'");
    app.settle().await;
    assert_eq!(read(&app, &member, Format::Json, &path).await.0, 403, "the role no longer views contacts");

    // And a locked user's key stops working on the next request.
    let res = admin.put(Format::Json, &format!("/users/{}", member.id), json!({"user": {"status": 3}})).await;
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(read(&app, &member, Format::Json, "/users/current").await.0, 401);
}
