//! The database's data version (migration 2026-12-10-000000): a number that every committed
//! write to a table an answer reads makes larger, in the writing transaction.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::BigInt;
use diesel::{QueryResult, RunQueryDsl};

use crate::db::DbConnection;

const CURRENT: &str = "SELECT CAST(sum(version) AS BIGINT) FROM data_versions";

/// The data version now. Two reads give the same number only if no write committed between them.
pub fn current(conn: &mut DbConnection) -> QueryResult<i64> {
    // A statement with a static id, kept prepared (a `sql_query` is prepared on every run).
    crate::on_backend!(conn, |c| diesel::select(VersionColumn).get_result(c))
}

/// The data version as an expression: alone (`current`), or as a column of another statement
/// (the caller's row, `users`), read in that statement's snapshot: one statement fewer for
/// every GET with an API key.
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

impl<DB: Backend> QueryFragment<DB> for VersionColumn {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("(");
        out.push_sql(CURRENT);
        out.push_sql(")");
        Ok(())
    }
}
