//! The binary itself: `user create` and `migrate` on a brand-new database file, and `serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_contacts-server");

#[test]
fn user_create_on_a_new_file_prints_the_api_key_last() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    let out = Command::new(BIN)
        .args(["user", "create", "--login", "root", "--password", "long-password", "--admin", "--database-url", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().last().unwrap();
    assert_eq!(key.len(), 40);
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("long-password"));
    let again = Command::new(BIN)
        .args(["user", "create", "--login", "root", "--password", "long-password", "--database-url", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("Login has already been taken"));
    let migrate = Command::new(BIN).args(["migrate", "--database-url", &url]).output().unwrap();
    assert!(migrate.status.success());
    assert_eq!(String::from_utf8_lossy(&migrate.stdout), "database is up to date (0 migrations applied now)\n");
}

#[test]
fn migrate_on_a_new_file_says_how_many_migrations_it_applied() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    let migrate = Command::new(BIN).args(["migrate", "--database-url", &url]).output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let said = String::from_utf8_lossy(&migrate.stdout).to_string();
    let applied: usize = said
        .trim_end()
        .strip_prefix("database is up to date (")
        .and_then(|rest| rest.strip_suffix(" migrations applied now)"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    let folders = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    assert_eq!(applied, folders);
}

#[test]
fn serve_prints_its_address_and_answers_with_the_created_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let url = db.display().to_string();
    let out = Command::new(BIN)
        .args(["user", "create", "--login", "a", "--password", "long-password", "--admin"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let key = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains(&format!("http://127.0.0.1:{port}")), "{line}");
    let res = reqwest::blocking::Client::new()
        .get(format!("http://127.0.0.1:{port}/users/current.json"))
        .header("X-Redmine-API-Key", &key)
        .send()
        .unwrap();
    let status = res.status();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 200);
}

#[test]
fn backup_writes_a_consistent_copy_of_a_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let out = Command::new(BIN)
        .args(["user", "create", "--login", "kept", "--password", "long-password", "--database-url", &url])
        .output()
        .unwrap();
    assert!(out.status.success());
    let copy = dir.path().join("copy.db");
    let out =
        Command::new(BIN).args(["backup", "--to", copy.to_str().unwrap(), "--database-url", &url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The copy is a working database holding the same user: creating it again is refused.
    let again = Command::new(BIN)
        .args([
            "user",
            "create",
            "--login",
            "kept",
            "--password",
            "long-password",
            "--database-url",
            &copy.display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("Login has already been taken"));
    let refused =
        Command::new(BIN).args(["backup", "--to", copy.to_str().unwrap(), "--database-url", &url]).output().unwrap();
    assert!(!refused.status.success(), "an existing file is never overwritten");
}
