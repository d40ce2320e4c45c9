//! The database's data version (migration 2026-12-10-000000): a number that every committed
//! write to a table an answer reads makes larger, in the writing transaction.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::BigInt;
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

use super::fixed::{self, FixedStatement};
use crate::db::DbConnection;

/// Read by every GET for its `ETag`: kept prepared (`fixed`).
struct CurrentVersion;

const CURRENT: &str = "SELECT CAST(sum(version) AS BIGINT) FROM data_versions";

impl FixedStatement for CurrentVersion {
    type SqlType = BigInt;

    fn sqlite<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(CURRENT);
        Ok(())
    }

    fn pg<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(CURRENT);
        Ok(())
    }
}

/// The data version now. Two reads give the same number only if no write committed between them.
pub fn current(conn: &mut DbConnection) -> QueryResult<i64> {
    let rows: Vec<i64> = fixed::load(conn, CurrentVersion)?;
    rows.into_iter().next().ok_or(diesel::result::Error::NotFound)
}

/// The data version as a column of another statement (the caller's row, `users`), read in that
/// statement's snapshot: one statement fewer for every GET with an API key.
#[derive(Debug, Clone, Copy)]
pub struct VersionColumn;

impl Expression for VersionColumn {
    type SqlType = BigInt;
}

impl<QS> AppearsOnTable<QS> for VersionColumn {}

impl<QS> SelectableExpression<QS> for VersionColumn {}

impl<G> ValidGrouping<G> for VersionColumn {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryId for VersionColumn {
    type QueryId = VersionColumn;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Sqlite> for VersionColumn {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("(");
        out.push_sql(CURRENT);
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<Pg> for VersionColumn {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("(");
        out.push_sql(CURRENT);
        out.push_sql(")");
        Ok(())
    }
}
