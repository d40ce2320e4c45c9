//! Web forms: a project's public contact form, each with a scoped key that can do one thing —
//! create contacts in that project — so no user's API key has to sit in public HTML.

use super::access::CurrentUser;
use super::permissions::Permission;
use super::users::{generate_api_key, key_digest};
use crate::db::DbConnection;
use crate::error::Error;
use crate::store::projects::{self as projects, ProjectRow};
use crate::store::web_forms::{self as store, NewWebFormRow, WebFormChanges, WebFormRow};
use crate::store::{now, users};

#[derive(Debug, Clone, Default)]
pub struct WebFormInput {
    pub name: Option<String>,
    pub success_url: Option<Option<String>>,
    pub allowed_origins: Option<Vec<String>>,
    pub default_tags: Option<String>,
    pub default_assignee_id: Option<Option<i32>>,
}

impl WebFormInput {
    /// Origins must be bare `scheme://host[:port]`, the success URL an absolute http(s) URL.
    pub fn check(&self) -> Result<(), Error> {
        let mut errors = Vec::new();
        if let Some(origins) = &self.allowed_origins {
            if origins.iter().any(|o| origin_of(o).as_deref() != Some(o.to_ascii_lowercase().as_str())) {
                errors.push("Allowed origins is invalid (each one scheme://host[:port])".to_string());
            }
        }
        if let Some(Some(url)) = &self.success_url {
            if !is_redirect_url(url) {
                errors.push("Success URL is invalid".to_string());
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errors))
        }
    }
}

/// Whether `url` can be sent as a redirect's Location: an absolute http(s) URL of visible ASCII
/// only, since a line break would end the header and non-ASCII is not allowed in one.
pub fn is_redirect_url(url: &str) -> bool {
    origin_of(url).is_some() && url.bytes().all(|b| b.is_ascii_graphic())
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased; `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains(['@', ' ', '\\']) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

impl WebFormRow {
    /// Where a browser may be sent after a post: the success URL's origin and the allowed ones.
    pub fn allows_redirect_to(&self, url: &str) -> bool {
        let Some(target) = origin_of(url) else { return false };
        self.success_url.as_deref().and_then(origin_of).as_deref() == Some(target.as_str())
            || self.origins().any(|o| o.eq_ignore_ascii_case(&target))
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins().any(|o| o.eq_ignore_ascii_case(origin.trim_end_matches('/')))
    }
}

fn managed_project(conn: &mut DbConnection, user: &CurrentUser, project_ref: &str) -> Result<ProjectRow, Error> {
    let project = projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    user.require(&project, Permission::ManageContacts)?;
    Ok(project)
}

/// A form the user manages (manage_contacts in its project).
pub fn find_managed(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<WebFormRow, Error> {
    let form = store::find(conn, id)?.ok_or(Error::NotFound)?;
    let project = projects::find(conn, form.project_id)?;
    user.require(&project, Permission::ManageContacts)?;
    Ok(form)
}

pub fn list(conn: &mut DbConnection, user: &CurrentUser, project_ref: &str) -> Result<Vec<WebFormRow>, Error> {
    let project = managed_project(conn, user, project_ref)?;
    Ok(store::of_project(conn, project.id)?)
}

fn check_assignee(conn: &mut DbConnection, id: Option<Option<i32>>) -> Result<(), Error> {
    match id {
        Some(Some(id)) if !users::exists(conn, id)? => Err(Error::invalid("Default assignee is invalid")),
        _ => Ok(()),
    }
}

/// Creates a form and its key; `user` is its author (`None` from the command line).
pub fn create(
    conn: &mut DbConnection,
    user: Option<&CurrentUser>,
    project_ref: &str,
    input: WebFormInput,
) -> Result<WebFormRow, Error> {
    let project = match user {
        Some(user) => managed_project(conn, user, project_ref)?,
        None => projects::find_by_ref(conn, project_ref)?.ok_or_else(|| Error::invalid("Project is invalid"))?,
    };
    input.check()?;
    let name = input.name.ok_or_else(|| Error::invalid("Name cannot be blank"))?;
    check_assignee(conn, input.default_assignee_id)?;
    let key = generate_api_key();
    let at = now();
    let row = NewWebFormRow {
        project_id: project.id,
        name,
        key_digest: key_digest(&key),
        form_key: key,
        success_url: input.success_url.flatten(),
        allowed_origins: input.allowed_origins.unwrap_or_default().join("\n"),
        default_tags: input.default_tags.unwrap_or_default(),
        default_assignee_id: input.default_assignee_id.flatten(),
        author_id: user.map(|u| u.id),
        created_on: at,
        updated_on: at,
    };
    let id = store::insert(conn, &row)?;
    store::find(conn, id)?.ok_or(Error::NotFound)
}

pub fn update(conn: &mut DbConnection, user: &CurrentUser, id: i32, input: WebFormInput) -> Result<(), Error> {
    find_managed(conn, user, id)?;
    check_assignee(conn, input.default_assignee_id)?;
    let changes = WebFormChanges {
        name: input.name,
        success_url: input.success_url,
        allowed_origins: input.allowed_origins.map(|o| o.join("\n")),
        default_tags: input.default_tags,
        default_assignee_id: input.default_assignee_id,
        updated_on: Some(now()),
    };
    store::update(conn, id, &changes)?;
    Ok(())
}

/// Deletes a form; its key stops working at once.
pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    find_managed(conn, user, id)?;
    store::delete(conn, id)?;
    Ok(())
}

/// The form a scoped key belongs to.
pub fn by_key(conn: &mut DbConnection, key: &str) -> Result<Option<WebFormRow>, Error> {
    Ok(store::find_by_digest(conn, &key_digest(key))?)
}

/// Whether any form allows `origin` (CORS preflights carry no key).
pub fn origin_allowed(conn: &mut DbConnection, origin: &str) -> Result<bool, Error> {
    let origin = origin.trim_end_matches('/');
    Ok(store::all_origins(conn)?.iter().flat_map(|list| list.lines()).any(|o| o.trim().eq_ignore_ascii_case(origin)))
}
