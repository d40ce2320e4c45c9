//! `users/show.api.rsb`, `users/index.api.rsb`, and roles.

use super::paged;
use crate::domain::paging::Page;
use crate::domain::permissions::Permissions;
use crate::domain::users::UserDetails;
use crate::format::{Document, Element, List, Node};
use crate::store::members::{MembershipDetails, RoleRow};
use crate::store::users::UserRow;

/// A user; `api_key` only when the reader is that user (Redmine shows it to its owner).
pub fn user(u: &UserRow, with_api_key: bool) -> Element {
    let mut e = Element::new();
    e.value("id", u.id)
        .value("login", &u.login)
        .value("admin", u.admin)
        .value("firstname", &u.firstname)
        .value("lastname", &u.lastname)
        .value("mail", u.mail.as_deref())
        .value("created_on", u.created_on)
        .value("updated_on", u.updated_on)
        .value("last_login_on", u.last_login_on);
    if with_api_key {
        e.value("api_key", &u.api_key);
    }
    e.value("status", u.status);
    e
}

pub fn show(u: &UserRow, with_api_key: bool) -> Document {
    Document::new("user", user(u, with_api_key))
}

/// A user with what was included: `memberships` as Redmine's `users/show.api.rsb` renders
/// them (each with its project and roles, not the user again).
pub fn show_details(d: &UserDetails, with_api_key: bool) -> Document {
    let mut e = user(&d.row, with_api_key);
    if let Some(memberships) = &d.memberships {
        e.child("memberships", List::new("membership", memberships.iter().map(|m| membership(m).into())));
    }
    Document::new("user", e)
}

fn membership(m: &MembershipDetails) -> Element {
    let roles = m.roles.iter().map(|(id, name)| Element::new().with_attr("id", *id).with_attr("name", name).into());
    let mut e = Element::new();
    e.value("id", m.id).reference("project", m.project.0, &m.project.1).child("roles", List::new("role", roles));
    e
}

pub fn index(page: &Page<UserRow>) -> Document {
    Document::new("users", paged("user", page, |u| user(u, false).into()))
}

pub fn roles(roles: &[RoleRow]) -> Document {
    let items = roles.iter().map(|r| {
        let permissions = Permissions::parse(&r.permissions).names().into_iter().map(Node::from);
        let mut e = Element::new();
        e.value("id", r.id).value("name", &r.name).child("permissions", List::new("permission", permissions));
        Node::from(e)
    });
    Document::new("roles", List::new("role", items))
}

pub fn role(r: &RoleRow) -> Document {
    let permissions = Permissions::parse(&r.permissions).names().into_iter().map(Node::from);
    let mut e = Element::new();
    e.value("id", r.id).value("name", &r.name).child("permissions", List::new("permission", permissions));
    Document::new("role", e)
}
