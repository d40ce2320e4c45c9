//! Web forms and their scoped keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::web_forms;
use crate::db::DbConnection;

table_rows! {
    web_forms: WebFormRow, NewWebFormRow {
        project_id: i32,
        name: String,
        form_key: String,
        key_digest: String,
        success_url: Option<String>,
        allowed_origins: String,
        default_tags: String,
        default_assignee_id: Option<i32>,
        author_id: Option<i32>,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
    }
}

impl WebFormRow {
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.allowed_origins.lines().map(str::trim).filter(|o| !o.is_empty())
    }
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = web_forms)]
pub struct WebFormChanges {
    pub name: Option<String>,
    pub success_url: Option<Option<String>>,
    pub allowed_origins: Option<String>,
    pub default_tags: Option<String>,
    pub default_assignee_id: Option<Option<i32>>,
    pub updated_on: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewWebFormRow) -> QueryResult<i32> {
    diesel::insert_into(web_forms::table).values(row).returning(web_forms::id).get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<WebFormRow>> {
    web_forms::table.find(id).select(WebFormRow::as_select()).first(conn).optional()
}

pub fn find_by_digest(conn: &mut DbConnection, digest: &str) -> QueryResult<Option<WebFormRow>> {
    web_forms::table.filter(web_forms::key_digest.eq(digest)).select(WebFormRow::as_select()).first(conn).optional()
}

pub fn of_project(conn: &mut DbConnection, project_id: i32) -> QueryResult<Vec<WebFormRow>> {
    web_forms::table
        .filter(web_forms::project_id.eq(project_id))
        .select(WebFormRow::as_select())
        .order(web_forms::id.asc())
        .load(conn)
}

/// Every form's allowed origins, for answering CORS preflights (which carry no key).
pub fn all_origins(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    web_forms::table.select(web_forms::allowed_origins).load(conn)
}

pub fn update(conn: &mut DbConnection, id: i32, changes: &WebFormChanges) -> QueryResult<usize> {
    diesel::update(web_forms::table.find(id)).set(changes).execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(web_forms::table.find(id)).execute(conn)
}
