//! Notes on contacts and deals.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::notes;
use crate::db::DbConnection;

table_rows! {
    notes: NoteRow, NewNoteRow {
        contact_id: Option<i32>,
        deal_id: Option<i32>,
        subject: Option<String>,
        content: String,
        type_id: Option<i32>,
        author_id: Option<i32>,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
    }
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = notes)]
pub struct NoteChanges {
    pub subject: Option<Option<String>>,
    pub content: Option<String>,
    pub type_id: Option<Option<i32>>,
    pub created_on: Option<NaiveDateTime>,
    pub updated_on: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<NoteRow>> {
    notes::table.find(id).select(NoteRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConnection, row: &NewNoteRow) -> QueryResult<i32> {
    diesel::insert_into(notes::table).values(row).returning(notes::id).get_result(conn)
}

pub fn update(conn: &mut DbConnection, id: i32, changes: &NoteChanges) -> QueryResult<usize> {
    diesel::update(notes::table.find(id)).set(changes).execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(notes::table.find(id)).execute(conn)
}

/// Notes of many contacts, newest first, in one query.
pub fn of_contacts(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<NoteRow>> {
    notes::table
        .filter(notes::contact_id.assume_not_null().eq_any(ids))
        .select(NoteRow::as_select())
        .order((notes::created_on.desc(), notes::id.desc()))
        .load(conn)
}

/// Notes of many deals, newest first, in one query.
pub fn of_deals(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<NoteRow>> {
    notes::table
        .filter(notes::deal_id.assume_not_null().eq_any(ids))
        .select(NoteRow::as_select())
        .order((notes::created_on.desc(), notes::id.desc()))
        .load(conn)
}
