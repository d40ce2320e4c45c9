//! Webhooks (issue 25): registering them, the outbox written in each change's transaction,
//! signed deliveries to a real local receiver, retries, per-record order, the delivery log,
//! and delivery across a SIGKILL and across two instances.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use contacts_server::db::Db;
use contacts_server::format::Format;
use serde_json::{json, Value};

use crate::support::process::ServerProcess;
use crate::support::receiver::{Receiver, DOWN};
use crate::support::{Actor, TestApp, TestDb};

/// A server that may deliver to 127.0.0.1, on a fast retry clock.
async fn app_with_retry_base(base: Duration) -> TestApp {
    TestApp::spawn_with(|c| {
        c.webhooks.allow_private = true;
        c.webhooks.retry.base = base;
        c.webhooks.poll = Duration::from_millis(50);
    })
    .await
}

async fn app() -> TestApp {
    app_with_retry_base(Duration::from_millis(20)).await
}

/// Registers a hook through `path` and returns its id and secret.
async fn register(actor: &Actor<'_>, path: &str, url: &str, events: Value, format: &str) -> (i64, String) {
    let res = actor
        .post(
            Format::Json,
            path,
            json!({"webhook": {"url": url, "events": events, "format": format, "secret": "s3cret-for-tests"}}),
        )
        .await;
    assert_eq!(res.status, 201, "registering a hook: {}", res.text);
    (res.int("webhook.id"), res.str("webhook.secret"))
}

