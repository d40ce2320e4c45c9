//! `projects/show.api.rsb`, `projects/index.api.rsb` and memberships.

use super::paged;
use crate::domain::paging::Page;
use crate::format::{Document, Element, List, Node};
use crate::store::members::MembershipDetails;
use crate::store::projects::ProjectRow;

/// Redmine's project status: 1 is active.
const STATUS_ACTIVE: i32 = 1;

fn project(p: &ProjectRow) -> Element {
    let mut e = Element::new();
    e.value("id", p.id)
        .value("name", &p.name)
        .value("identifier", &p.identifier)
        .value("description", p.description.as_deref())
        .value("status", STATUS_ACTIVE)
        .value("is_public", p.is_public)
        .value("created_on", p.created_on)
        .value("updated_on", p.updated_on);
    e
}

pub fn show(p: &ProjectRow) -> Document {
    Document::new("project", project(p))
}

pub fn index(page: &Page<ProjectRow>) -> Document {
    Document::new("projects", paged("project", page, |p| project(p).into()))
}

fn membership(m: &MembershipDetails) -> Element {
    let roles = m.roles.iter().map(|(id, name)| Element::new().with_attr("id", *id).with_attr("name", name).into());
    let mut e = Element::new();
    e.value("id", m.id)
        .reference("project", m.project.0, &m.project.1)
        .reference("user", m.user.0, &m.user.1)
        .child("roles", List::new("role", roles));
    e
}

pub fn membership_show(m: &MembershipDetails) -> Document {
    Document::new("membership", membership(m))
}

pub fn memberships(page: &Page<MembershipDetails>) -> Document {
    Document::new("memberships", paged("membership", page, |m| Node::from(membership(m))))
}
