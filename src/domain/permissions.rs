//! Project permissions, named as the plugin names them, and what a user may do where.

use std::collections::HashMap;

/// One permission a role can grant in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewContacts,
    AddContacts,
    EditContacts,
    DeleteContacts,
    ViewPrivateContacts,
    AddNotes,
    DeleteNotes,
    DeleteOwnNotes,
    ViewDeals,
    AddDeals,
    EditDeals,
    DeleteDeals,
    ManageDeals,
    ManageContacts,
    ImportContacts,
    ExportContacts,
    EditProject,
    ManageMembers,
    /// Global in Redmine: held in any project (or by the non-member role), it allows creating
    /// projects.
    AddProject,
    /// Saving a query that others see (`is_public`).
    ManagePublicQueries,
    /// Registering the project's webhooks (`domain::webhooks`).
    ManageWebhooks,
}

impl Permission {
    pub const ALL: [Permission; 21] = [
        Permission::ViewContacts,
        Permission::AddContacts,
        Permission::EditContacts,
        Permission::DeleteContacts,
        Permission::ViewPrivateContacts,
        Permission::AddNotes,
        Permission::DeleteNotes,
        Permission::DeleteOwnNotes,
        Permission::ViewDeals,
        Permission::AddDeals,
        Permission::EditDeals,
        Permission::DeleteDeals,
        Permission::ManageDeals,
        Permission::ManageContacts,
        Permission::ImportContacts,
        Permission::ExportContacts,
        Permission::EditProject,
        Permission::ManageMembers,
        Permission::AddProject,
        Permission::ManagePublicQueries,
        Permission::ManageWebhooks,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::ViewContacts => "view_contacts",
            Permission::AddContacts => "add_contacts",
            Permission::EditContacts => "edit_contacts",
            Permission::DeleteContacts => "delete_contacts",
            Permission::ViewPrivateContacts => "view_private_contacts",
            Permission::AddNotes => "add_notes",
            Permission::DeleteNotes => "delete_notes",
            Permission::DeleteOwnNotes => "delete_own_notes",
            Permission::ViewDeals => "view_deals",
            Permission::AddDeals => "add_deals",
            Permission::EditDeals => "edit_deals",
            Permission::DeleteDeals => "delete_deals",
            Permission::ManageDeals => "manage_deals",
            Permission::ManageContacts => "manage_contacts",
            Permission::ImportContacts => "import_contacts",
            Permission::ExportContacts => "export_contacts",
            Permission::EditProject => "edit_project",
            Permission::ManageMembers => "manage_members",
            Permission::AddProject => "add_project",
            Permission::ManagePublicQueries => "manage_public_queries",
            Permission::ManageWebhooks => "manage_webhooks",
        }
    }

    pub fn from_name(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of permissions (a role's, or the union of a member's roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions(u32);

impl Permissions {
    /// What a logged-in user who is not a member gets in a public project (Redmine's
    /// "Non member" role): reading only.
    pub const NON_MEMBER: Permissions =
        Permissions((1 << Permission::ViewContacts as u32) | (1 << Permission::ViewDeals as u32));

    /// Parses the comma-separated list stored with a role; unknown names are skipped.
    pub fn parse(list: &str) -> Permissions {
        list.split(',').filter_map(|n| Permission::from_name(n.trim())).collect()
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    pub fn names(self) -> Vec<&'static str> {
        Permission::ALL.into_iter().filter(|p| self.contains(*p)).map(Permission::name).collect()
    }

    pub fn to_stored(self) -> String {
        self.names().join(",")
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Permissions {
        Permissions(iter.into_iter().fold(0, |acc, p| acc | p.bit()))
    }
}

/// The projects a user belongs to and what their roles grant there.
#[derive(Debug, Clone, Default)]
pub struct Memberships(pub HashMap<i32, Permissions>);

impl Memberships {
    pub fn get(&self, project_id: i32) -> Option<Permissions> {
        self.0.get(&project_id).copied()
    }
}
