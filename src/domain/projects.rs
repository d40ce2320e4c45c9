//! Projects: creating (the creator becomes its Manager), reading, changing, deleting.

use super::access::CurrentUser;
use super::paging::{Page, Paging};
use super::permissions::Permission;
use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::projects::{self as store, NewProjectRow, ProjectChanges, ProjectRow};
use crate::store::{members, now};

#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub name: Option<String>,
    pub identifier: Option<String>,
    pub description: Option<Option<String>>,
    pub is_public: Option<bool>,
}

/// Redmine's identifier rule: lower-case letters, digits, dashes and underscores, starting with
/// a letter (so it can never be mistaken for an id).
pub fn identifier_is_valid(identifier: &str) -> bool {
    identifier.starts_with(|c: char| c.is_ascii_lowercase())
        && identifier.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A project by id or identifier that `user` may see: 404 when missing, 403 when hidden.
pub fn find_visible(conn: &mut DbConnection, user: &CurrentUser, reference: &str) -> Result<ProjectRow, Error> {
    let project = store::find_by_ref(conn, reference)?.ok_or(Error::NotFound)?;
    if user.can_see_project(&project) {
        Ok(project)
    } else {
        Err(Error::Forbidden)
    }
}

/// Creates a project: admins, and users with Redmine's global `add_project` (a role granting it
/// in any project); 403 for the rest.
pub fn create(conn: &mut Conn, user: &CurrentUser, input: ProjectInput) -> Result<ProjectRow, Error> {
    if !user.allowed_anywhere(Permission::AddProject) {
        return Err(Error::Forbidden);
    }
    let mut errors = Vec::new();
    if input.name.is_none() {
        errors.push("Name cannot be blank".to_string());
    }
    match &input.identifier {
        None => errors.push("Identifier cannot be blank".into()),
        Some(i) if store::identifier_taken(conn, i)? => errors.push("Identifier has already been taken".into()),
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let at = now();
    let row = NewProjectRow {
        name: input.name.unwrap_or_default(),
        identifier: input.identifier.unwrap_or_default(),
        description: input.description.flatten(),
        is_public: input.is_public.unwrap_or(true),
        created_on: at,
        updated_on: at,
    };
    let manager = members::role_by_name(conn, "Manager")?;
    let id = write_transaction(conn, |c| {
        let id = store::insert(c, &row)?;
        if let Some(role) = &manager {
            let member = members::insert(c, user.id, id, at)?;
            members::set_roles(c, member, &[role.id])?;
        }
        Ok::<_, diesel::result::Error>(id)
    })?;
    Ok(store::find(conn, id)?)
}

pub fn list(conn: &mut DbConnection, user: &CurrentUser, paging: Paging) -> Result<Page<ProjectRow>, Error> {
    let member_of: Option<Vec<i32>> = (!user.admin).then(|| user.memberships.0.keys().copied().collect());
    let (total_count, items) = store::list_visible(conn, member_of.as_deref(), paging.offset, paging.limit)?;
    Ok(Page { items, total_count, paging })
}

pub fn update(conn: &mut DbConnection, user: &CurrentUser, reference: &str, input: ProjectInput) -> Result<(), Error> {
    let project = find_visible(conn, user, reference)?;
    user.require(&project, Permission::EditProject)?;
    if input.identifier.as_ref().is_some_and(|i| *i != project.identifier) {
        return Err(Error::invalid("Identifier cannot be changed"));
    }
    let changes = ProjectChanges {
        name: input.name,
        description: input.description,
        is_public: input.is_public,
        updated_on: Some(now()),
    };
    store::update(conn, project.id, &changes)?;
    Ok(())
}

/// Deletes a project (admins). Its contacts lose the link; those left in no project stay, for
/// admins to find (`project_id=none`), fix, link to a project or delete, as Redmine keeps them.
pub fn delete(conn: &mut DbConnection, user: &CurrentUser, reference: &str) -> Result<(), Error> {
    let project = store::find_by_ref(conn, reference)?.ok_or(Error::NotFound)?;
    user.require_admin()?;
    store::delete(conn, project.id)?;
    Ok(())
}
