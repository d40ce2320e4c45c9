//! Memberships: which users belong to a project, with which roles.

use super::access::CurrentUser;
use super::paging::{Page, Paging};
use super::permissions::Permission;
use super::projects::find_visible;
use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::members::{self as store, MembershipDetails};
use crate::store::{now, users};

/// `user_id` and `role_ids` of a membership.
#[derive(Debug, Clone, Default)]
pub struct MembershipInput {
    pub user_id: Option<i32>,
    pub role_ids: Option<Vec<i32>>,
}

fn check_roles(conn: &mut DbConnection, role_ids: &[i32]) -> Result<(), Error> {
    if role_ids.is_empty() {
        return Err(Error::invalid("Role cannot be empty"));
    }
    let known: Vec<i32> = store::roles(conn)?.into_iter().map(|r| r.id).collect();
    if role_ids.iter().all(|r| known.contains(r)) {
        Ok(())
    } else {
        Err(Error::invalid("Role is invalid"))
    }
}

pub fn list(
    conn: &mut DbConnection,
    user: &CurrentUser,
    project_ref: &str,
    paging: Paging,
) -> Result<Page<MembershipDetails>, Error> {
    let project = find_visible(conn, user, project_ref)?;
    let (total_count, items) = store::details(conn, Some(project.id), None, paging.offset, paging.limit)?;
    Ok(Page { items, total_count, paging })
}

pub fn show(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<MembershipDetails, Error> {
    let member = store::find(conn, id)?;
    find_visible(conn, user, &member.project_id.to_string())?;
    let (_, mut found) = store::details(conn, None, Some(id), 0, 1)?;
    found.pop().ok_or(Error::NotFound)
}

pub fn create(
    conn: &mut Conn,
    user: &CurrentUser,
    project_ref: &str,
    input: MembershipInput,
) -> Result<MembershipDetails, Error> {
    let project = find_visible(conn, user, project_ref)?;
    user.require(&project, Permission::ManageMembers)?;
    let user_id = input.user_id.ok_or_else(|| Error::invalid("User cannot be blank"))?;
    if !users::exists(conn, user_id)? {
        return Err(Error::invalid("User is invalid"));
    }
    let role_ids = input.role_ids.unwrap_or_default();
    check_roles(conn, &role_ids)?;
    if store::find_by_user_project(conn, user_id, project.id)?.is_some() {
        return Err(Error::invalid("User has already been taken"));
    }
    let id = write_transaction(conn, |c| {
        let id = store::insert(c, user_id, project.id, now())?;
        store::set_roles(c, id, &role_ids)?;
        Ok::<_, diesel::result::Error>(id)
    })?;
    show(conn, user, id)
}

pub fn update(conn: &mut Conn, user: &CurrentUser, id: i32, input: MembershipInput) -> Result<(), Error> {
    let member = store::find(conn, id)?;
    let project = find_visible(conn, user, &member.project_id.to_string())?;
    user.require(&project, Permission::ManageMembers)?;
    if let Some(role_ids) = input.role_ids {
        check_roles(conn, &role_ids)?;
        write_transaction(conn, |c| store::set_roles(c, id, &role_ids))?;
    }
    Ok(())
}

pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    let member = store::find(conn, id)?;
    let project = find_visible(conn, user, &member.project_id.to_string())?;
    user.require(&project, Permission::ManageMembers)?;
    store::delete(conn, id)?;
    Ok(())
}
