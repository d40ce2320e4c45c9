//! Roles and memberships: who belongs to which project with which roles.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{Integer, Nullable, Text};
use diesel::sqlite::Sqlite;

use super::fixed::{self, FixedStatement};
use crate::db::schema::{member_roles, members, projects, roles, users};
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = roles, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct RoleRow {
    pub id: i32,
    pub name: String,
    pub position: i32,
    pub permissions: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = members, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct MemberRow {
    pub id: i32,
    pub user_id: i32,
    pub project_id: i32,
    pub created_on: NaiveDateTime,
}

/// One role of a membership.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = member_roles, treat_none_as_default_value = false)]
pub struct MemberRoleRow {
    pub member_id: i32,
    pub role_id: i32,
}

pub fn roles(conn: &mut DbConnection) -> QueryResult<Vec<RoleRow>> {
    roles::table.select(RoleRow::as_select()).order(roles::position.asc()).load(conn)
}

pub fn role_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<RoleRow>> {
    roles::table.filter(roles::name.eq(name)).select(RoleRow::as_select()).first(conn).optional()
}

/// What every signed-in request reads, in one statement: the permissions `user_id` holds by
/// project (a row per role), and the public projects (`None` for their permissions).
pub fn access_of_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<(i32, Option<String>)>> {
    fixed::load(conn, AccessStatement { user_id })
}

struct AccessStatement {
    user_id: i32,
}

const ACCESS_ROLES: &str = "SELECT m.project_id, r.permissions FROM members AS m \
    JOIN member_roles AS mr ON mr.member_id = m.id JOIN roles AS r ON r.id = mr.role_id WHERE m.user_id = ";
const ACCESS_PUBLIC: &str = " UNION ALL SELECT p.id, NULL FROM projects AS p WHERE p.is_public";

impl FixedStatement for AccessStatement {
    type SqlType = (Integer, Nullable<Text>);

    fn sqlite<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(ACCESS_ROLES);
        out.push_bind_param::<Integer, _>(&self.user_id)?;
        out.push_sql(ACCESS_PUBLIC);
        Ok(())
    }

    fn pg<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(ACCESS_ROLES);
        out.push_bind_param::<Integer, _>(&self.user_id)?;
        out.push_sql(ACCESS_PUBLIC);
        Ok(())
    }
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<MemberRow> {
    members::table.find(id).select(MemberRow::as_select()).first(conn)
}

pub fn find_by_user_project(conn: &mut DbConnection, user_id: i32, project_id: i32) -> QueryResult<Option<MemberRow>> {
    members::table
        .filter(members::user_id.eq(user_id))
        .filter(members::project_id.eq(project_id))
        .select(MemberRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, user_id: i32, project_id: i32, at: NaiveDateTime) -> QueryResult<i32> {
    diesel::insert_into(members::table)
        .values((members::user_id.eq(user_id), members::project_id.eq(project_id), members::created_on.eq(at)))
        .returning(members::id)
        .get_result(conn)
}

/// Replaces the roles of a membership.
pub fn set_roles(conn: &mut DbConnection, member_id: i32, role_ids: &[i32]) -> QueryResult<()> {
    diesel::delete(member_roles::table.filter(member_roles::member_id.eq(member_id))).execute(conn)?;
    // One statement per row: the two-backend connection has no multi-row VALUES.
    for role_id in role_ids {
        diesel::insert_into(member_roles::table)
            .values((member_roles::member_id.eq(member_id), member_roles::role_id.eq(*role_id)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(members::table.find(id)).execute(conn)
}

/// A membership as shown: the member, its project and user names, and its roles.
#[derive(Debug, Clone)]
pub struct MembershipDetails {
    pub id: i32,
    pub project: (i32, String),
    pub user: (i32, String),
    pub roles: Vec<(i32, String)>,
}

/// Memberships of one project (or one membership by id), with names and roles, in two queries.
pub fn details(
    conn: &mut DbConnection,
    project_id: Option<i32>,
    member_id: Option<i32>,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<MembershipDetails>)> {
    load_details(conn, MemberFilter { project_id, member_id, user_id: None }, offset, limit)
}

/// Every membership of one user, oldest first, with names and roles.
pub fn of_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<MembershipDetails>> {
    let filter = MemberFilter { project_id: None, member_id: None, user_id: Some(user_id) };
    Ok(load_details(conn, filter, 0, i64::MAX)?.1)
}

/// Which memberships `load_details` reads (each `None` does not narrow).
struct MemberFilter {
    project_id: Option<i32>,
    member_id: Option<i32>,
    user_id: Option<i32>,
}

fn load_details(
    conn: &mut DbConnection,
    filter: MemberFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<MembershipDetails>)> {
    let MemberFilter { project_id, member_id, user_id } = filter;
    let mut count = members::table.select(diesel::dsl::count_star()).into_boxed();
    let mut page = members::table
        .inner_join(projects::table)
        .inner_join(users::table)
        .select((members::id, projects::id, projects::name, users::id, users::firstname, users::lastname))
        .order(members::id.asc())
        .into_boxed();
    if let Some(p) = project_id {
        count = count.filter(members::project_id.eq(p));
        page = page.filter(members::project_id.eq(p));
    }
    if let Some(m) = member_id {
        count = count.filter(members::id.eq(m));
        page = page.filter(members::id.eq(m));
    }
    if let Some(u) = user_id {
        count = count.filter(members::user_id.eq(u));
        page = page.filter(members::user_id.eq(u));
    }
    let total = count.get_result(conn)?;
    let rows: Vec<(i32, i32, String, i32, String, String)> = page.offset(offset).limit(limit).load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let role_rows: Vec<(i32, i32, String)> = member_roles::table
        .inner_join(roles::table)
        .filter(member_roles::member_id.eq_any(&ids))
        .select((member_roles::member_id, roles::id, roles::name))
        .order(roles::position.asc())
        .load(conn)?;
    let details = rows
        .into_iter()
        .map(|(id, pid, pname, uid, first, last)| MembershipDetails {
            id,
            project: (pid, pname),
            user: (uid, super::users::display_name(&first, &last)),
            roles: role_rows.iter().filter(|r| r.0 == id).map(|r| (r.1, r.2.clone())).collect(),
        })
        .collect();
    Ok((total, details))
}
