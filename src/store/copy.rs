//! Copying a whole database to another (SQLite → PostgreSQL, or back): every table in
//! foreign-key order, ids preserved, in batches, then sequences reset and row counts verified.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    attachments, contacts, contacts_issues, contacts_projects, crm_queries, custom_fields, custom_values,
    deal_categories, deal_statuses, deals, issues, member_roles, members, notes, projects, roles, taggings, tags,
    users, web_forms,
};
use crate::db::DbConnection;

const BATCH: i64 = 500;

/// Full rows, every column, written with NULLs as NULLs (so SQLite takes multi-row inserts);
/// `import-redmine` also updates rows with them.
pub mod rows {
    use super::*;

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = users, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct User {
        pub id: i32,
        pub login: String,
        pub hashed_password: String,
        pub firstname: String,
        pub lastname: String,
        pub mail: Option<String>,
        pub admin: bool,
        pub status: i32,
        pub api_key: String,
        pub api_key_digest: String,
        pub created_on: NaiveDateTime,
        pub updated_on: NaiveDateTime,
        pub last_login_on: Option<NaiveDateTime>,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = projects, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Project {
        pub id: i32,
        pub name: String,
        pub identifier: String,
        pub description: Option<String>,
        pub is_public: bool,
        pub created_on: NaiveDateTime,
        pub updated_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = roles, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Role {
        pub id: i32,
        pub name: String,
        pub position: i32,
        pub permissions: String,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = members, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Member {
        pub id: i32,
        pub user_id: i32,
        pub project_id: i32,
        pub created_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable)]
    #[diesel(table_name = member_roles, treat_none_as_default_value = false)]
    pub struct MemberRole {
        pub member_id: i32,
        pub role_id: i32,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset, PartialEq, Debug)]
    #[diesel(table_name = contacts, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Contact {
        pub id: i32,
        pub first_name: String,
        pub last_name: Option<String>,
        pub middle_name: Option<String>,
        pub company: Option<String>,
        pub is_company: bool,
        pub job_title: Option<String>,
        pub website: Option<String>,
        pub skype_name: Option<String>,
        pub birthday: Option<NaiveDate>,
        pub background: Option<String>,
        pub phones: String,
        pub emails: String,
        pub visibility: i32,
        pub author_id: Option<i32>,
        pub assigned_to_id: Option<i32>,
        pub street1: Option<String>,
        pub street2: Option<String>,
        pub city: Option<String>,
        pub region: Option<String>,
        pub postcode: Option<String>,
        pub country_code: Option<String>,
        pub search_text: String,
        pub created_on: NaiveDateTime,
        pub updated_on: NaiveDateTime,
        pub project_ids: String,
    }

    #[derive(Queryable, Selectable, Insertable)]
    #[diesel(table_name = contacts_projects, treat_none_as_default_value = false)]
    pub struct ContactProject {
        pub contact_id: i32,
        pub project_id: i32,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = tags, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Tag {
        pub id: i32,
        pub name: String,
    }

