//! What operators use: `/health`, `/ready`, `/metrics`, request ids and log lines, graceful
//! shutdown, the config file and `config check`, the admin's CLI, `copy`'s read-only source,
//! and the HTML error pages.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use contacts_server::format::Format;
use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

use crate::support::process::BIN;
use crate::support::{TestApp, TestDb};

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = app.http.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("body"))
}

#[actix_web::test]
async fn health_and_ready_answer_anyone_in_json() {
    let app = TestApp::spawn().await;
    for path in ["/health", "/health.json"] {
        let (status, headers, body) = get(&app, path, &[]).await;
        assert_eq!((status, serde_json::from_str::<Value>(&body).unwrap()), (200, json!({"status": "ok"})), "{path}");
        assert_eq!(headers["content-type"], "application/json");
    }
    let (status, _, body) = get(&app, "/ready", &[]).await;
    assert_eq!((status, serde_json::from_str::<Value>(&body).unwrap()), (200, json!({"status": "ready"})));
}

#[actix_web::test]
async fn ready_is_503_with_its_reason_while_a_migration_is_pending() {
    let app = TestApp::spawn().await;
    app.db
        .connection()
        .unwrap()
        .batch_execute(
            "DELETE FROM __diesel_schema_migrations WHERE version = \
             (SELECT max(version) FROM __diesel_schema_migrations)",
        )
        .unwrap();
    let (status, _, body) = get(&app, "/ready", &[("Accept", "text/html")]).await;
    let body: Value = serde_json::from_str(&body).expect("a JSON body, not an error page");
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["reason"], "1 migrations are pending");
    // The process itself is fine.
    assert_eq!(get(&app, "/health", &[]).await.0, 200);
}

#[actix_web::test]
async fn every_answer_carries_a_request_id_kept_only_when_plain() {
    let app = TestApp::spawn().await;
    let (_, headers, _) = get(&app, "/health", &[("X-Request-Id", "lb-7f3a.1_x")]).await;
    assert_eq!(headers["x-request-id"], "lb-7f3a.1_x");
    for unfit in ["has space", &"a".repeat(65), "semi;colon"] {
        let (_, headers, _) = get(&app, "/contacts/404.json", &[("X-Request-Id", unfit)]).await;
        let id = headers["x-request-id"].to_str().unwrap();
        assert_ne!(id, unfit);
        assert_eq!(id.len(), 32, "a generated id: {id}");
    }
    let (status, headers, _) = get(&app, "/no/such/path", &[]).await;
    assert_eq!(status, 404);
    assert!(headers.contains_key("x-request-id"));
}

