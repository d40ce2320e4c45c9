//! Copying a whole database to another (SQLite → PostgreSQL, or back): every table in
//! foreign-key order, ids preserved, in batches, then sequences reset and row counts verified.
//! Each table is read and written with its full-column row struct from its store module.

use diesel::prelude::*;

use crate::db::schema::{
    attachments, contacts, contacts_issues, contacts_projects, crm_queries, custom_fields, custom_values,
    deal_categories, deal_statuses, deals, issues, member_roles, members, notes, projects, roles, taggings, tags,
    users, web_forms, webhook_deliveries, webhook_events, webhook_payloads, webhooks,
};
use crate::db::DbConnection;
use crate::store::attachments::FullAttachmentRow;
use crate::store::contacts::{ContactProjectRow, ContactRow};
use crate::store::custom_fields::{CustomFieldRow, CustomValueRow};
use crate::store::deals::{CategoryRow, DealRow, StatusRow};
use crate::store::issues::{ContactIssueRow, IssueRow};
use crate::store::members::{MemberRoleRow, MemberRow, RoleRow};
use crate::store::notes::NoteRow;
use crate::store::projects::ProjectRow;
use crate::store::queries::QueryRow;
use crate::store::tags::{TagRow, TaggingRow};
use crate::store::users::UserRow;
use crate::store::web_forms::WebFormRow;
use crate::store::webhooks::{DeliveryRow, EventRow, PayloadRow, WebhookRow};

const BATCH: i64 = 500;

/// Many rows in one statement on the concrete backend (the two-backend connection has none):
/// a multi-row insert on SQLite, a binary COPY on PostgreSQL, which skips planning an insert
/// of thousands of bound values.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Postgres(c) => diesel::copy_from($table).from_insertable($rows).execute(c),
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}
pub(crate) use insert_rows;

/// Copies a table keyed by `id`, walking the key so each batch is one index range.
macro_rules! copy_by_id {
    ($from:expr, $to:expr, $table:ident, $row:ty, $progress:expr) => {
        copy_by_id!($from, $to, $table, $row, $progress, BATCH)
    };
    ($from:expr, $to:expr, $table:ident, $row:ty, $progress:expr, $batch:expr) => {{
        let mut last = 0;
        loop {
            let batch: Vec<$row> = $table::table
                .filter($table::id.gt(last))
                .order($table::id.asc())
                .limit($batch)
                .select(<$row>::as_select())
                .load($from)?;
            let Some(tail) = batch.last() else { break };
            last = tail.id;
            $to.transaction(|c| insert_rows!(c, $table::table, &batch))?;
            $progress(stringify!($table), batch.len());
        }
    }};
}

/// Copies a join table keyed by two ids.
macro_rules! copy_by_pair {
    ($from:expr, $to:expr, $table:ident, $row:ty, $a:ident, $b:ident, $progress:expr) => {{
        let (mut last_a, mut last_b) = (0, 0);
        loop {
            let batch: Vec<$row> = $table::table
                .filter($table::$a.gt(last_a).or($table::$a.eq(last_a).and($table::$b.gt(last_b))))
                .order(($table::$a.asc(), $table::$b.asc()))
                .limit(BATCH)
                .select(<$row>::as_select())
                .load($from)?;
            let Some(tail) = batch.last() else { break };
            (last_a, last_b) = (tail.$a, tail.$b);
            $to.transaction(|c| insert_rows!(c, $table::table, &batch))?;
            $progress(stringify!($table), batch.len());
        }
    }};
}

/// Row counts of every table, in copy order.
pub fn table_counts(conn: &mut DbConnection) -> QueryResult<Vec<(&'static str, i64)>> {
    use diesel::dsl::count_star;
    Ok(vec![
        ("users", users::table.select(count_star()).get_result(conn)?),
        ("projects", projects::table.select(count_star()).get_result(conn)?),
        ("roles", roles::table.select(count_star()).get_result(conn)?),
        ("members", members::table.select(count_star()).get_result(conn)?),
        ("member_roles", member_roles::table.select(count_star()).get_result(conn)?),
        ("contacts", contacts::table.select(count_star()).get_result(conn)?),
        ("contacts_projects", contacts_projects::table.select(count_star()).get_result(conn)?),
        ("tags", tags::table.select(count_star()).get_result(conn)?),
        ("taggings", taggings::table.select(count_star()).get_result(conn)?),
        ("deal_statuses", deal_statuses::table.select(count_star()).get_result(conn)?),
        ("deal_categories", deal_categories::table.select(count_star()).get_result(conn)?),
        ("deals", deals::table.select(count_star()).get_result(conn)?),
        ("notes", notes::table.select(count_star()).get_result(conn)?),
        ("custom_fields", custom_fields::table.select(count_star()).get_result(conn)?),
        ("custom_values", custom_values::table.select(count_star()).get_result(conn)?),
        ("issues", issues::table.select(count_star()).get_result(conn)?),
        ("contacts_issues", contacts_issues::table.select(count_star()).get_result(conn)?),
        ("crm_queries", crm_queries::table.select(count_star()).get_result(conn)?),
        ("attachments", attachments::table.select(count_star()).get_result(conn)?),
        ("web_forms", web_forms::table.select(count_star()).get_result(conn)?),
        ("webhooks", webhooks::table.select(count_star()).get_result(conn)?),
        ("webhook_events", webhook_events::table.select(count_star()).get_result(conn)?),
        ("webhook_payloads", webhook_payloads::table.select(count_star()).get_result(conn)?),
        ("webhook_deliveries", webhook_deliveries::table.select(count_star()).get_result(conn)?),
    ])
}

