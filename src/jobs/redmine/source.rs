//! The Redmine database being read, opened read-only on any of its three backends: MySQL or
//! MariaDB (the `mysql` crate), PostgreSQL and SQLite (diesel's own connections, never the
//! server's pool, which would migrate it). Every cell comes back as the text the database
//! prints for it, so one reader serves all three; bytes that are not UTF-8 are read as Latin-1
//! and counted as a problem.

use std::collections::{BTreeMap, BTreeSet};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use mysql::prelude::Queryable as _;

/// One row: a cell per selected column, `None` for NULL or a column this version lacks.
pub type Row = Vec<Option<String>>;

pub enum Source {
    Mysql(Box<mysql::Conn>),
    Postgres(Box<PgConnection>),
    Sqlite(Box<SqliteConnection>),
}

/// A source that is there and reachable, with its tables and columns.
pub struct Opened {
    pub source: Source,
    /// Table → its columns.
    pub columns: BTreeMap<String, BTreeSet<String>>,
    /// Cells that were not UTF-8 (table.column#id), read as Latin-1.
    pub latin1: Vec<String>,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    t: String,
    #[diesel(sql_type = Text)]
    c: String,
}

/// Text from the database's bytes: UTF-8 when it is, else Latin-1 (every byte one character),
/// which is what old MySQL `latin1` columns hold; `false` when the fallback was taken.
pub fn decode(bytes: Vec<u8>) -> (String, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, true),
        Err(e) => (e.into_bytes().iter().map(|b| char::from(*b)).collect(), false),
    }
}

