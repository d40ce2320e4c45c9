//! Requests that run too long, or whose client has gone, stop using the database: a statement
//! past `--statement-timeout-secs` is a 503 in the request's format, and an abandoned request's
//! statement is stopped, on both backends; the connection serves the next request either way.

use std::process::Command;
use std::time::{Duration, Instant};

use contacts_server::format::Format;

use crate::support::process::BIN;
use crate::support::{TestApp, TestDb};

/// A database of `contacts` seeded contacts, each with an email at example.com.
fn seeded(contacts: u32) -> TestDb {
    let db = TestDb::fresh();
    let contacts = contacts.to_string();
    let out = Command::new(BIN).args(["seed", "--contacts", &contacts, "--database-url", &db.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

/// A search every contact matches 50 times over (the most words a search may have): each word
/// is a piece of `@example.com`, which every seeded contact's email holds, the shortest first,
/// which no trigram index can serve.
fn heavy_path() -> String {
    let text = "@example.com";
    let mut words: Vec<&str> = Vec::new();
    for len in 1..=text.len() {
        for start in 0..=text.len() - len {
            let word = &text[start..start + len];
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    format!("/contacts?limit=1&search={}", words[..50].join("+").replace('@', "%40"))
}

#[actix_web::test]
async fn a_request_past_the_statement_time_limit_is_a_503_and_the_connection_serves_the_next() {
    let app = TestApp::spawn_on(seeded(20_000), |c| {
        c.db.pool_size = 1;
        c.db.statement_timeout = Some(Duration::from_millis(50));
    })
    .await;
    let admin = app.admin();
    for format in Format::API {
        let started = Instant::now();
        let res = admin.get(format, &heavy_path()).await;
        assert_eq!(res.status, 503, "{}", res.text);
        assert_eq!(res.header("content-type").as_deref(), Some(format.content_type()));
        assert_eq!(res.errors(), vec!["The request took too long and was stopped; narrow it down or try again later"]);
        assert!(started.elapsed() < Duration::from_secs(5), "stopped near its limit: {:?}", started.elapsed());
        let next = admin.get(format, "/contacts?limit=1").await;
        assert_eq!(next.status, 200, "the one pooled connection is healthy: {}", next.text);
        assert_eq!(next.meta("total_count"), Some(20000));
    }
}

#[actix_web::test]
async fn a_request_whose_client_has_gone_stops_using_the_database() {
    let app = TestApp::spawn_on(seeded(80_000), |c| {
        c.db.pool_size = 1;
        c.db.statement_timeout = Some(Duration::from_secs(60));
    })
    .await;
    let heavy = app.url(&heavy_path().replacen("/contacts", "/contacts.json", 1));
    let client = reqwest::Client::new();
    let send = |timeout: Option<Duration>| {
        let mut req = client.get(&heavy).header("X-Redmine-API-Key", &app.admin_key);
        if let Some(timeout) = timeout {
            req = req.timeout(timeout);
        }
        req.send()
    };
    // How long the heavy request takes when its client waits for it.
    let started = Instant::now();
    assert_eq!(send(None).await.expect("an answer").status(), 200);
    let whole = started.elapsed();
    assert!(whole > Duration::from_millis(150), "the request must be heavy enough to tell: {whole:?}");

    // The client gives up after a tenth of that; with one pooled connection, a light request
    // right after waits for the heavy one unless it was stopped.
    let abandoned = send(Some(whole / 10)).await;
    assert!(abandoned.is_err(), "the client gave up");
    let started = Instant::now();
    let light = app.admin().get(Format::Json, "/contacts?limit=1").await;
    let waited = started.elapsed();
    assert_eq!(light.status, 200, "{}", light.text);
    assert!(waited < whole / 2, "the abandoned request held the connection: {waited:?} of {whole:?}");
}

#[actix_web::test]
async fn health_answers_while_every_database_connection_is_busy() {
    let app = TestApp::spawn_on(seeded(80_000), |c| {
        c.db.pool_size = 1;
        c.db.statement_timeout = Some(Duration::from_secs(60));
        c.db.connect_timeout = Duration::from_secs(60);
    })
    .await;
    let heavy = app.url(&heavy_path().replacen("/contacts", "/contacts.json", 1));
    let client = reqwest::Client::new();
    let send_heavy = || client.get(&heavy).header("X-Redmine-API-Key", &app.admin_key).send();
    let started = Instant::now();
    assert_eq!(send_heavy().await.expect("an answer").status(), 200);
    let whole = started.elapsed();
    assert!(whole > Duration::from_millis(150), "the request must be heavy enough to tell: {whole:?}");

    // The heavy request holds the one pooled connection; the probe, sent a quarter of the way
    // in, must not wait for it (with a version read before its handler it waited all along).
    let heavy_done = async {
        let res = send_heavy().await.expect("an answer");
        (res.status(), Instant::now())
    };
    let probe_done = async {
        actix_web::rt::time::sleep(whole / 4).await;
        let mut answers = Vec::new();
        for path in ["/health", "/health.json"] {
            let res = client.get(app.url(path)).send().await.expect("an answer");
            answers.push((path, res.status()));
        }
        (answers, Instant::now())
    };
    let ((heavy_status, heavy_at), (answers, probe_at)) = futures_util::join!(heavy_done, probe_done);
    assert_eq!(heavy_status, 200);
    for (path, status) in answers {
        assert_eq!(status, 200, "{path}");
    }
    assert!(probe_at < heavy_at, "the probes waited for the database connection the heavy request held");
}
