//! `contacts-server import FILE --project P`: contacts from a CSV with the columns of the
//! export (`GET /contacts.csv`), so exporting one database and importing into another
//! reproduces its contacts. Each row is read and checked by the same rules as the API; bad rows
//! are reported by line and skipped (or, all or nothing, undo the whole import). Each imported
//! contact records a `contact.created` event for the webhooks, in its batch's transaction.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Map, Value};

use crate::db::{write_transaction, Backend, Db, DbConnection};
use crate::domain::contacts::{new_row, ContactInput};
use crate::domain::custom_fields::{self, ValuesInput};
use crate::domain::webhooks::{self, Event};
use crate::error::Error;
use crate::store::bulk::{use_bulk_cache, use_tally_lane, with_id, ContactBatch, NextIds};
use crate::store::contacts::ContactProjectRow;
use crate::store::copy::{reset_sequences, tidy_after_bulk_write};
use crate::store::custom_fields::CustomValueRow;
use crate::store::custom_fields::{of_type, CustomFieldRow};
use crate::store::tags::TaggingRow;
use crate::store::{now, projects, tags};

/// Rows written per transaction.
const BATCH: usize = 5_000;

#[derive(Debug, Default)]
pub struct ImportReport {
    pub imported: usize,
    /// (line number, messages) of each refused row.
    pub refused: Vec<(u64, Vec<String>)>,
    /// All or nothing, and some row was bad: nothing was written.
    pub rolled_back: bool,
}

