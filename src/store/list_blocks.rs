//! Counted skipping for deep pages of the unfiltered contact list in the orders that have
//! blocks (`BlockOrder`): the contacts are cut into blocks of consecutive keys of the order,
//! and triggers keep each block's count of contacts by what decides who sees them. A page at
//! offset 400,000 then adds a few hundred blocks' counts and walks one block, where `OFFSET`
//! alone walked (and tested the visibility of) every row before it, or, with no index in the
//! order, sorted them all.
//!
//! The counts are exact in every snapshot, whatever the blocks' sizes: blocks only grow too
//! large to be fast, and `split` cuts them again (the server runs it every second, the bulk
//! jobs when they finish).

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, Integer, Text, Timestamp};
use diesel::sqlite::Sqlite;

use crate::db::schema::{contact_block_tallies, contact_blocks, contact_name_block_tallies, contact_name_blocks};
use crate::db::{write_transaction, DbConnection, WriteTarget};
use crate::store::contacts::{
    project_ids_text, KeyValue, Seek, Visibility, STATUS_ARCHIVED, TALLY_PRIVATE_BY_PROJECTS, VISIBILITY_PRIVATE,
    VISIBILITY_PROJECT, VISIBILITY_PUBLIC,
};
use crate::store::copy::insert_rows;

/// The contacts a block is cut to hold; a block is cut once it holds twice as many.
pub const BLOCK_ROWS: i64 = 4096;

/// Offsets from which a page is found through the blocks: below, walking is as cheap.
pub const SKIP_FROM: i64 = 1000;

/// An order whose deep pages are found through blocks: its blocks table, keyed by the order's
/// key, and that table's tallies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockOrder {
    /// `(created_on, id)`: the default list (newest first) and `sort=created_on`
    /// (migration 2026-12-11-000000).
    Created,
    /// `(lower(first_name), lower(coalesce(last_name, '')), id)`: `sort=name`
    /// (migration 2026-12-14-000000).
    Name,
}

impl BlockOrder {
    pub const ALL: [BlockOrder; 2] = [BlockOrder::Created, BlockOrder::Name];

    fn blocks(self) -> &'static str {
        match self {
            BlockOrder::Created => "contact_blocks",
            BlockOrder::Name => "contact_name_blocks",
        }
    }

    fn tallies(self) -> &'static str {
        match self {
            BlockOrder::Created => "contact_block_tallies",
            BlockOrder::Name => "contact_name_block_tallies",
        }
    }

    /// The key's columns in both tables, in the order's order.
    fn key_columns(self) -> &'static str {
        match self {
            BlockOrder::Created => "starts_on, starts_id",
            BlockOrder::Name => "first_key, last_key, starts_id",
        }
    }

    /// A contact's key over `contacts`, as the order's index and its pages write it.
    fn contact_key(self) -> &'static str {
        match self {
            BlockOrder::Created => "created_on, id",
            BlockOrder::Name => "lower(first_name), lower(coalesce(last_name, '')), id",
        }
    }

    /// The blocks' key as `KeyRow` reads it (the other order's columns NULL).
    fn key_read(self) -> &'static str {
        match self {
            BlockOrder::Created => {
                "starts_on, CAST(NULL AS TEXT) AS first_key, CAST(NULL AS TEXT) AS last_key, starts_id"
            }
            BlockOrder::Name => "CAST(NULL AS TIMESTAMP) AS starts_on, first_key, last_key, starts_id",
        }
    }

    /// A contact's key over `contacts`, named as `key_read` names the blocks' keys.
    fn contact_key_read(self) -> &'static str {
        match self {
            BlockOrder::Created => {
                "created_on AS starts_on, CAST(NULL AS TEXT) AS first_key, CAST(NULL AS TEXT) AS last_key, \
                 id AS starts_id"
            }
            BlockOrder::Name => {
                "CAST(NULL AS TIMESTAMP) AS starts_on, lower(first_name) AS first_key, \
                 lower(coalesce(last_name, '')) AS last_key, id AS starts_id"
            }
        }
    }

    /// `$first`, `$first + 1`, …: the parameters of one key.
    fn parameters(self, first: usize) -> String {
        let count = match self {
            BlockOrder::Created => 2,
            BlockOrder::Name => 3,
        };
        (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
    }

    /// `key_columns`, each followed by `direction`.
    fn ordered(self, direction: &str) -> String {
        self.key_columns().split(", ").map(|c| format!("{c} {direction}")).collect::<Vec<_>>().join(", ")
    }

    /// Contacts from the block starting at `$1…` up to the one starting at the next key's
    /// parameters (when `bounded`). The names' range also bounds the leading key alone, which
    /// the planners surely match to the index.
    fn contacts_in_block(self, bounded: bool) -> String {
        let key = self.contact_key();
        let start = self.parameters(1);
        let mut range = format!("({key}) >= ({start})");
        if self == BlockOrder::Name {
            range = format!("lower(first_name) >= $1 AND {range}");
        }
        if bounded {
            let next = self.parameters(match self {
                BlockOrder::Created => 3,
                BlockOrder::Name => 4,
            });
            range.push_str(&format!(" AND ({key}) < ({next})"));
            if self == BlockOrder::Name {
                range.push_str(" AND lower(first_name) <= $4");
            }
        }
        range
    }
}

