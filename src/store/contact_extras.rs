//! What a page of contacts shows beside its own columns (tags, projects, custom fields and
//! values, avatars, the names of authors and assignees), read in one statement: a UNION ALL
//! whose rows each say what they are. On PostgreSQL every statement is a round trip: one
//! statement instead of six took a list page of 25, one request at a time, from 2.3-2.4 ms to
//! 1.5-2.1 ms. Its text is written out per backend (`fixed`): every show and list page runs it.

use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::query_builder::AstPass;
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, Bool, HasSqlType, Integer, Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

use super::fixed::{self, FixedStatement};
use crate::db::DbConnection;

/// One fact about a page of contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extra {
    Tag {
        contact: i32,
        name: String,
    },
    Project {
        contact: i32,
        id: i32,
        name: String,
        identifier: String,
    },
    /// A custom value, in the order values were stored.
    Value {
        contact: i32,
        field: i32,
        value: String,
    },
    Avatar {
        contact: i32,
        attachment: i32,
    },
    /// An author or assignee.
    Person {
        id: i32,
        firstname: String,
        lastname: String,
    },
    /// A contact custom field, in the order fields show.
    Field {
        id: i32,
        name: String,
        multiple: bool,
    },
}

const TAG: i32 = 0;
const PROJECT: i32 = 1;
const VALUE: i32 = 2;
const AVATAR: i32 = 3;
const PERSON: i32 = 4;
const FIELD: i32 = 5;

/// A row of the union: (kind, owner, id, rank, text, more text, flag). `rank` orders the rows of
/// a kind where order matters.
type ExtraRow = (i32, i32, i32, i32, Option<String>, Option<String>, bool);

/// Which ids a part of the union reads rows for.
#[derive(Clone, Copy)]
enum Owners {
    Contacts,
    Users,
}

/// A part of the union: its kind, the columns after the kind, the tables it reads, the column
/// that must be one of its owners' ids.
struct Part {
    kind: i32,
    columns: &'static str,
    from: &'static str,
    key: &'static str,
    owners: Owners,
}

const PARTS: [Part; 5] = [
    Part {
        kind: TAG,
        columns: "t.contact_id, t.tag_id, 0, g.name, NULL, FALSE",
        from: "taggings AS t JOIN tags AS g ON g.id = t.tag_id",
        key: "t.contact_id",
        owners: Owners::Contacts,
    },
    Part {
        kind: PROJECT,
        columns: "cp.contact_id, p.id, p.id, p.name, p.identifier, FALSE",
        from: "contacts_projects AS cp JOIN projects AS p ON p.id = cp.project_id",
        key: "cp.contact_id",
        owners: Owners::Contacts,
    },
    Part {
        kind: VALUE,
        columns: "v.contact_id, v.custom_field_id, v.id, v.value, NULL, FALSE",
        from: "custom_values AS v",
        key: "v.contact_id",
        owners: Owners::Contacts,
    },
    Part {
        kind: AVATAR,
        columns: "a.contact_id, a.id, 0, NULL, NULL, FALSE",
        from: "attachments AS a",
        key: "a.contact_id",
        owners: Owners::Contacts,
    },
    Part {
        kind: PERSON,
        columns: "u.id, u.id, 0, u.firstname, u.lastname, FALSE",
        from: "users AS u",
        key: "u.id",
        owners: Owners::Users,
    },
];

/// The union's last part, which needs no ids: the custom fields of a type.
const FIELDS: &str = "0, f.id, f.position, f.name, NULL, f.multiple FROM custom_fields AS f WHERE f.customized_type = ";

/// The union for some contacts and people. Each id appears once (a join repeats a row per
/// repeated id, where `IN` would not).
struct ExtrasStatement {
    contacts: Vec<i32>,
    users: Vec<i32>,
    /// The ids as JSON arrays, SQLite's form (read by `json_each`).
    contacts_json: String,
    users_json: String,
    field_type: String,
}

impl ExtrasStatement {
    fn new(contacts: &[i32], users: &[i32], field_type: &str) -> ExtrasStatement {
        let unique = |ids: &[i32]| {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let json = |ids: &[i32]| format!("[{}]", ids.iter().map(i32::to_string).collect::<Vec<_>>().join(","));
        let (contacts, users) = (unique(contacts), unique(users));
        ExtrasStatement {
            contacts_json: json(&contacts),
            users_json: json(&users),
            contacts,
            users,
            field_type: field_type.to_string(),
        }
    }
}

impl FixedStatement for ExtrasStatement {
    type SqlType = (Integer, Integer, Integer, Integer, Nullable<Text>, Nullable<Text>, Bool);

