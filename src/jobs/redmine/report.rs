//! What an import (or a dry run) did, table by table: rows read, written (new or updated),
//! skipped with their reasons, and every problem found on the way.

use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct TableReport {
    pub name: &'static str,
    pub read: usize,
    pub inserted: usize,
    pub updated: usize,
    /// Reason → rows skipped for it.
    pub skipped: BTreeMap<String, usize>,
    /// One line per problem, naming the source row.
    pub problems: Vec<String>,
    /// Time spent on the table, reading and writing.
    pub seconds: f64,
}

impl TableReport {
    pub fn new(name: &'static str) -> TableReport {
        TableReport { name, ..TableReport::default() }
    }

    /// A row left out: counted under `reason`, and named among the problems.
    pub fn skip(&mut self, id: impl std::fmt::Display, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
        self.problems.push(format!("#{id}: skipped: {reason}"));
    }

    /// A row brought over with something changed or left out.
    pub fn problem(&mut self, id: impl std::fmt::Display, what: impl std::fmt::Display) {
        self.problems.push(format!("#{id}: {what}"));
    }

    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub tables: Vec<TableReport>,
    /// Facts about the source: its Redmine and plugin versions, edition traces.
    pub source: Vec<String>,
    pub dry_run: bool,
}

impl Report {
    /// The report as printed: the source, a table of counts, then the problems (all of them on
    /// a dry run, the first `limit` per table otherwise).
    pub fn render(&self, limit: Option<usize>) -> String {
        let mut out = String::new();
        for line in &self.source {
            out.push_str(line);
            out.push('\n');
        }
        let verb = if self.dry_run { "would write" } else { "written" };
        out.push_str(&format!(
            "{:<22} {:>9} {:>12} {:>9} {:>9} {:>8}\n",
            "table", "read", verb, "updated", "skipped", "seconds"
        ));
        for t in &self.tables {
            out.push_str(&format!(
                "{:<22} {:>9} {:>12} {:>9} {:>9} {:>8.1}\n",
                t.name,
                t.read,
                t.inserted,
                t.updated,
                t.skipped_total(),
                t.seconds
            ));
            for (reason, n) in &t.skipped {
                out.push_str(&format!("{:<22}   skipped {n}: {reason}\n", ""));
            }
        }
        for t in &self.tables {
            if t.problems.is_empty() {
                continue;
            }
            out.push_str(&format!("problems in {} ({}):\n", t.name, t.problems.len()));
            let shown = limit.unwrap_or(usize::MAX);
            for p in t.problems.iter().take(shown) {
                out.push_str(&format!("  {} {p}\n", t.name));
            }
            if t.problems.len() > shown {
                out.push_str(&format!("  … and {} more (--dry-run lists them all)\n", t.problems.len() - shown));
            }
        }
        out
    }
}
