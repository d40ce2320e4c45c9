//! Projects.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::projects;
use crate::db::DbConnection;

table_rows! {
    projects: ProjectRow, NewProjectRow {
        name: String,
        identifier: String,
        description: Option<String>,
        is_public: bool,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
    }
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = projects)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub is_public: Option<bool>,
    pub updated_on: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewProjectRow) -> QueryResult<i32> {
    diesel::insert_into(projects::table).values(row).returning(projects::id).get_result(conn)
}

/// A project by numeric id or by identifier, as Redmine's `Project.find` takes either.
pub fn find_by_ref(conn: &mut DbConnection, reference: &str) -> QueryResult<Option<ProjectRow>> {
    // No identifier holds a NUL byte, and PostgreSQL refuses one in a text parameter outright
    // (found by schemathesis: a 500 for `"project_id": "\u0000…"`).
    if reference.contains('\0') {
        return Ok(None);
    }
    let query = projects::table.select(ProjectRow::as_select());
    match reference.parse::<i32>() {
        Ok(id) => query.find(id).first(conn).optional(),
        Err(_) => query.filter(projects::identifier.eq(reference)).first(conn).optional(),
    }
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<ProjectRow> {
    projects::table.find(id).select(ProjectRow::as_select()).first(conn)
}

pub fn identifier_taken(conn: &mut DbConnection, identifier: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(projects::table.filter(projects::identifier.eq(identifier)))).get_result(conn)
}

/// Projects visible to a user: `member_of` plus public ones (`None` means every project).
pub fn list_visible(
    conn: &mut DbConnection,
    member_of: Option<&[i32]>,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<ProjectRow>)> {
    let mut count = projects::table.select(diesel::dsl::count_star()).into_boxed();
    let mut page = projects::table.select(ProjectRow::as_select()).order(projects::id.asc()).into_boxed();
    if let Some(ids) = member_of {
        count = count.filter(projects::is_public.eq(true).or(projects::id.eq_any(ids.to_vec())));
        page = page.filter(projects::is_public.eq(true).or(projects::id.eq_any(ids.to_vec())));
    }
    let total = count.get_result(conn)?;
    Ok((total, page.offset(offset).limit(limit).load(conn)?))
}

pub fn update(conn: &mut DbConnection, id: i32, changes: &ProjectChanges) -> QueryResult<usize> {
    diesel::update(projects::table.find(id)).set(changes).execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(projects::table.find(id)).execute(conn)
}

/// The projects these references (ids or identifiers) name, in one query.
pub fn find_by_refs(conn: &mut DbConnection, references: &[String]) -> QueryResult<Vec<ProjectRow>> {
    let ids: Vec<i32> = references.iter().filter_map(|r| r.parse().ok()).collect();
    let identifiers: Vec<&String> = references.iter().filter(|r| !r.contains('\0')).collect();
    if references.is_empty() {
        return Ok(Vec::new());
    }
    projects::table
        .filter(projects::id.eq_any(ids).or(projects::identifier.eq_any(identifiers)))
        .select(ProjectRow::as_select())
        .load(conn)
}

pub fn find_many(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<ProjectRow>> {
    projects::table.filter(projects::id.eq_any(ids)).select(ProjectRow::as_select()).load(conn)
}
