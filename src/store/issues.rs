//! The minimal issues contacts link to.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::projects::ProjectRow;
use crate::db::schema::{contacts_issues, issues, projects};
use crate::db::DbConnection;

table_rows! {
    issues: IssueRow, NewIssueRow {
        project_id: i32,
        subject: String,
        status: String,
        tracker: String,
        due_date: Option<NaiveDate>,
        assigned_to_id: Option<i32>,
        author_id: Option<i32>,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
    }
}

/// A contact's link to an issue.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = contacts_issues, treat_none_as_default_value = false)]
pub struct ContactIssueRow {
    pub contact_id: i32,
    pub issue_id: i32,
}

pub fn insert(conn: &mut DbConnection, row: &NewIssueRow) -> QueryResult<i32> {
    diesel::insert_into(issues::table).values(row).returning(issues::id).get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<(IssueRow, ProjectRow)>> {
    issues::table
        .inner_join(projects::table)
        .filter(issues::id.eq(id))
        .select((IssueRow::as_select(), ProjectRow::as_select()))
        .first(conn)
        .optional()
}

pub fn link(conn: &mut DbConnection, contact_id: i32, issue_id: i32) -> QueryResult<()> {
    let linked: bool = diesel::select(diesel::dsl::exists(
        contacts_issues::table
            .filter(contacts_issues::contact_id.eq(contact_id))
            .filter(contacts_issues::issue_id.eq(issue_id)),
    ))
    .get_result(conn)?;
    if !linked {
        diesel::insert_into(contacts_issues::table)
            .values((contacts_issues::contact_id.eq(contact_id), contacts_issues::issue_id.eq(issue_id)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn unlink(conn: &mut DbConnection, contact_id: i32, issue_id: i32) -> QueryResult<usize> {
    diesel::delete(
        contacts_issues::table
            .filter(contacts_issues::contact_id.eq(contact_id))
            .filter(contacts_issues::issue_id.eq(issue_id)),
    )
    .execute(conn)
}

/// (contact id, issue, its project) for many contacts, in one query.
pub fn of_contacts(conn: &mut DbConnection, contact_ids: &[i32]) -> QueryResult<Vec<(i32, IssueRow, ProjectRow)>> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    contacts_issues::table
        .inner_join(issues::table.inner_join(projects::table))
        .filter(contacts_issues::contact_id.eq_any(contact_ids))
        .select((contacts_issues::contact_id, IssueRow::as_select(), ProjectRow::as_select()))
        .order(issues::id.asc())
        .load(conn)
}