/// Reads `reader` into project `project_ref`; `progress(rows)` as rows are written.
///
/// One thread reads and checks the rows and hands batches to writer threads, each with its own
/// connection and transactions: on PostgreSQL two writers keep both cores busy (one writer
/// left the second idle: 90 s for a million rows), on SQLite the one writer writes while the
/// next batch is read. All or nothing is one transaction, so one connection does everything.
pub fn import(
    db: &Db,
    reader: impl std::io::Read,
    project_ref: &str,
    all_or_nothing: bool,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport, Error> {
    let mut conn = db.connection()?;
    use_bulk_cache(&mut conn)?;
    let mut source = Source::open(&mut conn, reader, project_ref)?;
    let mut report = ImportReport::default();
    if all_or_nothing {
        let outcome = write_transaction(&mut conn, |c| {
            let mut ids = NextIds::read(c)?;
            source.read(c, &mut ids, &mut report, |c, batch| {
                write_batch(c, &batch)?;
                progress(batch.len());
                Ok(())
            })?;
            if report.refused.is_empty() {
                Ok(())
            } else {
                Err(Error::invalid("rolled back"))
            }
        });
        match outcome {
            Ok(()) => report.imported = source.accepted,
            Err(Error::Invalid(_)) if !report.refused.is_empty() => report.rolled_back = true,
            Err(e) => return Err(e),
        }
    } else {
        // The connections beside the reader's: two writers on PostgreSQL, one on SQLite.
        let spare = db.max_connections().saturating_sub(1);
        let writers = match db.backend() {
            Backend::Postgres => spare.min(2),
            Backend::Sqlite => spare.min(1),
        };
        report.imported = if writers == 0 {
            // A pool of one connection (`--db-pool-size 1`): the reader writes each batch itself.
            let mut ids = NextIds::read(&mut conn)?;
            source.read(&mut conn, &mut ids, &mut report, |c, batch| {
                write_transaction(c, |c| write_batch(c, &batch))?;
                progress(batch.len());
                Ok(())
            })?;
            source.accepted
        } else {
            write_in_parallel(db, &mut conn, &mut source, &mut report, writers, &mut progress)?
        };
    }
    reset_sequences(&mut conn)?;
    tidy_after_bulk_write(&mut conn)?;
    Ok(report)
}

/// Writes `batch` and records its contacts' `contact.created` events (when some hook is active),
/// in the caller's transaction: a batch rolled back, or an all-or-nothing import undone, leaves
/// no event behind.
fn write_batch(conn: &mut DbConnection, batch: &ContactBatch) -> diesel::QueryResult<()> {
    batch.write(conn)?;
    // An imported contact has one project link, to the import's project.
    let created = batch.links.iter().map(|link| (link.contact_id, std::slice::from_ref(&link.project_id)));
    webhooks::record_all(conn, Event::ContactCreated, created)?;
    Ok(())
}

/// Reads on `conn`, writes each batch in its own transaction on one of `writers` threads;
/// returns the rows written. The first failure stops the import; batches committed stay.
fn write_in_parallel(
    db: &Db,
    conn: &mut DbConnection,
    source: &mut Source<impl std::io::Read>,
    report: &mut ImportReport,
    writers: usize,
    progress: &mut impl FnMut(usize),
) -> Result<usize, Error> {
    let written = AtomicUsize::new(0);
    let mut shown = 0;
    std::thread::scope(|scope| {
        let mut lanes = Vec::new();
        for lane in 0..writers {
            let mut writer = db.connection()?;
            use_bulk_cache(&mut writer)?;
            let (send, batches) = std::sync::mpsc::sync_channel::<ContactBatch>(1);
            let written = &written;
            let thread = scope.spawn(move || -> Result<(), Error> {
                for batch in batches {
                    write_transaction(&mut writer, |c| {
                        use_tally_lane(c, lane)?;
                        write_batch(c, &batch)
                    })?;
                    written.fetch_add(batch.len(), Ordering::Relaxed);
                }
                Ok(())
            });
            lanes.push((send, thread));
        }
        let mut next = 0;
        let read = NextIds::read(conn).map_err(Error::from).and_then(|mut ids| {
            source.read(conn, &mut ids, report, |_, batch| {
                // A closed lane is a writer that failed; its error is reported below.
                lanes[next % lanes.len()].0.send(batch).map_err(|_| Error::Unavailable)?;
                next += 1;
                let now = written.load(Ordering::Relaxed);
                progress(now - shown);
                shown = now;
                Ok(())
            })
        });
        let mut failure = None;
        for (send, thread) in lanes {
            drop(send);
            let outcome = thread.join().unwrap_or(Err(Error::Unavailable));
            failure = failure.or(outcome.err());
        }
        // A writer's own error says more than the reader's "the writer is gone".
        match failure.map_or(read, Err) {
            Ok(()) => {
                let total = written.load(Ordering::Relaxed);
                progress(total - shown);
                Ok(total)
            }
            Err(e) => Err(e),
        }
    })
}

/// The file being read, with what checking its rows needs.
struct Source<R> {
    csv: csv::Reader<R>,
    columns: Columns,
    project_id: i32,
    fields: Vec<CustomFieldRow>,
    user_ids: HashSet<i32>,
    tag_ids: HashMap<String, i32>,
    /// Rows that passed the checks so far.
    accepted: usize,
}

impl<R: std::io::Read> Source<R> {
    fn open(conn: &mut DbConnection, reader: R, project_ref: &str) -> Result<Source<R>, Error> {
        let project = projects::find_by_ref(conn, project_ref)?.ok_or_else(|| Error::invalid("Project is invalid"))?;
        let fields = of_type(conn, custom_fields::CONTACT)?;
        let user_ids = crate::store::users::all_ids(conn)?.into_iter().collect();
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers = csv.headers().map_err(|e| Error::BadRequest(format!("unreadable CSV header: {e}")))?.clone();
        let columns = Columns::new(&headers, &fields);
        Ok(Source { csv, columns, project_id: project.id, fields, user_ids, tag_ids: HashMap::new(), accepted: 0 })
    }

    /// Reads every row, refusing the bad ones into `report`, and hands each batch of good ones
    /// to `write`; `conn` creates the tags the rows name.
    fn read(
        &mut self,
        conn: &mut DbConnection,
        ids: &mut NextIds,
        report: &mut ImportReport,
        mut write: impl FnMut(&mut DbConnection, ContactBatch) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut pending = Vec::with_capacity(BATCH);
        let mut record = csv::StringRecord::new();
        loop {
            match self.csv.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    match self.columns.read(&record, &self.fields, &self.user_ids) {
                        Ok(row) => pending.push(row),
                        Err(messages) => report.refused.push((line, messages)),
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    report.refused.push((line, vec![format!("unreadable row: {e}")]));
                }
            }
            if pending.len() == BATCH {
                self.accepted += pending.len();
                let batch = self.batch(conn, ids, std::mem::take(&mut pending))?;
                write(conn, batch)?;
            }
        }
        if !pending.is_empty() {
            self.accepted += pending.len();
            let batch = self.batch(conn, ids, pending)?;
            write(conn, batch)?;
        }
        Ok(())
    }

    /// The rows as a batch with the next free ids. A tag met for the first time is created
    /// at once, in its own transaction, so every writer finds it.
    fn batch(&mut self, conn: &mut DbConnection, ids: &mut NextIds, rows: Vec<Pending>) -> Result<ContactBatch, Error> {
        let mut batch = ContactBatch::default();
        for p in rows {
            let contact_id = ids.contact;
            ids.contact += 1;
            let tag_names = p.input.tags.clone().unwrap_or_default();
            let mut row = new_row(p.input, None, now());
            row.created_on = p.created_on.unwrap_or(row.created_on);
            row.updated_on = p.updated_on.unwrap_or(row.updated_on);
            let mut seen = Vec::new();
            for name in tag_names {
                // Folded as the tags' unique index folds: ASCII letters only.
                let key = name.to_ascii_lowercase();
                let id = match self.tag_ids.get(&key) {
                    Some(id) => *id,
                    None => {
                        let id = write_transaction(conn, |c| tags::find_or_create(c, &name))?.id;
                        self.tag_ids.insert(key, id);
                        id
                    }
                };
                if !seen.contains(&id) {
                    seen.push(id);
                    batch.taggings.push(TaggingRow { contact_id, tag_id: id, created_on: row.created_on });
                }
            }
            for (field, values) in p.values {
                for value in values {
                    batch.values.push(CustomValueRow {
                        id: ids.value,
                        custom_field_id: field,
                        contact_id: Some(contact_id),
                        deal_id: None,
                        value,
                    });
                    ids.value += 1;
                }
            }
            batch.links.push(ContactProjectRow { contact_id, project_id: self.project_id });
            batch.contacts.push(with_id(contact_id, row, &[self.project_id]));
        }
        Ok(batch)
    }
}