/// A position in a block order: a block's start or a contact's key. The names are compared as
/// bytes, as both backends compare them (SQLite's BINARY, PostgreSQL's COLLATE "C" columns),
/// so Rust's order is the database's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Created(NaiveDateTime, i32),
    Name(String, String, i32),
}

impl Key {
    /// The keyset position of the row at this key (`ContactQuery::seek`), or just before it.
    fn seek(&self, before: bool) -> Seek {
        let (keys, id) = match self {
            Key::Created(on, id) => (vec![KeyValue::Time(*on)], *id),
            Key::Name(first, last, id) => (vec![KeyValue::Text(first.clone()), KeyValue::Text(last.clone())], *id),
        };
        Seek { keys, id: if before { id - 1 } else { id } }
    }
}

/// A key as `BlockOrder::key_read` selects it: one row type for either order.
#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamp>)]
    starts_on: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    first_key: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    last_key: Option<String>,
    #[diesel(sql_type = Integer)]
    starts_id: i32,
}

impl KeyRow {
    fn key(self) -> Key {
        match (self.starts_on, self.first_key, self.last_key) {
            (Some(on), _, _) => Key::Created(on, self.starts_id),
            (None, first, last) => Key::Name(first.unwrap_or_default(), last.unwrap_or_default(), self.starts_id),
        }
    }
}

#[derive(QueryableByName)]
struct CountedKey {
    #[diesel(embed)]
    key: KeyRow,
    #[diesel(sql_type = BigInt)]
    contacts: i64,
}

/// `sql` with `$1…` bound to `keys`' values, in order (a `Created` key is two parameters, a
/// `Name` key three).
fn bound<'a, DB>(sql: &str, keys: &[&Key]) -> BoxedSqlQuery<'a, DB, SqlQuery>
where
    DB: Backend + HasSqlType<Timestamp> + HasSqlType<Text> + HasSqlType<Integer>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    String: ToSql<Text, DB>,
    i32: ToSql<Integer, DB>,
{
    let mut query = diesel::sql_query(sql).into_boxed::<DB>();
    for key in keys {
        query = match key {
            Key::Created(on, id) => query.bind::<Timestamp, _>(*on).bind::<Integer, _>(*id),
            Key::Name(first, last, id) => {
                query.bind::<Text, _>(first.clone()).bind::<Text, _>(last.clone()).bind::<Integer, _>(*id)
            }
        };
    }
    query
}

/// `sql`'s rows, its parameters bound to `keys` (`bound`).
fn load<R>(conn: &mut DbConnection, sql: &str, keys: &[&Key]) -> QueryResult<Vec<R>>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    match conn {
        DbConnection::Postgres(pg) => bound::<Pg>(sql, keys).load(pg),
        DbConnection::Sqlite(lite) => bound::<Sqlite>(sql, keys).load(lite),
    }
}

