//! Deals, their statuses and categories.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::schema::{deal_categories, deal_statuses, deals};
use crate::db::{DbBackend, DbConnection};

pub const STATUS_OPEN: i32 = 0;

table_rows! {
    /// A deal.
    deals: DealRow, NewDealRow {
        name: String,
        project_id: i32,
        contact_id: Option<i32>,
        price_cents: Option<i64>,
        currency: Option<String>,
        probability: Option<i32>,
        due_date: Option<NaiveDate>,
        background: Option<String>,
        status_id: i32,
        category_id: Option<i32>,
        assigned_to_id: Option<i32>,
        author_id: Option<i32>,
        search_text: String,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
    }
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = deals)]
pub struct DealChanges {
    pub project_id: Option<i32>,
    pub name: Option<String>,
    pub contact_id: Option<Option<i32>>,
    pub price_cents: Option<Option<i64>>,
    pub currency: Option<Option<String>>,
    pub probability: Option<Option<i32>>,
    pub due_date: Option<Option<NaiveDate>>,
    pub background: Option<Option<String>>,
    pub status_id: Option<i32>,
    pub category_id: Option<Option<i32>>,
    pub assigned_to_id: Option<Option<i32>>,
    pub search_text: Option<String>,
    pub updated_on: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = deal_statuses, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct StatusRow {
    pub id: i32,
    pub name: String,
    pub position: i32,
    pub is_default: bool,
    pub status_type: i32,
    pub color: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = deal_categories, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct CategoryRow {
    pub id: i32,
    pub project_id: i32,
    pub name: String,
}

/// Which statuses a deals list takes (the plugin shows open deals unless asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    Closed,
    Any,
    Is(i32),
}

/// What a deals list asks for.
#[derive(Debug, Clone)]
pub struct DealQuery {
    /// Projects whose deals the reader may see; `None` is every project (admins).
    pub projects: Option<Vec<i32>>,
    pub project_id: Option<i32>,
    pub assigned_to_id: Option<i32>,
    pub contact_ids: Option<Vec<i32>>,
    pub status: StatusFilter,
    pub search_words: Vec<String>,
}

type Condition = Box<dyn BoxableExpression<deals::table, DbBackend, SqlType = Bool>>;

fn conditions(q: &DealQuery, statuses: &[StatusRow]) -> Vec<Condition> {
    let mut out: Vec<Condition> = Vec::new();
    if let Some(projects) = &q.projects {
        out.push(Box::new(deals::project_id.eq_any(projects.clone())));
    }
    if let Some(p) = q.project_id {
        out.push(Box::new(deals::project_id.eq(p)));
    }
    if let Some(u) = q.assigned_to_id {
        out.push(Box::new(deals::assigned_to_id.assume_not_null().eq(u)));
    }
    if let Some(ids) = &q.contact_ids {
        out.push(Box::new(deals::contact_id.assume_not_null().eq_any(ids.clone())));
    }
    let of_type = |open: bool| -> Vec<i32> {
        statuses.iter().filter(|s| (s.status_type == STATUS_OPEN) == open).map(|s| s.id).collect()
    };
    match q.status {
        StatusFilter::Any => {}
        StatusFilter::Open => out.push(Box::new(deals::status_id.eq_any(of_type(true)))),
        StatusFilter::Closed => out.push(Box::new(deals::status_id.eq_any(of_type(false)))),
        StatusFilter::Is(id) => out.push(Box::new(deals::status_id.eq(id))),
    }
    for word in &q.search_words {
        out.push(Box::new(deals::search_text.like(super::contacts::contains_pattern(word)).escape('\\')));
    }
    out
}

pub fn count(conn: &mut DbConnection, q: &DealQuery, statuses: &[StatusRow]) -> QueryResult<i64> {
    let mut query = deals::table.select(count_star()).into_boxed();
    for c in conditions(q, statuses) {
        query = query.filter(c);
    }
    query.get_result(conn)
}

/// Newest first.
pub fn page(
    conn: &mut DbConnection,
    q: &DealQuery,
    statuses: &[StatusRow],
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<DealRow>> {
    let mut query = deals::table.select(DealRow::as_select()).into_boxed();
    for c in conditions(q, statuses) {
        query = query.filter(c);
    }
    query.order((deals::created_on.desc(), deals::id.desc())).offset(offset).limit(limit).load(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<DealRow>> {
    deals::table.find(id).select(DealRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConnection, row: &NewDealRow) -> QueryResult<i32> {
    diesel::insert_into(deals::table).values(row).returning(deals::id).get_result(conn)
}

pub fn update(conn: &mut DbConnection, id: i32, changes: &DealChanges) -> QueryResult<usize> {
    diesel::update(deals::table.find(id)).set(changes).execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(deals::table.find(id)).execute(conn)
}

pub fn statuses(conn: &mut DbConnection) -> QueryResult<Vec<StatusRow>> {
    deal_statuses::table.select(StatusRow::as_select()).order(deal_statuses::position.asc()).load(conn)
}

pub fn categories_of(conn: &mut DbConnection, project_ids: &[i32]) -> QueryResult<Vec<CategoryRow>> {
    deal_categories::table
        .filter(deal_categories::project_id.eq_any(project_ids))
        .select(CategoryRow::as_select())
        .order(deal_categories::name.asc())
        .load(conn)
}

pub fn categories_by_id(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<CategoryRow>> {
    deal_categories::table.filter(deal_categories::id.eq_any(ids)).select(CategoryRow::as_select()).load(conn)
}

pub fn category(conn: &mut DbConnection, id: i32) -> QueryResult<Option<CategoryRow>> {
    deal_categories::table.find(id).select(CategoryRow::as_select()).first(conn).optional()
}

pub fn category_name_taken(
    conn: &mut DbConnection,
    project_id: i32,
    name: &str,
    except: Option<i32>,
) -> QueryResult<bool> {
    let mut query = deal_categories::table
        .filter(deal_categories::project_id.eq(project_id))
        .filter(deal_categories::name.eq(name))
        .select(deal_categories::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(deal_categories::id.ne(id));
    }
    Ok(query.first::<i32>(conn).optional()?.is_some())
}

pub fn insert_category(conn: &mut DbConnection, project_id: i32, name: &str) -> QueryResult<i32> {
    diesel::insert_into(deal_categories::table)
        .values((deal_categories::project_id.eq(project_id), deal_categories::name.eq(name)))
        .returning(deal_categories::id)
        .get_result(conn)
}

pub fn rename_category(conn: &mut DbConnection, id: i32, name: &str) -> QueryResult<usize> {
    diesel::update(deal_categories::table.find(id)).set(deal_categories::name.eq(name)).execute(conn)
}

/// Deletes a category, moving its deals to `reassign_to` (or to no category).
pub fn delete_category(conn: &mut DbConnection, id: i32, reassign_to: Option<i32>) -> QueryResult<()> {
    diesel::update(deals::table.filter(deals::category_id.eq(id)))
        .set(deals::category_id.eq(reassign_to))
        .execute(conn)?;
    diesel::delete(deal_categories::table.find(id)).execute(conn)?;
    Ok(())
}
