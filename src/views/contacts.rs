//! `contacts/show.api.rsb` and `contacts/index.api.rsb`.

use super::{navigated, PageLinks};
use crate::domain::contacts::{ContactDetails, Includes, STATUS_ACTIVE};
use crate::domain::countries::country_name;
use crate::domain::paging::{Neighbours, Page};
use crate::format::{Document, Element, List, Node};

pub fn show(c: &ContactDetails, inc: &Includes) -> Document {
    let mut e = fields(c);
    e.value("created_on", c.row.created_on).value("updated_on", c.row.updated_on);
    if !c.projects.is_empty() {
        e.child("projects", projects(c));
    }
    included(&mut e, c, inc);
    Document::new("contact", e)
}

/// The lists `include=` asked for, after the contact's own fields.
fn included(e: &mut Element, c: &ContactDetails, inc: &Includes) {
    if inc.notes {
        e.child("notes", super::notes::embedded(c.notes.iter()));
    }
    if inc.contacts {
        let items =
            c.related.iter().map(|(id, name)| Element::new().with_attr("id", *id).with_attr("name", name).into());
        e.child("contacts", List::new("contact", items));
    }
    if inc.deals {
        e.child("deals", super::deals::embedded(c.deals.iter()));
    }
    if inc.issues {
        e.child("issues", super::issues::embedded(&c.issues));
    }
    if inc.tickets {
        e.child("tickets", super::issues::embedded(&c.issues));
    }
}

pub fn index(
    page: &Page<ContactDetails>,
    neighbours: &Neighbours,
    links: Option<&PageLinks>,
    inc: &Includes,
) -> Document {
    let list = navigated("contact", page, neighbours, links, |c| {
        let mut e = fields(c);
        if inc.projects {
            e.child("projects", projects(c));
        }
        e.value("created_on", c.row.created_on).value("updated_on", c.row.updated_on);
        included(&mut e, c, inc);
        e.into()
    });
    Document::new("contacts", list)
}

/// Items 1–10 of the plugin's template, shared by show and index.
fn fields(c: &ContactDetails) -> Element {
    let r = &c.row;
    let mut e = Element::new();
    e.value("id", r.id);
    if let Some(attachment) = c.avatar {
        e.child("avatar", Element::new().with_attr("attachment_id", attachment));
    }
    e.value("is_company", r.is_company)
        .value("first_name", &r.first_name)
        .value("last_name", r.last_name.as_deref())
        .value("middle_name", r.middle_name.as_deref())
        .value("company", r.company.as_deref())
        .value("website", r.website.as_deref())
        .value("skype_name", r.skype_name.as_deref())
        .value("birthday", r.birthday)
        .value("job_title", r.job_title.as_deref())
        .value("background", r.background.as_deref());
    if let Some((id, name)) = &c.author {
        e.reference("author", *id, name);
    }
    if let Some((id, name)) = &c.assigned_to {
        e.reference("assigned_to", *id, name);
    }
    e.value("visibility", r.visibility);
    e.child("address", address(c));
    if let Some(phones) = typed_list("phone", "number", &r.phones, &r.phone_types) {
        e.child("phones", phones);
    }
    if let Some(emails) = typed_list("email", "address", &r.emails, &r.email_types) {
        e.child("emails", emails);
    }
    e.child("tag_list", Node::JoinedText(c.tags.clone()));
    if let Some(list) = super::custom_fields(&c.custom_fields) {
        e.child("custom_fields", list);
    }
    records(&mut e, c);
    e
}

/// The fields Redmine has no word for (issue 23), each only when it holds something other than
/// its default (no link, no text, `active`): what a Redmine client reads stays as it was.
fn records(e: &mut Element, c: &ContactDetails) {
    let r = &c.row;
    let ids = [
        ("company_id", r.company_id),
        ("primary_contact_id", r.primary_contact_id),
        ("reports_to_id", r.reports_to_id),
    ];
    for (name, id) in ids {
        if let Some(id) = id {
            e.value(name, id);
        }
    }
    let texts = [
        ("department", r.department.as_deref()),
        ("preferred_contact_method", r.preferred_contact_method.as_deref()),
        ("status", Some(r.status.as_str()).filter(|s| *s != STATUS_ACTIVE)),
        ("external_id", r.external_id.as_deref()),
    ];
    for (name, text) in texts {
        if let Some(text) = text {
            e.value(name, text);
        }
    }
}

/// `phones`/`emails`: one element per stored item, with its `type` when it has one; none for an
/// empty list (the plugin leaves it out).
fn typed_list(item: &'static str, key: &'static str, stored: &str, types: &str) -> Option<List> {
    let values = split_list(stored);
    if values.is_empty() {
        return None;
    }
    // Types stored one per item; a list written without them (or out of step) is untyped.
    let types: Vec<&str> = types.split(',').collect();
    let typed = types.len() == values.len();
    let items = values.into_iter().enumerate().map(|(i, value)| {
        let mut e = Element::new();
        e.value(key, value);
        if let Some(kind) = types.get(i).filter(|t| typed && !t.is_empty()) {
            e.value("type", *kind);
        }
        e.into()
    });
    Some(List::new(item, items))
}

fn split_list(stored: &str) -> Vec<&str> {
    stored.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

fn address(c: &ContactDetails) -> Element {
    let r = &c.row;
    let country = r.country_code.as_deref().and_then(country_name);
    let parts = [
        r.street1.as_deref(),
        r.street2.as_deref(),
        r.city.as_deref(),
        r.postcode.as_deref(),
        r.region.as_deref(),
        country,
    ];
    let full: Vec<&str> = parts.into_iter().flatten().filter(|p| !p.trim().is_empty()).collect();
    let blank = full.is_empty() && r.country_code.is_none();
    let mut e = Element::new();
    e.value("full_address", (!full.is_empty()).then(|| full.join(", ")))
        .value("street", r.street1.as_deref())
        .value("city", r.city.as_deref())
        .value("region", r.region.as_deref())
        .value("country", country);
    if !blank {
        e.value("country_code", r.country_code.as_deref());
    }
    e.value("postcode", r.postcode.as_deref());
    e
}

fn projects(c: &ContactDetails) -> List {
    List::new(
        "project",
        c.projects.iter().map(|p| Element::new().with_attr("id", p.id).with_attr("name", &p.name).into()),
    )
}
