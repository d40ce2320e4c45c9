//! Counted skipping for deep pages of the default contact list (newest first), migration
//! 2026-12-11-000000: the contacts are cut into blocks of consecutive `(created_on, id)` keys,
//! and triggers keep each block's count of contacts by what decides who sees them. A page at
//! offset 400,000 then adds a few hundred blocks' counts and walks one block, where `OFFSET`
//! alone walked (and tested the visibility of) every row before it.
//!
//! The counts are exact in every snapshot, whatever the blocks' sizes: blocks only grow too
//! large to be fast, and `split` cuts them again (the server runs it every second, the bulk
//! jobs when they finish).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};

use crate::db::functions::shares_project;
use crate::db::schema::{contact_block_tallies, contact_blocks, contacts};
use crate::db::{write_transaction, DbConnection, WriteTarget};
use crate::store::contacts::{
    project_ids_text, Visibility, STATUS_ARCHIVED, VISIBILITY_PRIVATE, VISIBILITY_PROJECT, VISIBILITY_PUBLIC,
};
use crate::store::copy::insert_rows;

/// The contacts a block is cut to hold; a block is cut once it holds twice as many.
pub const BLOCK_ROWS: i64 = 4096;

/// Offsets from which a page is found through the blocks: below, walking is as cheap.
pub const SKIP_FROM: i64 = 1000;

/// A position in the list's order, `(created_on, id)`.
pub type Key = (NaiveDateTime, i32);

/// Where a page at some offset starts: the walk begins just past `after` (the start of the
/// block above, newer, none for the newest block) and skips `skip` visible rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStart {
    pub after: Option<Key>,
    pub skip: i64,
}

/// Where the page at `offset` of the unfiltered default list starts for a reader of
/// `visibility` (archived contacts left out, as the list does). Call it in the page's snapshot
/// (`store::in_snapshot`).
pub fn page_start(conn: &mut DbConnection, visibility: &Visibility, offset: i64) -> QueryResult<PageStart> {
    let mut query = contact_block_tallies::table
        .filter(contact_block_tallies::archived.eq(false))
        .group_by((contact_block_tallies::starts_on, contact_block_tallies::starts_id))
        .select((
            contact_block_tallies::starts_on,
            contact_block_tallies::starts_id,
            diesel::dsl::sql::<BigInt>("CAST(sum(contacts) AS BIGINT)"),
        ))
        .order((contact_block_tallies::starts_on.desc(), contact_block_tallies::starts_id.desc()))
        .into_boxed();
    let mut own_reader = None;
    if let Visibility::User { user_id, projects, private_projects } = visibility {
        if projects.is_empty() {
            return Ok(PageStart { after: None, skip: offset });
        }
        let seen = contact_block_tallies::visibility
            .eq(VISIBILITY_PUBLIC)
            .or(contact_block_tallies::visibility
                .eq(VISIBILITY_PROJECT)
                .and(shares_project(contact_block_tallies::project_ids, project_ids_text(projects))))
            .or(contact_block_tallies::visibility
                .eq(VISIBILITY_PRIVATE)
                .and(shares_project(contact_block_tallies::project_ids, project_ids_text(private_projects))));
        query = query.filter(seen);
        own_reader = Some((*user_id, projects, private_projects));
    }
    // Newest block first, until the one the offset falls in (SQLite stops reading there).
    let mut blocks: Vec<(Key, i64)> = Vec::new();
    let mut counted = 0;
    for block in query.load_iter::<(NaiveDateTime, i32, i64), diesel::connection::DefaultLoadingMode>(conn)? {
        let (starts_on, starts_id, visible) = block?;
        blocks.push(((starts_on, starts_id), visible));
        counted += visible;
        if counted > offset {
            break;
        }
    }
    // The reader's own private contacts, which no tally counts for it: only those from the
    // oldest block read on can come before the page (they only move it newer).
    if let (Some((user_id, projects, private_projects)), Some((oldest, _))) = (own_reader, blocks.last()) {
        let own = own_private_keys(conn, user_id, projects, private_projects, oldest)?;
        let mut own = own.into_iter().peekable();
        for (start, visible) in blocks.iter_mut() {
            while own.next_if(|key| key >= start).is_some() {
                *visible += 1;
            }
        }
    }
    let mut before = 0;
    let mut after = None;
    for (start, visible) in blocks {
        if before + visible > offset {
            break;
        }
        before += visible;
        after = Some(start);
    }
    Ok(PageStart { after, skip: offset - before })
}