fn execute(conn: &mut DbConnection, sql: &str, keys: &[&Key]) -> QueryResult<usize> {
    match conn {
        DbConnection::Postgres(pg) => bound::<Pg>(sql, keys).execute(pg),
        DbConnection::Sqlite(lite) => bound::<Sqlite>(sql, keys).execute(lite),
    }
}

/// Hands `sql`'s rows to `take` one by one while it returns true (SQLite stops reading there).
fn read_while<R>(conn: &mut DbConnection, sql: &str, mut take: impl FnMut(R) -> bool) -> QueryResult<()>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    use diesel::connection::DefaultLoadingMode;
    match conn {
        DbConnection::Postgres(pg) => {
            for row in diesel::sql_query(sql).load_iter::<R, DefaultLoadingMode>(pg)? {
                if !take(row?) {
                    break;
                }
            }
        }
        DbConnection::Sqlite(lite) => {
            for row in diesel::sql_query(sql).load_iter::<R, DefaultLoadingMode>(lite)? {
                if !take(row?) {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Where a page at some offset starts: the walk reads the rows past `after` in the list's
/// order (from the list's start when none) and skips `skip` visible ones. The page ends before
/// `until` (at the list's end when none): a bound for the planners, which otherwise may read
/// every row past `after` to sort them (PostgreSQL did, misjudging how many rows a reader sees).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStart {
    pub after: Option<Seek>,
    pub skip: i64,
    pub until: Option<Seek>,
}

/// The SQL test of a tally row seen by a reader of `projects` and `private_projects`. The sets
/// of projects are decided here, once each: the whole list's tallies (`contact_tallies`, in the
/// same snapshot) hold every set a listed contact has, a few dozen, where the block tallies
/// hold one row per block and set (10,000 at 1M), each of which PostgreSQL split and compared
/// (4.3 ms of a 19 ms page, `EXPLAIN ANALYZE`).
fn tally_seen(conn: &mut DbConnection, projects: &[i32], private_projects: &[i32]) -> QueryResult<String> {
    use crate::db::functions::shares_project_ids as shares;
    use crate::db::schema::contact_tallies;
    let sets: Vec<(i32, String)> = contact_tallies::table
        .filter(contact_tallies::visibility.eq_any([VISIBILITY_PROJECT, TALLY_PRIVATE_BY_PROJECTS]))
        .filter(contact_tallies::archived.eq(false))
        .select((contact_tallies::visibility, contact_tallies::project_ids))
        .distinct()
        .load(conn)?;
    let (readable, private) = (project_ids_text(projects), project_ids_text(private_projects));
    let listed = |kind: i32, wanted: &str| {
        let quoted: Vec<String> = sets
            .iter()
            .filter(|(visibility, ids)| *visibility == kind && shares(ids, wanted))
            .map(|(_, ids)| format!("'{}'", ids.replace('\'', "''")))
            .collect();
        if quoted.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("project_ids IN ({})", quoted.join(", "))
        }
    };
    Ok(format!(
        "(visibility = {VISIBILITY_PUBLIC} OR (visibility = {VISIBILITY_PROJECT} AND {}) \
         OR (visibility = {VISIBILITY_PRIVATE} AND {}))",
        listed(VISIBILITY_PROJECT, &readable),
        listed(TALLY_PRIVATE_BY_PROJECTS, &private)
    ))
}

/// Where the page of `limit` rows at `offset` of the unfiltered list in `order` (`descending`
/// or not) starts and ends for a reader of `visibility` (archived contacts left out, as the
/// list does). Call it in the page's snapshot (`store::in_snapshot`).
pub fn page_start(
    conn: &mut DbConnection,
    visibility: &Visibility,
    order: BlockOrder,
    descending: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<PageStart> {
    let mut seen = String::new();
    let mut own_reader = None;
    if let Visibility::User { user_id, projects, private_projects } = visibility {
        if projects.is_empty() {
            return Ok(PageStart { after: None, skip: offset, until: None });
        }
        seen = format!(" AND {}", tally_seen(conn, projects, private_projects)?);
        own_reader = Some((*user_id, projects, private_projects));
    }
    let direction = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {read}, CAST(sum(contacts) AS BIGINT) AS contacts FROM {tallies} WHERE NOT archived{seen} \
         GROUP BY {columns} ORDER BY {ordered}",
        read = order.key_read(),
        tallies = order.tallies(),
        columns = order.key_columns(),
        ordered = order.ordered(direction),
    );
    // In the list's order, until one block past the one the page's end falls in (its start
    // ends the page), as the tallies count: the reader's own private contacts below only move
    // the page towards the list's start, so that bound holds.
    let end = offset.saturating_add(limit);
    let mut blocks: Vec<(Key, i64)> = Vec::new();
    let mut counted = 0;
    let mut past_end = false;
    read_while(conn, &sql, |block: CountedKey| {
        past_end = counted > end;
        counted += block.contacts;
        blocks.push((block.key.key(), block.contacts));
        !past_end
    })?;
    // Descending, the page ends at the start of the block its end falls in; ascending, before
    // the start of the next one. Only in creation order, whose rows lie together in the table:
    // given both ends of a name range, PostgreSQL reads all of its rows, scattered over the
    // table, to sort them (31-40 ms became 45-150 ms), where walking the name index from the
    // start stops at the page.
    let until = match (past_end, order, descending) {
        (false, _, _) | (true, BlockOrder::Name, _) => None,
        (true, BlockOrder::Created, true) => {
            blocks.len().checked_sub(2).map(|end_block| blocks[end_block].0.seek(true))
        }
        (true, BlockOrder::Created, false) => blocks.last().map(|(next, _)| next.seek(false)),
    };
    // The reader's own private contacts, which no tally counts for it: those before the last
    // block read are added to the block they fall in (or the nearest read one before it), which
    // only moves the page towards the list's start.
    if let (Some((user_id, projects, private_projects)), Some((last, _))) = (own_reader, blocks.last()) {
        let own = own_private_keys(conn, order, descending, user_id, projects, private_projects, last)?;
        let mut own = own.into_iter().peekable();
        if descending {
            for (start, visible) in blocks.iter_mut() {
                while own.next_if(|key| key >= start).is_some() {
                    *visible += 1;
                }
            }
        } else {
            let next_starts: Vec<Key> = blocks.iter().skip(1).map(|(start, _)| start.clone()).collect();
            for ((_, visible), next) in blocks.iter_mut().zip(next_starts) {
                while own.next_if(|key| *key < next).is_some() {
                    *visible += 1;
                }
            }
        }
    }
    // Descending, the page is read past the start of the block above the offset's; ascending,
    // from the start of the offset's own block (just past the key before it).
    let mut before = 0;
    let mut skipped = 0;
    let mut after = None;
    for (start, visible) in blocks {
        if !descending {
            after = Some(start.seek(true));
            skipped = before;
        }
        if before + visible > offset {
            break;
        }
        before += visible;
        if descending {
            after = Some(start.seek(false));
            skipped = before;
        }
    }
    Ok(PageStart { after, skip: offset - skipped, until })
}

/// The keys of `user_id`'s own private contacts that it sees through no tally (in a project it
/// reads, none where it reads all private contacts), not archived, in list order: descending,
/// those from `last` on; ascending, those before it.
fn own_private_keys(
    conn: &mut DbConnection,
    order: BlockOrder,
    descending: bool,
    user_id: i32,
    projects: &[i32],
    private_projects: &[i32],
    last: &Key,
) -> QueryResult<Vec<Key>> {
    let mut unseen = format!(
        "visibility = {VISIBILITY_PRIVATE} AND status <> '{STATUS_ARCHIVED}' \
         AND shares_project(project_ids, '{projects}') AND ({key}) {cmp} ({last})",
        projects = project_ids_text(projects),
        key = order.contact_key(),
        cmp = if descending { ">=" } else { "<" },
        last = order.parameters(1),
    );
    if !private_projects.is_empty() {
        unseen.push_str(&format!(" AND NOT shares_project(project_ids, '{}')", project_ids_text(private_projects)));
    }
    // As author, then as assignee, each through its own index alone (SQLite reads the rows an
    // `OR` of the two finds); the union counts a contact that is both once.
    let read = order.contact_key_read();
    let sql = format!(
        "SELECT {read} FROM contacts WHERE author_id = {user_id} AND {unseen} \
         UNION SELECT {read} FROM contacts WHERE assigned_to_id = {user_id} AND {unseen}"
    );
    let mut keys: Vec<Key> = load::<KeyRow>(conn, &sql, &[last])?.into_iter().map(KeyRow::key).collect();
    keys.sort_unstable();
    if descending {
        keys.reverse();
    }
    Ok(keys)
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

#[derive(Insertable)]
#[diesel(table_name = contact_name_blocks, treat_none_as_default_value = false)]
struct NameBlockRow {
    first_key: String,
    last_key: String,
    starts_id: i32,
}

#[derive(Insertable)]
#[diesel(table_name = contact_name_block_tallies, treat_none_as_default_value = false)]
struct NameTallyRow {
    first_key: String,
    last_key: String,
    starts_id: i32,
    visibility: i32,
    project_ids: String,
    archived: bool,
    shard: i32,
    contacts: i64,
}

/// The blocks of `order` holding more than twice `rows` contacts.
fn oversized(conn: &mut DbConnection, order: BlockOrder, rows: i64) -> QueryResult<Vec<Key>> {
    let sql = format!(
        "SELECT {read} FROM {tallies} GROUP BY {columns} HAVING sum(contacts) > {most} ORDER BY {columns}",
        read = order.key_read(),
        tallies = order.tallies(),
        columns = order.key_columns(),
        most = 2 * rows,
    );
    Ok(load::<KeyRow>(conn, &sql, &[])?.into_iter().map(KeyRow::key).collect())
}

/// Whether a block holds more than twice `rows` contacts: a look before `split`, which holds
/// the contacts' writes on PostgreSQL, outside any transaction.
pub fn needs_split(conn: &mut DbConnection, rows: i64) -> QueryResult<bool> {
    for order in BlockOrder::ALL {
        if !oversized(conn, order, rows)?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Cuts every block holding more than twice `rows` contacts into blocks of `rows` and counts
/// them again, in one write transaction on `conn` (PostgreSQL: with the contacts' writes held
/// meanwhile, so no write counts a contact in a block being cut). Returns the blocks cut.
pub fn split<C: WriteTarget + ?Sized>(conn: &mut C, rows: i64) -> QueryResult<usize> {
    write_transaction(conn, |c| {
        if let DbConnection::Postgres(pg) = c {
            diesel::sql_query("LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE").execute(pg)?;
        }
        let mut cut = 0;
        for order in BlockOrder::ALL {
            let blocks = oversized(c, order, rows)?;
            for start in &blocks {
                split_block(c, order, start, rows)?;
            }
            cut += blocks.len();
        }
        Ok(cut)
    })
}

fn split_block(conn: &mut DbConnection, order: BlockOrder, start: &Key, rows: i64) -> QueryResult<()> {
    let next_sql = format!(
        "SELECT {read} FROM {blocks} WHERE ({columns}) > ({start}) ORDER BY {ordered} LIMIT 1",
        read = order.key_read(),
        blocks = order.blocks(),
        columns = order.key_columns(),
        start = order.parameters(1),
        ordered = order.ordered("ASC"),
    );
    let next: Option<Key> = load::<KeyRow>(conn, &next_sql, &[start])?.into_iter().next().map(KeyRow::key);
    // The block's rows, numbered in key order.
    let numbered = format!(
        "SELECT {read}, visibility, project_ids, status, row_number() OVER (ORDER BY {key}) AS n \
         FROM contacts WHERE {range}",
        read = order.contact_key_read(),
        key = order.contact_key(),
        range = order.contacts_in_block(next.is_some()),
    );
    let cuts_sql = format!(
        "SELECT starts_on, first_key, last_key, starts_id FROM ({numbered}) AS numbered \
         WHERE n % {rows} = 1 AND n > 1 ORDER BY n"
    );
    let counts_sql = format!(
        "SELECT CAST((n - 1) / {rows} AS BIGINT) AS part, visibility, \
         CASE visibility WHEN {VISIBILITY_PUBLIC} THEN '' ELSE project_ids END AS project_ids, \
         status = '{STATUS_ARCHIVED}' AS archived, CAST(count(*) AS BIGINT) AS contacts \
         FROM ({numbered}) AS numbered GROUP BY 1, 2, 3, 4"
    );
    let range: Vec<&Key> = std::iter::once(start).chain(next.as_ref()).collect();
    let cuts: Vec<KeyRow> = load(conn, &cuts_sql, &range)?;
    let counts: Vec<PartCount> = load(conn, &counts_sql, &range)?;
    let mut starts = vec![start.clone()];
    starts.extend(cuts.into_iter().map(KeyRow::key));
    let delete_sql = format!(
        "DELETE FROM {tallies} WHERE ({columns}) = ({start})",
        tallies = order.tallies(),
        columns = order.key_columns(),
        start = order.parameters(1),
    );
    execute(conn, &delete_sql, &[start])?;
    let tallies: Vec<(&Key, PartCount)> =
        counts.into_iter().filter_map(|c| Some((starts.get(usize::try_from(c.part).ok()?)?, c))).collect();
    match order {
        BlockOrder::Created => {
            let blocks: Vec<BlockRow> = starts[1..]
                .iter()
                .filter_map(|key| match key {
                    Key::Created(on, id) => Some(BlockRow { starts_on: *on, starts_id: *id }),
                    Key::Name(..) => None,
                })
                .collect();
            let tallies: Vec<TallyRow> = tallies
                .into_iter()
                .filter_map(|(key, c)| match key {
                    Key::Created(on, id) => Some(TallyRow {
                        starts_on: *on,
                        starts_id: *id,
                        visibility: c.visibility,
                        project_ids: c.project_ids,
                        archived: c.archived,
                        shard: 0,
                        contacts: c.contacts,
                    }),
                    Key::Name(..) => None,
                })
                .collect();
            for chunk in blocks.chunks(1000) {
                insert_rows!(conn, contact_blocks::table, chunk)?;
            }
            for chunk in tallies.chunks(1000) {
                insert_rows!(conn, contact_block_tallies::table, chunk)?;
            }
        }
        BlockOrder::Name => {
            let blocks: Vec<NameBlockRow> = starts[1..]
                .iter()
                .filter_map(|key| match key {
                    Key::Name(first, last, id) => {
                        Some(NameBlockRow { first_key: first.clone(), last_key: last.clone(), starts_id: *id })
                    }
                    Key::Created(..) => None,
                })
                .collect();
            let tallies: Vec<NameTallyRow> = tallies
                .into_iter()
                .filter_map(|(key, c)| match key {
                    Key::Name(first, last, id) => Some(NameTallyRow {
                        first_key: first.clone(),
                        last_key: last.clone(),
                        starts_id: *id,
                        visibility: c.visibility,
                        project_ids: c.project_ids,
                        archived: c.archived,
                        shard: 0,
                        contacts: c.contacts,
                    }),
                    Key::Created(..) => None,
                })
                .collect();
            for chunk in blocks.chunks(1000) {
                insert_rows!(conn, contact_name_blocks::table, chunk)?;
            }
            for chunk in tallies.chunks(1000) {
                insert_rows!(conn, contact_name_block_tallies::table, chunk)?;
            }
        }
    }
    Ok(())
}
