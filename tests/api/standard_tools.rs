//! The SQLite file is the user's: the `sqlite3` Debian stable ships (3.40) and Python's
//! `sqlite3` module open it, check it and read every table, and a write made with them keeps
//! the server's derived columns right.

use std::process::Command;

use contacts_server::format::Format;
use serde_json::json;

use crate::support::{TestApp, TestDb};

/// Whether `program` runs here; CI installs both (`REQUIRE_SQLITE_TOOLS=1` makes a missing one
/// fail the test instead of skipping it).
fn available(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found && std::env::var("REQUIRE_SQLITE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{program} is required here");
    }
    found
}

fn sqlite3(path: &str, sql: &str) -> String {
    let out = Command::new("sqlite3").args([path, sql]).output().expect("run sqlite3");
    assert!(out.status.success(), "sqlite3 {sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[actix_web::test]
async fn debian_sqlite3_and_python_open_check_and_read_every_table() {
    if TestDb::postgres_server().is_some() || !available("sqlite3") || !available("python3") {
        return;
    }
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("sales", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Ada", "tag_list": "vip,math"})).await;
    let linked = admin.post(Format::Json, &format!("/contacts/{id}/projects"), json!({"project_id": "sales"})).await;
    assert_eq!(linked.status, 204, "{}", linked.text);
    let note = admin.post(Format::Json, &format!("/contacts/{id}/notes"), json!({"note": {"content": "Met"}})).await;
    assert_eq!(note.status, 201, "{}", note.text);
    let url = app.db_url();
    let path = url.strip_prefix("sqlite://").expect("a SQLite URL");

    assert_eq!(sqlite3(path, "PRAGMA integrity_check"), "ok");
    let script = r#"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
for name in tables:
    db.execute(f'SELECT * FROM "{name}"').fetchall()
print(len(tables))
"#;
    let out = Command::new("python3").args(["-c", script, path]).output().expect("run python3");
    assert!(out.status.success(), "python3: {}", String::from_utf8_lossy(&out.stderr));
    let tables: usize = String::from_utf8_lossy(&out.stdout).trim().parse().expect("a table count");
    assert!(tables > 20, "every table read: {tables}");

    // A link made with the old tool runs the schema's triggers, which keep the contact's
    // project list (what visibility is decided by) right.
    sqlite3(path, &format!("DELETE FROM contacts_projects WHERE contact_id = {id} AND project_id = 2"));
    assert_eq!(sqlite3(path, &format!("SELECT project_ids FROM contacts WHERE id = {id}")), "1");
    sqlite3(path, &format!("INSERT INTO contacts_projects (contact_id, project_id) VALUES ({id}, 2)"));
    assert_eq!(sqlite3(path, &format!("SELECT project_ids FROM contacts WHERE id = {id}")), "1,2");
    let shown = admin.get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(shown.at("contact.projects").as_array().map(Vec::len), Some(2), "{}", shown.text);
}

/// The schema, as `sqlite3` prints it, of every object but diesel's migrations table and
/// SQLite's own sequence table (which no DROP removes).
fn schema(path: &str) -> String {
    sqlite3(
        path,
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name NOT IN ('__diesel_schema_migrations', 'sqlite_sequence') ORDER BY type, name",
    )
}

/// Every SQLite migration, up and down, runs in Debian's sqlite3 (3.40): no statement needs a
/// newer SQLite, and the schema it makes is the server's.
#[actix_web::test]
async fn every_migration_runs_in_debian_sqlite3_and_makes_the_servers_schema() {
    if TestDb::postgres_server().is_some() || !available("sqlite3") {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let by_hand = dir.path().join("by_hand.db");
    let by_hand = by_hand.to_str().expect("a UTF-8 path");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut folders: Vec<_> = std::fs::read_dir(&root).expect("the migrations").map(|e| e.unwrap().path()).collect();
    folders.sort();
    let apply = |file: std::path::PathBuf| {
        let sql = std::fs::File::open(&file).expect("a migration");
        let out = Command::new("sqlite3").arg(by_hand).stdin(sql).output().expect("run sqlite3");
        let errors = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && errors.is_empty(), "{}: {errors}", file.display());
    };
    for folder in &folders {
        apply(folder.join("up.sql"));
    }
    let app = TestApp::spawn().await;
    let url = app.db_url();
    let served = url.strip_prefix("sqlite://").expect("a SQLite URL");
    assert_eq!(schema(by_hand), schema(served));
    for folder in folders.iter().rev() {
        apply(folder.join("down.sql"));
    }
    assert_eq!(schema(by_hand), "", "every down undoes its up");
}
