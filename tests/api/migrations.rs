//! The two migration folders pair up, and every migration reverts cleanly.

use contacts_server::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel_migrations::MigrationHarness;

use crate::support::TestDb;

fn names(dir: &str) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn each_migration_exists_for_both_backends() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sqlite = names(&format!("{root}/migrations/sqlite"));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names(&format!("{root}/migrations/postgres")));
}

#[test]
fn migrations_run_revert_and_run_again() {
    let db = TestDb::sqlite();
    let mut conn = diesel::SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
    conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    conn.revert_all_migrations(SQLITE_MIGRATIONS).unwrap();
    conn.batch_execute("SELECT 1").unwrap();
    conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    if let Some(server) = TestDb::postgres_server() {
        let db = TestDb::postgres(server);
        let mut conn = diesel::PgConnection::establish(&db.url).unwrap();
        conn.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
        conn.revert_all_migrations(POSTGRES_MIGRATIONS).unwrap();
        conn.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
    }
}
