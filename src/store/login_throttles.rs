//! Failed sign-ins per login and per client address (`domain::login_throttle` holds the rules).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::login_throttles;
use crate::db::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = login_throttles)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct ThrottleRow {
    pub scope: String,
    pub subject: String,
    pub failures: i32,
    pub window_started_on: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub lockouts: i32,
}

/// The rows of one login and one address, in one statement (a locked guess reads nothing else).
pub fn find_pair(
    conn: &mut DbConnection,
    (login_scope, login): (&str, &str),
    (address_scope, address): (&str, &str),
) -> QueryResult<Vec<ThrottleRow>> {
    login_throttles::table
        .filter(login_throttles::scope.eq(login_scope).and(login_throttles::subject.eq(login)))
        .or_filter(login_throttles::scope.eq(address_scope).and(login_throttles::subject.eq(address)))
        .select(ThrottleRow::as_select())
        .load(conn)
}

/// The row of (`scope`, `subject`), made from `fresh` if there was none, locked until the end
/// of the transaction on PostgreSQL (`FOR UPDATE`) so that two instances counting the same
/// failure at once both count it. On SQLite the caller's `BEGIN IMMEDIATE` already excludes
/// every other writer.
pub fn find_for_update(conn: &mut DbConnection, fresh: &ThrottleRow) -> QueryResult<ThrottleRow> {
    let key = (fresh.scope.as_str(), fresh.subject.as_str());
    // The multi-backend dialect has neither ON CONFLICT nor FOR UPDATE: each backend's own.
    match conn {
        DbConnection::Postgres(pg) => {
            diesel::insert_into(login_throttles::table).values(fresh).on_conflict_do_nothing().execute(pg)?;
            login_throttles::table.find(key).select(ThrottleRow::as_select()).for_update().first(pg)
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::insert_or_ignore_into(login_throttles::table).values(fresh).execute(sqlite)?;
            login_throttles::table.find(key).select(ThrottleRow::as_select()).first(sqlite)
        }
    }
}

pub fn save(conn: &mut DbConnection, row: &ThrottleRow) -> QueryResult<usize> {
    diesel::update(login_throttles::table.find((row.scope.as_str(), row.subject.as_str()))).set(row).execute(conn)
}

pub fn delete(conn: &mut DbConnection, scope: &str, subject: &str) -> QueryResult<usize> {
    diesel::delete(login_throttles::table.find((scope, subject))).execute(conn)
}

/// Deletes the rows of `scope` (all of them when `subject` is `None`); returns how many.
pub fn delete_scope(conn: &mut DbConnection, scope: &str, subject: Option<&str>) -> QueryResult<usize> {
    let mut query = diesel::delete(login_throttles::table).filter(login_throttles::scope.eq(scope)).into_boxed();
    if let Some(subject) = subject {
        query = query.filter(login_throttles::subject.eq(subject));
    }
    query.execute(conn)
}