/// The sample line of `name` whose labels include each of `labels`, and its value.
fn sample(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[actix_web::test]
async fn metrics_are_for_admins_and_count_requests_by_route_pattern() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let user = app.user("watcher").await;
    assert_eq!(app.admin().get(Format::Json, "/contacts/987654").await.status, 404);
    assert_eq!(get(&app, "/metrics", &[]).await.0, 401);
    assert_eq!(user.get(Format::Json, "/metrics").await.status, 403);
    let (status, headers, text) = get(&app, "/metrics", &[("X-Redmine-API-Key", &app.admin_key)]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    let counted =
        sample(&text, "http_requests_total", &[r#"route="/contacts/{id}""#, r#"status="404""#, r#"method="GET""#]);
    assert!(counted >= Some(1.0), "{text}");
    assert!(!text.contains("987654"), "raw paths never become labels");
    assert!(
        sample(&text, "http_request_duration_seconds_bucket", &[r#"route="/projects""#, r#"le="+Inf""#]) >= Some(1.0)
    );
    assert!(sample(&text, "db_statement_duration_seconds_count", &[]) > Some(0.0));
    assert!(sample(&text, "db_pool_wait_seconds_count", &[]) > Some(0.0));
    assert!(sample(&text, "db_pool_connections", &[r#"state="idle""#]).is_some());
    assert_eq!(sample(&text, "db_pool_max_connections", &[]), Some(4.0));
}

#[actix_web::test]
async fn metrics_count_web_form_posts_caught_by_the_honeypot() {
    let app = TestApp::spawn().await;
    app.project("crm", true).await;
    let before = metrics_text(&app).await;
    let res = app
        .http
        .post(app.url("/contacts"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("key={}&project_id=crm&contact[first_name]=Bot&nickname=spam", app.admin_key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let after = metrics_text(&app).await;
    let honeypot = |text: &str| sample(text, "web_form_posts_total", &[r#"outcome="honeypot""#]).unwrap_or(0.0);
    assert!(honeypot(&after) >= honeypot(&before) + 1.0, "{after}");
}

async fn metrics_text(app: &TestApp) -> String {
    get(app, "/metrics", &[("X-Redmine-API-Key", &app.admin_key)]).await.2
}

#[actix_web::test]
async fn a_metrics_token_replaces_admin_credentials() {
    let app = TestApp::spawn_with(|c| c.metrics.token = Some("scrape-token-1".into())).await;
    assert_eq!(get(&app, "/metrics", &[]).await.0, 401);
    assert_eq!(get(&app, "/metrics", &[("X-Redmine-API-Key", &app.admin_key)]).await.0, 401);
    assert_eq!(get(&app, "/metrics", &[("Authorization", "Bearer wrong")]).await.0, 401);
    let (status, _, text) = get(&app, "/metrics", &[("Authorization", "Bearer scrape-token-1")]).await;
    assert_eq!(status, 200);
    assert!(text.contains("http_requests_total"));
}

#[actix_web::test]
async fn metrics_bind_serves_metrics_alone_on_its_own_listener() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = TestApp::spawn_with(|c| c.metrics.bind = Some(format!("127.0.0.1:{port}"))).await;
    let (status, _, _) = get(&app, "/metrics", &[("X-Redmine-API-Key", &app.admin_key)]).await;
    assert_eq!(status, 404, "not on the main listener");
    let res = app.http.get(format!("http://127.0.0.1:{port}/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .http
        .get(format!("http://127.0.0.1:{port}/users/current.json"))
        .header("X-Redmine-API-Key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "nothing but /metrics there");
}

#[actix_web::test]
async fn html_error_pages_have_a_heading_for_their_status() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let id = app.admin().create_contact("crm", json!({"first_name": "Page"})).await;
    let (status, _, page) = get(&app, "/no/such/page", &[("Accept", "text/html")]).await;
    assert_eq!(status, 404);
    assert!(page.contains("<h1>Page not found</h1>"), "{page}");
    let (status, _, page) =
        get(&app, &format!("/contacts/{id}"), &[("Accept", "text/html"), ("X-Redmine-API-Key", &app.admin_key)]).await;
    assert_eq!(status, 406);
    assert!(page.contains("<h1>This address serves the API: add .json or .xml</h1>"), "{page}");
    assert!(page.contains(&format!("Use /contacts/{id}.json or /contacts/{id}.xml")), "{page}");
    assert!(!page.contains("could not be sent"));
}

/// An admin's key on a new SQLite file, made by the CLI.
fn new_database(dir: &std::path::Path) -> (String, String) {
    let url = format!("sqlite://{}", dir.join("ops.db").display());
    let out = run_cli(&["user", "create", "--login", "root", "--admin", "--database-url", &url], "long-password\n");
    (url, out.lines().last().unwrap().to_string())
}

/// Runs the binary with `stdin`; its stdout, after asserting it succeeded.
fn run_cli(args: &[&str], stdin: &str) -> String {
    let out = cli_output(args, stdin, &[]);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn cli_output(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn json_logs_have_one_line_per_request_without_keys_or_query_strings() {
    let dir = tempfile::tempdir().unwrap();
    let (url, key) = new_database(dir.path());
    let mut server = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1", "--log-format", "json", "--database-url", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split_whitespace().last().unwrap().to_string();
    let http = reqwest::blocking::Client::new();
    let res = http
        .get(format!("{address}/contacts.json?key={key}&search=secret-term"))
        .header("X-Request-Id", "trace-me-1")
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(http.get(format!("{address}/health")).send().unwrap().status(), 200);
    // A failure's cause is logged with the id of the request it failed.
    let path = url.trim_start_matches("sqlite://");
    let mut conn = <diesel::SqliteConnection as diesel::Connection>::establish(path).unwrap();
    conn.batch_execute("DROP TABLE projects").unwrap();
    let res = http.get(format!("{address}/projects.json")).header("X-Redmine-API-Key", &key);
    assert_eq!(res.header("X-Request-Id", "trace-500").send().unwrap().status(), 500);
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let mut logs = String::new();
    server.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    assert!(server.wait().unwrap().success());
    assert!(!logs.contains(&key), "{logs}");
    assert!(!logs.contains("secret-term"), "{logs}");
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    assert_eq!(requests.len(), 2, "/health is not logged at info: {logs}");
    let failure = lines.iter().find(|l| l["level"] == "ERROR").expect("the failure is logged");
    assert_eq!(failure["span"]["request_id"], "trace-500", "{failure}");
    let logged = requests[0];
    assert_eq!(logged["method"], "GET");
    assert_eq!(logged["route"], "/contacts");
    assert_eq!(logged["status"], 200);
    assert_eq!(logged["request_id"], "trace-me-1");
    assert_eq!(logged["user_id"], 1);
    assert!(logged["duration_ms"].as_f64().is_some());
}

#[test]
fn sigterm_lets_requests_in_flight_finish_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (url, key) = new_database(dir.path());
    let out = run_cli(&["project", "create", "--identifier", "crm", "--name", "CRM", "--database-url", &url], "");
    assert!(out.contains("created project crm"), "{out}");
    let mut server = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "2", "--shutdown-grace-secs", "20"])
        .args(["--database-url", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split_whitespace().last().unwrap().trim_start_matches("http://").to_string();
    // Requests whose bodies are half sent when the signal comes.
    let body = r#"{"contact": {"first_name": "Late"}}"#;
    let (head, tail) = body.split_at(10);
    let mut in_flight: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            write!(
                stream,
                "POST /projects/crm/contacts.json HTTP/1.1\r\nHost: {address}\r\nX-Redmine-API-Key: {key}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
                body.len()
            )
            .unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    std::thread::sleep(Duration::from_millis(500));
    assert!(TcpStream::connect(&address).is_err(), "no new connections once stopping");
    for stream in &mut in_flight {
        stream.write_all(tail.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    }
    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let listed = run_cli(&["project", "list", "--database-url", &url], "");
    assert!(listed.contains("crm"), "{listed}");
}

#[test]
fn config_check_layers_flag_over_environment_over_file_over_default_and_masks_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.toml");
    std::fs::write(
        &file,
        "database_url = \"postgres://app:hunter2@db.internal/contacts\"\nworkers = 3\nbind = \"0.0.0.0:8000\"\n\
         metrics_token = \"scrape-secret\"\nlog_format = \"json\"\nforms_per_ip_per_minute = 7\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = cli_output(
        &["config", "check", "--config", path, "--bind", "127.0.0.1:9000"],
        "",
        &[("CONTACTS_WORKERS", "5"), ("CONTACTS_BIND", "10.0.0.1:1")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let shown: toml::Table = text.parse().unwrap();
    assert_eq!(shown["bind"].as_str(), Some("127.0.0.1:9000"), "the flag wins");
    assert_eq!(shown["workers"].as_integer(), Some(5), "the environment beats the file");
    assert_eq!(shown["forms_per_ip_per_minute"].as_integer(), Some(7), "the file beats the default");
    assert_eq!(shown["login_max_failures"].as_integer(), Some(5), "the default");
    assert_eq!(shown["log_format"].as_str(), Some("json"));
    assert_eq!(shown["database_url"].as_str(), Some("postgres://app:********@db.internal/contacts"));
    assert_eq!(shown["metrics_token"].as_str(), Some("********"));
    assert!(!text.contains("hunter2") && !text.contains("scrape-secret"));
    assert!(text.contains("# metrics_bind is not set"), "{text}");

    // The file through CONTACTS_CONFIG, for every command.
    let out = cli_output(&["config", "check"], "", &[("CONTACTS_CONFIG", path)]);
    let shown: toml::Table = String::from_utf8(out.stdout).unwrap().parse().unwrap();
    assert_eq!(shown["bind"].as_str(), Some("0.0.0.0:8000"));

    std::fs::write(&file, "workers = 2\nwrokers = 3\n").unwrap();
    let out = cli_output(&["config", "check", "--config", path], "", &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown settings: wrokers"));
    std::fs::write(&file, "workers = \"many\"\n").unwrap();
    let out = cli_output(&["config", "check", "--config", path], "", &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("workers"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[actix_web::test]
async fn admin_cli_manages_users_projects_and_memberships_by_the_api_rules() {
    let app = TestApp::spawn().await;
    let url = app.db_url();
    let bob = app.user("bob").await;
    let old_key = match &bob.auth {
        crate::support::Auth::Key(key) => key.clone(),
        other => panic!("{other:?}"),
    };

    let listed = run_cli(&["user", "list", "--database-url", &url], "");
    assert!(listed.lines().any(|l| l.contains("bob") && l.contains("active")), "{listed}");

    run_cli(&["user", "passwd", "--login", "bob", "--database-url", &url], "brand-new-password\n");
    let signed_in = crate::support::Actor {
        app: &app,
        auth: crate::support::Auth::Basic("bob".into(), "brand-new-password".into()),
        id: bob.id,
    };
    assert_eq!(signed_in.get(Format::Json, "/users/current").await.status, 200);
    let short = cli_output(&["user", "passwd", "--login", "bob", "--database-url", &url], "short\n", &[]);
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("Password is too short"));

    let shown = run_cli(&["user", "key", "--login", "bob", "--database-url", &url], "");
    assert_eq!(shown.trim(), old_key);
    let new_key = run_cli(&["user", "key", "--login", "bob", "--regenerate", "--database-url", &url], "");
    let new_key = new_key.trim();
    assert_ne!(new_key, old_key);
    assert_eq!(app.as_key(&old_key).get(Format::Json, "/users/current").await.status, 401);
    assert_eq!(app.as_key(new_key).get(Format::Json, "/users/current").await.status, 200);

    run_cli(&["user", "lock", "--login", "bob", "--database-url", &url], "");
    assert_eq!(app.as_key(new_key).get(Format::Json, "/users/current").await.status, 401);
    run_cli(&["user", "unlock", "--login", "bob", "--database-url", &url], "");
    assert_eq!(app.as_key(new_key).get(Format::Json, "/users/current").await.status, 200);

    let created = run_cli(
        &["project", "create", "--identifier", "ops", "--name", "Ops", "--private", "--database-url", &url],
        "",
    );
    let id: i64 = created.lines().last().unwrap().parse().unwrap();
    let project = app.admin().get(Format::Json, "/projects/ops").await;
    assert_eq!((project.int("project.id"), project.at("project.is_public")), (id, &json!(false)));
    let taken =
        cli_output(&["project", "create", "--identifier", "ops", "--name", "Again", "--database-url", &url], "", &[]);
    assert!(String::from_utf8_lossy(&taken.stderr).contains("Identifier has already been taken"));
    assert!(run_cli(&["project", "list", "--database-url", &url], "").contains("ops"));

    run_cli(
        &["membership", "add", "--login", "bob", "--project", "ops", "--role", "reporter", "--database-url", &url],
        "",
    );
    assert_eq!(app.as_key(new_key).get(Format::Json, "/projects/ops").await.status, 200, "bob is a member now");
    let unknown = cli_output(
        &["membership", "add", "--login", "bob", "--project", "ops", "--role", "Boss", "--database-url", &url],
        "",
        &[],
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("No role \"Boss\""));
    let again = cli_output(
        &["membership", "add", "--login", "bob", "--project", "ops", "--role", "Manager", "--database-url", &url],
        "",
        &[],
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("User has already been taken"));
}

#[test]
fn copy_refuses_a_foreign_sqlite_file_without_writing_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.db");
    let mut conn = <diesel::SqliteConnection as diesel::Connection>::establish(foreign.to_str().unwrap()).unwrap();
    conn.batch_execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x');")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&foreign).unwrap();
    let target = format!("sqlite://{}", dir.path().join("target.db").display());
    let out = cli_output(&["copy", "--from", foreign.to_str().unwrap(), "--to", &target], "", &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a contacts-server database"), "{stderr}");
    assert_eq!(std::fs::read(&foreign).unwrap(), before, "the source is untouched");
    assert!(!dir.path().join("target.db").exists(), "nothing is created before the source is checked");

    let missing = dir.path().join("missing.db");
    let out = cli_output(&["copy", "--from", missing.to_str().unwrap(), "--to", &target], "", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!missing.exists());

    std::fs::write(dir.path().join("text.db"), "not a database at all, just text\n".repeat(200)).unwrap();
    let out = cli_output(&["copy", "--from", dir.path().join("text.db").to_str().unwrap(), "--to", &target], "", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a SQLite database"));
}

#[actix_web::test]
async fn copy_refuses_a_source_behind_on_migrations_and_leaves_it_so() {
    let source = TestApp::spawn().await;
    let mut conn = source.db.connection().unwrap();
    conn.batch_execute(
        "DELETE FROM __diesel_schema_migrations WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)",
    )
    .unwrap();
    let target = TestDb::fresh();
    let out = cli_output(&["copy", "--from", &source.db_url(), "--to", &target.url], "", &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 migrations older than this binary"));
    let (status, _, _) = get(&source, "/ready", &[]).await;
    assert_eq!(status, 503, "still behind: copy applied nothing");
}
