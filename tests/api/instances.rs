//! Several server processes on one database, moving a database, and database outages.

use std::process::Command;

use contacts_server::format::Format;
use serde_json::{json, Value};

use crate::support::process::{Proxy, ServerProcess, BIN};
use crate::support::{TestApp, TestDb};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn call(method: reqwest::Method, url: String, key: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = client().request(method, url).header("X-Redmine-API-Key", key);
    if let Some(body) = body {
        req = req.header("Content-Type", "application/json").body(body.to_string());
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A GET sending `If-None-Match: tag`: its status, body and `ETag`.
async fn read_tagged(url: String, key: &str, tag: &str) -> (u16, Value, Option<String>) {
    let res = client().get(url).header("X-Redmine-API-Key", key).header("If-None-Match", tag).send().await;
    let res = res.expect("request");
    let status = res.status().as_u16();
    let etag = res.headers().get("etag").and_then(|t| t.to_str().ok()).map(str::to_string);
    let body = serde_json::from_str(&res.text().await.unwrap_or_default()).unwrap_or(Value::Null);
    (status, body, etag)
}

#[actix_web::test]
async fn two_server_processes_share_one_database() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let key = app.admin_key.clone();
    let url = app.db_url();
    let a = ServerProcess::start(&url, &[]);
    let b = ServerProcess::start(&url, &[]);
    let (status, created) = call(
        reqwest::Method::POST,
        format!("{}/projects/crm/contacts.json", a.address),
        &key,
        Some(json!({"contact": {"first_name": "Shared", "tag_list": "one"}})),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["contact"]["id"].as_i64().unwrap();
    let (status, read) = call(reqwest::Method::GET, format!("{}/contacts/{id}.json", b.address), &key, None).await;
    assert_eq!((status, read["contact"]["first_name"].as_str()), (200, Some("Shared")));
    let (status, _) = call(
        reqwest::Method::PUT,
        format!("{}/contacts/{id}.json", b.address),
        &key,
        Some(json!({"contact": {"job_title": "Both"}})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, read) = call(reqwest::Method::GET, format!("{}/contacts/{id}.json", a.address), &key, None).await;
    assert_eq!(read["contact"]["job_title"], "Both");

    // Concurrent partial updates of one contact, half through each instance: no field is lost.
    let mut writes = Vec::new();
    for round in 0..10 {
        for (server, field) in
            [(&a.address, "last_name"), (&b.address, "company"), (&a.address, "website"), (&b.address, "skype_name")]
        {
            let body = json!({"contact": {field: format!("{field}-{round}")}});
            writes.push(call(reqwest::Method::PUT, format!("{server}/contacts/{id}.json"), &key, Some(body)));
        }
    }
    for (status, _) in futures_util::future::join_all(writes).await {
        assert_eq!(status, 204);
    }
    let (_, read) = call(reqwest::Method::GET, format!("{}/contacts/{id}.json", b.address), &key, None).await;
    for field in ["last_name", "company", "website", "skype_name"] {
        assert!(read["contact"][field].as_str().unwrap_or("").starts_with(field), "{field} was lost: {read}");
    }
    assert_eq!(read["contact"]["first_name"], "Shared");

    // Both instances create the same new tags at once: each tag exists once.
    let mut creates = Vec::new();
    for i in 0..12 {
        let server = if i % 2 == 0 { &a.address } else { &b.address };
        let body = json!({"contact": {"first_name": format!("T{i}"), "tag_list": "fresh, Newer"}});
        creates.push(call(reqwest::Method::POST, format!("{server}/projects/crm/contacts.json"), &key, Some(body)));
    }
    for (status, body) in futures_util::future::join_all(creates).await {
        assert_eq!(status, 201, "{body}");
    }
    let (_, tags) = call(reqwest::Method::GET, format!("{}/contacts_tags.json", a.address), &key, None).await;
    let names: Vec<(&str, i64)> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(names, [("fresh", 12), ("Newer", 12), ("one", 1)]);

    // Paging totals agree.
    let (_, from_a) =
        call(reqwest::Method::GET, format!("{}/contacts.json?limit=5&offset=3", a.address), &key, None).await;
    let (_, from_b) =
        call(reqwest::Method::GET, format!("{}/contacts.json?limit=5&offset=3", b.address), &key, None).await;
    assert_eq!(from_a["total_count"], 13);
    assert_eq!(from_a, from_b);

    let (status, _) = call(reqwest::Method::DELETE, format!("{}/contacts/{id}.json", a.address), &key, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(reqwest::Method::GET, format!("{}/contacts/{id}.json", b.address), &key, None).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn copy_moves_every_table_preserving_ids_and_refuses_a_second_run() {
    let source = TestApp::spawn_on(TestDb::sqlite(), |c| c.webhooks.allow_private = true).await;
    source.project("crm", false).await;
    let member = source.member("rita", "crm", "Reporter").await;
    let id = source.admin().create_contact("crm", json!({"first_name": "Moved", "tag_list": "vip", "email": "m@example.com", "address_attributes": {"city": "Oslo"}})).await;
    source
        .admin()
        .delete(
            Format::Json,
            &format!("/contacts/{}", source.admin().create_contact("crm", json!({"first_name": "Gap"})).await),
        )
        .await;
    let admin = source.admin();
    let field = admin
        .post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Tier", "field_format": "string"}}))
        .await
        .int("custom_field.id");
    let put = json!({"contact": {"custom_fields": [{"id": field, "value": "gold"}]}});
    assert_eq!(admin.put(Format::Json, &format!("/contacts/{id}"), put).await.status, 204);
    let note = json!({"note": {"content": "Called"}});
    assert_eq!(admin.post(Format::Json, &format!("/contacts/{id}/notes"), note).await.status, 201);
    let deal = json!({"deal": {"name": "Deal", "contact_id": id}});
    let deal = admin.post(Format::Json, "/projects/crm/deals", deal).await.int("deal.id");
    let issue = json!({"issue": {"subject": "Broken"}});
    assert_eq!(admin.post(Format::Json, &format!("/contacts/{id}/issues"), issue).await.status, 201);
    let show = format!("/contacts/{id}?include=notes,deals,issues");
    let before = source.admin().get(Format::Xml, &show).await.text;
    let deal_before = source.admin().get(Format::Json, &format!("/deals/{deal}?include=notes")).await.text;
    // A hook with one delivery, a ping to a closed port, its body in a payload of its own (the
    // hook hears no event of this test's changes).
    let hook = json!({"webhook": {"url": "http://127.0.0.1:9/", "events": ["contact.primary_set"]}});
    let hook = admin.post(Format::Json, "/webhooks", hook).await.int("webhook.id");
    let ping = admin.post(Format::Json, &format!("/webhooks/{hook}/test"), json!({})).await;
    assert_eq!(ping.status, 201, "{}", ping.text);

    let target = TestDb::fresh();
    let out = Command::new(BIN).args(["copy", "--from", &source.db_url(), "--to", &target.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("contacts: 1 rows") && stdout.contains("copied and verified"), "{stdout}");
    assert!(stdout.contains("webhook_payloads: 1 rows") && stdout.contains("webhook_deliveries: 1 rows"), "{stdout}");

    let key = source.admin_key.clone();
    let moved = TestApp::spawn_on(target, |_| {}).await;
    let after = moved.as_key(&key).get(Format::Xml, &show).await.text;
    assert_eq!(before, after, "the same contact, byte for byte");
    assert!(after.contains("<value>gold</value>") && after.contains("Called") && after.contains("Broken"), "{after}");
    let deal_after = moved.as_key(&key).get(Format::Json, &format!("/deals/{deal}?include=notes")).await.text;
    assert_eq!(deal_before, deal_after);
    let log = moved.as_key(&key).get(Format::Json, &format!("/webhooks/{hook}/deliveries")).await;
    assert_eq!((log.status, log.ids("deliveries")), (200, vec![ping.int("delivery.id")]));
    assert_eq!(moved.as_key(&key).get(Format::Json, "/contacts?project_id=crm").await.meta("total_count"), Some(1));
    let found = moved.as_key(&key).get(Format::Json, "/contacts?search=moved").await;
    assert_eq!(found.meta("total_count"), Some(1), "the search index is filled in the copy too");
    let member_key = member.key();
    assert_eq!(moved.as_key(&member_key).get(Format::Json, &format!("/contacts/{id}")).await.status, 200);
    for reader in [&key, &member_key] {
        let total = moved.as_key(reader).get(Format::Json, "/contacts").await.meta("total_count");
        assert_eq!(total, Some(1), "the tallies of the unfiltered list are filled in the copy too");
    }
    let next = moved.as_key(&key).create_contact("crm", json!({"first_name": "After"})).await;
    assert!(next > id, "the id sequence continues past the copied ids: {next}");

    let again = Command::new(BIN).args(["copy", "--from", &source.db_url(), "--to", &moved.db_url()]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"), "{}", String::from_utf8_lossy(&again.stderr));
}

/// Read-your-writes across instances: a write answered by one instance is seen by the very
/// next request to the other, with no pause between them, for 1,000 pairs of contact updates,
/// user locks and membership removals (each undone through the other instance in turn). Each
/// read sends the tag of the reader's last answer, which no write may leave standing.
#[actix_web::test]
async fn a_write_answered_by_one_instance_is_seen_by_the_next_request_to_another() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let id = app.admin().create_contact("crm", json!({"first_name": "Start"})).await;
    let member = app.member("mia", "crm", "Manager").await;
    let (admin, member_key, member_id) = (app.admin_key.clone(), member.key(), member.id);
    let url = app.db_url();
    let servers = [ServerProcess::start(&url, &[]), ServerProcess::start(&url, &[])];
    let mut stale = Vec::new();
    let memberships = call(Method::GET, format!("{}/projects/crm/memberships.json", app.address), &admin, None);
    let listed = memberships.await.1;
    let mine = listed["memberships"].as_array().and_then(|all| all.iter().find(|m| m["user"]["id"] == member_id));
    let mut membership = mine.and_then(|m| m["id"].as_i64());
    let mut tag = String::new();
    // 200 rounds of five pairs: a contact update, a lock, an unlock, a membership removed, and
    // given back. Each pair writes through one instance and reads through the other, in turn.
    for pair in 0..1000 {
        let (writer, reader) = (&servers[pair % 2].address, &servers[(pair + 1) % 2].address);
        let (written, expected) = match pair % 5 {
            0 => {
                let name = format!("Name{pair}");
                let put = Some(json!({"contact": {"first_name": name}}));
                assert_eq!(call(Method::PUT, format!("{writer}/contacts/{id}.json"), &admin, put).await.0, 204);
                let (status, read, etag) = read_tagged(format!("{reader}/contacts/{id}.json"), &member_key, &tag).await;
                if status != 200 || read["contact"]["first_name"] != name.as_str() {
                    stale.push(format!("pair {pair}: {status}, the contact read {}", read["contact"]["first_name"]));
                }
                tag = etag.unwrap_or_default();
                continue;
            }
            step @ (1 | 2) => {
                let (status, expected) = if step == 1 { (3, 401) } else { (1, 200) };
                let put = Some(json!({"user": {"status": status}}));
                assert_eq!(call(Method::PUT, format!("{writer}/users/{member_id}.json"), &admin, put).await.0, 204);
                (["", "user locked", "user unlocked"][step], expected)
            }
            3 => {
                let gone = membership.take().expect("a membership to remove");
                let deleted = call(Method::DELETE, format!("{writer}/memberships/{gone}.json"), &admin, None).await;
                assert_eq!(deleted.0, 204);
                ("membership removed", 403)
            }
            _ => {
                let back = Some(json!({"membership": {"user_id": member_id, "role_ids": [1]}}));
                let (status, made) =
                    call(Method::POST, format!("{writer}/projects/crm/memberships.json"), &admin, back).await;
                assert_eq!(status, 201, "{made}");
                membership = made["membership"]["id"].as_i64();
                ("membership given back", 200)
            }
        };
        let (got, _, etag) = read_tagged(format!("{reader}/contacts/{id}.json"), &member_key, &tag).await;
        tag = etag.unwrap_or_default();
        if got != expected {
            stale.push(format!("pair {pair}: {written}, then {got} instead of {expected}"));
        }
    }
    assert!(stale.is_empty(), "{} stale answers: {stale:?}", stale.len());
}

#[test]
fn the_server_exits_with_a_clear_message_when_the_database_is_unreachable() {
    let out = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
            "--db-timeout-secs",
            "1",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot open the database"), "{stderr}");
}

#[actix_web::test]
async fn requests_answer_503_while_postgresql_is_away_and_recover_after() {
    let Some(server) = TestDb::postgres_server() else { return };
    let host_port =
        server.split('@').nth(1).and_then(|rest| rest.split('/').next()).unwrap_or("127.0.0.1:5432").to_string();
    let proxy = Proxy::start(host_port.clone());
    let through_proxy = server.replacen(&host_port, &format!("127.0.0.1:{}", proxy.port), 1);
    let db = TestDb::postgres(through_proxy);
    let app = TestApp::spawn_on(db, |c| c.db.connect_timeout = std::time::Duration::from_secs(1)).await;
    app.project("crm", false).await;
    assert_eq!(app.admin().get(Format::Json, "/contacts").await.status, 200);
    proxy.cut();
    for format in Format::API {
        // A question not asked before the cut (a repeated one may be answered from memory).
        let res = app.admin().get(format, "/contacts?limit=10").await;
        assert_eq!(res.status, 503, "{}", res.text);
        assert_eq!(res.header("content-type").unwrap(), format.content_type());
        assert_eq!(res.errors().len(), 1);
    }
    proxy.restore();
    let mut status = 0;
    for _ in 0..20 {
        status = app.admin().get(Format::Json, "/contacts").await.status;
        if status == 200 {
            break;
        }
        tokio_sleep().await;
    }
    assert_eq!(status, 200, "the server recovers by itself");
}

async fn tokio_sleep() {
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
}

/// The process ids of every live connection in the server's pool (held at once, so all differ).
/// A connection an earlier `terminate` closed and no request has used since is handed out
/// unchecked within a second of its return, and fails here: it is closed already, so it is
/// left out.
fn pool_backend_pids(app: &TestApp) -> Vec<i32> {
    use diesel::RunQueryDsl;
    let mut held: Vec<_> = (0..4).map(|_| app.db.connection().expect("a pooled connection")).collect();
    held.iter_mut()
        .filter_map(|conn| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("pg_backend_pid()"))
                .get_result::<i32>(&mut ***conn)
                .ok()
        })
        .collect()
}

fn terminate(app: &TestApp, pids: &[i32]) {
    use diesel::{Connection, RunQueryDsl};
    let mut admin = diesel::PgConnection::establish(&app.db_url()).expect("a connection of its own");
    for pid in pids {
        diesel::sql_query(format!("SELECT pg_terminate_backend({pid})")).execute(&mut admin).expect("terminate");
    }
}

#[actix_web::test]
async fn connections_postgresql_closes_are_replaced() {
    let app = TestApp::spawn().await;
    if app.db.backend() != contacts_server::db::Backend::Postgres {
        return; // A SQLite file does not close its connections.
    }
    app.project("crm", false).await;
    let admin = app.admin();
    assert_eq!(admin.get(Format::Json, "/contacts").await.status, 200);

    // Closed under a busy pool: each dead connection fails one request with a 503 at most,
    // and is then checked and replaced.
    terminate(&app, &pool_backend_pids(&app));
    let mut statuses = Vec::new();
    for n in 1..=10 {
        statuses.push(admin.get(Format::Json, &format!("/contacts?limit={n}")).await.status);
    }
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 503).count() <= 4, "{statuses:?}");
    assert!(statuses[6..].iter().all(|s| *s == 200), "{statuses:?}");

    // Closed while the pool sat idle: every connection is checked before use, no request fails.
    terminate(&app, &pool_backend_pids(&app));
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    for n in 11..=14 {
        assert_eq!(admin.get(Format::Json, &format!("/contacts?limit={n}")).await.status, 200);
    }
}