/// A checked row waiting for its batch.
struct Pending {
    input: ContactInput,
    created_on: Option<chrono::NaiveDateTime>,
    updated_on: Option<chrono::NaiveDateTime>,
    values: Vec<(i32, Vec<String>)>,
}

/// Where each known column is in the file.
struct Columns {
    fixed: Vec<(&'static str, usize)>,
    custom: Vec<(i32, usize)>,
}

/// The export's columns and the parameter each becomes.
const FIELDS: [(&str, &str); 21] = [
    ("first_name", "first_name"),
    ("middle_name", "middle_name"),
    ("last_name", "last_name"),
    ("company", "company"),
    ("is_company", "is_company"),
    ("job_title", "job_title"),
    ("website", "website"),
    ("skype_name", "skype_name"),
    ("birthday", "birthday"),
    ("background", "background"),
    ("phones", "phone"),
    ("emails", "email"),
    ("street1", "street1"),
    ("street2", "street2"),
    ("city", "city"),
    ("region", "region"),
    ("postcode", "postcode"),
    ("country_code", "country_code"),
    ("tag_list", "tag_list"),
    ("visibility", "visibility"),
    ("assigned_to_id", "assigned_to_id"),
];

impl Columns {
    fn new(headers: &csv::StringRecord, fields: &[CustomFieldRow]) -> Columns {
        let position = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let mut fixed: Vec<(&'static str, usize)> =
            FIELDS.iter().filter_map(|(column, _)| position(column).map(|i| (*column, i))).collect();
        for extra in ["created_on", "updated_on"] {
            if let Some(i) = position(extra) {
                fixed.push((extra, i));
            }
        }
        let custom = fields.iter().filter_map(|f| position(&f.name).map(|i| (f.id, i))).collect();
        Columns { fixed, custom }
    }

    /// One record as a contact's input, checked; the messages when it is not acceptable.
    fn read(
        &self,
        record: &csv::StringRecord,
        fields: &[CustomFieldRow],
        users: &HashSet<i32>,
    ) -> Result<Pending, Vec<String>> {
        let cell = |i: usize| record.get(i).map(undefuse).unwrap_or_default();
        let mut contact = Map::new();
        let mut address = Map::new();
        let mut times = (None, None);
        for (column, i) in &self.fixed {
            let text = cell(*i);
            match *column {
                "street1" | "street2" | "city" | "region" | "postcode" | "country_code" => {
                    address.insert(column.to_string(), Value::String(text));
                }
                "created_on" => times.0 = parse_time(&text),
                "updated_on" => times.1 = parse_time(&text),
                _ if text.is_empty() => {}
                other => {
                    let key = FIELDS.iter().find(|(c, _)| *c == other).map_or(other, |(_, k)| *k);
                    contact.insert(key.to_string(), Value::String(text));
                }
            }
        }
        if !address.is_empty() {
            contact.insert("address_attributes".into(), Value::Object(address));
        }
        let custom: Vec<Value> = self
            .custom
            .iter()
            .map(|(id, i)| {
                let text = cell(*i);
                let multiple = fields.iter().any(|f| f.id == *id && f.multiple);
                let value = if multiple {
                    json!(text.split(',').map(str::trim).filter(|v| !v.is_empty()).collect::<Vec<_>>())
                } else {
                    json!(text)
                };
                json!({"id": id, "value": value})
            })
            .collect();
        if !custom.is_empty() {
            contact.insert("custom_fields".into(), Value::Array(custom));
        }
        // Numbers are imported as written; `serve --phone-format` applies to the API's input.
        let input = crate::api::input::contacts::contact(contact, None, crate::domain::phones::PhoneFormat::AsSent);
        let mut errors = input.errors.clone();
        if !matches!(input.first_name, Some(Some(_))) {
            errors.insert(0, "First name cannot be blank".to_string());
        }
        if let Some(Some(id)) = input.assigned_to_id {
            if !users.contains(&id) {
                errors.push("Assigned to is invalid".to_string());
            }
        }
        let values = custom_fields::validate(
            fields,
            input.custom_fields.as_ref().or(Some(&ValuesInput::default())),
            true,
            &mut errors,
        );
        if errors.is_empty() {
            Ok(Pending { input, created_on: times.0, updated_on: times.1, values })
        } else {
            Err(errors)
        }
    }
}

/// Undoes the export's formula guard: a leading apostrophe before `=`, `@`, `+`, `-` or a tab.
fn undefuse(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '@', '+', '-', '\t', '\r']) => rest.to_string(),
        _ => cell.to_string(),
    }
}

fn parse_time(text: &str) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.naive_utc())
}
