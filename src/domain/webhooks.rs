//! Webhooks: who may register them (admins for global hooks, `manage_webhooks` in a project for
//! its hooks), the events, the outbox a change writes in its own transaction (`record`), how the
//! outbox becomes deliveries (`prepare`, then `advance`) and how each attempt's outcome is kept
//! (`advance`, by the worker's next round).
//!
//! The HTTP side (rendering, signing, sending, refusing private addresses) is `crate::webhooks`'s:
//! this module hands it rows and takes back outcomes.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::NaiveDateTime;
use rand::Rng;

use super::access::CurrentUser;
use super::paging::{Page, Paging};
use super::permissions::Permission;
use super::users::current_user;
use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::projects::{self as projects, ProjectRow};
use crate::store::webhooks::{
    self as store, AttemptOutcome, DeliveryRow, EventRow, NewDeliveryRow, NewEventRow, NewPayloadRow, NewWebhookRow,
    WebhookChanges, WebhookRow, DELIVERED, FAILED, PENDING,
};
use crate::store::{now, users};

/// What a hook can hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    ContactCreated,
    ContactUpdated,
    ContactDeleted,
    /// Recorded by the contact status writes (`POST /contacts/:id/archive|activate`).
    ContactStatusChanged,
    /// Recorded by `POST /contacts/:id/set_primary`.
    ContactPrimarySet,
    NoteCreated,
    DealCreated,
    DealUpdated,
    /// Recorded beside `deal.updated` when an update changes the deal's status.
    DealStatusChanged,
}

/// The kind of record an event is about: what its data shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Contact,
    Note,
    Deal,
}

impl RecordKind {
    /// The record's name: its root element in the API, and its part of a delivery's record key.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Contact => "contact",
            RecordKind::Note => "note",
            RecordKind::Deal => "deal",
        }
    }
}

impl Event {
    pub const ALL: [Event; 9] = [
        Event::ContactCreated,
        Event::ContactUpdated,
        Event::ContactDeleted,
        Event::ContactStatusChanged,
        Event::ContactPrimarySet,
        Event::NoteCreated,
        Event::DealCreated,
        Event::DealUpdated,
        Event::DealStatusChanged,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Event::ContactCreated => "contact.created",
            Event::ContactUpdated => "contact.updated",
            Event::ContactDeleted => "contact.deleted",
            Event::ContactStatusChanged => "contact.status_changed",
            Event::ContactPrimarySet => "contact.primary_set",
            Event::NoteCreated => "note.created",
            Event::DealCreated => "deal.created",
            Event::DealUpdated => "deal.updated",
            Event::DealStatusChanged => "deal.status_changed",
        }
    }

    pub fn from_name(name: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.name() == name)
    }

    pub fn record_kind(self) -> RecordKind {
        match self {
            Event::NoteCreated => RecordKind::Note,
            Event::DealCreated | Event::DealUpdated | Event::DealStatusChanged => RecordKind::Deal,
            _ => RecordKind::Contact,
        }
    }

    /// Whether the record is gone: its data is then only its id.
    pub fn is_deletion(self) -> bool {
        self == Event::ContactDeleted
    }
}

/// Records `event` about a record of `project_ids` in the outbox. Call it inside the change's
/// write transaction, after the change's own writes (which lock the record's row): the event
/// commits or rolls back with the change, and one record's events are numbered in the order
/// its changes commit.
pub fn record(conn: &mut DbConnection, event: Event, record_id: i32, project_ids: &[i32]) -> diesel::QueryResult<()> {
    let project_ids = project_list(project_ids);
    store::insert_event(conn, &NewEventRow { event: event.name(), record_id, project_ids, occurred_at: now() })?;
    Ok(())
}

/// Records `event` about each of `records` (a record's id and its projects' ids) as `record`
/// does, for bulk writers: in the same place (the writes' transaction, after them), with
/// multi-row inserts. Only when some hook is active: a hook hears only events that occur after
/// its creation, and the worker queues deliveries to active hooks only, so with none the events
/// would be dropped unheard and a large import would pay for writing them. (On PostgreSQL a hook
/// registered while the writes are under way may miss them, as if registered a moment later.)
/// Returns how many were recorded.
pub fn record_all<'a>(
    conn: &mut DbConnection,
    event: Event,
    records: impl IntoIterator<Item = (i32, &'a [i32])>,
) -> diesel::QueryResult<usize> {
    if !store::any_active(conn)? {
        return Ok(0);
    }
    let occurred_at = now();
    let rows: Vec<NewEventRow> = records
        .into_iter()
        .map(|(record_id, project_ids)| NewEventRow {
            event: event.name(),
            record_id,
            project_ids: project_list(project_ids),
            occurred_at,
        })
        .collect();
    store::insert_events(conn, &rows)
}

