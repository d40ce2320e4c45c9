//! The signed-in user as the rules see them, and the questions asked of them.

use super::permissions::{Memberships, Permission, Permissions};
use crate::error::Error;
use crate::store::projects::ProjectRow;

/// The authenticated user of a request, with their memberships loaded once.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub login: String,
    pub firstname: String,
    pub lastname: String,
    pub admin: bool,
    pub memberships: Memberships,
    /// The public projects (empty for admins), read with the memberships on every request:
    /// a non-member reads contacts there through Redmine's non-member role.
    pub public_projects: Vec<i32>,
}

impl CurrentUser {
    /// What the user may do in `project`: admins everything, members their roles' union,
    /// others the non-member reading rights of a public project.
    pub fn permissions_in(&self, project: &ProjectRow) -> Permissions {
        if self.admin {
            return Permission::ALL.into_iter().collect();
        }
        match self.memberships.get(project.id) {
            Some(p) => p,
            None if project.is_public => Permissions::NON_MEMBER,
            None => Permissions::default(),
        }
    }

    pub fn allowed(&self, project: &ProjectRow, permission: Permission) -> bool {
        self.permissions_in(project).contains(permission)
    }

    /// `Ok` when allowed, else 403.
    pub fn require(&self, project: &ProjectRow, permission: Permission) -> Result<(), Error> {
        if self.allowed(project, permission) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// The projects (not for admins: they read all) where the user holds `permission`: their
    /// memberships that grant it, and the public projects they are not a member of when the
    /// non-member role grants it (reading only). Sorted, for binary searches.
    pub fn projects_allowing(&self, permission: Permission) -> Vec<i32> {
        let mut ids: Vec<i32> =
            self.memberships.0.iter().filter(|(_, p)| p.contains(permission)).map(|(id, _)| *id).collect();
        if Permissions::NON_MEMBER.contains(permission) {
            ids.extend(self.public_projects.iter().filter(|id| self.memberships.get(**id).is_none()));
        }
        ids.sort_unstable();
        ids
    }

    /// Where the user may read contacts: `view_contacts`, or `view_private_contacts`, which
    /// the plugin maps to the same actions and which we treat as its superset (REDMINE_CRM.md
    /// §3.7). Sorted.
    pub fn projects_reading_contacts(&self) -> Vec<i32> {
        let mut ids = self.projects_allowing(Permission::ViewContacts);
        ids.extend(self.projects_allowing(Permission::ViewPrivateContacts));
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Whether the user may read the contacts of `project` (see `projects_reading_contacts`).
    pub fn reads_contacts_in(&self, project: &ProjectRow) -> bool {
        let held = self.permissions_in(project);
        held.contains(Permission::ViewContacts) || held.contains(Permission::ViewPrivateContacts)
    }

    /// Redmine's `allowed_to_globally?`: `permission` in at least one project (admins always).
    pub fn allowed_anywhere(&self, permission: Permission) -> bool {
        self.admin || !self.projects_allowing(permission).is_empty()
    }

    /// A project the user may see at all: public, a member's, or any for an admin.
    pub fn can_see_project(&self, project: &ProjectRow) -> bool {
        self.admin || project.is_public || self.memberships.get(project.id).is_some()
    }

    pub fn require_admin(&self) -> Result<(), Error> {
        if self.admin {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// Who is asking: nobody, a user, or a web form's scoped key.
#[derive(Debug, Clone)]
pub enum Viewer {
    Anonymous,
    User(std::sync::Arc<CurrentUser>),
    /// A web form's key: it may create contacts in the form's project and nothing else.
    Form(std::sync::Arc<crate::store::web_forms::WebFormRow>),
}

impl Viewer {
    /// The user, or 401 with a challenge: every API route needs one. A form key is 403 here.
    pub fn user(&self) -> Result<std::sync::Arc<CurrentUser>, Error> {
        match self {
            Viewer::User(u) => Ok(u.clone()),
            Viewer::Anonymous => Err(Error::Unauthenticated { challenge: true }),
            Viewer::Form(_) => Err(Error::Forbidden),
        }
    }
}
