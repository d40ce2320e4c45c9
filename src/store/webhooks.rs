//! Webhooks, their outbox of events, their deliveries and the payloads the deliveries send.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::schema::{users, webhook_deliveries, webhook_events, webhook_payloads, webhooks};
use crate::db::DbConnection;
use crate::store::copy::insert_rows;
use crate::store::users::UserRow;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

table_rows! {
    /// A webhook: where it sends, what it hears, whether it is on.
    webhooks: WebhookRow, NewWebhookRow {
        project_id: Option<i32>,
        user_id: i32,
        url: String,
        events: String,
        secret: String,
        format: String,
        active: bool,
        disabled_reason: Option<String>,
        failing_since: Option<NaiveDateTime>,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
    }
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<String>,
    pub secret: Option<String>,
    pub format: Option<String>,
    pub active: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub updated_on: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub id: i32,
    pub event: String,
    pub record_id: i32,
    pub project_ids: String,
    pub occurred_at: NaiveDateTime,
}

/// An event to record. It has no optional column: `treat_none_as_default_value = false` changes
/// nothing but lets `insert_events` write it with COPY.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_events, treat_none_as_default_value = false)]
pub struct NewEventRow<'a> {
    pub event: &'a str,
    pub record_id: i32,
    pub project_ids: String,
    pub occurred_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub struct DeliveryRow {
    pub id: i32,
    pub webhook_id: i32,
    pub event_id: i32,
    pub event: String,
    pub record_key: String,
    pub payload_id: i32,
    pub status: String,
    pub attempts: i32,
    pub last_response_code: Option<i32>,
    pub last_response_body: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub occurred_at: NaiveDateTime,
    pub queued_on: NaiveDateTime,
    pub delivered_on: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub struct NewDeliveryRow {
    pub webhook_id: i32,
    pub event_id: i32,
    pub event: String,
    pub record_key: String,
    pub payload_id: i32,
    pub status: &'static str,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub occurred_at: NaiveDateTime,
    pub queued_on: NaiveDateTime,
}

/// What deliveries send: one event rendered for one owner in one format.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_payloads, treat_none_as_default_value = false)]
pub struct PayloadRow {
    pub id: i32,
    pub event_id: i32,
    pub user_id: i32,
    pub format: String,
    pub body: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_payloads)]
pub struct NewPayloadRow {
    pub event_id: i32,
    pub user_id: i32,
    pub format: String,
    pub body: String,
}

/// What one attempt changes in its delivery.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = webhook_deliveries, treat_none_as_null = true)]
pub struct AttemptOutcome {
    pub status: &'static str,
    pub last_response_code: Option<i32>,
    pub last_response_body: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub delivered_on: Option<NaiveDateTime>,
}

