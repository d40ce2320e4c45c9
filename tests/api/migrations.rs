//! The two migration folders pair up, and every migration reverts cleanly.

use contacts_server::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};
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

/// A tagging written without `created_on` (by an instance from before migration 10, during a
/// rolling upgrade) takes its contact's, so tag pages keep their order.
#[test]
fn a_tagging_written_without_created_on_takes_its_contacts() {
    const WRITE: &str = "INSERT INTO contacts (first_name, created_on, updated_on) \
                         VALUES ('Old', '2024-05-06 07:08:09', '2024-05-06 07:08:09'); \
                         INSERT INTO tags (name) VALUES ('lead'); \
                         INSERT INTO taggings (contact_id, tag_id) VALUES (1, 1);";
    const READ: &str = "SELECT created_on FROM taggings";
    let db = TestDb::sqlite();
    let mut conn = diesel::SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
    conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    conn.batch_execute(WRITE).unwrap();
    let stamp: Vec<Stamp> = diesel::sql_query(READ).load(&mut conn).unwrap();
    assert_eq!(stamp[0].created_on.to_string(), "2024-05-06 07:08:09");
    if let Some(server) = TestDb::postgres_server() {
        let db = TestDb::postgres(server);
        let mut conn = diesel::PgConnection::establish(&db.url).unwrap();
        conn.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
        conn.batch_execute(WRITE).unwrap();
        let stamp: Vec<Stamp> = diesel::sql_query(READ).load(&mut conn).unwrap();
        assert_eq!(stamp[0].created_on.to_string(), "2024-05-06 07:08:09");
    }
}

#[derive(diesel::QueryableByName)]
struct Stamp {
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    created_on: chrono::NaiveDateTime,
}