/// The keys of `user_id`'s own private contacts that it sees through no tally (in a project it
/// reads, none where it reads all private contacts), not archived, from `from` on, newest first.
fn own_private_keys(
    conn: &mut DbConnection,
    user_id: i32,
    projects: &[i32],
    private_projects: &[i32],
    from: &Key,
) -> QueryResult<Vec<Key>> {
    let mut query = contacts::table
        // Written out, not bound: only a literal lets the planners pick the partial indexes.
        .filter(diesel::dsl::sql::<Bool>(&format!("contacts.visibility = {VISIBILITY_PRIVATE}")))
        .filter(contacts::author_id.eq(user_id).or(contacts::assigned_to_id.eq(user_id)))
        .filter(contacts::created_on.ge(from.0))
        .filter(contacts::status.ne(STATUS_ARCHIVED))
        .filter(shares_project(contacts::project_ids, project_ids_text(projects)))
        .select((contacts::created_on, contacts::id))
        .into_boxed();
    if !private_projects.is_empty() {
        query =
            query.filter(diesel::dsl::not(shares_project(contacts::project_ids, project_ids_text(private_projects))));
    }
    let mut keys: Vec<Key> = query.load(conn)?;
    keys.retain(|key| key >= from);
    keys.sort_unstable_by(|a, b| b.cmp(a));
    Ok(keys)
}

/// `sql`'s rows, its parameters the block's start (`$1`, `$2`) and the next block's (`$3`, `$4`,
/// only when there is one).
fn load_in_block<R>(conn: &mut DbConnection, sql: &str, start: &Key, next: Option<Key>) -> QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    let query = diesel::sql_query(sql).bind::<Timestamp, _>(start.0).bind::<Integer, _>(start.1);
    match (conn, next) {
        (DbConnection::Postgres(pg), Some((on, id))) => query.bind::<Timestamp, _>(on).bind::<Integer, _>(id).load(pg),
        (DbConnection::Sqlite(lite), Some((on, id))) => {
            query.bind::<Timestamp, _>(on).bind::<Integer, _>(id).load(lite)
        }
        (DbConnection::Postgres(pg), None) => query.load(pg),
        (DbConnection::Sqlite(lite), None) => query.load(lite),
    }
}

#[derive(QueryableByName)]
struct Oversized {
    #[diesel(sql_type = Timestamp)]
    starts_on: NaiveDateTime,
    #[diesel(sql_type = Integer)]
    starts_id: i32,
}

#[derive(QueryableByName)]
struct Boundary {
    #[diesel(sql_type = Timestamp)]
    created_on: NaiveDateTime,
    #[diesel(sql_type = Integer)]
    id: i32,
}

#[derive(QueryableByName)]
struct PartCount {
    #[diesel(sql_type = BigInt)]
    part: i64,
    #[diesel(sql_type = Integer)]
    visibility: i32,
    #[diesel(sql_type = Text)]
    project_ids: String,
    #[diesel(sql_type = Bool)]
    archived: bool,
    #[diesel(sql_type = BigInt)]
    contacts: i64,
}

#[derive(Insertable)]
#[diesel(table_name = contact_blocks, treat_none_as_default_value = false)]
struct BlockRow {
    starts_on: NaiveDateTime,
    starts_id: i32,
}

#[derive(Insertable)]
#[diesel(table_name = contact_block_tallies, treat_none_as_default_value = false)]
struct TallyRow {
    starts_on: NaiveDateTime,
    starts_id: i32,
    visibility: i32,
    project_ids: String,
    archived: bool,
    shard: i32,
    contacts: i64,
}

/// The blocks holding more than twice `rows` contacts.
fn oversized(conn: &mut DbConnection, rows: i64) -> QueryResult<Vec<Key>> {
    let query = diesel::sql_query(
        "SELECT starts_on, starts_id FROM contact_block_tallies GROUP BY starts_on, starts_id \
         HAVING sum(contacts) > $1 ORDER BY starts_on, starts_id",
    )
    .bind::<BigInt, _>(2 * rows);
    let found: Vec<Oversized> = match conn {
        DbConnection::Postgres(pg) => query.load(pg)?,
        DbConnection::Sqlite(lite) => query.load(lite)?,
    };
    Ok(found.into_iter().map(|b| (b.starts_on, b.starts_id)).collect())
}

