//! Tags and the contacts carrying them.

use diesel::prelude::*;

use super::lower;
use crate::db::schema::{taggings, tags};
use crate::db::DbConnection;

/// The id of the tag named `name` (case-insensitively), created when missing. Safe against a
/// concurrent creator: a unique violation rolls back to a savepoint and the winner's row is read.
pub fn find_or_create(conn: &mut DbConnection, name: &str) -> QueryResult<i32> {
    let lowered = name.to_lowercase();
    let existing = |conn: &mut DbConnection| {
        tags::table.filter(lower(tags::name).eq(&lowered)).select(tags::id).first::<i32>(conn).optional()
    };
    if let Some(id) = existing(conn)? {
        return Ok(id);
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(tags::table).values(tags::name.eq(name)).returning(tags::id).get_result::<i32>(conn)
    });
    match inserted {
        Ok(id) => Ok(id),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            existing(conn)?.ok_or(diesel::result::Error::NotFound)
        }
        Err(e) => Err(e),
    }
}

/// Replaces a contact's tags.
pub fn set_for_contact(conn: &mut DbConnection, contact_id: i32, names: &[String]) -> QueryResult<()> {
    diesel::delete(taggings::table.filter(taggings::contact_id.eq(contact_id))).execute(conn)?;
    let mut seen = Vec::new();
    for name in names {
        let id = find_or_create(conn, name)?;
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        diesel::insert_into(taggings::table)
            .values((taggings::contact_id.eq(contact_id), taggings::tag_id.eq(id)))
            .execute(conn)?;
    }
    Ok(())
}

/// (contact id, tag name) for a set of contacts, in one query, ordered by name.
pub fn names_of(conn: &mut DbConnection, contact_ids: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    taggings::table
        .inner_join(tags::table)
        .filter(taggings::contact_id.eq_any(contact_ids))
        .select((taggings::contact_id, tags::name))
        .order(lower(tags::name).asc())
        .load(conn)
}