    #[derive(Queryable, Selectable, Insertable)]
    #[diesel(table_name = taggings, treat_none_as_default_value = false)]
    pub struct Tagging {
        pub contact_id: i32,
        pub tag_id: i32,
        /// The contact's own created_on (see migration 10).
        pub created_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = deal_statuses, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct DealStatus {
        pub id: i32,
        pub name: String,
        pub position: i32,
        pub is_default: bool,
        pub status_type: i32,
        pub color: i32,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = deal_categories, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct DealCategory {
        pub id: i32,
        pub project_id: i32,
        pub name: String,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = deals, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Deal {
        pub id: i32,
        pub name: String,
        pub project_id: i32,
        pub contact_id: Option<i32>,
        pub price_cents: Option<i64>,
        pub currency: Option<String>,
        pub probability: Option<i32>,
        pub due_date: Option<NaiveDate>,
        pub background: Option<String>,
        pub status_id: i32,
        pub category_id: Option<i32>,
        pub assigned_to_id: Option<i32>,
        pub author_id: Option<i32>,
        pub search_text: String,
        pub created_on: NaiveDateTime,
        pub updated_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset, PartialEq, Debug)]
    #[diesel(table_name = notes, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Note {
        pub id: i32,
        pub contact_id: Option<i32>,
        pub deal_id: Option<i32>,
        pub subject: Option<String>,
        pub content: String,
        pub type_id: Option<i32>,
        pub author_id: Option<i32>,
        pub created_on: NaiveDateTime,
        pub updated_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = custom_fields, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct CustomField {
        pub id: i32,
        pub customized_type: String,
        pub name: String,
        pub field_format: String,
        pub possible_values: String,
        pub is_required: bool,
        pub is_filter: bool,
        pub searchable: bool,
        pub multiple: bool,
        pub default_value: Option<String>,
        pub regexp: Option<String>,
        pub min_length: Option<i32>,
        pub max_length: Option<i32>,
        pub position: i32,
    }

    #[derive(Queryable, Selectable, Insertable)]
    #[diesel(table_name = custom_values, treat_none_as_default_value = false)]
    pub struct CustomValue {
        pub id: i32,
        pub custom_field_id: i32,
        pub contact_id: Option<i32>,
        pub deal_id: Option<i32>,
        pub value: String,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = issues, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Issue {
        pub id: i32,
        pub project_id: i32,
        pub subject: String,
        pub status: String,
        pub tracker: String,
        pub due_date: Option<NaiveDate>,
        pub assigned_to_id: Option<i32>,
        pub author_id: Option<i32>,
        pub created_on: NaiveDateTime,
        pub updated_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable)]
    #[diesel(table_name = contacts_issues, treat_none_as_default_value = false)]
    pub struct ContactIssue {
        pub contact_id: i32,
        pub issue_id: i32,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = attachments, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct Attachment {
        pub id: i32,
        pub contact_id: Option<i32>,
        pub filename: String,
        pub content_type: String,
        pub filesize: i32,
        pub digest: String,
        pub content: Vec<u8>,
        pub token: Option<String>,
        pub author_id: Option<i32>,
        pub created_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable)]
    #[diesel(table_name = web_forms, treat_none_as_default_value = false)]
    pub struct WebForm {
        pub id: i32,
        pub project_id: i32,
        pub name: String,
        pub form_key: String,
        pub key_digest: String,
        pub success_url: Option<String>,
        pub allowed_origins: String,
        pub default_tags: String,
        pub default_assignee_id: Option<i32>,
        pub author_id: Option<i32>,
        pub created_on: NaiveDateTime,
        pub updated_on: NaiveDateTime,
    }

    #[derive(Queryable, Selectable, Insertable, AsChangeset)]
    #[diesel(table_name = crm_queries, treat_none_as_default_value = false, treat_none_as_null = true)]
    pub struct CrmQuery {
        pub id: i32,
        pub name: String,
        pub object_type: String,
        pub project_id: Option<i32>,
        pub user_id: Option<i32>,
        pub visibility: i32,
        pub filters: String,
        pub created_on: NaiveDateTime,
    }
}

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
    copy_by_id!(from, to, users, rows::User, progress);
    copy_by_id!(from, to, projects, rows::Project, progress);
    copy_by_id!(from, to, roles, rows::Role, progress);
    copy_by_id!(from, to, members, rows::Member, progress);
    copy_by_pair!(from, to, member_roles, rows::MemberRole, member_id, role_id, progress);
    copy_by_id!(from, to, contacts, rows::Contact, progress);
    copy_by_pair!(from, to, contacts_projects, rows::ContactProject, contact_id, project_id, progress);
    copy_by_id!(from, to, tags, rows::Tag, progress);
    copy_by_pair!(from, to, taggings, rows::Tagging, contact_id, tag_id, progress);
    copy_by_id!(from, to, deal_statuses, rows::DealStatus, progress);
    copy_by_id!(from, to, deal_categories, rows::DealCategory, progress);
    copy_by_id!(from, to, deals, rows::Deal, progress);
    copy_by_id!(from, to, notes, rows::Note, progress);
    copy_by_id!(from, to, custom_fields, rows::CustomField, progress);
    copy_by_id!(from, to, custom_values, rows::CustomValue, progress);
    copy_by_id!(from, to, issues, rows::Issue, progress);
    copy_by_pair!(from, to, contacts_issues, rows::ContactIssue, contact_id, issue_id, progress);
    copy_by_id!(from, to, crm_queries, rows::CrmQuery, progress);
    // Files are up to a few MiB each: small batches keep the copy's memory small.
    copy_by_id!(from, to, attachments, rows::Attachment, progress, 8);
    copy_by_id!(from, to, web_forms, rows::WebForm, progress);
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
pub fn tidy_after_bulk_write(conn: &mut DbConnection) -> QueryResult<()> {
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
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(pg)?;
        }
    }
    Ok(())
}