/// Whether a block holds more than twice `rows` contacts: a look before `split`, which holds
/// the contacts' writes on PostgreSQL, outside any transaction.
pub fn needs_split(conn: &mut DbConnection, rows: i64) -> QueryResult<bool> {
    Ok(!oversized(conn, rows)?.is_empty())
}

/// Cuts every block holding more than twice `rows` contacts into blocks of `rows` and counts
/// them again, in one write transaction on `conn` (PostgreSQL: with the contacts' writes held
/// meanwhile, so no write counts a contact in a block being cut). Returns the blocks cut.
pub fn split<C: WriteTarget + ?Sized>(conn: &mut C, rows: i64) -> QueryResult<usize> {
    write_transaction(conn, |c| {
        if let DbConnection::Postgres(pg) = c {
            diesel::sql_query("LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE").execute(pg)?;
        }
        let blocks = oversized(c, rows)?;
        for start in &blocks {
            split_block(c, start, rows)?;
        }
        Ok(blocks.len())
    })
}

fn split_block(conn: &mut DbConnection, start: &Key, rows: i64) -> QueryResult<()> {
    let next: Option<Key> = contact_blocks::table
        .filter(
            contact_blocks::starts_on
                .gt(start.0)
                .or(contact_blocks::starts_on.eq(start.0).and(contact_blocks::starts_id.gt(start.1))),
        )
        .order((contact_blocks::starts_on.asc(), contact_blocks::starts_id.asc()))
        .select((contact_blocks::starts_on, contact_blocks::starts_id))
        .first(conn)
        .optional()?;
    // The block's rows, numbered in key order: `$1..$2` its start, `$3..$4` the next block's.
    let range = match next {
        Some(_) => "(created_on, id) >= ($1, $2) AND (created_on, id) < ($3, $4)",
        None => "(created_on, id) >= ($1, $2)",
    };
    let numbered = format!(
        "SELECT created_on, id, visibility, project_ids, status, \
         row_number() OVER (ORDER BY created_on, id) AS n FROM contacts WHERE {range}"
    );
    let cuts_sql =
        format!("SELECT created_on, id FROM ({numbered}) AS numbered WHERE n % {rows} = 1 AND n > 1 ORDER BY n");
    let counts_sql = format!(
        "SELECT CAST((n - 1) / {rows} AS BIGINT) AS part, visibility, \
         CASE visibility WHEN {VISIBILITY_PUBLIC} THEN '' ELSE project_ids END AS project_ids, \
         status = '{STATUS_ARCHIVED}' AS archived, CAST(count(*) AS BIGINT) AS contacts \
         FROM ({numbered}) AS numbered GROUP BY 1, 2, 3, 4"
    );
    let cuts: Vec<Boundary> = load_in_block(conn, &cuts_sql, start, next)?;
    let counts: Vec<PartCount> = load_in_block(conn, &counts_sql, start, next)?;
    let mut starts = vec![*start];
    starts.extend(cuts.into_iter().map(|b| (b.created_on, b.id)));
    let new_blocks: Vec<BlockRow> = starts[1..]
        .iter()
        .map(|(starts_on, starts_id)| BlockRow { starts_on: *starts_on, starts_id: *starts_id })
        .collect();
    for chunk in new_blocks.chunks(1000) {
        insert_rows!(conn, contact_blocks::table, chunk)?;
    }
    diesel::delete(
        contact_block_tallies::table
            .filter(contact_block_tallies::starts_on.eq(start.0))
            .filter(contact_block_tallies::starts_id.eq(start.1)),
    )
    .execute(conn)?;
    let tallies: Vec<TallyRow> = counts
        .into_iter()
        .filter_map(|c| {
            let (starts_on, starts_id) = *starts.get(usize::try_from(c.part).ok()?)?;
            Some(TallyRow {
                starts_on,
                starts_id,
                visibility: c.visibility,
                project_ids: c.project_ids,
                archived: c.archived,
                shard: 0,
                contacts: c.contacts,
            })
        })
        .collect();
    for chunk in tallies.chunks(1000) {
        insert_rows!(conn, contact_block_tallies::table, chunk)?;
    }
    Ok(())
}