/// Copies every table from `from` into the empty, migrated `to`; `progress(table, rows)` is
/// called after each batch.
pub fn copy_all(
    from: &mut DbConnection,
    to: &mut DbConnection,
    mut progress: impl FnMut(&'static str, usize),
) -> QueryResult<()> {
    // The target's migration seeded the default roles and deal statuses; the source's replace them.
    diesel::delete(roles::table).execute(to)?;
    diesel::delete(deal_statuses::table).execute(to)?;
    copy_by_id!(from, to, users, UserRow, progress);
    copy_by_id!(from, to, projects, ProjectRow, progress);
    copy_by_id!(from, to, roles, RoleRow, progress);
    copy_by_id!(from, to, members, MemberRow, progress);
    copy_by_pair!(from, to, member_roles, MemberRoleRow, member_id, role_id, progress);
    copy_by_id!(from, to, contacts, ContactRow, progress);
    copy_by_pair!(from, to, contacts_projects, ContactProjectRow, contact_id, project_id, progress);
    copy_by_id!(from, to, tags, TagRow, progress);
    copy_by_pair!(from, to, taggings, TaggingRow, contact_id, tag_id, progress);
    copy_by_id!(from, to, deal_statuses, StatusRow, progress);
    copy_by_id!(from, to, deal_categories, CategoryRow, progress);
    copy_by_id!(from, to, deals, DealRow, progress);
    copy_by_id!(from, to, notes, NoteRow, progress);
    copy_by_id!(from, to, custom_fields, CustomFieldRow, progress);
    copy_by_id!(from, to, custom_values, CustomValueRow, progress);
    copy_by_id!(from, to, issues, IssueRow, progress);
    copy_by_pair!(from, to, contacts_issues, ContactIssueRow, contact_id, issue_id, progress);
    copy_by_id!(from, to, crm_queries, QueryRow, progress);
    // Files are up to a few MiB each: small batches keep the copy's memory small.
    copy_by_id!(from, to, attachments, FullAttachmentRow, progress, 8);
    copy_by_id!(from, to, web_forms, WebFormRow, progress);
    copy_by_id!(from, to, webhooks, WebhookRow, progress);
    // Pending events and deliveries too: a copied database delivers what the old one had not.
    copy_by_id!(from, to, webhook_events, EventRow, progress);
    copy_by_id!(from, to, webhook_payloads, PayloadRow, progress);
    copy_by_id!(from, to, webhook_deliveries, DeliveryRow, progress);
    reset_sequences(to)?;
    tidy_after_bulk_write(to)
}

/// After a bulk write. PostgreSQL's planner statistics describe the empty tables until
/// autovacuum comes round: lists at a million rows took seconds per page on such plans, so the
/// bulk jobs analyze at once. Its trigram index also keeps the last rows written in a pending
/// list (up to 4 MB, unsorted) that every search reads through until vacuum merges it: 188 pages
/// after a seed of a million contacts, 2.6 ms of a 4.8 ms phone search; merged here.
///
/// SQLite plans well without statistics, but its search index is left in many segments that
/// FTS5 merges later, inside whichever create fills a level: at a million contacts one such
/// create rewrote about 200 MB and held the writer for 2 s. Merging them now, into one segment,
/// leaves later creates only their own small segments to merge.
///
/// Both: the contacts' list blocks (`list_blocks`) grew by every row written; they are cut now.
pub fn tidy_after_bulk_write(conn: &mut DbConnection) -> QueryResult<()> {
    crate::store::list_blocks::split(conn, crate::store::list_blocks::BLOCK_ROWS)?;
    match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query("ANALYZE").execute(pg)?;
            diesel::sql_query("SELECT gin_clean_pending_list('contacts_search_trgm'::regclass)").execute(pg)?
        }
        DbConnection::Sqlite(lite) => {
            diesel::sql_query("INSERT INTO contacts_search (contacts_search) VALUES ('optimize')").execute(lite)?
        }
    };
    Ok(())
}

/// After inserting explicit ids, PostgreSQL's sequences must start past them (SQLite's
/// AUTOINCREMENT counter follows explicit ids by itself).
pub fn reset_sequences(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        for table in [
            "users",
            "projects",
            "roles",
            "members",
            "contacts",
            "tags",
            "deal_statuses",
            "deal_categories",
            "deals",
            "notes",
            "custom_fields",
            "custom_values",
            "issues",
            "crm_queries",
            "attachments",
            "web_forms",
            "webhooks",
            "webhook_events",
            "webhook_payloads",
            "webhook_deliveries",
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(pg)?;
        }
    }
    Ok(())
}
