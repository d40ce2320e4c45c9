//! The API's rate limits: off until configured; per caller and class; `X-RateLimit-*` on every
//! answer; 429 with `Retry-After` in the request's format; admins exemptable; one budget shared
//! by several instances on one database.

use std::time::Duration;

use contacts_server::config::ApiLimits;
use contacts_server::format::Format;
use serde_json::json;

use crate::support::process::ServerProcess;
use crate::support::{Res, TestApp};

/// A day: a test never straddles two windows (they begin at multiples of it since the epoch).
const DAY: Duration = Duration::from_secs(86_400);

fn limits(reads: u32, writes: u32, exports: u32, search: u32) -> ApiLimits {
    ApiLimits { reads, writes, exports, search, window: DAY, exempt_admins: true }
}

#[track_caller]
fn remaining(res: &Res) -> Option<u32> {
    res.header("x-ratelimit-remaining").map(|v| v.parse().expect("a number"))
}

#[actix_web::test]
async fn get_contacts_has_no_rate_limit_headers_until_limits_are_configured() {
    let app = TestApp::spawn().await;
    let user = app.user("ann").await;
    for _ in 0..3 {
        let res = user.get(Format::Json, "/users/current").await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("x-ratelimit-limit"), None);
    }
}

#[actix_web::test]
async fn reads_past_the_limit_get_429_with_retry_after_in_the_request_format() {
    let app = TestApp::spawn_with(|c| c.api_limits = limits(4, 0, 0, 0)).await;
    // Making a user reads `/users/current` once as them.
    let ann = app.user("ann").await;
    let started = chrono::Utc::now().timestamp();
    for left in [2, 1, 0] {
        let res = ann.get(Format::Json, "/users/current").await;
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(res.header("x-ratelimit-limit").as_deref(), Some("4"));
        assert_eq!(remaining(&res), Some(left));
        let reset: i64 = res.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset > started && reset <= started + 86_400 && reset % 86_400 == 0, "{reset}");
    }
    for format in Format::API {
        let res = ann.get(format, "/users/current").await;
        assert_eq!(res.status, 429, "{}", res.text);
        assert_eq!(res.errors(), vec!["Too many requests, try again later"]);
        assert_eq!(remaining(&res), Some(0));
        let retry: i64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=86_400).contains(&retry));
    }
    assert!(ann.get(Format::Xml, "/users/current").await.text.contains("<errors"));

    // Writes have no limit here: counted nowhere, no headers.
    let res = ann.put(Format::Json, &format!("/users/{}", ann.id), json!({"user": {"firstname": "A"}})).await;
    assert_ne!(res.status, 429);
    assert_eq!(res.header("x-ratelimit-limit"), None);

    // Another caller has a budget of their own; an anonymous one is counted by address, even
    // when refused for want of credentials.
    let bob = app.user("bob").await;
    assert_eq!(remaining(&bob.get(Format::Json, "/users/current").await), Some(2));
    let anonymous = app.anonymous().get(Format::Json, "/contacts").await;
    assert_eq!((anonymous.status, remaining(&anonymous)), (401, Some(3)));
    let wrong = app.as_key("not-a-key").get(Format::Json, "/contacts").await;
    assert_eq!((wrong.status, remaining(&wrong)), (401, Some(2)), "the same address");

    // Admins, exempt here, are neither counted nor told.
    for _ in 0..5 {
        let res = app.admin().get(Format::Json, "/users/current").await;
        assert_eq!((res.status, res.header("x-ratelimit-limit")), (200, None));
    }
}

#[actix_web::test]
async fn each_class_has_its_own_budget() {
    let app = TestApp::spawn_with(|c| c.api_limits = limits(2, 1, 1, 1)).await;
    app.project("crm", false).await;
    // Making a user spends one read.
    let ann = app.member("ann", "crm", "Manager").await;
    let id = ann.create_contact("crm", json!({"first_name": "Ada"})).await;
    let refused = ann.post(Format::Json, "/projects/crm/contacts", json!({"contact": {"first_name": "B"}})).await;
    assert_eq!(refused.status, 429, "the one write was the create");
    assert_eq!(ann.get(Format::Json, &format!("/contacts/{id}")).await.status, 200);
    assert_eq!(ann.get(Format::Json, "/contacts").await.status, 429, "the reads are spent");
    assert_eq!(ann.get(Format::Csv, "/contacts").await.status, 200);
    assert_eq!(ann.get(Format::Vcf, "/contacts").await.status, 429, "an export too");
    let search = ann.get(Format::Json, "/contacts?search=ada").await;
    assert_eq!((search.status, remaining(&search)), (200, Some(0)));
    assert_eq!(ann.get(Format::Json, "/search?q=ada").await.status, 429, "a search too");
}

#[actix_web::test]
async fn admins_are_counted_unless_exempt() {
    let app = TestApp::spawn_with(|c| c.api_limits = ApiLimits { exempt_admins: false, ..limits(1, 0, 0, 0) }).await;
    assert_eq!(app.admin().get(Format::Json, "/users/current").await.status, 200);
    assert_eq!(app.admin().get(Format::Json, "/users/current").await.status, 429);
}

async fn get_current(address: &str, key: &str) -> (u16, Option<u32>) {
    let res = reqwest::Client::new()
        .get(format!("{address}/users/current.json"))
        .header("X-Redmine-API-Key", key)
        .send()
        .await
        .expect("request");
    let remaining = res.headers().get("x-ratelimit-remaining").map(|v| v.to_str().unwrap().parse().unwrap());
    (res.status().as_u16(), remaining)
}

/// Longer than a reconcile (a second) plus a loaded machine's delays.
async fn wait_for_reconcile() {
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
}

#[actix_web::test]
async fn two_instances_on_one_database_share_one_budget() {
    let app = TestApp::spawn().await;
    let key = app.admin_key.clone();
    let url = app.db_url();
    let args = ["--rate-limit-reads", "20", "--rate-limit-window-secs", "86400"];
    let a = ServerProcess::start(&url, &args);
    let b = ServerProcess::start(&url, &args);
    for left in (10..20).rev() {
        assert_eq!(get_current(&a.address, &key).await, (200, Some(left)));
    }
    // B knows nothing of A's ten until its own first request has been reconciled: the slack.
    assert_eq!(get_current(&b.address, &key).await, (200, Some(19)));
    wait_for_reconcile().await;
    assert_eq!(get_current(&b.address, &key).await, (200, Some(8)), "20 less A's 10, B's 1 and this one");
    for left in (0..8).rev() {
        assert_eq!(get_current(&b.address, &key).await, (200, Some(left)));
    }
    assert_eq!(get_current(&b.address, &key).await.0, 429);
    wait_for_reconcile().await;
    assert_eq!(get_current(&a.address, &key).await, (429, Some(0)), "A has learnt what B admitted");
}
