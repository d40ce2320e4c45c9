//! The schema's migrations, one folder per backend with the same names, both embedded in the
//! binary (`build.rs` rebuilds it when they change).

use diesel::migration::MigrationSource;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies the pending migrations of the connection's backend; how many there were.
pub fn run_pending(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| anyhow::anyhow!("migrating the database failed: {e}"))
}

/// Where a database's schema stands against this binary's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// No migrations table: not a contacts-server database (or an empty one).
    NotOurs,
    /// This many of this binary's migrations are not applied.
    Behind(usize),
    /// Every migration of this binary applied, and no other.
    Current,
    /// Every migration of this binary applied, and these it does not know (a newer binary's).
    Newer(Vec<String>),
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Reads the applied migrations without writing anything (diesel's own `applied_migrations`
/// creates its table when missing, which a check must not).
pub fn schema_state(conn: &mut DbConnection) -> anyhow::Result<SchemaState> {
    use diesel::RunQueryDsl;
    const TABLE: &str = "__diesel_schema_migrations";
    let (known, exists, applied) = match conn {
        DbConnection::Sqlite(c) => {
            let known = versions(MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS))?;
            let exists = diesel::sql_query(format!(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'"
            ))
            .get_result::<Count>(c)?;
            let applied = match exists.n {
                0 => Vec::new(),
                _ => diesel::sql_query(format!("SELECT version FROM {TABLE}")).load::<Version>(c)?,
            };
            (known, exists.n > 0, applied)
        }
        DbConnection::Postgres(c) => {
            let known = versions(MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS))?;
            let exists = diesel::sql_query(format!(
                "SELECT count(*) AS n FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '{TABLE}'"
            ))
            .get_result::<Count>(c)?;
            let applied = match exists.n {
                0 => Vec::new(),
                _ => diesel::sql_query(format!("SELECT version FROM {TABLE}")).load::<Version>(c)?,
            };
            (known, exists.n > 0, applied)
        }
    };
    if !exists {
        return Ok(SchemaState::NotOurs);
    }
    let applied: Vec<String> = applied.into_iter().map(|v| v.version).collect();
    let missing = known.iter().filter(|k| !applied.contains(k)).count();
    let unknown: Vec<String> = applied.into_iter().filter(|a| !known.contains(a)).collect();
    Ok(match (missing, unknown.is_empty()) {
        (0, true) => SchemaState::Current,
        (0, false) => SchemaState::Newer(unknown),
        (n, _) => SchemaState::Behind(n),
    })
}

fn versions<DB: diesel::backend::Backend>(
    migrations: diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>>,
) -> anyhow::Result<Vec<String>> {
    let migrations = migrations.map_err(|e| anyhow::anyhow!("reading the embedded migrations failed: {e}"))?;
    Ok(migrations.iter().map(|m| m.name().version().to_string()).collect())
}

/// One connection that cannot write: a SQLite file opened read-only (never created), or a
/// PostgreSQL session whose transactions are read-only. For `copy`'s source.
pub fn open_read_only(url: &str) -> anyhow::Result<DbConnection> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let parsed = super::DatabaseUrl::parse(url);
    match parsed.backend {
        super::Backend::Sqlite => {
            let path = std::path::Path::new(&parsed.target);
            if !path.is_file() {
                anyhow::bail!("{} does not exist or is not a file", path.display());
            }
            // A URI, so `mode=ro` applies; its own `%`, `?` and `#` are escaped.
            let escaped = parsed.target.replace('%', "%25").replace('?', "%3f").replace('#', "%23");
            let mut conn = diesel::SqliteConnection::establish(&format!("file:{escaped}?mode=ro"))
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
            conn.batch_execute("PRAGMA busy_timeout = 10000; SELECT count(*) FROM sqlite_master;")
                .map_err(|e| anyhow::anyhow!("{} is not a SQLite database ({e})", path.display()))?;
            Ok(DbConnection::Sqlite(conn))
        }
        super::Backend::Postgres => {
            let mut conn = diesel::PgConnection::establish(&parsed.target)
                .map_err(|e| anyhow::anyhow!("cannot connect to the source database: {e}"))?;
            conn.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")?;
            Ok(DbConnection::Postgres(conn))
        }
    }
}
