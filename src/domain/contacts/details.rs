//! A contact as its answers show it: its row with names, projects, tags, custom values and
//! avatar, read for a whole page in one query.

use std::collections::HashMap;

use crate::db::DbConnection;
use crate::domain::custom_fields::{self as custom, ShownValue, ShownValues};
use crate::domain::names;
use crate::error::Error;
use crate::store::contact_extras::{self, Extra};
use crate::store::contacts::ContactRow;
use crate::store::users;

/// What `include=` asked for; unknown names are ignored, as in Redmine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Includes {
    pub projects: bool,
    pub notes: bool,
    pub contacts: bool,
    pub deals: bool,
    pub issues: bool,
    pub tickets: bool,
}

/// A project a contact belongs to.
#[derive(Debug, Clone)]
pub struct ProjectLink {
    pub id: i32,
    pub name: String,
    pub identifier: String,
}

/// A contact with what its views show beside its own columns; the included lists are filled
/// only when asked for, and hold only what the reader may see.
#[derive(Debug, Clone)]
pub struct ContactDetails {
    pub row: ContactRow,
    pub tags: Vec<String>,
    pub projects: Vec<ProjectLink>,
    pub author: Option<(i32, String)>,
    pub assigned_to: Option<(i32, String)>,
    pub notes: Vec<crate::domain::notes::NoteDetails>,
    pub deals: Vec<crate::domain::deals::DealDetails>,
    /// A company's employees, or a person's company.
    pub related: Vec<(i32, String)>,
    pub issues: Vec<crate::domain::issues::IssueSummary>,
    /// Every contact custom field with this contact's values; empty when none is defined.
    pub custom_fields: Vec<ShownValue>,
    /// The avatar's attachment id.
    pub avatar: Option<i32>,
}

impl ContactDetails {
    /// The plugin's display name: a company's name, or "First Last" for a person.
    pub fn name(&self) -> String {
        names::contact_name(&self.row)
    }
}

/// The names, projects, tags, custom values and avatars of many contacts, in one query.
pub fn load_details(conn: &mut DbConnection, rows: Vec<ContactRow>) -> Result<Vec<ContactDetails>, Error> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut user_ids: Vec<i32> = rows.iter().flat_map(|r| [r.author_id, r.assigned_to_id]).flatten().collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut tag_names: HashMap<i32, Vec<String>> = HashMap::new();
    let mut linked: HashMap<i32, Vec<ProjectLink>> = HashMap::new();
    let mut avatars: HashMap<i32, i32> = HashMap::new();
    let mut names = HashMap::new();
    let (mut fields, mut values) = (Vec::new(), Vec::new());
    for extra in contact_extras::of_contacts(conn, &ids, &user_ids, custom::CONTACT)? {
        match extra {
            Extra::Tag { contact, name } => tag_names.entry(contact).or_default().push(name),
            Extra::Project { contact, id, name, identifier } => {
                linked.entry(contact).or_default().push(ProjectLink { id, name, identifier })
            }
            Extra::Value { contact, field, value } => values.push((contact, field, value)),
            Extra::Avatar { contact, attachment } => {
                let newest = avatars.entry(contact).or_insert(attachment);
                *newest = (*newest).max(attachment);
            }
            Extra::Person { id, firstname, lastname } => {
                names.insert(id, users::display_name(&firstname, &lastname));
            }
            Extra::Field { id, name, multiple } => fields.push(ShownValue { id, name, multiple, values: Vec::new() }),
        }
    }
    let custom_values = ShownValues::new(fields, values);
    let name_of = |id: Option<i32>| id.and_then(|id| names.get(&id).map(|name| (id, name.clone())));
    Ok(rows
        .into_iter()
        .map(|row| ContactDetails {
            custom_fields: custom_values.of(row.id),
            avatar: avatars.get(&row.id).copied(),
            tags: tag_names.remove(&row.id).unwrap_or_default(),
            projects: linked.remove(&row.id).unwrap_or_default(),
            author: name_of(row.author_id),
            assigned_to: name_of(row.assigned_to_id),
            notes: Vec::new(),
            deals: Vec::new(),
            related: Vec::new(),
            issues: Vec::new(),
            row,
        })
        .collect())
}

pub(super) fn load_one(conn: &mut DbConnection, row: ContactRow) -> Result<ContactDetails, Error> {
    load_details(conn, vec![row])?.pop().ok_or(Error::NotFound)
}