/// The admin with the lowest id, who owns the hooks the command line registers.
pub fn first_admin(conn: &mut DbConnection) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::admin.eq(true))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &NewWebhookRow) -> QueryResult<i32> {
    diesel::insert_into(webhooks::table).values(row).returning(webhooks::id).get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<WebhookRow>> {
    webhooks::table.find(id).select(WebhookRow::as_select()).first(conn).optional()
}

/// Every hook (`None`) or a project's, oldest first.
pub fn list(conn: &mut DbConnection, project_id: Option<i32>) -> QueryResult<Vec<WebhookRow>> {
    let mut query = webhooks::table.select(WebhookRow::as_select()).order(webhooks::id.asc()).into_boxed();
    if let Some(project_id) = project_id {
        query = query.filter(webhooks::project_id.eq(project_id));
    }
    query.load(conn)
}

pub fn active(conn: &mut DbConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table.filter(webhooks::active.eq(true)).select(WebhookRow::as_select()).order(webhooks::id).load(conn)
}

pub fn update(conn: &mut DbConnection, id: i32, changes: &WebhookChanges) -> QueryResult<usize> {
    diesel::update(webhooks::table.find(id)).set(changes).execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(webhooks::table.find(id)).execute(conn)
}

/// Whether some hook is active: a bulk writer asks it, inside its transaction, to know whether
/// anyone could hear its events.
pub fn any_active(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(exists(webhooks::table.filter(webhooks::active.eq(true)))).get_result(conn)
}

pub fn insert_event(conn: &mut DbConnection, row: &NewEventRow) -> QueryResult<usize> {
    diesel::insert_into(webhook_events::table).values(row).execute(conn)
}

/// Events per statement: 4 columns each, well under SQLite's 32,766 bound variables.
const EVENTS_PER_STATEMENT: usize = 5_000;

/// Inserts many events, numbered in their order, with multi-row statements (COPY on
/// PostgreSQL, as the bulk writers' other rows).
pub fn insert_events(conn: &mut DbConnection, rows: &[NewEventRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(EVENTS_PER_STATEMENT) {
        inserted += insert_rows!(conn, webhook_events::table, chunk)?;
    }
    Ok(inserted)
}

/// Whether the outbox holds anything: a read, so that an idle worker takes no write lock.
pub fn has_events(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(exists(webhook_events::table.select(webhook_events::id))).get_result(conn)
}

/// The oldest `limit` events.
pub fn oldest_events(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<EventRow>> {
    webhook_events::table.select(EventRow::as_select()).order(webhook_events::id.asc()).limit(limit).load(conn)
}

/// Removes the events of `ids` still in the outbox and returns theirs: the ones this caller
/// takes. On PostgreSQL a second worker removing the same events waits for the first to commit,
/// then finds them gone.
pub fn take_events(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<i32>> {
    diesel::delete(webhook_events::table.filter(webhook_events::id.eq_any(ids)))
        .returning(webhook_events::id)
        .get_results(conn)
}

/// Locks the hooks of `ids` against deletion until the transaction ends (PostgreSQL's KEY SHARE:
/// their updates go on), in id order, and says which are active.
pub fn lock_hooks(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, bool)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let hooks =
        webhooks::table.filter(webhooks::id.eq_any(ids)).select((webhooks::id, webhooks::active)).order(webhooks::id);
    match conn {
        DbConnection::Postgres(pg) => hooks.for_key_share().load(pg),
        DbConnection::Sqlite(sqlite) => hooks.load(sqlite),
    }
}

/// Inserts payloads and returns each one's id with what tells it apart in a batch: its event,
/// owner and format (the order of the rows an insert returns is not promised).
pub fn insert_payloads(conn: &mut DbConnection, rows: &[NewPayloadRow]) -> QueryResult<Vec<(i32, i32, i32, String)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let keyed = (webhook_payloads::id, webhook_payloads::event_id, webhook_payloads::user_id, webhook_payloads::format);
    match conn {
        DbConnection::Postgres(pg) => {
            diesel::insert_into(webhook_payloads::table).values(rows).returning(keyed).get_results(pg)
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::insert_into(webhook_payloads::table).values(rows).returning(keyed).get_results(sqlite)
        }
    }
}

pub fn insert_payload(conn: &mut DbConnection, row: &NewPayloadRow) -> QueryResult<i32> {
    diesel::insert_into(webhook_payloads::table).values(row).returning(webhook_payloads::id).get_result(conn)
}

pub fn insert_deliveries(conn: &mut DbConnection, rows: &[NewDeliveryRow]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    // A multi-row insert is each backend's own (the multi-backend dialect has none).
    match conn {
        DbConnection::Postgres(pg) => diesel::insert_into(webhook_deliveries::table).values(rows).execute(pg),
        DbConnection::Sqlite(sqlite) => diesel::insert_into(webhook_deliveries::table).values(rows).execute(sqlite),
    }
}

/// Inserts deliveries already claimed and returns their ids.
pub fn insert_claimed(conn: &mut DbConnection, rows: &[NewDeliveryRow]) -> QueryResult<Vec<i32>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let inserted = diesel::insert_into(webhook_deliveries::table).values(rows).returning(webhook_deliveries::id);
    match conn {
        DbConnection::Postgres(pg) => inserted.get_results(pg),
        DbConnection::Sqlite(sqlite) => inserted.get_results(sqlite),
    }
}

/// Which of `hooks`' records among `record_keys` have a delivery pending (due or in flight).
pub fn pending_records(
    conn: &mut DbConnection,
    hooks: &[i32],
    record_keys: &[&str],
) -> QueryResult<Vec<(i32, String)>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq_any(hooks))
        .filter(webhook_deliveries::record_key.eq_any(record_keys))
        .filter(webhook_deliveries::status.eq(PENDING))
        .select((webhook_deliveries::webhook_id, webhook_deliveries::record_key))
        .distinct()
        .load(conn)
}