/// Project ids as the outbox keeps them: comma-separated.
fn project_list(project_ids: &[i32]) -> String {
    project_ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

pub const FORMATS: [&str; 2] = ["json", "xml"];
const MAX_URL: usize = 2000;
const MAX_SECRET: usize = 255;

/// A hook as sent (`None`: not sent).
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub project_ref: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub secret: Option<String>,
    pub format: Option<String>,
    pub active: Option<bool>,
    pub errors: Vec<String>,
}

/// A hook and, once, on creation, its secret.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub row: WebhookRow,
    pub project: Option<(i32, String)>,
    /// The whole secret: only in the answer to its creation.
    pub secret_shown: Option<String>,
}

impl Webhook {
    /// What is shown of the secret after creation: its last 4 characters.
    pub fn secret_hint(&self) -> String {
        let chars: Vec<char> = self.row.secret.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }

    pub fn events(&self) -> Vec<String> {
        self.row.events.split(',').filter(|e| !e.is_empty()).map(str::to_string).collect()
    }
}

/// The problems of a URL that need no network: http or https, with a host.
pub fn check_url(url: &str) -> Result<url::Url, String> {
    if url.len() > MAX_URL {
        return Err(format!("Url is too long (maximum is {MAX_URL} characters)"));
    }
    let parsed = url::Url::parse(url).map_err(|_| "Url is invalid".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("Url must use http or https".to_string());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("Url is invalid".to_string());
    }
    Ok(parsed)
}

fn check_events(events: &[String], errors: &mut Vec<String>) -> String {
    if events.is_empty() {
        errors.push("Events cannot be blank".to_string());
    }
    for name in events {
        if name != "*" && Event::from_name(name).is_none() {
            errors.push(format!("Events contains an unknown event: {name}"));
        }
    }
    events.join(",")
}

fn check_fields(input: &WebhookInput, creating: bool, errors: &mut Vec<String>) -> WebhookChanges {
    let mut changes = WebhookChanges::default();
    match &input.url {
        Some(url) => match check_url(url) {
            Ok(_) => changes.url = Some(url.clone()),
            Err(message) => errors.push(message),
        },
        None if creating => errors.push("Url cannot be blank".to_string()),
        None => {}
    }
    match &input.events {
        Some(events) => changes.events = Some(check_events(events, errors)),
        None if creating => errors.push("Events cannot be blank".to_string()),
        None => {}
    }
    if let Some(format) = &input.format {
        if FORMATS.contains(&format.as_str()) {
            changes.format = Some(format.clone());
        } else {
            errors.push("Format is not included in the list".to_string());
        }
    }
    if let Some(secret) = &input.secret {
        if secret.is_empty() {
            errors.push("Secret cannot be blank".to_string());
        } else if secret.chars().count() > MAX_SECRET {
            errors.push(format!("Secret is too long (maximum is {MAX_SECRET} characters)"));
        } else {
            changes.secret = Some(secret.clone());
        }
    }
    changes.active = input.active;
    changes
}

/// 32 random hex characters, for a hook created without a secret.
fn new_secret() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Global hooks are an admin's; a project's need manage_webhooks there.
fn may_manage(user: &CurrentUser, project: Option<&ProjectRow>) -> Result<(), Error> {
    match project {
        None => user.require_admin(),
        Some(project) => user.require(project, Permission::ManageWebhooks),
    }
}

fn with_project(conn: &mut DbConnection, row: WebhookRow) -> Result<(Webhook, Option<ProjectRow>), Error> {
    let project = row.project_id.map(|id| projects::find(conn, id)).transpose()?;
    let named = project.as_ref().map(|p| (p.id, p.name.clone()));
    Ok((Webhook { row, project: named, secret_shown: None }, project))
}

