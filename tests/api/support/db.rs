//! A fresh database per test: a SQLite file in a temporary directory, or, with
//! `TEST_DATABASE_URL`, a new schema in that PostgreSQL database, dropped afterwards.

use diesel::connection::SimpleConnection;
use diesel::Connection;

pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server: String, schema: String },
}

impl TestDb {
    pub fn fresh() -> TestDb {
        match TestDb::postgres_server() {
            Some(server) => TestDb::postgres(server),
            None => TestDb::sqlite(),
        }
    }

    /// The PostgreSQL server of this run, if the suite runs on PostgreSQL.
    pub fn postgres_server() -> Option<String> {
        std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty())
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("contacts.db").display());
        TestDb { url, cleanup: Cleanup::Sqlite(dir) }
    }

    pub fn postgres(server: String) -> TestDb {
        let schema = format!("test_{}_{}", std::process::id(), rand_suffix());
        let mut conn = diesel::PgConnection::establish(&server).expect("connect to TEST_DATABASE_URL");
        // The search migration's extension lives in `public`, once per database; made here once
        // so parallel tests' migrations do not race to create it.
        static EXTENSION: std::sync::Once = std::sync::Once::new();
        EXTENSION.call_once(|| {
            conn.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public").expect("create pg_trgm");
        });
        conn.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("create a test schema");
        let separator = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{separator}options=-c%20search_path%3D{schema}");
        TestDb { url, cleanup: Cleanup::Postgres { server, schema } }
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{}", NEXT.fetch_add(1, Ordering::Relaxed), nanos)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { server, schema } = &self.cleanup {
            if let Ok(mut conn) = diesel::PgConnection::establish(server) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}
