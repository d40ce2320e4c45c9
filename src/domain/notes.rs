//! Notes on contacts and deals. The plugin checks no permission on create and update; here
//! creating needs add_notes and changing or deleting needs delete_notes (or delete_own_notes
//! for the author), in a project of the note's source, which the reader must be able to see.

use chrono::{NaiveDateTime, NaiveTime};

use super::access::CurrentUser;
use super::input::Patch;
use super::names;
use super::permissions::Permission;
use super::visibility;
use super::webhooks::{self, Event};
use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::notes::{self as store, NewNoteRow, NoteChanges, NoteRow};
use crate::store::projects::ProjectRow;
use crate::store::{now, users};

/// What a note belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Contact(i32),
    Deal(i32),
}

#[derive(Debug, Clone, Default)]
pub struct NoteInput {
    pub source: Option<Source>,
    pub subject: Patch<String>,
    pub content: Patch<String>,
    pub type_id: Patch<i32>,
    pub note_time: Option<NaiveTime>,
}

/// A source as a note shows it: (id, name, "Contact" or "Deal").
pub type SourceName = (i32, String, &'static str);

/// A note with its author's and source's names.
#[derive(Debug, Clone)]
pub struct NoteDetails {
    pub row: NoteRow,
    pub author: Option<(i32, String)>,
    pub source: Option<SourceName>,
}

/// The projects of a note's source, when `user` may see the source (404 missing, 403 hidden).
fn source_projects(
    conn: &mut DbConnection,
    user: &CurrentUser,
    source: Source,
) -> Result<(Vec<ProjectRow>, SourceName), Error> {
    match source {
        Source::Contact(id) => {
            let (row, projects) = visibility::find_contact(conn, user, id)?;
            Ok((projects, (row.id, names::contact_name(&row), "Contact")))
        }
        Source::Deal(id) => {
            let (row, project) = visibility::find_deal_allowing(conn, user, id, Permission::ViewDeals)?;
            Ok((vec![project], (row.id, row.name, "Deal")))
        }
    }
}

fn source_of(row: &NoteRow) -> Option<Source> {
    row.contact_id.map(Source::Contact).or(row.deal_id.map(Source::Deal))
}

fn details(conn: &mut DbConnection, rows: Vec<NoteRow>) -> Result<Vec<NoteDetails>, Error> {
    let ids: Vec<i32> = rows.iter().filter_map(|r| r.author_id).collect();
    let names = users::names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| NoteDetails {
            author: row
                .author_id
                .and_then(|id| names.iter().find(|n| n.0 == id))
                .map(|n| (n.0, users::display_name(&n.1, &n.2))),
            source: None,
            row,
        })
        .collect())
}

/// Notes of many contacts (for `include=notes`), in two queries.
pub fn of_contacts(conn: &mut DbConnection, ids: &[i32]) -> Result<Vec<NoteDetails>, Error> {
    let rows = store::of_contacts(conn, ids)?;
    details(conn, rows)
}

/// Notes of many deals, in two queries.
pub fn of_deals(conn: &mut DbConnection, ids: &[i32]) -> Result<Vec<NoteDetails>, Error> {
    let rows = store::of_deals(conn, ids)?;
    details(conn, rows)
}

pub fn show(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<NoteDetails, Error> {
    let row = store::find(conn, id)?.ok_or(Error::NotFound)?;
    let source = source_of(&row).ok_or(Error::NotFound)?;
    let (_, named) = source_projects(conn, user, source)?;
    let mut found = details(conn, vec![row])?.pop().ok_or(Error::NotFound)?;
    found.source = Some(named);
    Ok(found)
}

/// Creates a note on `source` (from the URL) or on the input's source.
pub fn create(
    conn: &mut Conn,
    user: &CurrentUser,
    url_source: Option<Source>,
    input: NoteInput,
) -> Result<NoteDetails, Error> {
    let source = match url_source.or(input.source) {
        Some(s) => s,
        None => return Err(Error::invalid("Source cannot be blank")),
    };
    let projects = match (url_source, source_projects(conn, user, source)) {
        (_, Ok((projects, _))) => projects,
        // A source named in the body that does not exist is bad input, not a missing page.
        (None, Err(Error::NotFound)) => return Err(Error::invalid("Source is invalid")),
        (_, Err(e)) => return Err(e),
    };
    if !projects.iter().any(|p| user.allowed(p, Permission::AddNotes)) {
        return Err(Error::Forbidden);
    }
    let content = input.content.flatten().ok_or_else(|| Error::invalid("Content cannot be blank"))?;
    let at = now();
    let created_on = match input.note_time {
        Some(time) => NaiveDateTime::new(at.date(), time),
        None => at,
    };
    let row = NewNoteRow {
        contact_id: match source {
            Source::Contact(id) => Some(id),
            Source::Deal(_) => None,
        },
        deal_id: match source {
            Source::Deal(id) => Some(id),
            Source::Contact(_) => None,
        },
        subject: input.subject.flatten(),
        content,
        type_id: input.type_id.flatten(),
        author_id: Some(user.id),
        created_on,
        updated_on: at,
    };
    let project_ids: Vec<i32> = projects.iter().map(|p| p.id).collect();
    let id = write_transaction(conn, |c| {
        let id = store::insert(c, &row)?;
        webhooks::record(c, Event::NoteCreated, id, &project_ids)?;
        Ok::<_, diesel::result::Error>(id)
    })?;
    show(conn, user, id)
}

/// delete_notes, or delete_own_notes for the note's author, in a project of its source.
fn may_change(conn: &mut DbConnection, user: &CurrentUser, row: &NoteRow) -> Result<(), Error> {
    let source = source_of(row).ok_or(Error::NotFound)?;
    let (projects, _) = source_projects(conn, user, source)?;
    let own = row.author_id == Some(user.id);
    let allowed = projects
        .iter()
        .any(|p| user.allowed(p, Permission::DeleteNotes) || (own && user.allowed(p, Permission::DeleteOwnNotes)));
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

pub fn update(conn: &mut DbConnection, user: &CurrentUser, id: i32, input: NoteInput) -> Result<(), Error> {
    let row = store::find(conn, id)?.ok_or(Error::NotFound)?;
    may_change(conn, user, &row)?;
    if matches!(input.content, Some(None)) {
        return Err(Error::invalid("Content cannot be blank"));
    }
    let changes = NoteChanges {
        subject: input.subject,
        content: input.content.flatten(),
        type_id: input.type_id,
        created_on: input.note_time.map(|t| NaiveDateTime::new(row.created_on.date(), t)),
        updated_on: Some(now()),
    };
    store::update(conn, id, &changes)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    let row = store::find(conn, id)?.ok_or(Error::NotFound)?;
    may_change(conn, user, &row)?;
    store::delete(conn, id)?;
    Ok(())
}
