//! Where imported rows go, and which row each Redmine row became: ids are kept where the target
//! has them free, and `redmine_import_ids` remembers the pairs, so a second run updates the rows
//! of the first instead of adding them again. On a dry run there is no connection: the ids are
//! the source's and nothing is written.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::schema::redmine_import_ids;
use crate::db::{write_transaction, DbConnection};

/// Where one source row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub id: i32,
    /// Not in the target yet: inserted, not updated.
    pub new: bool,
    /// Matched to a target row that was not imported (same login, name …): referenced, never
    /// written.
    pub keep: bool,
}

pub struct Target<'c> {
    pub conn: Option<&'c mut DbConnection>,
    /// Pairs remembered from earlier runs: source table → source id → target id.
    remembered: HashMap<String, HashMap<i32, i32>>,
    /// This run's places: source table → source id → place.
    places: HashMap<&'static str, HashMap<i32, Place>>,
}

#[derive(Queryable)]
struct Pair {
    source_table: String,
    source_id: i32,
    target_id: i32,
}

impl<'c> Target<'c> {
    pub fn new(mut conn: Option<&'c mut DbConnection>) -> QueryResult<Target<'c>> {
        let mut remembered: HashMap<String, HashMap<i32, i32>> = HashMap::new();
        if let Some(conn) = conn.as_deref_mut_opt() {
            let pairs: Vec<Pair> = redmine_import_ids::table.load(conn)?;
            for p in pairs {
                remembered.entry(p.source_table).or_default().insert(p.source_id, p.target_id);
            }
        }
        Ok(Target { conn, remembered, places: HashMap::new() })
    }

    /// The target row a source row was given this run, if it was imported (or matched).
    pub fn get(&self, table: &'static str, source_id: i32) -> Option<i32> {
        self.places.get(table)?.get(&source_id).map(|p| p.id)
    }

    pub fn place(&self, table: &'static str, source_id: i32) -> Option<Place> {
        self.places.get(table)?.get(&source_id).copied()
    }

    /// A source row left out after all: references to it no longer resolve.
    pub fn forget(&mut self, table: &'static str, source_id: i32) {
        if let Some(places) = self.places.get_mut(table) {
            places.remove(&source_id);
        }
    }

    /// Gives each of `source_ids` its target id: `matched` first (rows the target has already,
    /// found by a natural key), then the row remembered from an earlier run, then the source's
    /// own id when the target has it free, else the next id past every other.
    pub fn assign(
        &mut self,
        table: &'static str,
        source_ids: &[i32],
        existing: &HashSet<i32>,
        matched: &HashMap<i32, i32>,
    ) {
        let remembered = self.remembered.get(table).cloned().unwrap_or_default();
        let mut used: HashSet<i32> = HashSet::new();
        let top = existing.iter().chain(source_ids).chain(remembered.values()).copied().max().unwrap_or(0);
        let mut next = top + 1;
        let mut places = HashMap::with_capacity(source_ids.len());
        // Remembered and matched rows first, so a kept source id never takes their row.
        for sid in source_ids {
            if let Some(id) = matched.get(sid) {
                let from_us = remembered.get(sid) == Some(id);
                places.insert(*sid, Place { id: *id, new: false, keep: !from_us });
                used.insert(*id);
            } else if let Some(id) = remembered.get(sid) {
                places.insert(*sid, Place { id: *id, new: !existing.contains(id), keep: false });
                used.insert(*id);
            }
        }
        for sid in source_ids {
            if places.contains_key(sid) {
                continue;
            }
            let id = if !existing.contains(sid) && !used.contains(sid) && *sid > 0 {
                *sid
            } else {
                next += 1;
                next - 1
            };
            used.insert(id);
            places.insert(*sid, Place { id, new: true, keep: false });
        }
        self.places.insert(table, places);
    }

    /// Makes source rows resolve to another row's target (a duplicate merged into its first).
    pub fn alias(&mut self, table: &'static str, pairs: &[(i32, i32)]) {
        let places = self.places.entry(table).or_default();
        for (source_id, target_id) in pairs {
            places.insert(*source_id, Place { id: *target_id, new: false, keep: true });
        }
    }

    /// Remembers the pairs of `table` (the caller's transaction): one upsert per thousand
    /// pairs, the same SQL on both backends. (A delete of the batch's ids before an insert was
    /// planned as a scan of the whole, growing, not yet analyzed map on PostgreSQL: 25 s of a
    /// 100,000-note import.)
    pub fn remember(conn: &mut DbConnection, table: &'static str, pairs: &[(i32, i32)]) -> QueryResult<()> {
        debug_assert!(table.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        for chunk in pairs.chunks(1000) {
            // Integers and a table name of ours: nothing a source could put into the SQL.
            let values: Vec<String> = chunk.iter().map(|(s, t)| format!("('{table}', {s}, {t})")).collect();
            diesel::sql_query(format!(
                "INSERT INTO redmine_import_ids (source_table, source_id, target_id) VALUES {} \
                 ON CONFLICT (source_table, source_id) DO UPDATE SET target_id = excluded.target_id",
                values.join(", ")
            ))
            .execute(conn)?;
        }
        Ok(())
    }

    /// Runs `f` in one write transaction, unless this is a dry run.
    pub fn write(&mut self, f: impl FnOnce(&mut DbConnection) -> QueryResult<()>) -> anyhow::Result<()> {
        if let Some(conn) = self.conn.as_deref_mut_opt() {
            write_transaction(conn, f)?;
        }
        Ok(())
    }
}

/// `Option<&mut T>` reborrowed without giving it up.
trait ReborrowOpt<T: ?Sized> {
    fn as_deref_mut_opt(&mut self) -> Option<&mut T>;
}

impl<T: ?Sized> ReborrowOpt<T> for Option<&mut T> {
    fn as_deref_mut_opt(&mut self) -> Option<&mut T> {
        self.as_deref_mut()
    }
}
