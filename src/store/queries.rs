//! Saved list queries (`crm_queries`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::crm_queries;
use crate::db::DbConnection;

pub const VISIBILITY_PRIVATE: i32 = 0;
pub const VISIBILITY_PUBLIC: i32 = 2;

table_rows! {
    crm_queries: QueryRow, NewQueryRow {
        name: String,
        object_type: String,
        project_id: Option<i32>,
        user_id: Option<i32>,
        visibility: i32,
        /// The list parameters the query stands for, as a query string.
        filters: String,
        created_on: NaiveDateTime,
    }
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<QueryRow>> {
    crm_queries::table.find(id).select(QueryRow::as_select()).first(conn).optional()
}

/// Every query of a type, by name; the caller filters what a user may see (the table stays
/// small: saved queries are made by hand).
pub fn of_type(conn: &mut DbConnection, object_type: &str) -> QueryResult<Vec<QueryRow>> {
    crm_queries::table
        .filter(crm_queries::object_type.eq(object_type))
        .select(QueryRow::as_select())
        .order((crm_queries::name.asc(), crm_queries::id.asc()))
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &NewQueryRow) -> QueryResult<i32> {
    diesel::insert_into(crm_queries::table).values(row).returning(crm_queries::id).get_result(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(crm_queries::table.find(id)).execute(conn)
}