/// A hook the user may manage (404 none, 403 not theirs to manage).
fn find_managed(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<Webhook, Error> {
    let row = store::find(conn, id)?.ok_or(Error::NotFound)?;
    let (hook, project) = with_project(conn, row)?;
    may_manage(user, project.as_ref())?;
    Ok(hook)
}

/// Registers a hook in `url_project` (the nested route), the body's `project_id`, or globally.
/// Where its URL resolves to is the caller's to check (this layer does not reach the network).
pub fn create(
    conn: &mut Conn,
    user: &CurrentUser,
    url_project: Option<&str>,
    input: WebhookInput,
) -> Result<Webhook, Error> {
    let mut errors = input.errors.clone();
    let project = match url_project {
        Some(r) => Some(projects::find_by_ref(conn, r)?.ok_or(Error::NotFound)?),
        None => match &input.project_ref {
            Some(r) => match projects::find_by_ref(conn, r)? {
                Some(p) => Some(p),
                None => return Err(Error::invalid("Project is invalid")),
            },
            None => None,
        },
    };
    may_manage(user, project.as_ref())?;
    let changes = check_fields(&input, true, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let at = now();
    let secret = changes.secret.unwrap_or_else(new_secret);
    let row = NewWebhookRow {
        project_id: project.as_ref().map(|p| p.id),
        user_id: user.id,
        url: changes.url.unwrap_or_default(),
        events: changes.events.unwrap_or_default(),
        secret: secret.clone(),
        format: changes.format.unwrap_or_else(|| "json".to_string()),
        active: changes.active.unwrap_or(true),
        disabled_reason: None,
        failing_since: None,
        created_on: at,
        updated_on: at,
    };
    let id = write_transaction(conn, |c| store::insert(c, &row))?;
    let mut hook = find_managed(conn, user, id)?;
    hook.secret_shown = Some(secret);
    Ok(hook)
}

pub fn show(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<Webhook, Error> {
    find_managed(conn, user, id)
}

/// Every hook the user may manage (`project_ref`: one project's).
pub fn list(conn: &mut DbConnection, user: &CurrentUser, project_ref: Option<&str>) -> Result<Vec<Webhook>, Error> {
    let project = match project_ref {
        Some(r) => Some(projects::find_by_ref(conn, r)?.ok_or(Error::NotFound)?),
        None => None,
    };
    if let Some(project) = &project {
        may_manage(user, Some(project))?;
    } else if !user.allowed_anywhere(Permission::ManageWebhooks) {
        return Err(Error::Forbidden);
    }
    let managed = (!user.admin).then(|| user.projects_allowing(Permission::ManageWebhooks));
    let rows = store::list(conn, project.as_ref().map(|p| p.id))?;
    let project_ids: Vec<i32> = rows.iter().filter_map(|r| r.project_id).collect();
    let names: HashMap<i32, String> =
        projects::find_many(conn, &project_ids)?.into_iter().map(|p| (p.id, p.name)).collect();
    Ok(rows
        .into_iter()
        .filter(|row| match (&managed, row.project_id) {
            (None, _) => true,
            (Some(ids), Some(project_id)) => ids.binary_search(&project_id).is_ok(),
            (Some(_), None) => false,
        })
        .map(|row| Webhook {
            project: row.project_id.and_then(|id| names.get(&id).map(|name| (id, name.clone()))),
            row,
            secret_shown: None,
        })
        .collect())
}

/// Changes the fields sent. Turning a hook on again clears why it was turned off.
pub fn update(conn: &mut Conn, user: &CurrentUser, id: i32, input: WebhookInput) -> Result<(), Error> {
    find_managed(conn, user, id)?;
    let mut errors = input.errors.clone();
    let mut changes = check_fields(&input, false, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    if changes.active == Some(true) {
        changes.disabled_reason = Some(None);
        changes.failing_since = Some(None);
    }
    changes.updated_on = Some(now());
    write_transaction(conn, |c| store::update(c, id, &changes))?;
    Ok(())
}

/// `create` for the command line: the hook is the first admin's.
pub fn create_as_admin(conn: &mut Conn, project_ref: Option<&str>, input: WebhookInput) -> Result<Webhook, Error> {
    let admin = store::first_admin(conn)?.ok_or_else(|| Error::invalid("There is no admin to own the webhook"))?;
    let admin = current_user(conn, &admin)?;
    create(conn, &admin, None, WebhookInput { project_ref: project_ref.map(str::to_string), ..input })
}

/// Every hook, for the command line.
pub fn list_all(conn: &mut DbConnection) -> Result<Vec<Webhook>, Error> {
    store::list(conn, None)?.into_iter().map(|row| Ok(with_project(conn, row)?.0)).collect()
}

/// Deletes a hook, for the command line.
pub fn delete_as_admin(conn: &mut Conn, id: i32) -> Result<(), Error> {
    if write_transaction(conn, |c| store::delete(c, id))? == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Deletes a hook and its delivery log.
pub fn delete(conn: &mut Conn, user: &CurrentUser, id: i32) -> Result<(), Error> {
    find_managed(conn, user, id)?;
    write_transaction(conn, |c| store::delete(c, id))?;
    Ok(())
}

/// A page of a hook's delivery log, newest first.
pub fn deliveries(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    paging: Paging,
) -> Result<Page<DeliveryRow>, Error> {
    find_managed(conn, user, id)?;
    let (total_count, items) = store::deliveries(conn, id, paging.offset, paging.limit)?;
    Ok(Page { items, total_count, paging })
}

/// Queues a delivery again (whatever became of it), as new.
pub fn redeliver(conn: &mut Conn, user: &CurrentUser, id: i32, delivery_id: i32) -> Result<DeliveryRow, Error> {
    find_managed(conn, user, id)?;
    store::find_delivery(conn, id, delivery_id)?.ok_or(Error::NotFound)?;
    write_transaction(conn, |c| store::requeue(c, delivery_id, now()))?;
    store::find_delivery(conn, id, delivery_id)?.ok_or(Error::NotFound)
}

/// The event name of a test delivery.
pub const PING: &str = "ping";

/// Queues a ping to the hook, whose data `data` shows the hook (rendered by the caller).
pub fn ping(conn: &mut Conn, user: &CurrentUser, id: i32, data: String) -> Result<DeliveryRow, Error> {
    let hook = find_managed(conn, user, id)?;
    let at = now();
    let payload = NewPayloadRow { event_id: 0, user_id: hook.row.user_id, format: hook.row.format, body: data };
    let delivery_id = write_transaction(conn, |c| {
        let row = NewDeliveryRow {
            webhook_id: id,
            event_id: 0,
            event: PING.to_string(),
            record_key: PING.to_string(),
            payload_id: store::insert_payload(c, &payload)?,
            status: PENDING,
            attempts: 0,
            next_attempt_at: Some(at),
            occurred_at: at,
            queued_on: at,
        };
        store::insert_delivery(c, &row)
    })?;
    store::find_delivery(conn, id, delivery_id)?.ok_or(Error::NotFound)
}

/// `hook` hears `event` about a record of `project_ids`: the event is one it asked for, and a
/// project hook hears only its project's records.
fn hears(hook: &WebhookRow, event: &EventRow, project_ids: &[i32]) -> bool {
    let named = hook.events.split(',').any(|e| e == "*" || e == event.event);
    named && hook.project_id.is_none_or(|p| project_ids.contains(&p)) && hook.created_on <= event.occurred_at
}

/// Whether `user` could have seen a deleted record of `project_ids`.
fn could_see(user: &CurrentUser, kind: RecordKind, project_ids: &[i32]) -> bool {
    if user.admin {
        return true;
    }
    let allowed = match kind {
        RecordKind::Deal => user.projects_allowing(Permission::ViewDeals),
        _ => user.projects_reading_contacts(),
    };
    project_ids.iter().any(|id| allowed.binary_search(id).is_ok())
}

/// How the caller renders what events show a hook's owner, in the hook's format (`json` or
/// `xml`).
pub trait Render {
    /// Records of one kind as GET shows them to `owner`, by id: `Some(body)` for those the owner
    /// may see, `None` for those hidden from them; records that no longer exist are left out.
    /// Many at once, so that a round's events cost a few queries, not a few each.
    fn records(
        &mut self,
        conn: &mut DbConnection,
        owner: &CurrentUser,
        kind: RecordKind,
        ids: &[i32],
        format: &str,
    ) -> Result<HashMap<i32, Option<String>>, Error>;

    /// A record that no longer exists: its id.
    fn gone(&mut self, kind: RecordKind, id: i32, format: &str) -> String;
}

/// Events dispatched per transaction.
pub const DISPATCH_BATCH: usize = 200;

/// The oldest events of the outbox and the deliveries they make, read and rendered before the
/// round's write transaction: rendering is most of the work, and on SQLite every request's
/// write would queue behind it.
pub struct Dispatch {
    event_ids: Vec<i32>,
    payloads: Vec<NewPayloadRow>,
    deliveries: Vec<Planned>,
}

/// A delivery to queue, and which of its dispatch's payloads it sends.
struct Planned {
    payload: usize,
    webhook_id: i32,
    event_id: i32,
    event: String,
    record_key: String,
    occurred_at: NaiveDateTime,
}

impl Dispatch {
    pub fn events(&self) -> usize {
        self.event_ids.len()
    }
}

/// Reads up to `DISPATCH_BATCH` of the oldest events and renders their deliveries (one per hook
/// that hears an event, as the hook's owner sees the record); `None` when the outbox is empty.
pub fn prepare(conn: &mut DbConnection, render: &mut dyn Render) -> Result<Option<Dispatch>, Error> {
    if !store::has_events(conn)? {
        return Ok(None);
    }
    let events = store::oldest_events(conn, DISPATCH_BATCH as i64)?;
    if events.is_empty() {
        return Ok(None);
    }
    let (payloads, deliveries) = deliveries_for(conn, &events, render)?;
    Ok(Some(Dispatch { event_ids: events.iter().map(|e| e.id).collect(), payloads, deliveries }))
}

/// Writes a prepared dispatch: removes its events still in the outbox (another instance may
/// have taken some meanwhile: they are not delivered twice) and queues their deliveries to the
/// hooks of `active` (those still active, locked by the caller), with the payloads they send.
/// Up to `limit` deliveries that may go at once (no earlier delivery of their hook and record
/// is pending) are queued already claimed until `until`, and their ids returned: they skip a
/// claim's update and never show in the due index.
fn queue(
    c: &mut DbConnection,
    dispatch: Dispatch,
    active: &HashSet<i32>,
    limit: usize,
    until: NaiveDateTime,
) -> Result<Vec<i32>, Error> {
    let taken: HashSet<i32> = store::take_events(c, &dispatch.event_ids)?.into_iter().collect();
    let hook_ids: Vec<i32> = active.iter().copied().collect();
    let planned: Vec<Planned> = dispatch
        .deliveries
        .into_iter()
        .filter(|d| taken.contains(&d.event_id) && active.contains(&d.webhook_id))
        .collect();
    if planned.is_empty() {
        return Ok(Vec::new());
    }
    let mut used: Vec<usize> = planned.iter().map(|d| d.payload).collect();
    used.sort_unstable();
    used.dedup();
    let payloads: Vec<NewPayloadRow> = used.iter().map(|&i| dispatch.payloads[i].clone()).collect();
    let payload_ids: HashMap<(i32, i32, String), i32> = store::insert_payloads(c, &payloads)?
        .into_iter()
        .map(|(id, event_id, user_id, format)| ((event_id, user_id, format), id))
        .collect();
    // The hooks' records with a delivery pending (due, or in flight): their new ones wait.
    let mut record_keys: Vec<&str> = planned.iter().map(|d| d.record_key.as_str()).collect();
    record_keys.sort_unstable();
    record_keys.dedup();
    let mut waiting: HashSet<(i32, String)> = store::pending_records(c, &hook_ids, &record_keys)?.into_iter().collect();
    let at = now();
    let (mut claimed, mut due) = (Vec::new(), Vec::new());
    // In event order: a record's first new delivery may go now, its later ones wait for it.
    for d in planned {
        let p = &dispatch.payloads[d.payload];
        let payload_id = *payload_ids
            .get(&(p.event_id, p.user_id, p.format.clone()))
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("payload of event {} not inserted", p.event_id)))?;
        let goes_now = claimed.len() < limit && !waiting.contains(&(d.webhook_id, d.record_key.clone()));
        waiting.insert((d.webhook_id, d.record_key.clone()));
        let row = NewDeliveryRow {
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            event: d.event,
            record_key: d.record_key,
            payload_id,
            status: PENDING,
            // A claim counts its attempt.
            attempts: i32::from(goes_now),
            next_attempt_at: Some(if goes_now { until } else { at }),
            occurred_at: d.occurred_at,
            queued_on: at,
        };
        if goes_now {
            claimed.push(row)
        } else {
            due.push(row)
        }
    }
    // Claimed first: a record's deliveries are numbered in its events' order.
    let claimed = store::insert_claimed(c, &claimed)?;
    store::insert_deliveries(c, &due)?;
    Ok(claimed)
}

/// The deliveries `events` make: one per active hook that hears an event and whose owner may
/// see its record; and what they send, rendered once per event for each owner and format.
fn deliveries_for(
    conn: &mut DbConnection,
    events: &[EventRow],
    render: &mut dyn Render,
) -> Result<(Vec<NewPayloadRow>, Vec<Planned>), Error> {
    let hooks = store::active(conn)?;
    // Each event with its kind, projects and the hooks that hear it.
    let mut heard = Vec::new();
    for event in events {
        let Some(kind) = Event::from_name(&event.event) else { continue };
        let project_ids: Vec<i32> = event.project_ids.split(',').filter_map(|p| p.parse().ok()).collect();
        let listeners: Vec<&WebhookRow> = hooks.iter().filter(|h| hears(h, event, &project_ids)).collect();
        if !listeners.is_empty() {
            heard.push((event, kind, project_ids, listeners));
        }
    }
    let mut owners: HashMap<i32, CurrentUser> = HashMap::new();
    for hook in heard.iter().flat_map(|(_, _, _, listeners)| listeners) {
        if let std::collections::hash_map::Entry::Vacant(slot) = owners.entry(hook.user_id) {
            let row = users::find(conn, hook.user_id)?;
            slot.insert(current_user(conn, &row)?);
        }
    }
    // The records each owner is shown in each format, rendered together (deleted ones need no
    // reading: their data is their id).
    let mut wanted: HashMap<(i32, &str, RecordKind), Vec<i32>> = HashMap::new();
    for (event, kind, _, listeners) in &heard {
        if !kind.is_deletion() {
            for hook in listeners {
                wanted
                    .entry((hook.user_id, hook.format.as_str(), kind.record_kind()))
                    .or_default()
                    .push(event.record_id);
            }
        }
    }
    let mut shown = HashMap::new();
    for ((owner, format, kind), mut ids) in wanted {
        ids.sort_unstable();
        ids.dedup();
        shown.insert((owner, format, kind), render.records(conn, &owners[&owner], kind, &ids, format)?);
    }
    let mut payloads = Vec::new();
    let mut deliveries = Vec::new();
    for (event, kind, project_ids, listeners) in heard {
        let record = kind.record_kind();
        // Per owner and format: the payload's index, or None when the owner may not see the record.
        let mut rendered: HashMap<(i32, &str), Option<usize>> = HashMap::new();
        for hook in listeners {
            let format = hook.format.as_str();
            let payload = *rendered.entry((hook.user_id, format)).or_insert_with(|| {
                let owner = &owners[&hook.user_id];
                let body = match shown
                    .get(&(hook.user_id, format, record))
                    .and_then(|bodies| bodies.get(&event.record_id))
                {
                    Some(body) if !kind.is_deletion() => body.clone(),
                    // Deleted (by this event or a later one): the record as it was is not kept,
                    // so its id goes to those who could see it.
                    _ => could_see(owner, record, &project_ids).then(|| render.gone(record, event.record_id, format)),
                };
                body.map(|body| {
                    payloads.push(NewPayloadRow {
                        event_id: event.id,
                        user_id: hook.user_id,
                        format: hook.format.clone(),
                        body,
                    });
                    payloads.len() - 1
                })
            });
            let Some(payload) = payload else { continue };
            deliveries.push(Planned {
                payload,
                webhook_id: hook.id,
                event_id: event.id,
                event: event.event.clone(),
                record_key: format!("{}:{}", record.name(), event.record_id),
                occurred_at: event.occurred_at,
            });
        }
    }
    Ok((payloads, deliveries))
}

/// When failed deliveries are tried again. Every figure is a multiple of `base` (30 s by
/// default; tests make it milliseconds): the n-th retry waits base·2^(n−1), at most 120·base
/// (an hour), each ±20% at random; a delivery still failing 2880·base (a day) after it was
/// queued is marked failed, and a hook whose deliveries have failed that long is turned off.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { base: Duration::from_secs(30) }
    }
}

impl RetryPolicy {
    /// The wait after `attempts` failed attempts.
    pub fn delay(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
        let steps = (1u32 << doublings).min(120);
        let jitter = rand::rng().random_range(0.8..1.2);
        self.base.mul_f64(f64::from(steps) * jitter)
    }

    /// How long a delivery is retried, and a hook may fail before it is turned off.
    pub fn window(&self) -> Duration {
        self.base * 2880
    }
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The answer's status, when one came.
    pub status: Option<u16>,
    /// The first 1 KB of the answer's body, or why there was no answer.
    pub detail: String,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn after(at: NaiveDateTime, wait: Duration) -> NaiveDateTime {
    at + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

/// One round of the worker's writes, in one transaction, so that SQLite's one writer commits
/// once a round (each commit writes every page it touched, and these three touch the same
/// ones): keeps how the last round's attempts went (`finish`), queues a prepared dispatch
/// (`queue`, which claims the new deliveries that may go at once) and claims due deliveries,
/// up to `limit` claimed in all, until `lease` from now (past it, after a crash, another worker
/// takes them again). Returns the deliveries claimed, with their hooks and what they send.
pub fn advance(
    conn: &mut Conn,
    finished: &[(DeliveryRow, WebhookRow, Attempt)],
    dispatch: Option<Dispatch>,
    policy: RetryPolicy,
    limit: usize,
    lease: Duration,
) -> Result<Vec<(DeliveryRow, WebhookRow, String)>, Error> {
    let at = now();
    if finished.is_empty() && dispatch.is_none() && !store::has_due(conn, at)? {
        return Ok(Vec::new());
    }
    let outcomes = finish(finished, policy);
    let mut hooks: Vec<i32> = finished.iter().map(|(_, hook, _)| hook.id).collect();
    hooks.extend(dispatch.iter().flat_map(|d| d.deliveries.iter().map(|p| p.webhook_id)));
    hooks.sort_unstable();
    hooks.dedup();
    let ids = write_transaction(conn, |c| {
        // The round's hooks first, as deleting a hook locks it before its deliveries: taken
        // after the deliveries, a hook deleted meanwhile made a deadlock on PostgreSQL.
        let active: HashSet<i32> =
            store::lock_hooks(c, &hooks)?.into_iter().filter_map(|(id, active)| active.then_some(id)).collect();
        for (outcome, ids) in &outcomes.deliveries {
            store::record_attempts(c, ids, outcome)?;
        }
        for (id, changes) in &outcomes.hooks {
            store::update(c, *id, changes)?;
        }
        let until = after(at, lease);
        let mut ids = match dispatch {
            Some(dispatch) => queue(c, dispatch, &active, limit, until)?,
            None => Vec::new(),
        };
        let room = limit.saturating_sub(ids.len());
        if room > 0 {
            let due = store::due(c, at, room as i64)?;
            if !due.is_empty() {
                store::claim(c, &due, until)?;
            }
            ids.extend(due);
        }
        Ok::<_, Error>(ids)
    })?;
    // Read once claimed, outside the write transaction: the claim keeps other workers off them.
    match ids.is_empty() {
        true => Ok(Vec::new()),
        false => Ok(store::with_hooks(conn, &ids)?),
    }
}

/// What a batch of attempts changes: each delivery's outcome (deliveries with the same one,
/// most often delivered with the same answer, written by one statement) and each hook's.
struct Outcomes {
    deliveries: Vec<(AttemptOutcome, Vec<i32>)>,
    hooks: Vec<(i32, WebhookChanges)>,
}

/// How a batch of attempts went: each delivery delivered, to be tried again, or failed for
/// good; and each hook turned off when it has failed for the whole window. The attempts are
/// taken in order, a hook's state carried from one to the next.
fn finish(attempts: &[(DeliveryRow, WebhookRow, Attempt)], policy: RetryPolicy) -> Outcomes {
    let at = now();
    let window = policy.window();
    let mut outcomes: Vec<(AttemptOutcome, Vec<i32>)> = Vec::new();
    // Per hook: its state as the attempts so far leave it, and the changes to write.
    let mut hooks: HashMap<i32, (WebhookRow, Option<WebhookChanges>)> = HashMap::new();
    for (delivery, hook, attempt) in attempts {
        let (hook, changes) = hooks.entry(hook.id).or_insert_with(|| (hook.clone(), None));
        let (status, next) = if attempt.succeeded() {
            (DELIVERED, None)
        } else if after(delivery.queued_on, window) <= at {
            (FAILED, None)
        } else {
            // The claim counted this attempt already.
            (PENDING, Some(after(at, policy.delay(delivery.attempts))))
        };
        let outcome = AttemptOutcome {
            status,
            last_response_code: attempt.status.map(i32::from),
            last_response_body: Some(attempt.detail.clone()),
            next_attempt_at: next,
            delivered_on: (status == DELIVERED).then_some(at),
        };
        match outcomes.iter_mut().find(|(same, _)| *same == outcome) {
            Some((_, ids)) => ids.push(delivery.id),
            None => outcomes.push((outcome, vec![delivery.id])),
        }
        if attempt.succeeded() {
            if hook.failing_since.take().is_some() {
                changes.get_or_insert_with(Default::default).failing_since = Some(None);
            }
            continue;
        }
        let since = *hook.failing_since.get_or_insert(at);
        let change = changes.get_or_insert_with(Default::default);
        change.failing_since = Some(Some(since));
        // A delivery given up has failed for the whole window: so has its hook.
        if status == FAILED || after(since, window) <= at {
            let last = match attempt.status {
                Some(code) => format!("HTTP {code}"),
                None => attempt.detail.clone(),
            };
            change.active = Some(false);
            change.disabled_reason =
                Some(Some(format!("turned off after failing to deliver since {since} UTC (last: {last})")));
        }
    }
    let hooks = hooks.into_iter().filter_map(|(id, (_, changes))| changes.map(|c| (id, c))).collect();
    Outcomes { deliveries: outcomes, hooks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_the_base_up_to_120_times_it_with_jitter() {
        let policy = RetryPolicy { base: Duration::from_secs(30) };
        for (attempts, steps) in [(1, 1.0), (2, 2.0), (4, 8.0), (7, 64.0), (8, 120.0), (30, 120.0)] {
            let wait = policy.delay(attempts).as_secs_f64();
            let nominal = 30.0 * steps;
            assert!(wait >= nominal * 0.8 && wait <= nominal * 1.2, "attempt {attempts}: {wait}");
        }
        assert_eq!(policy.window(), Duration::from_secs(24 * 3600));
    }

    /// The claim counts an attempt before it is made, so the first failure is retried after
    /// the base wait, as README's schedule says (not twice it).
    #[test]
    fn the_first_failed_attempt_is_retried_after_the_base_wait() {
        let at = now();
        let hook = WebhookRow {
            id: 1,
            project_id: None,
            user_id: 1,
            url: "http://example.com/".into(),
            events: "*".into(),
            secret: "secret".into(),
            format: "json".into(),
            active: true,
            disabled_reason: None,
            failing_since: None,
            created_on: at,
            updated_on: at,
        };
        let delivery = DeliveryRow {
            id: 7,
            webhook_id: 1,
            event_id: 1,
            event: "contact.created".into(),
            record_key: "contact:1".into(),
            payload_id: 1,
            status: PENDING.into(),
            attempts: 1,
            last_response_code: None,
            last_response_body: None,
            next_attempt_at: None,
            occurred_at: at,
            queued_on: at,
            delivered_on: None,
        };
        let failed = Attempt { status: Some(500), detail: String::new() };
        let base = Duration::from_secs(30);
        let outcomes = finish(&[(delivery, hook, failed)], RetryPolicy { base });
        let (outcome, ids) = &outcomes.deliveries[0];
        assert_eq!((outcome.status, ids.as_slice()), (PENDING, &[7][..]));
        let wait = (outcome.next_attempt_at.expect("a retry") - at).num_milliseconds();
        assert!((24_000..=36_500).contains(&wait), "waits {wait} ms");
        assert_eq!(outcomes.hooks.len(), 1, "the hook is failing since now");
    }

    #[test]
    fn every_event_name_reads_back() {
        for event in Event::ALL {
            assert_eq!(Event::from_name(event.name()), Some(event));
        }
        assert_eq!(Event::from_name("contact.bogus"), None);
    }
}
