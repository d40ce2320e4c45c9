//! `deals/show.api.rsb`, `deals/index.api.rsb`, statuses and categories.

use chrono::NaiveTime;

use super::paged;
use crate::domain::deals::DealDetails;
use crate::domain::paging::Page;
use crate::format::{Document, Element, List, Node, Scalar};
use crate::store::deals::{CategoryRow, StatusRow};

/// A price as Ruby's BigDecimal prints it (`3000.0`, `12.5`, `0.05`): a string in both formats,
/// as the plugin renders it.
pub fn price(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (whole, frac) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    match frac {
        0 => format!("{sign}{whole}.0"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// Fields shared by show, index and deals embedded in a contact.
fn fields(d: &DealDetails) -> Element {
    let r = &d.row;
    let mut e = Element::new();
    e.value("id", r.id)
        .value("name", &r.name)
        .value("price", r.price_cents.map(price))
        .value("currency", r.currency.as_deref())
        .value("price_type", Scalar::Null)
        .value("probability", r.probability)
        // The plugin's due_date is a timestamp column: midnight UTC.
        .value("due_date", r.due_date.map(|d| d.and_time(NaiveTime::MIN)))
        .value("background", r.background.as_deref())
        .reference("project", d.project.0, &d.project.1);
    if let Some((id, name)) = &d.status {
        e.reference("status", *id, name);
    }
    if let Some((id, name)) = &d.category {
        e.reference("category", *id, name);
    }
    if let Some((id, name)) = &d.author {
        e.reference("author", *id, name);
    }
    if let Some((id, name)) = &d.contact {
        e.reference("contact", *id, name);
    }
    if let Some((id, name)) = &d.assigned_to {
        e.reference("assigned_to", *id, name);
    }
    if let Some(list) = super::custom_fields(&d.custom_fields) {
        e.child("custom_fields", list);
    }
    e.value("created_on", r.created_on).value("updated_on", r.updated_on);
    e
}

pub fn show(d: &DealDetails, with_notes: bool) -> Document {
    let mut e = fields(d);
    if with_notes {
        e.child("notes", super::notes::embedded(d.notes.iter()));
    }
    Document::new("deal", e)
}

pub fn index(page: &Page<DealDetails>) -> Document {
    Document::new("deals", paged("deal", page, |d| fields(d).into()))
}

/// The `deals` list embedded in a contact with `include=deals`.
pub fn embedded<'a>(deals: impl Iterator<Item = &'a DealDetails>) -> List {
    List::new("deal", deals.map(|d| Node::from(fields(d))))
}

pub fn statuses(statuses: &[StatusRow]) -> Document {
    let items = statuses.iter().map(|s| {
        let mut e = Element::new();
        e.value("id", s.id)
            .value("name", &s.name)
            .value("position", s.position)
            .value("is_default", s.is_default)
            .value("status_type", s.status_type)
            .value("color", s.color);
        Node::from(e)
    });
    Document::new("deal_statuses", List::new("deal_status", items).meta("total_count", statuses.len() as i64))
}

fn category(c: &CategoryRow) -> Element {
    let mut e = Element::new();
    e.value("id", c.id).value("name", &c.name);
    e
}

pub fn categories(categories: &[CategoryRow]) -> Document {
    let items = categories.iter().map(|c| Node::from(category(c)));
    Document::new("deal_categories", List::new("deal_category", items).meta("total_count", categories.len() as i64))
}

pub fn category_show(c: &CategoryRow) -> Document {
    Document::new("deal_category", category(c))
}

#[cfg(test)]
mod tests {
    #[test]
    fn prices_print_like_bigdecimal() {
        for (cents, text) in
            [(300000, "3000.0"), (1250, "12.5"), (1234, "12.34"), (5, "0.05"), (-50, "-0.5"), (0, "0.0")]
        {
            assert_eq!(super::price(cents), text);
        }
    }
}
