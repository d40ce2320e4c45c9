//! API request counts per bucket and window, summed over every instance (`api::rate_limit`
//! counts in memory and reconciles through `domain::rate_limits`).

use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::schema::rate_limits;
use crate::db::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = rate_limits)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct HitsRow {
    pub bucket: String,
    pub window_start: i64,
    pub hits: i32,
}

/// Adds each row's hits to the stored count (a new row if none), in one statement. Callers
/// sort `rows`, so that two instances lock the same rows in the same order.
pub fn add(conn: &mut DbConnection, rows: &[HitsRow]) -> QueryResult<usize> {
    // The multi-backend dialect has no ON CONFLICT: each backend's own.
    match conn {
        DbConnection::Postgres(pg) => diesel::insert_into(rate_limits::table)
            .values(rows)
            .on_conflict((rate_limits::bucket, rate_limits::window_start))
            .do_update()
            .set(rate_limits::hits.eq(rate_limits::hits + excluded(rate_limits::hits)))
            .execute(pg),
        DbConnection::Sqlite(sqlite) => diesel::insert_into(rate_limits::table)
            .values(rows)
            .on_conflict((rate_limits::bucket, rate_limits::window_start))
            .do_update()
            .set(rate_limits::hits.eq(rate_limits::hits + excluded(rate_limits::hits)))
            .execute(sqlite),
    }
}

/// Deletes the counts of windows that started before `window_start`.
pub fn delete_before(conn: &mut DbConnection, window_start: i64) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(window_start))).execute(conn)
}

/// Every bucket's total in the window that began at `window_start`.
pub fn in_window(conn: &mut DbConnection, window_start: i64) -> QueryResult<Vec<HitsRow>> {
    rate_limits::table.filter(rate_limits::window_start.eq(window_start)).select(HitsRow::as_select()).load(conn)
}