/// The hook's delivery log once its newest delivery has `status` (the receiver has the
/// request a moment before the worker keeps its outcome), or after 10 s.
async fn logged(actor: &Actor<'_>, hook: i64, status: &str) -> crate::support::Res {
    for _ in 0..200 {
        let log = actor.get(Format::Json, &format!("/webhooks/{hook}/deliveries")).await;
        if log.opt("deliveries.0.status").as_deref() == Some(status) {
            return log;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    actor.get(Format::Json, &format!("/webhooks/{hook}/deliveries")).await
}

#[actix_web::test]
async fn a_change_is_delivered_signed_with_the_record_as_get_shows_it_in_the_hooks_format() {
    let app = app().await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    let xml_receiver = Receiver::start();
    let admin = app.admin();
    let (hook, secret) = register(&admin, "/webhooks", &receiver.url, json!(["*"]), "json").await;
    register(&admin, "/webhooks", &xml_receiver.url, json!(["contact.created"]), "xml").await;

    let id = admin.create_contact("crm", json!({"first_name": "Ann", "last_name": "Lee", "tag_list": "vip"})).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1, "one delivery");
    let sent = &got[0];
    assert!(sent.signed_with(&secret), "the signature verifies: {:?}", sent.headers);
    assert_eq!(sent.header("X-Webhook-Event"), "contact.created");
    assert_eq!(sent.header("Content-Type"), "application/json");
    let body = sent.json();
    assert_eq!(body["event"], "contact.created");
    assert_eq!(body["id"].to_string(), sent.header("X-Webhook-Id"));
    assert!(body["occurred_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    let shown = admin.get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(body["data"], shown.body, "data is the record as GET shows it");

    let xml = xml_receiver.wait_for(1).await;
    assert_eq!(xml[0].header("Content-Type"), "application/xml");
    assert!(xml[0]
        .body
        .starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><webhook><event>contact.created</event>"#));
    assert!(xml[0].body.contains(&format!("<data><contact><id>{id}</id>")), "{}", xml[0].body);
    assert!(
        xml[0].body.contains("<first_name>Ann</first_name>") && xml[0].body.ends_with("</contact></data></webhook>")
    );

    let res = admin.put(Format::Json, &format!("/contacts/{id}"), json!({"contact": {"job_title": "CTO"}})).await;
    assert_eq!(res.status, 204);
    // Data is rendered when the worker takes the event: deleted before that, a record's
    // update carries its id only, as its deletion does.
    receiver.wait_for(2).await;
    let res = admin.delete(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(res.status, 204);
    let got = receiver.wait_for(3).await;
    let events: Vec<Value> = got.iter().map(|r| r.json()["event"].clone()).collect();
    assert_eq!(events, [json!("contact.created"), json!("contact.updated"), json!("contact.deleted")]);
    assert_eq!(got[1].json()["data"]["contact"]["job_title"], "CTO");
    assert_eq!(got[2].json()["data"], json!({"contact": {"id": id}}), "a deleted record's data is its id");
    assert_eq!(xml_receiver.delivered().len(), 1, "the XML hook asked for contact.created only");

    // An attempt's outcome is kept by the worker's next round, a moment after the answer.
    let log = logged(&admin, hook, "delivered").await;
    assert_eq!(log.status, 200);
    assert_eq!(log.meta("total_count"), Some(3));
    assert_eq!(log.str("deliveries.0.status"), "delivered");
    assert_eq!(log.int("deliveries.0.last_response_code"), 200);
    assert_eq!(log.int("deliveries.0.attempts"), 1);
}

#[actix_web::test]
async fn deals_and_notes_are_delivered_and_a_status_change_says_so() {
    let app = app().await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    let admin = app.admin();
    register(
        &admin,
        "/webhooks",
        &receiver.url,
        json!(["deal.created", "deal.status_changed", "note.created"]),
        "json",
    )
    .await;
    let res = admin.post(Format::Json, "/projects/crm/deals", json!({"deal": {"name": "Big one"}})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let deal = res.int("deal.id");
    let statuses = admin.get(Format::Json, "/deal_statuses").await.list("deal_statuses");
    let other = statuses.iter().find(|s| s["id"] != res.at("deal.status.id").clone()).expect("another status");
    let res = admin.put(Format::Json, &format!("/deals/{deal}"), json!({"deal": {"status_id": other["id"]}})).await;
    assert_eq!(res.status, 204);
    let note = json!({"note": {"content": "Called", "source_id": deal, "source_type": "Deal"}});
    let res = admin.post(Format::Json, "/notes", note).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let got = receiver.wait_for(3).await;
    // Order is kept per record: the deal's two events, the note's own.
    let by_event: HashMap<String, Value> =
        got.iter().map(|r| (r.json()["event"].as_str().unwrap_or_default().to_string(), r.json())).collect();
    let mut events: Vec<&String> = by_event.keys().collect();
    events.sort();
    assert_eq!(events, ["deal.created", "deal.status_changed", "note.created"]);
    assert_eq!(by_event["deal.status_changed"]["data"]["deal"]["status"]["id"], other["id"]);
    assert_eq!(by_event["note.created"]["data"]["note"]["content"], "Called");
}

#[actix_web::test]
async fn archiving_and_setting_a_primary_contact_are_delivered() {
    let app = app().await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    let admin = app.admin();
    register(&admin, "/webhooks", &receiver.url, json!(["contact.status_changed", "contact.primary_set"]), "json")
        .await;
    let company = admin.create_contact("crm", json!({"first_name": "Acme", "is_company": true})).await;
    let person = admin.create_contact("crm", json!({"first_name": "Ann", "company_id": company})).await;
    let res = admin.post(Format::Json, &format!("/contacts/{person}/archive"), json!({})).await;
    assert!(res.status < 300, "{}", res.text);
    let res = admin.post(Format::Json, &format!("/contacts/{person}/set_primary"), json!({})).await;
    assert!(res.status < 300, "{}", res.text);
    let got = receiver.wait_for(2).await;
    let mut events: Vec<(String, Value)> = got
        .iter()
        .map(|r| {
            (r.json()["event"].as_str().unwrap_or_default().to_string(), r.json()["data"]["contact"]["id"].clone())
        })
        .collect();
    events.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        events,
        [("contact.primary_set".to_string(), json!(company)), ("contact.status_changed".to_string(), json!(person))]
    );
}

#[actix_web::test]
async fn registering_refuses_unknown_events_bad_urls_and_private_addresses_in_the_request_format() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for format in [Format::Json, Format::Xml] {
        let res = admin
            .post(
                format,
                "/webhooks",
                json!({"webhook": {"url": "https://example.com/h", "events": ["contact.bogus"]}}),
            )
            .await;
        assert_eq!(res.status, 422);
        assert_eq!(res.errors(), ["Events contains an unknown event: contact.bogus"]);
        let res =
            admin.post(format, "/webhooks", json!({"webhook": {"url": "ftp://example.com/h", "events": ["*"]}})).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Url must use http or https".to_string()]));
        let res = admin.post(format, "/webhooks", json!({"webhook": {"url": "not a url", "events": ["*"]}})).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Url is invalid".to_string()]));
        for private in [
            "http://127.0.0.1:9/h",
            "http://10.1.2.3/h",
            "http://169.254.169.254/latest",
            "http://[::1]/h",
            "http://localhost/h",
        ] {
            let res = admin.post(format, "/webhooks", json!({"webhook": {"url": private, "events": ["*"]}})).await;
            assert_eq!(res.status, 422, "{private}");
            assert!(res.errors()[0].starts_with("Url points to a private address"), "{private}: {:?}", res.errors());
        }
    }
    let res = admin.get(Format::Json, "/webhooks").await;
    assert_eq!(res.list("webhooks").len(), 0, "nothing was saved");
}

#[actix_web::test]
async fn the_secret_is_shown_once_and_hooks_are_managed_by_admins_and_project_managers() {
    let app = app().await;
    app.project("crm", false).await;
    app.project("other", false).await;
    let manager = app.member("manager", "crm", "Manager").await;
    let reporter = app.member("reporter", "crm", "Reporter").await;
    let receiver = Receiver::start();
    let (hook, secret) = register(&manager, "/projects/crm/webhooks", &receiver.url, json!(["*"]), "json").await;
    assert_eq!(secret, "s3cret-for-tests");
    let res = manager.get(Format::Json, &format!("/webhooks/{hook}")).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.at("webhook.secret"), &Value::Null, "never shown again");
    assert_eq!(res.str("webhook.secret_last4"), "ests");
    assert_eq!(res.str("webhook.project.name"), "CRM");
    let res = manager.get(Format::Json, "/projects/crm/webhooks").await;
    assert_eq!(res.ids("webhooks"), [hook]);

    let body = json!({"webhook": {"url": receiver.url, "events": ["*"]}});
    assert_eq!(reporter.post(Format::Json, "/projects/crm/webhooks", body.clone()).await.status, 403);
    assert_eq!(reporter.get(Format::Json, &format!("/webhooks/{hook}")).await.status, 403);
    assert_eq!(manager.post(Format::Json, "/projects/other/webhooks", body.clone()).await.status, 403);
    assert_eq!(manager.post(Format::Json, "/webhooks", body.clone()).await.status, 403, "global hooks are an admin's");
    assert_eq!(app.anonymous().get(Format::Json, "/webhooks").await.status, 401);

    let res = manager.put(Format::Json, &format!("/webhooks/{hook}"), json!({"webhook": {"active": false}})).await;
    assert_eq!(res.status, 204);
    assert_eq!(manager.get(Format::Json, &format!("/webhooks/{hook}")).await.at("webhook.active"), &json!(false));
    assert_eq!(manager.delete(Format::Json, &format!("/webhooks/{hook}")).await.status, 204);
    assert_eq!(manager.get(Format::Json, &format!("/webhooks/{hook}")).await.status, 404);
}

#[actix_web::test]
async fn a_project_hook_hears_only_its_projects_records_that_its_owner_may_see() {
    let app = app().await;
    app.project("crm", false).await;
    app.project("other", false).await;
    let manager = app.member("manager", "crm", "Manager").await;
    let receiver = Receiver::start();
    register(&manager, "/projects/crm/webhooks", &receiver.url, json!(["contact.created"]), "json").await;
    let admin = app.admin();
    admin.create_contact("other", json!({"first_name": "Elsewhere"})).await;
    let here = admin.create_contact("crm", json!({"first_name": "Here"})).await;
    let got = receiver.wait_for(1).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let got_all = receiver.delivered();
    assert_eq!(got_all.len(), 1, "only the project's contact: {got:?}");
    assert_eq!(got_all[0].json()["data"]["contact"]["id"], here);
}

#[actix_web::test]
async fn a_failing_change_records_no_event_and_an_event_that_cannot_be_recorded_fails_its_change() {
    use diesel::connection::SimpleConnection;
    let app = app().await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    let admin = app.admin();
    register(&admin, "/webhooks", &receiver.url, json!(["*"]), "json").await;
    // A refused change writes nothing, its event neither.
    let res =
        admin.post(Format::Json, "/projects/crm/contacts", json!({"contact": {"last_name": "No first name"}})).await;
    assert_eq!(res.status, 422);
    // The outbox is the change's own transaction: when its insert fails, the contact is not kept.
    let sql = |s: &str| app.db.connection().expect("a connection").batch_execute(s).expect("rename the outbox");
    sql("ALTER TABLE webhook_events RENAME TO webhook_events_away");
    let res = admin.post(Format::Json, "/projects/crm/contacts", json!({"contact": {"first_name": "Lost"}})).await;
    assert_eq!(res.status, 500);
    sql("ALTER TABLE webhook_events_away RENAME TO webhook_events");
    let res = admin.get(Format::Json, "/contacts?name=Lost").await;
    assert_eq!(res.list("contacts").len(), 0, "the contact was rolled back with its event");
    let id = admin.create_contact("crm", json!({"first_name": "Kept"})).await;
    let got = receiver.wait_for(1).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.delivered().len(), 1, "{got:?}");
    assert_eq!(got[0].json()["data"]["contact"]["id"], id);
}

#[actix_web::test]
async fn failed_deliveries_are_retried_with_backoff_until_the_receiver_answers_2xx() {
    let app = app().await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    receiver.answer(500);
    let admin = app.admin();
    let (hook, secret) = register(&admin, "/webhooks", &receiver.url, json!(["contact.created"]), "json").await;
    admin.create_contact("crm", json!({"first_name": "Ann"})).await;
    let failing = async {
        while receiver.all().len() < 3 {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    };
    actix_web::rt::time::timeout(Duration::from_secs(10), failing).await.expect("three failed attempts");
    let log = admin.get(Format::Json, &format!("/webhooks/{hook}/deliveries")).await;
    assert_eq!(log.str("deliveries.0.status"), "pending");
    assert_eq!(log.int("deliveries.0.last_response_code"), 500);
    assert_eq!(log.str("deliveries.0.last_response_body"), "ok");
    receiver.answer(200);
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].signed_with(&secret));
    let attempts = receiver.all();
    let ids: HashSet<&str> = attempts.iter().map(|r| r.header("X-Webhook-Id")).collect();
    assert_eq!(ids.len(), 1, "every attempt is the same delivery");
    assert!(attempts.iter().all(|r| r.body == attempts[0].body), "the same body every time");
    let log = logged(&admin, hook, "delivered").await;
    assert_eq!(log.str("deliveries.0.status"), "delivered");
    assert!(log.int("deliveries.0.attempts") >= 4, "{}", log.text);
    assert_eq!(log.at("deliveries.0.next_attempt_at"), &Value::Null);
    let hook_now = admin.get(Format::Json, &format!("/webhooks/{hook}")).await;
    assert_eq!(hook_now.at("webhook.active"), &json!(true));
}

#[actix_web::test]
async fn a_delivery_failing_for_its_whole_window_is_marked_failed_and_its_hook_turned_off() {
    // A 1 ms clock: the day of retries is 2.88 s.
    let app = app_with_retry_base(Duration::from_millis(1)).await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    receiver.answer(503);
    let admin = app.admin();
    let (hook, _) = register(&admin, "/webhooks", &receiver.url, json!(["contact.created"]), "json").await;
    admin.create_contact("crm", json!({"first_name": "Ann"})).await;
    let mut shown = Value::Null;
    for _ in 0..100 {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        shown = admin.get(Format::Json, &format!("/webhooks/{hook}")).await.body;
        if shown["webhook"]["active"] == json!(false) {
            break;
        }
    }
    assert_eq!(shown["webhook"]["active"], json!(false), "{shown}");
    let reason = shown["webhook"]["disabled_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("HTTP 503"), "{reason}");
    let log = admin.get(Format::Json, &format!("/webhooks/{hook}/deliveries")).await;
    assert_eq!(log.str("deliveries.0.status"), "failed");

    // Redelivered once the receiver is back and the hook on again.
    receiver.answer(200);
    let delivery = log.int("deliveries.0.id");
    let res = admin.put(Format::Json, &format!("/webhooks/{hook}"), json!({"webhook": {"active": true}})).await;
    assert_eq!(res.status, 204);
    let res = admin.post(Format::Json, &format!("/webhooks/{hook}/deliveries/{delivery}/redeliver"), json!({})).await;
    assert_eq!((res.status, res.str("delivery.status")), (200, "pending".to_string()));
    receiver.wait_for(1).await;
    let log = logged(&admin, hook, "delivered").await;
    assert_eq!(log.str("deliveries.0.status"), "delivered");
    assert_eq!(admin.get(Format::Json, &format!("/webhooks/{hook}")).await.at("webhook.disabled_reason"), &Value::Null);
}

#[actix_web::test]
async fn one_records_events_arrive_in_order_once_the_receiver_is_back() {
    let app = app().await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    receiver.answer(DOWN);
    let admin = app.admin();
    register(&admin, "/webhooks", &receiver.url, json!(["*"]), "json").await;
    let id = admin.create_contact("crm", json!({"first_name": "Ann"})).await;
    for title in ["one", "two", "three"] {
        let res = admin.put(Format::Json, &format!("/contacts/{id}"), json!({"contact": {"job_title": title}})).await;
        assert_eq!(res.status, 204);
    }
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    let while_down: HashSet<String> = receiver.all().iter().map(|r| r.json()["event"].to_string()).collect();
    assert_eq!(while_down.len(), 1, "only the first event is tried while it fails: {while_down:?}");
    receiver.answer(200);
    let got = receiver.wait_for(4).await;
    let events: Vec<String> = got.iter().map(|r| r.json()["event"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(events, ["contact.created", "contact.updated", "contact.updated", "contact.updated"]);
    let ids: Vec<i64> = got.iter().map(|r| r.json()["id"].as_i64().unwrap_or_default()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in the order of the changes: {ids:?}");
}

#[actix_web::test]
async fn a_test_ping_reaches_the_receiver() {
    let app = app().await;
    let receiver = Receiver::start();
    let admin = app.admin();
    let (hook, secret) = register(&admin, "/webhooks", &receiver.url, json!(["*"]), "json").await;
    let res = admin.post(Format::Json, &format!("/webhooks/{hook}/test"), json!({})).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.str("delivery.event"), "ping");
    let got = receiver.wait_for(1).await;
    assert!(got[0].signed_with(&secret));
    assert_eq!(got[0].json()["data"]["webhook"]["id"], hook);
    assert_eq!(got[0].json()["data"]["webhook"]["secret_last4"], "ests");
}

/// A database with an admin, and the admin's key, without a server of the test's own (whose
/// worker would deliver too).
fn database_with_admin() -> (TestDb, String) {
    let database = TestDb::fresh();
    let mut config = contacts_server::config::Config::for_database(&database.url);
    config.db.pool_size = 2;
    let db = Db::open(&config.db).expect("open the database");
    let admin = crate::support::first_admin(&db);
    (database, admin.api_key)
}

async fn call(base: &str, key: &str, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("X-Redmine-API-Key", key)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, serde_json::from_str(&res.text().await.unwrap_or_default()).unwrap_or(Value::Null))
}

const FAST: [&str; 5] = ["--webhooks-allow-private", "--webhooks-retry-base-ms", "50", "--webhooks-timeout-ms", "1000"];

/// The contact ids delivered as contact.created, with how many distinct deliveries each got.
fn created_ids(delivered: &[crate::support::receiver::Received]) -> HashMap<i64, HashSet<String>> {
    let mut ids: HashMap<i64, HashSet<String>> = HashMap::new();
    for r in delivered {
        let body = r.json();
        if body["event"] == "contact.created" {
            let id = body["data"]["contact"]["id"].as_i64().unwrap_or_default();
            ids.entry(id).or_default().insert(r.header("X-Webhook-Id").to_string());
        }
    }
    ids
}

#[actix_web::test]
async fn events_pending_when_the_server_is_killed_are_delivered_after_it_restarts() {
    let (database, key) = database_with_admin();
    let receiver = Receiver::start();
    receiver.answer(DOWN);
    let first = ServerProcess::start(&database.url, &FAST);
    let base = first.address.clone();
    let (status, _) = call(
        &base,
        &key,
        reqwest::Method::POST,
        "/projects.json",
        json!({"project": {"name": "CRM", "identifier": "crm"}}),
    )
    .await;
    assert_eq!(status, 201);
    let hook = json!({"webhook": {"url": receiver.url, "events": ["contact.created"]}});
    assert_eq!(call(&base, &key, reqwest::Method::POST, "/webhooks.json", hook).await.0, 201);
    let mut created = Vec::new();
    for n in 0..10 {
        let body = json!({"contact": {"first_name": format!("C{n}")}});
        let (status, res) = call(&base, &key, reqwest::Method::POST, "/projects/crm/contacts.json", body).await;
        assert_eq!(status, 201);
        created.push(res["contact"]["id"].as_i64().unwrap_or_default());
    }
    drop(first); // SIGKILL
    receiver.answer(200);
    let _second = ServerProcess::start(&database.url, &FAST);
    let delivered = receiver.wait_until(Duration::from_secs(30), |d| created_ids(d).len() >= created.len()).await;
    let ids = created_ids(&delivered);
    let mut got: Vec<i64> = ids.keys().copied().collect();
    got.sort_unstable();
    assert_eq!(got, created, "every committed change's event arrives at least once");
}

#[actix_web::test]
async fn two_instances_on_one_database_deliver_each_event_once() {
    let (database, key) = database_with_admin();
    let receiver = Receiver::start();
    let a = ServerProcess::start(&database.url, &FAST);
    let b = ServerProcess::start(&database.url, &FAST);
    let (status, _) = call(
        &a.address,
        &key,
        reqwest::Method::POST,
        "/projects.json",
        json!({"project": {"name": "CRM", "identifier": "crm"}}),
    )
    .await;
    assert_eq!(status, 201);
    let hook = json!({"webhook": {"url": receiver.url, "events": ["contact.created"]}});
    assert_eq!(call(&a.address, &key, reqwest::Method::POST, "/webhooks.json", hook).await.0, 201);
    let mut writes = Vec::new();
    for n in 0..30 {
        let server = if n % 2 == 0 { a.address.clone() } else { b.address.clone() };
        let key = key.clone();
        writes.push(async move {
            let body = json!({"contact": {"first_name": format!("C{n}")}});
            call(&server, &key, reqwest::Method::POST, "/projects/crm/contacts.json", body).await
        });
    }
    let results = futures_util::future::join_all(writes).await;
    assert!(results.iter().all(|(status, _)| *status == 201));
    let delivered = receiver.wait_until(Duration::from_secs(30), |d| created_ids(d).len() >= 30).await;
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let all = receiver.all();
    assert_eq!(created_ids(&delivered).len(), 30);
    assert_eq!(all.len(), 30, "each event sent once, by one of the instances");
}

#[actix_web::test]
async fn deliveries_to_one_receiver_reuse_its_connection() {
    let app = app().await;
    app.project("crm", false).await;
    // Its answers are 60 KB, more than the client reads ahead: a client that stopped at the
    // 1 KB the log keeps could not reuse the connection.
    let receiver = Receiver::keeping_connections();
    let admin = app.admin();
    register(&admin, "/webhooks", &receiver.url, json!(["contact.created"]), "json").await;
    for n in 1..=4 {
        admin.create_contact("crm", json!({"first_name": format!("Ann {n}")})).await;
        receiver.wait_for(n).await;
    }
    assert_eq!(receiver.delivered().len(), 4);
    assert_eq!(receiver.connections(), 1, "one connection for four deliveries, one after the other");
}

#[actix_web::test]
async fn a_csv_import_delivers_contact_created_for_each_contact_and_a_rolled_back_one_nothing() {
    let app = app().await;
    app.project("crm", false).await;
    let receiver = Receiver::start();
    let admin = app.admin();
    let (hook, _) = register(&admin, "/webhooks", &receiver.url, json!(["contact.created"]), "json").await;

    // All or nothing with a bad row: the good row's batch is rolled back, its event with it.
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), "first_name,last_name\nRolled,Back\n,Nameless\n").expect("write the CSV");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_contacts-server"))
        .args(["import", file.path().to_str().expect("a UTF-8 path"), "--project", "crm", "--all-or-nothing"])
        .args(["--database-url", &app.db_url()])
        .output()
        .expect("run contacts-server import");
    assert!(!out.status.success(), "a bad row fails an all-or-nothing import");

    app.import_csv("first_name,last_name,emails\nAda,Lovelace,ada@example.com\nGrace,Hopper,\n", "crm");
    receiver.wait_for(2).await;
    // Time for anything more (the rolled-back row's event, a second copy) to arrive.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.delivered();
    assert_eq!(got.len(), 2, "one delivery per imported contact: {got:?}");
    let mut names = Vec::new();
    for sent in &got {
        assert_eq!(sent.header("X-Webhook-Event"), "contact.created");
        let body = sent.json();
        let id = body["data"]["contact"]["id"].as_i64().expect("the contact's id");
        let shown = admin.get(Format::Json, &format!("/contacts/{id}")).await;
        assert_eq!(body["data"], shown.body, "data is the imported contact as GET shows it");
        names.push(shown.str("contact.first_name"));
    }
    names.sort();
    assert_eq!(names, ["Ada", "Grace"]);
    let log = admin.get(Format::Json, &format!("/webhooks/{hook}/deliveries")).await;
    assert_eq!(log.meta("total_count"), Some(2), "the rolled-back import queued nothing");
}
