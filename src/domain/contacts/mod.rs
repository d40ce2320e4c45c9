//! Contacts: their input, details and includes, lists and exports, and writes, one module
//! each; who may see what is `domain::visibility`. Everything callers use is re-exported here.

mod details;
pub mod filters;
mod includes;
mod input;
mod listing;
mod writes;

use crate::db::DbConnection;
use crate::domain::access::CurrentUser;
use crate::domain::permissions::Permission;
use crate::domain::visibility;
use crate::error::Error;

/// A contact's status as stored and sent (`STATUSES`); lists leave archived ones out.
pub use crate::store::contacts::{STATUS_ACTIVE, STATUS_ARCHIVED};
/// A contact's visibility as stored and sent: 0 project, 1 public, 2 private.
pub use crate::store::contacts::{VISIBILITY_PRIVATE, VISIBILITY_PROJECT, VISIBILITY_PUBLIC};
pub use details::{load_details, ContactDetails, Includes, ProjectLink};
pub use filters::FilterExpr;
pub use includes::load_includes;
pub use input::{AddressInput, AvatarInput, ContactInput};
pub use input::{CONTACT_METHODS, EMAIL_TYPES, PHONE_TYPES, STATUSES};
pub use listing::{employees, export, export_batch, list, reports, search, ContactFilters, Export};
pub use writes::{
    activate, add_project, archive, create, create_from_form, delete, new_row, remove_project, search_text,
    set_primary, update, upsert_external,
};

/// A contact the user may see (404 when missing, 403 when hidden), with its details and the
/// includes asked for.
pub fn show(conn: &mut DbConnection, user: &CurrentUser, id: i32, inc: Includes) -> Result<ContactDetails, Error> {
    let row = visibility::find_contact_row(conn, user, id)?;
    let mut contact = details::load_one(conn, row)?;
    includes::load_includes(conn, user, std::slice::from_mut(&mut contact), inc)?;
    Ok(contact)
}

/// `show` of many contacts (no includes) in a constant number of queries: those `user` may see,
/// and the ids of those hidden; ids of no contact are in neither.
pub fn show_many(
    conn: &mut DbConnection,
    user: &CurrentUser,
    ids: &[i32],
) -> Result<(Vec<ContactDetails>, Vec<i32>), Error> {
    let (visible, hidden) = visibility::split_contacts(conn, user, ids)?;
    let mut contacts = details::load_details(conn, visible)?;
    includes::load_includes(conn, user, &mut contacts, Includes::default())?;
    Ok((contacts, hidden.iter().map(|row| row.id).collect()))
}

/// `show` through a project (`/projects/:project/contacts/:id`): a contact outside that
/// project, like an unknown project, is not found there.
pub fn show_in_project(
    conn: &mut DbConnection,
    user: &CurrentUser,
    project_ref: &str,
    id: i32,
    inc: Includes,
) -> Result<ContactDetails, Error> {
    let project = crate::store::projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    let contact = show(conn, user, id, inc)?;
    if !contact.projects.iter().any(|p| p.id == project.id) {
        return Err(Error::NotFound);
    }
    Ok(contact)
}

/// One contact as a vCard: visible, and `export_contacts` in one of its projects.
pub fn export_one(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<ContactDetails, Error> {
    let (row, _) = visibility::find_contact_allowing(conn, user, id, Permission::ExportContacts)?;
    details::load_one(conn, row)
}
