//! Custom fields and their values on contacts and deals.

use diesel::prelude::*;

use crate::db::schema::{custom_fields, custom_values};
use crate::db::DbConnection;
use crate::store::in_ids::in_ids;

table_rows! {
    /// A custom field's definition.
    custom_fields: CustomFieldRow, NewCustomFieldRow {
        customized_type: String,
        name: String,
        field_format: String,
        possible_values: String,
        is_required: bool,
        is_filter: bool,
        searchable: bool,
        multiple: bool,
        default_value: Option<String>,
        regexp: Option<String>,
        min_length: Option<i32>,
        max_length: Option<i32>,
        position: i32,
    }
}

/// A custom field's value on a contact or a deal.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = custom_values, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct CustomValueRow {
    pub id: i32,
    pub custom_field_id: i32,
    pub contact_id: Option<i32>,
    pub deal_id: Option<i32>,
    pub value: String,
}

impl CustomFieldRow {
    pub fn possible_values(&self) -> Vec<&str> {
        self.possible_values.lines().map(str::trim).filter(|v| !v.is_empty()).collect()
    }
}

/// What a value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Contact(i32),
    Deal(i32),
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<CustomFieldRow>> {
    custom_fields::table
        .select(CustomFieldRow::as_select())
        .order((custom_fields::position.asc(), custom_fields::id.asc()))
        .load(conn)
}

/// The fields of one customized type ("contact" or "deal"), in display order.
pub fn of_type(conn: &mut DbConnection, customized_type: &str) -> QueryResult<Vec<CustomFieldRow>> {
    custom_fields::table
        .filter(custom_fields::customized_type.eq(customized_type))
        .select(CustomFieldRow::as_select())
        .order((custom_fields::position.asc(), custom_fields::id.asc()))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<CustomFieldRow>> {
    custom_fields::table.find(id).select(CustomFieldRow::as_select()).first(conn).optional()
}

pub fn name_taken(
    conn: &mut DbConnection,
    customized_type: &str,
    name: &str,
    except: Option<i32>,
) -> QueryResult<bool> {
    let mut query = custom_fields::table
        .filter(custom_fields::customized_type.eq(customized_type))
        .filter(custom_fields::name.eq(name))
        .select(custom_fields::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(custom_fields::id.ne(id));
    }
    Ok(query.first::<i32>(conn).optional()?.is_some())
}

pub fn insert(conn: &mut DbConnection, values: &NewCustomFieldRow) -> QueryResult<i32> {
    diesel::insert_into(custom_fields::table).values(values).returning(custom_fields::id).get_result(conn)
}

/// Writes every column of a definition (`None` clears one).
pub fn update(conn: &mut DbConnection, row: &CustomFieldRow) -> QueryResult<usize> {
    diesel::update(custom_fields::table.find(row.id)).set(row).execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(custom_fields::table.find(id)).execute(conn)
}

/// Replaces the values of one field on one record.
pub fn set_values(conn: &mut DbConnection, owner: Owner, field_id: i32, values: &[String]) -> QueryResult<()> {
    let existing = custom_values::table.filter(custom_values::custom_field_id.eq(field_id));
    match owner {
        Owner::Contact(id) => diesel::delete(existing.filter(custom_values::contact_id.eq(id))).execute(conn)?,
        Owner::Deal(id) => diesel::delete(existing.filter(custom_values::deal_id.eq(id))).execute(conn)?,
    };
    add_values(conn, owner, field_id, values)
}

/// Adds `values` of field `field_id` to `owner`, beside any it has.
pub fn add_values(conn: &mut DbConnection, owner: Owner, field_id: i32, values: &[String]) -> QueryResult<()> {
    let (contact_id, deal_id) = match owner {
        Owner::Contact(id) => (Some(id), None),
        Owner::Deal(id) => (None, Some(id)),
    };
    for value in values {
        diesel::insert_into(custom_values::table)
            .values((
                custom_values::custom_field_id.eq(field_id),
                custom_values::contact_id.eq(contact_id),
                custom_values::deal_id.eq(deal_id),
                custom_values::value.eq(value),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (contact id, field id, value) of many contacts, in one query, in insertion order.
pub fn values_of_contacts(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, i32, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    custom_values::table
        .filter(in_ids(custom_values::contact_id.assume_not_null(), ids))
        .select((custom_values::contact_id.assume_not_null(), custom_values::custom_field_id, custom_values::value))
        .order(custom_values::id.asc())
        .load(conn)
}

/// (deal id, field id, value) of many deals, in one query.
pub fn values_of_deals(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, i32, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    custom_values::table
        .filter(custom_values::deal_id.assume_not_null().eq_any(ids))
        .select((custom_values::deal_id.assume_not_null(), custom_values::custom_field_id, custom_values::value))
        .order(custom_values::id.asc())
        .load(conn)
}