    /// Each part walks its ids and looks each up (`CROSS JOIN` keeps `json_each` outside):
    /// `IN (SELECT value FROM json_each(?))` built a temporary index of the ids for each of the
    /// five parts, 40 µs a run for one contact where the join takes 24.
    fn sqlite<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        for part in &PARTS {
            push_select(&mut out, &part.kind, part.columns)?;
            out.push_sql(" FROM json_each(");
            let ids = match part.owners {
                Owners::Contacts => &self.contacts_json,
                Owners::Users => &self.users_json,
            };
            out.push_bind_param::<Text, _>(ids)?;
            out.push_sql(") AS j CROSS JOIN ");
            out.push_sql(part.from);
            out.push_sql(" WHERE ");
            out.push_sql(part.key);
            out.push_sql(" = j.value UNION ALL ");
        }
        push_fields(out, &self.field_type)
    }

    /// The ids behind a subquery, as `in_ids::in_ids_any_plan` binds them: one plan for any ids.
    fn pg<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for part in &PARTS {
            push_select(&mut out, &part.kind, part.columns)?;
            out.push_sql(" FROM ");
            out.push_sql(part.from);
            out.push_sql(" WHERE ");
            out.push_sql(part.key);
            out.push_sql(" = ANY((SELECT ");
            let ids = match part.owners {
                Owners::Contacts => &self.contacts,
                Owners::Users => &self.users,
            };
            out.push_bind_param::<Array<Integer>, _>(ids)?;
            out.push_sql(")::int4[]) UNION ALL ");
        }
        push_fields(out, &self.field_type)
    }
}

/// `SELECT kind, columns`: how each part of the union starts, on either backend.
fn push_select<'b, DB>(out: &mut AstPass<'_, 'b, DB>, kind: &'b i32, columns: &str) -> QueryResult<()>
where
    DB: Backend + HasSqlType<Integer>,
    i32: ToSql<Integer, DB>,
{
    out.push_sql("SELECT ");
    out.push_bind_param::<Integer, _>(kind)?;
    out.push_sql(", ");
    out.push_sql(columns);
    Ok(())
}

/// The union's last part (`FIELDS`), the same on both backends.
fn push_fields<'b, DB>(mut out: AstPass<'_, 'b, DB>, field_type: &'b String) -> QueryResult<()>
where
    DB: Backend + HasSqlType<Integer> + HasSqlType<Text>,
    i32: ToSql<Integer, DB>,
    String: ToSql<Text, DB>,
{
    push_select(&mut out, &FIELD, FIELDS)?;
    out.push_bind_param::<Text, _>(field_type)
}

/// The extras of the contacts `contact_ids`, the people `user_ids` and the custom fields of
/// `field_type`, each kind in the order it shows: tags by name, projects by id, values as
/// stored, fields by position.
pub fn of_contacts(
    conn: &mut DbConnection,
    contact_ids: &[i32],
    user_ids: &[i32],
    field_type: &str,
) -> QueryResult<Vec<Extra>> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<ExtraRow> = fixed::load(conn, ExtrasStatement::new(contact_ids, user_ids, field_type))?;
    // Each kind in the order it shows; tags by name (case aside), which SQL cannot sort the same
    // on both backends.
    rows.sort_by_cached_key(|r| {
        let name = if r.0 == TAG { r.4.as_deref().map(super::tags::shown_order) } else { None };
        (r.0, r.3, name, r.2)
    });
    let extras = rows.into_iter().filter_map(extra).collect();
    Ok(extras)
}

fn extra((kind, owner, id, _rank, text, more, flag): ExtraRow) -> Option<Extra> {
    let text = text.unwrap_or_default();
    Some(match kind {
        TAG => Extra::Tag { contact: owner, name: text },
        PROJECT => Extra::Project { contact: owner, id, name: text, identifier: more.unwrap_or_default() },
        VALUE => Extra::Value { contact: owner, field: id, value: text },
        AVATAR => Extra::Avatar { contact: owner, attachment: id },
        PERSON => Extra::Person { id, firstname: text, lastname: more.unwrap_or_default() },
        FIELD => Extra::Field { id, name: text, multiple: flag },
        _ => return None,
    })
}
