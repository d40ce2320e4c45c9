//! Saved list queries: `GET /crm_queries?object_type=…`, creating and deleting them (Redmine
//! has only its web UI for that), and `query_id=` on the contacts and deals lists.
//!
//! A query stores the list parameters it stands for as a query string, so applying one is
//! reading the list's own filters from the saved parameters under the request's.

use super::access::CurrentUser;
use super::paging::{Page, Paging};
use super::permissions::Permission;
use crate::db::DbConnection;
use crate::error::Error;
use crate::store::now;
use crate::store::projects::{self as projects, ProjectRow};
use crate::store::queries::{self as store, NewQueryRow, QueryRow, VISIBILITY_PRIVATE, VISIBILITY_PUBLIC};

pub const CONTACT: &str = "contact";
pub const DEAL: &str = "deal";

/// The permission that lets a user read lists of `object_type`.
fn view_permission(object_type: &str) -> Permission {
    if object_type == DEAL {
        Permission::ViewDeals
    } else {
        Permission::ViewContacts
    }
}

/// The plugin's `CrmQuery.visible`: a global query or one in a project where the user may read
/// the list, and public or the user's own (admins included: others' private queries stay private).
fn visible(user: &CurrentUser, query: &QueryRow, project: Option<&ProjectRow>) -> bool {
    let in_reach = project.is_none_or(|p| user.allowed(p, view_permission(&query.object_type)));
    in_reach && (query.visibility == VISIBILITY_PUBLIC || query.user_id == Some(user.id))
}

/// `object_type` must be given and known, as in the plugin (404 otherwise).
fn object_type(text: Option<&str>) -> Result<&'static str, Error> {
    match text {
        Some(CONTACT) => Ok(CONTACT),
        Some(DEAL) => Ok(DEAL),
        _ => Err(Error::NotFound),
    }
}

pub fn list(
    conn: &mut DbConnection,
    user: &CurrentUser,
    kind: Option<&str>,
    paging: Paging,
) -> Result<Page<QueryRow>, Error> {
    let kind = object_type(kind)?;
    let rows = store::of_type(conn, kind)?;
    let mut project_ids: Vec<i32> = rows.iter().filter_map(|q| q.project_id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let projects = projects::find_many(conn, &project_ids)?;
    let visible: Vec<QueryRow> = rows
        .into_iter()
        .filter(|q| visible(user, q, q.project_id.and_then(|id| projects.iter().find(|p| p.id == id))))
        .collect();
    let total_count = visible.len() as i64;
    let items = visible
        .into_iter()
        .skip(usize::try_from(paging.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(paging.limit).unwrap_or(0))
        .collect();
    Ok(Page { items, total_count, paging })
}

/// A query to save, from `{"query": {"name", "object_type", "project_id", "is_public", "filters"}}`;
/// `filters` is a query string (`tags=vip&search=ann`) or an object of parameters.
#[derive(Debug, Clone)]
pub struct QueryInput {
    pub name: Option<String>,
    pub object_type: String,
    pub project_ref: Option<String>,
    pub is_public: bool,
    pub filters: String,
}

/// Saves a query. Anyone signed in may save a private one where they can read the list; a
/// public one needs manage_public_queries in its project, or admin for a global one.
pub fn create(conn: &mut DbConnection, user: &CurrentUser, input: QueryInput) -> Result<QueryRow, Error> {
    let mut errors = Vec::new();
    if input.name.is_none() {
        errors.push("Name cannot be blank".to_string());
    }
    let kind =
        object_type(Some(&input.object_type)).map_err(|_| Error::invalid("Object type is not included in the list"))?;
    let project = match &input.project_ref {
        Some(r) => match projects::find_by_ref(conn, r)? {
            Some(p) => Some(p),
            None => return Err(Error::invalid("Project is invalid")),
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    if let Some(p) = &project {
        user.require(p, view_permission(kind))?;
    }
    if input.is_public {
        match &project {
            Some(p) => user.require(p, Permission::ManagePublicQueries)?,
            None => user.require_admin()?,
        }
    }
    let row = NewQueryRow {
        name: input.name.unwrap_or_default(),
        object_type: kind.to_string(),
        project_id: project.map(|p| p.id),
        user_id: Some(user.id),
        visibility: if input.is_public { VISIBILITY_PUBLIC } else { VISIBILITY_PRIVATE },
        filters: input.filters,
        created_on: now(),
    };
    let id = store::insert(conn, &row)?;
    store::find(conn, id)?.ok_or(Error::NotFound)
}

/// Deletes a query: its owner or an admin.
pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    let query = find_visible(conn, user, id)?;
    if !(user.admin || query.user_id == Some(user.id)) {
        return Err(Error::Forbidden);
    }
    store::delete(conn, id)?;
    Ok(())
}

/// 404 when missing, 403 when the user may not see it.
fn find_visible(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<QueryRow, Error> {
    let query = store::find(conn, id)?.ok_or(Error::NotFound)?;
    let project = query.project_id.map(|id| projects::find(conn, id)).transpose()?;
    if !visible(user, &query, project.as_ref()) {
        return Err(Error::Forbidden);
    }
    Ok(query)
}

/// The saved query `id` of `kind` for a list: 404 when missing or of another kind, 403 when the
/// user may not see it (the plugin's rules).
pub fn find_for_list(conn: &mut DbConnection, user: &CurrentUser, kind: &str, id: i32) -> Result<QueryRow, Error> {
    let query = find_visible(conn, user, id)?;
    if query.object_type != kind {
        return Err(Error::NotFound);
    }
    Ok(query)
}
