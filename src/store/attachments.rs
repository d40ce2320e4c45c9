//! Files kept in the database: contact avatars and uploads waiting to be attached.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::attachments;
use crate::db::DbConnection;

/// An attachment without its bytes, for showing and permission checks.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: i32,
    pub contact_id: Option<i32>,
    pub filename: String,
    pub content_type: String,
    pub filesize: i32,
    pub digest: String,
    pub token: Option<String>,
    pub author_id: Option<i32>,
    pub created_on: NaiveDateTime,
}

table_rows! {
    /// Every column of an attachment (`AttachmentRow` leaves out the content), for `copy` and
    /// `import-redmine`.
    attachments: FullAttachmentRow, NewAttachmentRow {
        contact_id: Option<i32>,
        filename: String,
        content_type: String,
        filesize: i32,
        digest: String,
        content: Vec<u8>,
        token: Option<String>,
        author_id: Option<i32>,
        created_on: NaiveDateTime,
    }
}

pub fn insert(conn: &mut DbConnection, row: &NewAttachmentRow) -> QueryResult<i32> {
    diesel::insert_into(attachments::table).values(row).returning(attachments::id).get_result(conn)
}

pub fn set_token(conn: &mut DbConnection, id: i32, token: &str) -> QueryResult<usize> {
    diesel::update(attachments::table.find(id)).set(attachments::token.eq(token)).execute(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<AttachmentRow>> {
    attachments::table.find(id).select(AttachmentRow::as_select()).first(conn).optional()
}

pub fn content(conn: &mut DbConnection, id: i32) -> QueryResult<Vec<u8>> {
    attachments::table.find(id).select(attachments::content).first(conn)
}

/// An upload not yet attached, by its token.
pub fn find_unattached_by_token(conn: &mut DbConnection, token: &str) -> QueryResult<Option<AttachmentRow>> {
    // Tokens are `{id}.{hex}`: text of any other character matches none, and is not sent to
    // the database (PostgreSQL refuses a NUL in text with an error, which was a 500).
    if !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return Ok(None);
    }
    attachments::table
        .filter(attachments::token.eq(token))
        .filter(attachments::contact_id.is_null())
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

/// Makes `id` the contact's avatar: attaches it and drops the contact's earlier ones.
pub fn make_avatar(conn: &mut DbConnection, contact_id: i32, id: i32) -> QueryResult<()> {
    diesel::delete(attachments::table.filter(attachments::contact_id.eq(contact_id)).filter(attachments::id.ne(id)))
        .execute(conn)?;
    diesel::update(attachments::table.find(id))
        .set((attachments::contact_id.eq(contact_id), attachments::token.eq(None::<String>)))
        .execute(conn)?;
    Ok(())
}
