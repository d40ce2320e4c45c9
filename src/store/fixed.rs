//! Statements whose text is written out once per backend, for the hottest reads. diesel keeps a
//! query prepared by its type only when every part of it has a static id; any other query it
//! renders to text on every run to find its prepared statement (boxed queries, `InIds`: 12% of
//! a show's CPU for the contact's details), and a `sql_query` it prepares afresh every time. A
//! `Fixed` statement has a static id, so a connection prepares it once and each run only binds.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::LoadQuery;
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

use crate::db::DbConnection;

/// A statement's text and binds on each backend: `sqlite` and `pg` push the same binds, in the
/// order their text uses them; the text must not depend on the binds' values.
pub trait FixedStatement: 'static {
    type SqlType;
    fn sqlite<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()>;
    fn pg<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

/// A `FixedStatement` as a query diesel keeps prepared (see the module).
pub struct Fixed<S>(pub S);

impl<S: FixedStatement> QueryId for Fixed<S> {
    type QueryId = S;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<S: FixedStatement> Query for Fixed<S> {
    type SqlType = S::SqlType;
}

impl<S: FixedStatement> QueryFragment<Sqlite> for Fixed<S> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.0.sqlite(out)
    }
}

impl<S: FixedStatement> QueryFragment<Pg> for Fixed<S> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.pg(out)
    }
}

impl<S, C> RunQueryDsl<C> for Fixed<S> {}

/// The rows of `statement`, run on the backend's own connection.
pub fn load<S, U>(conn: &mut DbConnection, statement: S) -> QueryResult<Vec<U>>
where
    S: FixedStatement,
    Fixed<S>: for<'a> LoadQuery<'a, diesel::SqliteConnection, U> + for<'a> LoadQuery<'a, diesel::PgConnection, U>,
{
    match conn {
        DbConnection::Sqlite(lite) => Fixed(statement).load(lite),
        DbConnection::Postgres(pg) => Fixed(statement).load(pg),
    }
}
