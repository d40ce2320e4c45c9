//! The database's data version (migration 2026-12-10-000000): a number that every committed
//! write to a table an answer reads makes larger, in the writing transaction.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::DbConnection;

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// The data version now. Two reads give the same number only if no write committed between them.
pub fn current(conn: &mut DbConnection) -> QueryResult<i64> {
    let query = diesel::sql_query("SELECT CAST(sum(version) AS BIGINT) AS version FROM data_versions");
    let row: Version = match conn {
        DbConnection::Postgres(pg) => query.get_result(pg)?,
        DbConnection::Sqlite(lite) => query.get_result(lite)?,
    };
    Ok(row.version)
}
