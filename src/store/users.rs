//! Users and their credentials.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::DbConnection;
use crate::store::in_ids::in_ids;

table_rows! {
    users: UserRow, NewUserRow {
        login: String,
        hashed_password: String,
        firstname: String,
        lastname: String,
        mail: Option<String>,
        admin: bool,
        status: i32,
        api_key: String,
        api_key_digest: String,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
        last_login_on: Option<NaiveDateTime>,
    }
}

impl UserRow {
    /// Redmine's default display format: "Firstname Lastname".
    pub fn name(&self) -> String {
        display_name(&self.firstname, &self.lastname)
    }
}

pub fn display_name(firstname: &str, lastname: &str) -> String {
    format!("{firstname} {lastname}").trim().to_string()
}

pub const STATUS_ACTIVE: i32 = 1;
pub const STATUS_LOCKED: i32 = 3;

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub login: Option<String>,
    pub hashed_password: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub mail: Option<Option<String>>,
    pub admin: Option<bool>,
    pub status: Option<i32>,
    pub updated_on: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewUserRow) -> QueryResult<i32> {
    diesel::insert_into(users::table).values(row).returning(users::id).get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<UserRow> {
    users::table.find(id).select(UserRow::as_select()).first(conn)
}

pub fn find_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<UserRow>> {
    users::table
        // Every letter folded, as PostgreSQL's lower() always did here: on SQLite "Éva" and
        // "éva" were two logins.
        .filter(crate::db::functions::unicode_lower(users::login).eq(login.to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// `find_by_key_digest` and the data version, read in one statement (one snapshot).
pub fn find_by_key_digest_versioned(conn: &mut DbConnection, digest: &str) -> QueryResult<Option<(UserRow, i64)>> {
    crate::on_backend!(conn, |c| users::table
        .filter(users::api_key_digest.eq(digest))
        .select((UserRow::as_select(), super::data_versions::VersionColumn))
        .first(c)
        .optional())
}

pub fn find_by_key_digest(conn: &mut DbConnection, digest: &str) -> QueryResult<Option<UserRow>> {
    crate::on_backend!(conn, |c| users::table
        .filter(users::api_key_digest.eq(digest))
        .select(UserRow::as_select())
        .first(c)
        .optional())
}

pub fn exists(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.find(id))).get_result(conn)
}

/// (id, firstname, lastname) of the given users, for names in lists.
pub fn names(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table.filter(in_ids(users::id, ids)).select((users::id, users::firstname, users::lastname)).load(conn)
}

pub fn list(conn: &mut DbConnection, status: Option<i32>, offset: i64, limit: i64) -> QueryResult<(i64, Vec<UserRow>)> {
    let mut count = users::table.select(diesel::dsl::count_star()).into_boxed();
    let mut page = users::table.select(UserRow::as_select()).order(users::id.asc()).into_boxed();
    if let Some(status) = status {
        count = count.filter(users::status.eq(status));
        page = page.filter(users::status.eq(status));
    }
    let total = count.get_result(conn)?;
    Ok((total, page.offset(offset).limit(limit).load(conn)?))
}

pub fn update(conn: &mut DbConnection, id: i32, changes: &UserChanges) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(changes).execute(conn)
}

/// The active admin with the lowest id.
pub fn first_admin(conn: &mut DbConnection) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::admin.eq(true).and(users::status.eq(STATUS_ACTIVE)))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_api_key(conn: &mut DbConnection, id: i32, key: &str, digest: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::api_key.eq(key), users::api_key_digest.eq(digest), users::updated_on.eq(at)))
        .execute(conn)
}

pub fn touch_login(conn: &mut DbConnection, id: i32, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(users::last_login_on.eq(at)).execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}

/// Every user id (imports check assignees against them without a query per row).
pub fn all_ids(conn: &mut DbConnection) -> QueryResult<Vec<i32>> {
    users::table.select(users::id).load(conn)
}