fn hide_password(url: &str) -> String {
    // `scheme://user:password@host/…` → `scheme://user:***@host/…`, for messages.
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The one line a connection failure is told in: the driver's message, never the password.
fn first_line(e: impl std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().trim().to_string()
}

impl Opened {
    /// Opens `url` read-only: `mysql://…`, `postgres://…` or `sqlite://path`.
    pub fn open(url: &str) -> anyhow::Result<Opened> {
        let shown = hide_password(url);
        let source = if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let url = url.replacen("mariadb://", "mysql://", 1);
            let opts = mysql::Opts::from_url(&url).map_err(|e| anyhow::anyhow!("{shown}: {}", first_line(e)))?;
            let builder = mysql::OptsBuilder::from_opts(opts)
                .tcp_connect_timeout(Some(std::time::Duration::from_secs(10)))
                .prefer_socket(false);
            let mut conn = mysql::Conn::new(builder)
                .map_err(|e| anyhow::anyhow!("cannot connect to {shown}: {}", first_line(e)))?;
            // Raw bytes as stored (no conversion to the connection's character set): a latin1
            // column that holds UTF-8 comes back right, real Latin-1 is caught by `decode`.
            // A read-only transaction: the source is never written, and every table is read
            // from one snapshot.
            for statement in [
                "SET SESSION character_set_results = NULL",
                "SET SESSION TRANSACTION READ ONLY",
                "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
            ] {
                conn.query_drop(statement).map_err(|e| anyhow::anyhow!("{shown}: {}", first_line(e)))?;
            }
            Source::Mysql(Box::new(conn))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut conn = PgConnection::establish(url)
                .map_err(|e| anyhow::anyhow!("cannot connect to {shown}: {}", first_line(e)))?;
            conn.batch_execute(
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; \
                 BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            )
            .map_err(|e| anyhow::anyhow!("{shown}: {}", first_line(e)))?;
            Source::Postgres(Box::new(conn))
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if !std::path::Path::new(path).is_file() {
                anyhow::bail!("{path}: no such SQLite file");
            }
            // `mode=ro`: SQLite itself refuses every write (and never creates the file).
            let uri = format!("file:{}?mode=ro", path.replace('?', "%3f").replace('#', "%23"));
            let mut conn = SqliteConnection::establish(&uri)
                .map_err(|e| anyhow::anyhow!("cannot open {path}: {}", first_line(e)))?;
            conn.batch_execute("PRAGMA query_only = ON; BEGIN")
                .map_err(|e| anyhow::anyhow!("{path}: {}", first_line(e)))?;
            Source::Sqlite(Box::new(conn))
        } else {
            anyhow::bail!("--from must be a mysql://, postgres:// or sqlite:// URL");
        };
        let mut opened = Opened { source, columns: BTreeMap::new(), latin1: Vec::new() };
        opened.columns = opened.load_columns().map_err(|e| anyhow::anyhow!("{shown}: {}", first_line(e)))?;
        Ok(opened)
    }

    fn load_columns(&mut self) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
        let pairs: Vec<(String, String)> = match &mut self.source {
            Source::Mysql(conn) => conn.query_map(
                "SELECT CAST(table_name AS BINARY), CAST(column_name AS BINARY) FROM information_schema.columns \
                 WHERE table_schema = DATABASE()",
                |(t, c): (Vec<u8>, Vec<u8>)| (decode(t).0, decode(c).0),
            )?,
            Source::Postgres(conn) => diesel::sql_query(
                "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                 WHERE table_schema = current_schema()",
            )
            .load::<ColumnRow>(conn.as_mut())?
            .into_iter()
            .map(|r| (r.t, r.c))
            .collect(),
            Source::Sqlite(conn) => diesel::sql_query(
                "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table'",
            )
            .load::<ColumnRow>(conn.as_mut())?
            .into_iter()
            .map(|r| (r.t, r.c))
            .collect(),
        };
        let mut columns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (t, c) in pairs {
            columns.entry(t.to_ascii_lowercase()).or_default().insert(c.to_ascii_lowercase());
        }
        Ok(columns)
    }

    pub fn has_table(&self, table: &str) -> bool {
        self.columns.contains_key(table)
    }

    pub fn has_column(&self, table: &str, column: &str) -> bool {
        self.columns.get(table).is_some_and(|c| c.contains(column))
    }

    /// Rows of `table` with `columns` (a column the table lacks reads as NULL), `filter` a SQL
    /// condition in the common dialect (or empty), ordered by `order`.
    pub fn select(&mut self, table: &str, columns: &[&str], filter: &str, order: &str) -> anyhow::Result<Vec<Row>> {
        if !self.has_table(table) {
            return Ok(Vec::new());
        }
        let present: Vec<bool> = columns.iter().map(|c| self.has_column(table, c)).collect();
        let quote = |c: &str| match self.source {
            Source::Mysql(_) => format!("`{c}`"),
            _ => format!("\"{c}\""),
        };
        let exprs: Vec<String> = columns
            .iter()
            .zip(&present)
            .filter(|(_, p)| **p)
            .map(|(c, _)| match self.source {
                Source::Mysql(_) => quote(c),
                Source::Postgres(_) => format!("{}::text", quote(c)),
                // Bytes as hex: a cell that is not UTF-8 survives the JSON around the row.
                Source::Sqlite(_) => {
                    format!("CASE WHEN {q} IS NULL THEN NULL ELSE hex(CAST({q} AS BLOB)) END", q = quote(c))
                }
            })
            .collect();
        if exprs.is_empty() {
            return Ok(Vec::new());
        }
        let condition = if filter.is_empty() { String::new() } else { format!(" WHERE {filter}") };
        let ordering = if order.is_empty() { String::new() } else { format!(" ORDER BY {order}") };
        let table_q = quote(table);
        let mut raw: Vec<Vec<Option<Vec<u8>>>> = Vec::new();
        match &mut self.source {
            Source::Mysql(conn) => {
                let sql = format!("SELECT {} FROM {table_q}{condition}{ordering}", exprs.join(", "));
                let result = conn.query_iter(sql)?;
                for row in result {
                    let row = row?;
                    raw.push(
                        row.unwrap()
                            .into_iter()
                            .map(|v| match v {
                                mysql::Value::NULL => None,
                                mysql::Value::Bytes(b) => Some(b),
                                other => Some(other.as_sql(true).trim_matches('\'').as_bytes().to_vec()),
                            })
                            .collect(),
                    );
                }
            }
            Source::Postgres(conn) => {
                let sql = format!(
                    "SELECT json_build_array({})::text AS row FROM {table_q}{condition}{ordering}",
                    exprs.join(", ")
                );
                for r in diesel::sql_query(sql).load::<JsonRow>(conn.as_mut())? {
                    let cells: Vec<Option<String>> = serde_json::from_str(&r.row)?;
                    raw.push(cells.into_iter().map(|c| c.map(String::into_bytes)).collect());
                }
            }
            Source::Sqlite(conn) => {
                let sql = format!("SELECT json_array({}) AS row FROM {table_q}{condition}{ordering}", exprs.join(", "));
                for r in diesel::sql_query(sql).load::<JsonRow>(conn.as_mut())? {
                    let cells: Vec<Option<String>> = serde_json::from_str(&r.row)?;
                    raw.push(cells.into_iter().map(|c| c.map(|h| unhex(&h))).collect());
                }
            }
        }
        let mut rows = Vec::with_capacity(raw.len());
        for cells in raw {
            let mut cells = cells.into_iter();
            let mut row: Row = Vec::with_capacity(columns.len());
            for (column, present) in columns.iter().zip(&present) {
                let cell = if *present { cells.next().flatten() } else { None };
                row.push(cell.map(|bytes| {
                    let (text, utf8) = decode(bytes);
                    if !utf8 {
                        self.latin1.push(format!("{table}.{column}"));
                    }
                    text
                }));
            }
            rows.push(row);
        }
        Ok(rows)
    }

    /// `SELECT COUNT(*)` of a table, 0 when it is missing.
    pub fn count(&mut self, table: &str, filter: &str) -> anyhow::Result<i64> {
        if !self.has_table(table) {
            return Ok(0);
        }
        let condition = if filter.is_empty() { String::new() } else { format!(" WHERE {filter}") };
        Ok(match &mut self.source {
            Source::Mysql(conn) => {
                conn.query_first::<i64, _>(format!("SELECT COUNT(*) FROM `{table}`{condition}"))?.unwrap_or(0)
            }
            Source::Postgres(conn) => count_json(
                diesel::sql_query(format!("SELECT COUNT(*)::text AS row FROM \"{table}\"{condition}"))
                    .load(conn.as_mut())?,
            ),
            Source::Sqlite(conn) => count_json(
                diesel::sql_query(format!("SELECT CAST(COUNT(*) AS TEXT) AS row FROM \"{table}\"{condition}"))
                    .load(conn.as_mut())?,
            ),
        })
    }
}

fn count_json(rows: Vec<JsonRow>) -> i64 {
    rows.first().and_then(|r| r.row.parse().ok()).unwrap_or(0)
}

fn unhex(hex: &str) -> Vec<u8> {
    hex.as_bytes()
        .chunks(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_keeps_utf8_and_reads_other_bytes_as_latin1() {
        assert_eq!(decode("Müller".as_bytes().to_vec()), ("Müller".to_string(), true));
        assert_eq!(decode(vec![b'Z', b'o', 0xEB]), ("Zoë".to_string(), false));
    }

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(hide_password("mysql://root:secret@db/redmine"), "mysql://root:***@db/redmine");
        assert_eq!(hide_password("mysql://root@db/redmine"), "mysql://root@db/redmine");
        assert_eq!(unhex("4d41"), b"MA");
    }
}
