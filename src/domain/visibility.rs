//! Who may see which contact and deal: the plugin's rules (REDMINE_CRM.md §3.7) for one record
//! and for lists. A leaf of the domain: contacts, deals, notes, issues, attachments and tags
//! all ask it, and it asks none of them.

use super::access::CurrentUser;
use super::permissions::Permission;
use crate::db::DbConnection;
use crate::error::Error;
use crate::store::contacts::{self as store, ContactRow, Visibility, VISIBILITY_PRIVATE, VISIBILITY_PUBLIC};
use crate::store::deals::{self as deal_store, DealRow};
use crate::store::projects::{self, ProjectRow};

/// The plugin's `visible?` (REDMINE_CRM.md §3.7), with `view_private_contacts` read as a
/// superset of `view_contacts`: admins everything; a public contact whoever reads contacts in
/// some project; a project contact whoever reads contacts in one of its projects; a private
/// one whoever holds `view_private_contacts` in one of its projects, or reads contacts there
/// and wrote it or is assigned it. The projects come from the row's own list of them, as
/// lists read them, so a show and a list never disagree.
pub fn can_view_contact(user: &CurrentUser, row: &ContactRow) -> bool {
    allows(&contacts_for(user), row)
}

/// Whether `visibility` (a reader's, from `contacts_for`) lets its reader see `row`.
fn allows(visibility: &Visibility, row: &ContactRow) -> bool {
    match visibility {
        Visibility::All => true,
        Visibility::User { user_id, projects, private_projects } => {
            let in_any = |readable: &[i32]| {
                row.project_ids
                    .split(',')
                    .filter_map(|id| id.parse().ok())
                    .any(|id| readable.binary_search(&id).is_ok())
            };
            match row.visibility {
                VISIBILITY_PUBLIC => !projects.is_empty(),
                VISIBILITY_PRIVATE => {
                    let own = row.author_id == Some(*user_id) || row.assigned_to_id == Some(*user_id);
                    in_any(private_projects) || (own && in_any(projects))
                }
                _ => in_any(projects),
            }
        }
    }
}

/// Which of `ids` name contacts `user` may see.
pub fn contacts_among(conn: &mut DbConnection, user: &CurrentUser, ids: &[i32]) -> Result<Vec<ContactRow>, Error> {
    Ok(split_contacts(conn, user, ids)?.0)
}

/// The contacts of `ids`, those `user` may see and those hidden (ids of no contact are in neither).
pub fn split_contacts(
    conn: &mut DbConnection,
    user: &CurrentUser,
    ids: &[i32],
) -> Result<(Vec<ContactRow>, Vec<ContactRow>), Error> {
    // The reader's projects once, not once a row.
    let visibility = contacts_for(user);
    Ok(store::find_many(conn, ids)?.into_iter().partition(|row| allows(&visibility, row)))
}

/// The contact `id` and its projects when `user` may see it and `permission` holds in one of
/// its projects (add_notes, …); 404 when missing, 403 otherwise.
pub fn find_contact_allowing(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    permission: Permission,
) -> Result<(ContactRow, Vec<ProjectRow>), Error> {
    let (row, projects) = find_contact(conn, user, id)?;
    if can_on_contact(user, permission, &row, &projects) {
        Ok((row, projects))
    } else {
        Err(Error::Forbidden)
    }
}

/// Visible, and `permission` in one of its projects (edit_contacts, delete_contacts). Admins
/// always: a contact whose last project was deleted stays theirs to fix or remove.
pub fn can_on_contact(user: &CurrentUser, permission: Permission, row: &ContactRow, projects: &[ProjectRow]) -> bool {
    user.admin || (can_view_contact(user, row) && projects.iter().any(|p| user.allowed(p, permission)))
}

/// The contact `id` if `user` may see it: 404 when missing, 403 when hidden.
pub fn find_contact_row(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<ContactRow, Error> {
    let row = store::find(conn, id)?.ok_or(Error::NotFound)?;
    if can_view_contact(user, &row) {
        Ok(row)
    } else {
        Err(Error::Forbidden)
    }
}

/// The contact `id` and its projects if `user` may see it: 404 when missing, 403 when hidden.
pub fn find_contact(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
) -> Result<(ContactRow, Vec<ProjectRow>), Error> {
    let row = find_contact_row(conn, user, id)?;
    let projects = store::project_rows(conn, id)?;
    Ok((row, projects))
}

/// Which contacts `user` may see, for every list and count.
pub fn contacts_for(user: &CurrentUser) -> Visibility {
    if user.admin {
        Visibility::All
    } else {
        Visibility::User {
            user_id: user.id,
            projects: user.projects_reading_contacts(),
            private_projects: user.projects_allowing(Permission::ViewPrivateContacts),
        }
    }
}

/// The deal `id` and its project when `user` has `permission` there (view_deals included):
/// 404 missing, 403 not.
pub fn find_deal_allowing(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    permission: Permission,
) -> Result<(DealRow, ProjectRow), Error> {
    let row = deal_store::find(conn, id)?.ok_or(Error::NotFound)?;
    let project = projects::find(conn, row.project_id)?;
    if !user.allowed(&project, Permission::ViewDeals) {
        return Err(Error::Forbidden);
    }
    user.require(&project, permission)?;
    Ok((row, project))
}
