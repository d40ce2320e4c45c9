//! Tags and the contacts carrying them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::functions::lower;
use crate::db::schema::{taggings, tags};
use crate::db::DbConnection;
use crate::store::contacts::{tag_counts, ContactQuery};

/// The tag `name` names, as the unique index on `lower(name)` compares. That lower() folds only
/// ASCII letters on both backends (SQLite's always does; on PostgreSQL the column is COLLATE "C"),
/// so `name` is folded the same way here: a database lower() of the bound text would fold every
/// letter on PostgreSQL and miss "Éclair" when it exists.
fn named(name: &str) -> diesel::dsl::Eq<lower<tags::name>, String> {
    lower(tags::name).eq(name.to_ascii_lowercase())
}

/// A tag as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tags, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct TagRow {
    pub id: i32,
    pub name: String,
}

/// A contact's tag.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = taggings, treat_none_as_default_value = false)]
pub struct TaggingRow {
    pub contact_id: i32,
    pub tag_id: i32,
    /// The contact's own created_on (see migration 10).
    pub created_on: NaiveDateTime,
}

/// The tag named `name` (case-insensitively), created when missing. Safe against a concurrent
/// creator: a unique violation rolls back to a savepoint and the winner's row is read.
pub fn find_or_create(conn: &mut DbConnection, name: &str) -> QueryResult<TagRow> {
    let existing =
        |conn: &mut DbConnection| tags::table.filter(named(name)).select((tags::id, tags::name)).first(conn).optional();
    if let Some(tag) = existing(conn)? {
        return Ok(tag);
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(tags::table).values(tags::name.eq(name)).returning((tags::id, tags::name)).get_result(conn)
    });
    match inserted {
        Ok(tag) => Ok(tag),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            existing(conn)?.ok_or(diesel::result::Error::NotFound)
        }
        Err(e) => Err(e),
    }
}

/// A contact's tags show by name, ignoring case. Sorted in Rust, both for a create's answer (which
/// reads nothing back) and when a page is read (`contact_extras`), so that the two agree.
pub(super) fn shown_order(name: &str) -> (String, String) {
    (name.to_lowercase(), name.to_string())
}

/// Replaces the tags of the contact `contact_id`, created at `created_on`; returns their stored
/// names, in the order they show.
pub fn set_for_contact(
    conn: &mut DbConnection,
    contact_id: i32,
    created_on: NaiveDateTime,
    names: &[String],
) -> QueryResult<Vec<String>> {
    diesel::delete(taggings::table.filter(taggings::contact_id.eq(contact_id))).execute(conn)?;
    tag_new_contact(conn, contact_id, created_on, names)
}

/// Tags a contact that has no tags yet (see `set_for_contact`).
pub fn tag_new_contact(
    conn: &mut DbConnection,
    contact_id: i32,
    created_on: NaiveDateTime,
    names: &[String],
) -> QueryResult<Vec<String>> {
    let mut tags: Vec<TagRow> = Vec::new();
    for name in names {
        let tag = find_or_create(conn, name)?;
        if !tags.iter().any(|t| t.id == tag.id) {
            tags.push(tag);
        }
    }
    for tag in &tags {
        // A tagging carries its contact's created_on (see migration 10).
        diesel::insert_into(taggings::table)
            .values((
                taggings::contact_id.eq(contact_id),
                taggings::tag_id.eq(tag.id),
                taggings::created_on.eq(created_on),
            ))
            .execute(conn)?;
    }
    let mut shown: Vec<String> = tags.into_iter().map(|t| t.name).collect();
    shown.sort_by_cached_key(|name| shown_order(name));
    Ok(shown)
}

/// (id, name, count) of every tag carried by a contact `visible` matches: a tag only on contacts
/// the reader cannot see is not listed, and counts count only what they can see.
pub fn counts(conn: &mut DbConnection, visible: &ContactQuery) -> QueryResult<Vec<(i32, String, i64)>> {
    let counts = tag_counts(conn, visible)?;
    let ids: Vec<i32> = counts.iter().map(|c| c.0).collect();
    let names: Vec<(i32, String)> = tags::table
        .filter(tags::id.eq_any(ids))
        .select((tags::id, tags::name))
        .order(lower(tags::name).asc())
        .load(conn)?;
    Ok(names
        .into_iter()
        .map(|(id, name)| {
            let count = counts.iter().find(|c| c.0 == id).map_or(0, |c| c.1);
            (id, name, count)
        })
        .collect())
}

/// The tag named `name` (case-insensitively), if any.
pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<i32>> {
    tags::table.filter(named(name)).select(tags::id).first::<i32>(conn).optional()
}

/// The tags of any of these names (each in any letter case), in one query.
pub fn find_by_names(conn: &mut DbConnection, names: &[String]) -> QueryResult<Vec<TagRow>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let folded: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    tags::table.filter(lower(tags::name).eq_any(folded)).select(TagRow::as_select()).load(conn)
}

pub fn exists(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    Ok(tags::table.find(id).select(tags::id).first::<i32>(conn).optional()?.is_some())
}

pub fn rename(conn: &mut DbConnection, id: i32, name: &str) -> QueryResult<usize> {
    diesel::update(tags::table.find(id)).set(tags::name.eq(name)).execute(conn)
}

/// Moves every contact tagged `from` to `into` (a contact carrying both keeps one link) and
/// deletes `from`.
pub fn merge_into(conn: &mut DbConnection, from: i32, into: i32) -> QueryResult<()> {
    let target = diesel::alias!(taggings as target);
    let already_tagged =
        target.filter(target.field(taggings::tag_id).eq(into)).select(target.field(taggings::contact_id));
    diesel::delete(
        taggings::table.filter(taggings::tag_id.eq(from)).filter(taggings::contact_id.eq_any(already_tagged)),
    )
    .execute(conn)?;
    diesel::update(taggings::table.filter(taggings::tag_id.eq(from))).set(taggings::tag_id.eq(into)).execute(conn)?;
    delete(conn, from)?;
    Ok(())
}

/// Deletes a tag; its links go with it (ON DELETE CASCADE).
pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(tags::table.find(id)).execute(conn)
}
