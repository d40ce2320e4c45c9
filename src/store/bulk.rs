//! Writing many rows at once with ids chosen by the writer (seeding and importing): multi-row
//! inserts of full rows, so a million contacts take seconds rather than a million round trips.

use diesel::dsl::max;
use diesel::prelude::*;

use super::contacts::{project_ids_text, ContactProjectRow, ContactRow, NewContactRow};
use super::copy::insert_rows;
use super::custom_fields::CustomValueRow;
use super::tags::TaggingRow;
use crate::db::schema::{contacts, contacts_projects, custom_values, taggings};
use crate::db::DbConnection;

/// Rows per statement: under SQLite's 32,766 bound variables for the widest row (contacts, 35
/// columns).
pub const ROWS_PER_STATEMENT: usize = 900;

/// The first free contact id and custom value id, which a bulk writer hands out in order.
pub struct NextIds {
    pub contact: i32,
    pub value: i32,
}

impl NextIds {
    pub fn read(conn: &mut DbConnection) -> QueryResult<NextIds> {
        let contact: Option<i32> = contacts::table.select(max(contacts::id)).first(conn)?;
        let value: Option<i32> = custom_values::table.select(max(custom_values::id)).first(conn)?;
        Ok(NextIds { contact: contact.unwrap_or(0) + 1, value: value.unwrap_or(0) + 1 })
    }
}

/// Gives a SQLite connection of a bulk job a page cache of 128 MB (the server's keep SQLite's
/// 2 MB, for its memory target): a million contacts inserted at random places of the name
/// order's index (migration 2026-12-14-000000) read its pages back from the file one by one
/// with the small cache. For the command line's jobs only: their process ends with the job.
pub fn use_bulk_cache(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Sqlite(lite) = conn {
        diesel::sql_query("PRAGMA cache_size = -131072").execute(lite)?;
    }
    Ok(())
}

/// Makes the rest of the transaction count its contacts in tally shard `16 + lane` (see
/// migration 8): writers on different lanes, and the server's sessions (shards 0-15), never
/// wait for each other's tally rows. PostgreSQL only; SQLite has one writer at a time.
pub fn use_tally_lane(conn: &mut DbConnection, lane: usize) -> QueryResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT set_config('contacts_server.tally_shard', $1, true)")
            .bind::<diesel::sql_types::Text, _>((16 + lane).to_string())
            .execute(pg)?;
    }
    Ok(())
}

/// A batch of new contacts with their project links, tag links and custom values.
#[derive(Default)]
pub struct ContactBatch {
    pub contacts: Vec<ContactRow>,
    pub links: Vec<ContactProjectRow>,
    pub taggings: Vec<TaggingRow>,
    pub values: Vec<CustomValueRow>,
}

impl ContactBatch {
    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }

    /// Writes the batch (the caller holds the transaction).
    pub fn write(&self, conn: &mut DbConnection) -> QueryResult<()> {
        for chunk in self.contacts.chunks(ROWS_PER_STATEMENT) {
            insert_rows!(conn, contacts::table, chunk)?;
        }
        for chunk in self.links.chunks(ROWS_PER_STATEMENT * 4) {
            insert_rows!(conn, contacts_projects::table, chunk)?;
        }
        for chunk in self.taggings.chunks(ROWS_PER_STATEMENT * 4) {
            insert_rows!(conn, taggings::table, chunk)?;
        }
        for chunk in self.values.chunks(ROWS_PER_STATEMENT * 4) {
            insert_rows!(conn, custom_values::table, chunk)?;
        }
        Ok(())
    }
}

/// A new contact's row with the id the writer chose, in `projects` (the links the batch adds:
/// stored with the row, the link trigger has nothing left to rewrite).
pub fn with_id(id: i32, r: NewContactRow, projects: &[i32]) -> ContactRow {
    ContactRow { project_ids: project_ids_text(projects), ..r.with_id(id) }
}
