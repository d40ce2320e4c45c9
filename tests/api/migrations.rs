//! The two migration folders pair up, and every migration reverts cleanly.

use contacts_server::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::query_dsl::LoadQuery;
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

/// Every down migration undoes exactly its up: the schema dumped after each step down equals the
/// one dumped at the same step on the way up, all the way down to an empty database, and again
/// after running everything up from there.
#[test]
fn migrations_run_revert_and_run_again() {
    let db = TestDb::sqlite();
    let mut conn = diesel::SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
    check_each_step_reverts(&mut conn, || SQLITE_MIGRATIONS, SQLITE_SCHEMA);
    if let Some(server) = TestDb::postgres_server() {
        let db = TestDb::postgres(server);
        let mut conn = diesel::PgConnection::establish(&db.url).unwrap();
        check_each_step_reverts(&mut conn, || POSTGRES_MIGRATIONS, POSTGRES_SCHEMA);
    }
}

/// The SQLite schema: every table, index, trigger and view as its SQL text, without SQLite's own
/// tables (`sqlite_sequence` stays once an AUTOINCREMENT table was made).
const SQLITE_SCHEMA: &str = "SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '') AS line \
                             FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1";

/// The PostgreSQL schema of the test's own schema (its `search_path`): columns, constraints,
/// indexes, sequences, triggers, functions and views.
const POSTGRES_SCHEMA: &str = "\
    SELECT 'column ' || table_name || '.' || column_name || ' #' || ordinal_position || ' ' || data_type \
        || coalesce(' collate ' || collation_name, '') || ' null ' || is_nullable \
        || coalesce(' default ' || column_default, '') AS line \
    FROM information_schema.columns WHERE table_schema = current_schema() \
    UNION ALL \
    SELECT 'constraint ' || rel.relname || '.' || con.conname || ': ' || pg_get_constraintdef(con.oid) \
    FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid \
    WHERE con.connamespace = current_schema()::regnamespace \
    UNION ALL \
    SELECT 'index ' || tablename || '.' || indexname || ': ' || indexdef \
    FROM pg_indexes WHERE schemaname = current_schema() \
    UNION ALL \
    SELECT 'sequence ' || sequence_name || ' ' || data_type || ' from ' || start_value \
    FROM information_schema.sequences WHERE sequence_schema = current_schema() \
    UNION ALL \
    SELECT 'trigger ' || c.relname || '.' || t.tgname || ': ' || pg_get_triggerdef(t.oid) \
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
    WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace \
    UNION ALL \
    SELECT 'function ' || p.proname || ': ' || pg_get_functiondef(p.oid) \
    FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace \
    UNION ALL \
    SELECT 'view ' || table_name || ': ' || view_definition \
    FROM information_schema.views WHERE table_schema = current_schema() \
    ORDER BY 1";

#[derive(diesel::QueryableByName)]
struct SchemaLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

fn dump<C>(conn: &mut C, query: &str) -> Vec<String>
where
    C: Connection,
    for<'a> diesel::query_builder::SqlQuery: LoadQuery<'a, C, SchemaLine>,
{
    let lines: Vec<SchemaLine> = diesel::sql_query(query).load(conn).unwrap();
    lines.into_iter().map(|l| l.line).collect()
}

/// Runs every migration, then reverts them one by one (dumping the schema after each), then runs
/// them one by one again, comparing each step's schema with the one dumped at that step before.
fn check_each_step_reverts<C, S>(conn: &mut C, migrations: impl Fn() -> S, schema: &str)
where
    C: Connection + MigrationHarness<C::Backend>,
    S: MigrationSource<C::Backend>,
    for<'a> diesel::query_builder::SqlQuery: LoadQuery<'a, C, SchemaLine>,
{
    let empty = dump(conn, schema);
    let applied: Vec<String> =
        conn.run_pending_migrations(migrations()).unwrap().iter().map(ToString::to_string).collect();
    assert!(applied.len() > 1, "migrations ran: {applied:?}");
    // `down[k]`: the schema with the first k migrations applied.
    let mut down = vec![Vec::new(); applied.len() + 1];
    down[applied.len()] = dump(conn, schema);
    for k in (0..applied.len()).rev() {
        let reverted = conn.revert_last_migration(migrations()).unwrap().to_string();
        assert_eq!(reverted, applied[k]);
        down[k] = dump(conn, schema);
    }
    // Down to nothing but diesel's own table of applied migrations.
    let leftovers: Vec<&String> =
        down[0].iter().filter(|line| !empty.contains(line) && !line.contains("__diesel_schema_migrations")).collect();
    assert!(leftovers.is_empty(), "left after reverting every migration: {leftovers:#?}");
    for (k, name) in applied.iter().enumerate() {
        let ran = conn.run_next_migration(migrations()).unwrap().to_string();
        assert_eq!(&ran, name);
        assert_schema_eq(&down[k + 1], &dump(conn, schema), &format!("after {name} ran again"));
    }
    assert!(conn.run_pending_migrations(migrations()).unwrap().is_empty());
}