pub fn insert_delivery(conn: &mut DbConnection, row: &NewDeliveryRow) -> QueryResult<i32> {
    diesel::insert_into(webhook_deliveries::table).values(row).returning(webhook_deliveries::id).get_result(conn)
}

/// Whether any delivery is pending and due: a read, as `has_events`.
pub fn has_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(exists(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq(PENDING))
            .filter(webhook_deliveries::next_attempt_at.le(now)),
    ))
    .get_result(conn)
}

/// Up to `limit` due deliveries of active hooks, the longest due first, that no earlier pending
/// delivery of the same hook and record holds back (a hook hears one record's events in order). Locked on
/// PostgreSQL with SKIP LOCKED, so instances claiming at once take different ones.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i32>> {
    // Built per backend: the lock clause is typed by it.
    macro_rules! due_query {
        () => {{
            let earlier = diesel::alias!(webhook_deliveries as earlier);
            webhook_deliveries::table
                .filter(webhook_deliveries::status.eq(PENDING))
                .filter(webhook_deliveries::next_attempt_at.le(now))
                .filter(
                    webhook_deliveries::webhook_id
                        .eq_any(webhooks::table.filter(webhooks::active.eq(true)).select(webhooks::id)),
                )
                .filter(not(exists(
                    earlier
                        .filter(earlier.field(webhook_deliveries::webhook_id).eq(webhook_deliveries::webhook_id))
                        .filter(earlier.field(webhook_deliveries::record_key).eq(webhook_deliveries::record_key))
                        .filter(earlier.field(webhook_deliveries::event_id).lt(webhook_deliveries::event_id))
                        .filter(earlier.field(webhook_deliveries::status).eq(PENDING)),
                )))
                .select(webhook_deliveries::id)
                // The due index's order: a claim reads one batch of it, however long the queue.
                .order((webhook_deliveries::next_attempt_at.asc(), webhook_deliveries::id.asc()))
                .limit(limit)
        }};
    }
    match conn {
        DbConnection::Postgres(pg) => due_query!().for_update().skip_locked().load(pg),
        DbConnection::Sqlite(sqlite) => due_query!().load(sqlite),
    }
}

/// Marks deliveries as in flight until `until` (their claim: past it, after a crash, another
/// worker takes them again) and counts the attempt.
pub fn claim(conn: &mut DbConnection, ids: &[i32], until: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(ids)))
        .set((
            webhook_deliveries::next_attempt_at.eq(until),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        ))
        .execute(conn)
}

/// Deliveries with their hooks and what they send.
pub fn with_hooks(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(DeliveryRow, WebhookRow, String)>> {
    webhook_deliveries::table
        .inner_join(webhooks::table)
        .inner_join(webhook_payloads::table)
        .filter(webhook_deliveries::id.eq_any(ids))
        .select((DeliveryRow::as_select(), WebhookRow::as_select(), webhook_payloads::body))
        .order(webhook_deliveries::id.asc())
        .load(conn)
}

/// Keeps one outcome for each delivery of `ids`.
pub fn record_attempts(conn: &mut DbConnection, ids: &[i32], outcome: &AttemptOutcome) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(ids))).set(outcome).execute(conn)
}

pub fn find_delivery(conn: &mut DbConnection, webhook_id: i32, id: i32) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::id.eq(id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// A page of a hook's deliveries, newest first, and how many there are.
pub fn deliveries(
    conn: &mut DbConnection,
    webhook_id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<DeliveryRow>)> {
    let of_hook = webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(webhook_id));
    let total = of_hook.count().get_result(conn)?;
    let rows = of_hook
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::id.desc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((total, rows))
}

/// Queues a delivery again from now, its attempts counted afresh.
pub fn requeue(conn: &mut DbConnection, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(PENDING),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(Some(now)),
            webhook_deliveries::queued_on.eq(now),
            webhook_deliveries::delivered_on.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}
