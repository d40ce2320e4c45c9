//! The webhook delivery worker, one per instance (started by `app::serve`): it turns the outbox
//! into deliveries (`domain::webhooks::prepare`, rendering each record with the API's views and
//! renderers, as GET shows it to the hook's owner), claims the due ones, sends them
//! (`client`) and keeps each outcome (`domain::webhooks::advance`, one transaction a round). It
//! sits beside `api`: it calls the domain and renders with `views` and `format`.

pub mod client;

use std::collections::HashMap;
use std::time::Duration;

use crate::config::WebhookSettings;
use crate::db::{Db, DbConnection};
use crate::domain::access::CurrentUser;
use crate::domain::contacts::{self, Includes};
use crate::domain::webhooks::{self as hooks, RecordKind};
use crate::domain::{deals, notes};
use crate::error::Error;
use crate::format::{json, xml, Document, Element};
use crate::store::webhooks::{DeliveryRow, WebhookRow};
use crate::views;

/// Deliveries one worker sends at once.
const CLAIM_BATCH: usize = 256;

/// How long the worker lets work gather after a round that did not fill its batches: a round
/// costs SQLite's one writer a transaction whatever its size, so a busy server's events go out
/// in fuller rounds, at most this much later.
const GATHER: Duration = Duration::from_millis(50);

/// What one round found.
enum Round {
    Idle,
    Some,
    /// A whole batch: more is likely waiting.
    Full,
}

/// The attempts of the last round, kept by the next round's transaction.
type Finished = Vec<(DeliveryRow, WebhookRow, hooks::Attempt)>;

/// Runs the worker until the server stops.
pub async fn run(db: Db, settings: WebhookSettings) {
    let client = client::build(settings.allow_private, settings.timeout);
    let mut finished = Finished::new();
    loop {
        match work(&db, &client, &settings, std::mem::take(&mut finished)).await {
            Ok((Round::Full, sent)) => finished = sent,
            Ok((Round::Some, sent)) => {
                finished = sent;
                actix_web::rt::time::sleep(GATHER.min(settings.poll)).await
            }
            Ok((Round::Idle, _)) => actix_web::rt::time::sleep(settings.poll).await,
            // The attempts whose outcomes were not kept are sent again once their claim lapses.
            Err(e) => {
                tracing::warn!("webhook worker: {e:#}");
                actix_web::rt::time::sleep(settings.poll).await;
            }
        }
    }
}

/// One round: renders the outbox's new events, then in one transaction keeps the last round's
/// outcomes, queues the new deliveries and claims the due ones; sends those at once and returns
/// their attempts.
async fn work(
    db: &Db,
    client: &reqwest::Client,
    settings: &WebhookSettings,
    finished: Finished,
) -> Result<(Round, Finished), Error> {
    let dispatch = db.run_uncounted(|conn| hooks::prepare(conn, &mut Views)).await?;
    let events = dispatch.as_ref().map_or(0, hooks::Dispatch::events);
    // A claim outlives the longest attempt, so only a crashed worker's claims lapse.
    let lease = settings.timeout + Duration::from_secs(5);
    let retry = settings.retry;
    let had_outcomes = !finished.is_empty();
    let claimed =
        db.run_uncounted(move |conn| hooks::advance(conn, &finished, dispatch, retry, CLAIM_BATCH, lease)).await?;
    let sends = claimed.iter().map(|(delivery, hook, data)| {
        let out = client::Outgoing {
            url: &hook.url,
            delivery_id: delivery.id,
            event: &delivery.event,
            secret: &hook.secret,
            content_type: if hook.format == "xml" { "application/xml" } else { "application/json" },
            body: envelope(delivery, data, &hook.format),
        };
        client::send(client, out, settings.allow_private)
    });
    let attempts = futures_util::future::join_all(sends).await;
    let round = if events == hooks::DISPATCH_BATCH || claimed.len() == CLAIM_BATCH {
        Round::Full
    } else if events > 0 || !claimed.is_empty() || had_outcomes {
        Round::Some
    } else {
        Round::Idle
    };
    let sent =
        claimed.into_iter().zip(attempts).map(|((delivery, hook, _), attempt)| (delivery, hook, attempt)).collect();
    Ok((round, sent))
}

/// Renders what events show, with the API's own views and renderers (see
/// `domain::webhooks::Render`).
struct Views;

impl hooks::Render for Views {
    fn records(
        &mut self,
        conn: &mut DbConnection,
        owner: &CurrentUser,
        kind: RecordKind,
        ids: &[i32],
        format: &str,
    ) -> Result<HashMap<i32, Option<String>>, Error> {
        let mut shown = HashMap::new();
        if kind == RecordKind::Contact {
            let (visible, hidden) = contacts::show_many(conn, owner, ids)?;
            for contact in visible {
                let doc = views::contacts::show(&contact, &Includes::default());
                shown.insert(contact.row.id, Some(data(&doc, format)));
            }
            shown.extend(hidden.into_iter().map(|id| (id, None)));
            return Ok(shown);
        }
        // Deals and notes change far less often: one at a time.
        for &id in ids {
            let found = match kind {
                RecordKind::Deal => deals::show(conn, owner, id, false).map(|d| views::deals::show(&d, false)),
                _ => notes::show(conn, owner, id).map(|n| views::notes::show(&n)),
            };
            match found {
                Ok(doc) => shown.insert(id, Some(data(&doc, format))),
                Err(Error::Forbidden) => shown.insert(id, None),
                Err(Error::NotFound) => None,
                Err(e) => return Err(e),
            };
        }
        Ok(shown)
    }

    fn gone(&mut self, kind: RecordKind, id: i32, format: &str) -> String {
        data(&gone(kind.name(), id), format)
    }
}

/// A deleted record's data: its id.
fn gone(root: &'static str, id: i32) -> Document {
    let mut e = Element::new();
    e.value("id", id);
    Document::new(root, e)
}

/// A document as the API would answer it, without the XML declaration (it goes inside the
/// delivery's envelope).
pub fn data(doc: &Document, format: &str) -> String {
    if format == "xml" {
        let text = String::from_utf8_lossy(&xml::render(doc)).into_owned();
        match text.split_once("?>") {
            Some((_, rest)) if text.starts_with("<?xml") => rest.to_string(),
            _ => text,
        }
    } else {
        String::from_utf8_lossy(&json::render(doc)).into_owned()
    }
}

/// The body sent: `{event, id, occurred_at, data}` (or `<webhook>` with the same children),
/// the same bytes on every attempt.
fn envelope(delivery: &DeliveryRow, data: &str, format: &str) -> Vec<u8> {
    let occurred_at = delivery.occurred_at.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    if format == "xml" {
        let event = quick_xml::escape::escape(delivery.event.as_str());
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><webhook><event>{event}</event><id>{}</id><occurred_at>{occurred_at}</occurred_at><data>{}</data></webhook>"#,
            delivery.id, data
        )
        .into_bytes()
    } else {
        let event = serde_json::Value::from(delivery.event.as_str());
        format!(r#"{{"event":{event},"id":{},"occurred_at":"{occurred_at}","data":{}}}"#, delivery.id, data)
            .into_bytes()
    }
}
