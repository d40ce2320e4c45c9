//! `contacts-server import FILE --project P`: contacts from a CSV with the columns of the
//! export (`GET /contacts.csv`), so exporting one database and importing into another
//! reproduces its contacts. Each row is read and checked by the same rules as the API; bad rows
//! are reported by line and skipped (or, all or nothing, undo the whole import).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::db::{write_transaction, DbConnection};
use crate::domain::contacts::{new_row, ContactInput};
use crate::domain::custom_fields::{self, ValuesInput};
use crate::error::Error;
use crate::store::bulk::{next_ids, with_id, ContactBatch};
use crate::store::copy::rows::{ContactProject, CustomValue, Tagging};
use crate::store::copy::{reset_sequences, tidy_after_bulk_write};
use crate::store::custom_fields::{of_type, CustomFieldRow};
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

/// Reads `reader` into project `project_ref`; `progress(rows)` after each batch.
pub fn import(
    conn: &mut DbConnection,
    reader: impl std::io::Read,
    project_ref: &str,
    all_or_nothing: bool,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport, Error> {
    let project = projects::find_by_ref(conn, project_ref)?.ok_or_else(|| Error::invalid("Project is invalid"))?;
    let fields = of_type(conn, custom_fields::CONTACT)?;
    let user_ids: std::collections::HashSet<i32> = crate::store::users::all_ids(conn)?.into_iter().collect();
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = csv.headers().map_err(|e| Error::BadRequest(format!("unreadable CSV header: {e}")))?.clone();
    let columns = Columns::new(&headers, &fields);
    let mut report = ImportReport::default();
    let mut tag_cache: HashMap<String, i32> = HashMap::new();
    let mut pending: Vec<Pending> = Vec::new();

    let mut run = |conn: &mut DbConnection, report: &mut ImportReport| -> Result<(), Error> {
        for record in csv.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    report.refused.push((line, vec![format!("unreadable row: {e}")]));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            match columns.read(&record, &fields, &user_ids) {
                Ok(row) => pending.push(row),
                Err(messages) => report.refused.push((line, messages)),
            }
            if pending.len() == BATCH {
                report.imported += write(conn, &mut pending, project.id, &mut tag_cache)?;
                progress(BATCH);
            }
        }
        let last = pending.len();
        report.imported += write(conn, &mut pending, project.id, &mut tag_cache)?;
        progress(last);
        Ok(())
    };

    if all_or_nothing {
        let outcome = write_transaction(conn, |c| {
            run(c, &mut report)?;
            if report.refused.is_empty() {
                Ok(())
            } else {
                Err(Error::invalid("rolled back"))
            }
        });
        match outcome {
            Ok(()) => {}
            Err(Error::Invalid(_)) if !report.refused.is_empty() => {
                report.rolled_back = true;
                report.imported = 0;
            }
            Err(e) => return Err(e),
        }
    } else {
        run(conn, &mut report)?;
    }
    reset_sequences(conn)?;
    tidy_after_bulk_write(conn)?;
    Ok(report)
}

/// A checked row waiting for its batch.
struct Pending {
    input: ContactInput,
    created_on: Option<chrono::NaiveDateTime>,
    updated_on: Option<chrono::NaiveDateTime>,
    values: Vec<(i32, Vec<String>)>,
}

/// Writes the pending rows in one transaction with ids after the current largest.
fn write(
    conn: &mut DbConnection,
    pending: &mut Vec<Pending>,
    project_id: i32,
    tag_cache: &mut HashMap<String, i32>,
) -> Result<usize, Error> {
    if pending.is_empty() {
        return Ok(0);
    }
    let rows = std::mem::take(pending);
    let count = rows.len();
    write_transaction(conn, |c| {
        let (mut contact_id, mut value_id) = next_ids(c)?;
        let mut batch = ContactBatch::default();
        for p in rows {
            let tag_names = p.input.tags.clone().unwrap_or_default();
            let mut row = new_row(p.input, None, now());
            row.created_on = p.created_on.unwrap_or(row.created_on);
            row.updated_on = p.updated_on.unwrap_or(row.updated_on);
            let mut seen = Vec::new();
            for name in tag_names {
                let key = name.to_lowercase();
                let id = match tag_cache.get(&key) {
                    Some(id) => *id,
                    None => {
                        let id = tags::find_or_create(c, &name)?;
                        tag_cache.insert(key, id);
                        id
                    }
                };
                if !seen.contains(&id) {
                    seen.push(id);
                    batch.taggings.push(Tagging { contact_id, tag_id: id });
                }
            }
            for (field, values) in p.values {
                for value in values {
                    batch.values.push(CustomValue {
                        id: value_id,
                        custom_field_id: field,
                        contact_id: Some(contact_id),
                        deal_id: None,
                        value,
                    });
                    value_id += 1;
                }
            }
            batch.links.push(ContactProject { contact_id, project_id });
            batch.contacts.push(with_id(contact_id, row, &[project_id]));
            contact_id += 1;
        }
        batch.write(c)?;
        Ok::<_, Error>(())
    })?;
    Ok(count)
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
        users: &std::collections::HashSet<i32>,
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
        let input = ContactInput::parse(contact, None);
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
