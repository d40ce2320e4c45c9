//! `note[…]`, its source from the note or the top level.

use chrono::NaiveTime;
use serde_json::{Map, Value};

use super::Fields;
use crate::domain::input::{MAX_STRING, MAX_TEXT};
use crate::domain::notes::{NoteInput, Source};
use crate::error::Error;

/// `source_type` (Contact or Deal, any case) and `source_id`.
fn source(kind: Option<&Value>, id: Option<&Value>) -> Result<Source, Error> {
    let kind = kind.and_then(Value::as_str).map(str::to_ascii_lowercase);
    let id = match id {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .and_then(|n| i32::try_from(n).ok());
    match (kind.as_deref(), id) {
        (Some("contact"), Some(id)) => Ok(Source::Contact(id)),
        (Some("deal"), Some(id)) => Ok(Source::Deal(id)),
        (None, _) | (_, None) => Err(Error::invalid("Source cannot be blank")),
        _ => Err(Error::invalid("Source type is not included in the list")),
    }
}

/// Reads `note[…]`; the source may also come from top-level `source_type`/`source_id`.
pub fn note(map: Map<String, Value>, top: &Map<String, Value>, needs_source: bool) -> Result<NoteInput, Error> {
    let mut f = Fields::new(map);
    let source = if needs_source {
        let kind = f.raw("source_type").or(top.get("source_type")).cloned();
        let id = f.raw("source_id").or(top.get("source_id")).cloned();
        match source(kind.as_ref(), id.as_ref()) {
            Ok(s) => Some(s),
            Err(Error::Invalid(m)) => {
                m.into_iter().for_each(|m| f.error(m));
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let type_id = match f.int("type_id", "Type") {
        Some(Some(t)) if !(0..=2).contains(&t) => {
            f.error("Type is not included in the list");
            None
        }
        other => other.map(|t| t.map(|t| t as i32)),
    };
    let note_time = match f.text("note_time", "Note time", 8).flatten() {
        None => None,
        Some(t) => {
            match NaiveTime::parse_from_str(&t, "%H:%M").or_else(|_| NaiveTime::parse_from_str(&t, "%H:%M:%S")) {
                Ok(t) => Some(t),
                Err(_) => {
                    f.error("Note time is invalid");
                    None
                }
            }
        }
    };
    let input = NoteInput {
        source,
        subject: f.text("subject", "Subject", MAX_STRING),
        content: f.text("content", "Content", MAX_TEXT),
        type_id,
        note_time,
    };
    f.finish()?;
    Ok(input)
}
