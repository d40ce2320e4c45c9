//! Webhooks and their delivery log in the API. A hook's secret is shown in full only in the
//! answer to its creation; afterwards its last 4 characters.

use crate::domain::paging::Page;
use crate::domain::webhooks::Webhook;
use crate::format::{Document, Element, List, Node};
use crate::store::webhooks::{DeliveryRow, PENDING};

pub fn index(hooks: &[Webhook]) -> Document {
    Document::new("webhooks", List::new("webhook", hooks.iter().map(|h| Node::from(fields(h)))))
}

pub fn show(hook: &Webhook) -> Document {
    Document::new("webhook", fields(hook))
}

fn fields(h: &Webhook) -> Element {
    let mut e = Element::new();
    e.value("id", h.row.id);
    match &h.project {
        Some((id, name)) => e.reference("project", *id, name),
        None => e.value("project", None::<i32>),
    };
    e.value("url", &h.row.url)
        .child("events", List::new("event", h.events().into_iter().map(Node::from)))
        .value("format", &h.row.format)
        .value("active", h.row.active);
    match &h.secret_shown {
        Some(secret) => e.value("secret", secret.as_str()),
        None => e.value("secret_last4", h.secret_hint()),
    };
    e.value("disabled_reason", h.row.disabled_reason.as_deref())
        .value("created_on", h.row.created_on)
        .value("updated_on", h.row.updated_on);
    e
}

pub fn deliveries(page: &Page<DeliveryRow>) -> Document {
    Document::new(
        "deliveries",
        List::new("delivery", page.items.iter().map(|d| Node::from(delivery_fields(d))))
            .meta("total_count", page.total_count)
            .meta("offset", page.paging.offset)
            .meta("limit", page.paging.limit),
    )
}

pub fn delivery(d: &DeliveryRow) -> Document {
    Document::new("delivery", delivery_fields(d))
}

fn delivery_fields(d: &DeliveryRow) -> Element {
    let mut e = Element::new();
    e.value("id", d.id)
        .value("webhook_id", d.webhook_id)
        .value("event", &d.event)
        .value("status", &d.status)
        .value("attempts", d.attempts)
        .value("last_response_code", d.last_response_code)
        .value("last_response_body", d.last_response_body.as_deref())
        // While an attempt is in flight its claim's end is stored there: not a planned attempt.
        .value("next_attempt_at", d.next_attempt_at.filter(|_| d.status == PENDING))
        .value("occurred_at", d.occurred_at)
        .value("queued_on", d.queued_on)
        .value("delivered_on", d.delivered_on);
    e
}