/// Compares the schema at one step on the way down and on the way up; a failure names the lines
/// (table, column, index, trigger) only one side has.
#[track_caller]
fn assert_schema_eq(down: &[String], up: &[String], when: &str) {
    let only_down: Vec<&String> = down.iter().filter(|l| !up.contains(l)).collect();
    let only_up: Vec<&String> = up.iter().filter(|l| !down.contains(l)).collect();
    assert!(
        only_down.is_empty() && only_up.is_empty() && down == up,
        "schema {when} differs from the one at that step on the way down.\n\
         only on the way down: {only_down:#?}\nonly on the way up: {only_up:#?}"
    );
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

/// Tables whose writes do not move the data version that validates conditional GETs (see
/// migration 2026-12-10-000000_data_versions for why each): every other table must.
const UNVERSIONED_TABLES: [&str; 12] = [
    "contact_block_tallies",
    "contact_blocks",
    "contact_name_block_tallies",
    "contact_name_blocks",
    "contact_tallies",
    "contacts_search",
    "data_versions",
    "login_throttles",
    "rate_limits",
    "webhook_deliveries",
    "webhook_events",
    "webhook_payloads",
];

/// A table added without the data version's triggers would let a conditional GET answer 304
/// for an answer that changed: every table has them, or is one of the exceptions above.
#[test]
fn every_table_moves_the_data_version() {
    let db = TestDb::sqlite();
    let mut conn = diesel::SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
    conn.run_pending_migrations(SQLITE_MIGRATIONS).unwrap();
    // Each table, then `:` and the operations of its data-version triggers (FTS5's own shadow
    // tables, `contacts_search_*`, are the search index's).
    let tables = dump(
        &mut conn,
        "SELECT t.name || ':' || coalesce((SELECT group_concat(op, ',') FROM (SELECT substr(g.name, length(t.name) + 15) AS op \
         FROM sqlite_master g WHERE g.type = 'trigger' AND g.tbl_name = t.name \
         AND g.name LIKE t.name || '_data_version_%' ORDER BY 1)), '') AS line \
         FROM sqlite_master t WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%' \
         AND t.name NOT LIKE '__diesel%' AND t.name NOT LIKE 'contacts_search_%' ORDER BY 1",
    );
    check_versioned(&tables, "delete,insert,update");
    if let Some(server) = TestDb::postgres_server() {
        let db = TestDb::postgres(server);
        let mut conn = diesel::PgConnection::establish(&db.url).unwrap();
        conn.run_pending_migrations(POSTGRES_MIGRATIONS).unwrap();
        let tables = dump(
            &mut conn,
            "SELECT c.relname || ':' || coalesce(string_agg(CASE WHEN pg_get_triggerdef(t.oid) \
             LIKE '%AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE%FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()' \
             THEN 'all' END, ','), '') AS line \
             FROM pg_class c LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal \
             WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace \
             AND c.relname NOT LIKE '__diesel%' GROUP BY c.relname ORDER BY 1",
        );
        check_versioned(&tables, "all");
    }
}

#[track_caller]
fn check_versioned(tables: &[String], triggers: &str) {
    assert!(tables.len() > 20, "{tables:?}");
    let wrong: Vec<&String> = tables
        .iter()
        .filter(|line| {
            let (table, has) = line.split_once(':').unwrap();
            let wanted = if UNVERSIONED_TABLES.contains(&table) { "" } else { triggers };
            has != wanted
        })
        .collect();
    assert!(wrong.is_empty(), "tables (with their data-version triggers) that are not as they should: {wrong:?}");
}
