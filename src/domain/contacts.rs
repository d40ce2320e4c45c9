//! Contacts: reading input, the visibility and permission rules, and the use cases (list, show,
//! create, update, delete); each write is one transaction on one connection.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

use super::access::CurrentUser;
use super::attachments::{CheckedFile, NOT_AN_IMAGE};
use super::custom_fields::{self as custom, ShownValue, ShownValues, ValuesInput};
use super::input::{self, Fields, Patch, MAX_STRING, MAX_TEXT};
use super::paging::{Page, Paging};
use super::permissions::Permission;
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;
use crate::format::query::QueryParams;
use crate::store::attachments as attachment_store;
use crate::store::contact_extras::{self, Extra};
/// A list's query, as the HTTP layer carries it between the steps of a list.
pub use crate::store::contacts::ContactQuery;
use crate::store::contacts::{
    self as store, ContactChanges, ContactRow, NewContactRow, SortColumn, ValueMatch, Visibility, VISIBILITY_PRIVATE,
    VISIBILITY_PROJECT, VISIBILITY_PUBLIC,
};
use crate::store::custom_fields::Owner;
use crate::store::projects::{self as projects, ProjectRow};
use crate::store::web_forms::WebFormRow;
use crate::store::{now, tags, users};

/// A contact's address fields (`address_attributes`).
#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    pub street1: Patch<String>,
    pub street2: Patch<String>,
    pub city: Patch<String>,
    pub region: Patch<String>,
    pub postcode: Patch<String>,
    pub country_code: Patch<String>,
}

/// The fields of a create or update, each absent unless sent; `errors` holds what could not
/// be read, reported together with the checks that need the database.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub project_ref: Option<String>,
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub middle_name: Patch<String>,
    pub company: Patch<String>,
    pub is_company: Option<bool>,
    pub job_title: Patch<String>,
    pub website: Patch<String>,
    pub skype_name: Patch<String>,
    pub birthday: Patch<NaiveDate>,
    pub background: Patch<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub assigned_to_id: Patch<i32>,
    pub visibility: Option<i32>,
    pub address: Option<AddressInput>,
    pub custom_fields: Option<ValuesInput>,
    pub avatar: Option<AvatarInput>,
    pub errors: Vec<String>,
}

/// A new avatar: an uploaded file (a web form's `contact[avatar]`) or an upload's token
/// (`avatar: {"token": …}`).
#[derive(Debug, Clone)]
pub enum AvatarInput {
    File { filename: String, bytes: Vec<u8> },
    Token(String),
}

impl ContactInput {
    /// Reads `contact[…]`; `fallback_project` is a top-level `project_id`, which Redmine also takes.
    pub fn parse(map: Map<String, Value>, fallback_project: Option<&Value>) -> ContactInput {
        let mut f = Fields::new(map);
        let project_ref = match f.raw("project_id").or(fallback_project) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Object(o)) => o.get("id").map(|v| v.to_string().trim_matches('"').to_string()),
            _ => None,
        };
        let phones = f.list("phone", "Phone").or_else(|| phone_objects(&mut f));
        let emails = f.list("email", "Email").map(|list| list.iter().map(|e| e.replace(' ', "")).collect());
        let visibility = match f.int("visibility", "Visibility") {
            Some(Some(v)) if (0..=2).contains(&v) => Some(v as i32),
            Some(None) => Some(VISIBILITY_PROJECT),
            Some(Some(_)) => {
                f.error("Visibility is not included in the list");
                None
            }
            None => None,
        };
        let address = f.object("address_attributes", "Address").map(|map| {
            let mut a = Fields::new(map);
            let address = AddressInput {
                street1: a.text("street1", "Street", MAX_STRING),
                street2: a.text("street2", "Street 2", MAX_STRING),
                city: a.text("city", "City", MAX_STRING),
                region: a.text("region", "Region", MAX_STRING),
                postcode: a.text("postcode", "Postcode", 30),
                country_code: a.text("country_code", "Country", 2).map(|c| c.map(|c| c.to_ascii_uppercase())),
            };
            if let Some(Some(code)) = &address.country_code {
                if super::countries::country_name(code).is_none() {
                    a.error("Country is not included in the list");
                }
            }
            if let Err(Error::Invalid(messages)) = a.finish() {
                messages.into_iter().for_each(|m| f.error(m));
            }
            address
        });
        let mut input = ContactInput {
            project_ref,
            first_name: f.text("first_name", "First name", MAX_STRING),
            last_name: f.text("last_name", "Last name", MAX_STRING),
            middle_name: f.text("middle_name", "Middle name", MAX_STRING),
            company: f.text("company", "Company", MAX_STRING),
            is_company: f.bool("is_company", "Is company"),
            job_title: f.text("job_title", "Job title", MAX_STRING),
            website: f.text("website", "Website", MAX_STRING),
            skype_name: f.text("skype_name", "Skype name", MAX_STRING),
            birthday: f.date("birthday", "Birthday"),
            background: f.text("background", "Background", MAX_TEXT),
            phones,
            emails,
            tags: f.list("tag_list", "Tags"),
            assigned_to_id: f.id("assigned_to_id", "Assigned to"),
            visibility,
            address,
            custom_fields: ValuesInput::read(&mut f),
            avatar: match f.raw("avatar") {
                Some(Value::Object(o)) => {
                    o.get("token").and_then(Value::as_str).map(|t| AvatarInput::Token(t.trim().to_string()))
                }
                _ => None,
            },
            errors: Vec::new(),
        };
        check_lists(&mut f, &input);
        if let Err(Error::Invalid(messages)) = f.finish() {
            input.errors = messages;
        }
        input
    }
}

/// `phones: [{"number": …}]`, the shape contacts are shown in, read back for clients that
/// send a contact as they received it.
fn phone_objects(f: &mut Fields) -> Option<Vec<String>> {
    let Some(Value::Array(items)) = f.raw("phones") else { return None };
    let numbers = items
        .iter()
        .filter_map(|i| match i {
            Value::Object(o) => o.get("number").and_then(Value::as_str).map(str::to_string),
            Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    Some(numbers)
}

fn check_lists(f: &mut Fields, input: &ContactInput) {
    if let Some(emails) = &input.emails {
        if emails.iter().any(|e| !super::users::is_email(e)) {
            f.error("Email is invalid");
        }
        if emails.join(", ").chars().count() > MAX_TEXT {
            f.error(format!("Email is too long (maximum is {MAX_TEXT} characters)"));
        }
    }
    if let Some(phones) = &input.phones {
        if phones.iter().any(|p| p.chars().count() > MAX_STRING) {
            f.error(format!("Phone is too long (maximum is {MAX_STRING} characters)"));
        }
    }
    if let Some(tags) = &input.tags {
        if tags.iter().any(|t| t.chars().count() > MAX_STRING) {
            f.error(format!("Tags is too long (maximum is {MAX_STRING} characters)"));
        }
    }
}

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

impl Includes {
    /// `include=notes,deals`, `include=notes%2Cdeals` or `include[]=notes&include[]=deals`.
    pub fn from_query(query: &QueryParams) -> Includes {
        let mut inc = Includes::default();
        for name in query.all("include").iter().flat_map(|v| v.split(',')) {
            match name.trim() {
                "projects" => inc.projects = true,
                "notes" => inc.notes = true,
                "contacts" | "employees" => inc.contacts = true,
                "deals" => inc.deals = true,
                "issues" => inc.issues = true,
                "tickets" => inc.tickets = true,
                _ => {}
            }
        }
        inc
    }
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
    pub notes: Vec<super::notes::NoteDetails>,
    pub deals: Vec<super::deals::DealDetails>,
    /// A company's employees, or a person's company.
    pub related: Vec<(i32, String)>,
    pub issues: Vec<super::issues::IssueSummary>,
    /// Every contact custom field with this contact's values; empty when none is defined.
    pub custom_fields: Vec<ShownValue>,
    /// The avatar's attachment id.
    pub avatar: Option<i32>,
}

impl ContactDetails {
    /// The plugin's display name: a company's name, or "First Last" for a person.
    pub fn name(&self) -> String {
        display_name(&self.row)
    }
}

pub fn display_name(row: &ContactRow) -> String {
    if row.is_company {
        return row.first_name.clone();
    }
    [Some(row.first_name.as_str()), row.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
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

/// Fills the included lists of a page of contacts: a fixed number of queries per kind, however
/// many contacts, each list limited to what `user` may see.
pub fn load_includes(
    conn: &mut DbConnection,
    user: &CurrentUser,
    contacts: &mut [ContactDetails],
    inc: Includes,
) -> Result<(), Error> {
    let ids: Vec<i32> = contacts.iter().map(|c| c.row.id).collect();
    if inc.notes {
        // Notes show with a contact the reader may see; they need no permission of their own.
        let mut notes = super::notes::of_contacts(conn, &ids)?;
        for c in contacts.iter_mut() {
            let (mine, rest) = notes.into_iter().partition(|n| n.row.contact_id == Some(c.row.id));
            c.notes = mine;
            notes = rest;
        }
    }
    if inc.deals {
        let mut deals = super::deals::of_contacts(conn, user, &ids)?;
        for c in contacts.iter_mut() {
            let (mine, rest) = deals.into_iter().partition(|d| d.row.contact_id == Some(c.row.id));
            c.deals = mine;
            deals = rest;
        }
    }
    if inc.contacts {
        let visibility = visibility_for(user);
        let names = |companies: bool| -> Vec<String> {
            contacts
                .iter()
                .filter(|c| c.row.is_company == companies)
                .filter_map(|c| if companies { Some(c.row.first_name.clone()) } else { c.row.company.clone() })
                .collect()
        };
        let mut query = ContactQuery::visible(visibility.clone());
        query.employee_of = Some(names(true));
        query.sort = vec![(SortColumn::Name, false)];
        let employees = store::page(conn, &query, 0, i64::from(i32::MAX))?;
        let mut query = ContactQuery::visible(visibility);
        query.company_named = Some(names(false));
        let companies = store::page(conn, &query, 0, i64::from(i32::MAX))?;
        for c in contacts.iter_mut() {
            c.related = if c.row.is_company {
                employees
                    .iter()
                    .filter(|e| e.company.as_deref() == Some(c.row.first_name.as_str()) && e.id != c.row.id)
                    .map(|e| (e.id, display_name(e)))
                    .collect()
            } else {
                companies
                    .iter()
                    .filter(|co| Some(co.first_name.as_str()) == c.row.company.as_deref())
                    .map(|co| (co.id, display_name(co)))
                    .collect()
            };
        }
    }
    if inc.issues || inc.tickets {
        let mut issues = super::issues::of_contacts(conn, user, &ids)?;
        for c in contacts.iter_mut() {
            let (mine, rest): (Vec<_>, Vec<_>) = issues.into_iter().partition(|(contact, _)| *contact == c.row.id);
            c.issues = mine.into_iter().map(|(_, i)| i).collect();
            issues = rest;
        }
    }
    Ok(())
}

fn load_one(conn: &mut DbConnection, row: ContactRow) -> Result<ContactDetails, Error> {
    load_details(conn, vec![row])?.pop().ok_or(Error::NotFound)
}

/// The plugin's `visible?` (REDMINE_CRM.md §3.7), with `view_private_contacts` read as a
/// superset of `view_contacts`: admins everything; a public contact whoever reads contacts in
/// some project; a project contact whoever reads contacts in one of its projects; a private
/// one whoever holds `view_private_contacts` in one of its projects, or reads contacts there
/// and wrote it or is assigned it. The projects come from the row's own list of them, as
/// lists read them, so a show and a list never disagree.
fn can_view(user: &CurrentUser, row: &ContactRow) -> bool {
    match visibility_for(user) {
        Visibility::All => true,
        Visibility::User { user_id, projects, private_projects } => {
            let in_any = |readable: &[i32]| {
                row.project_ids
                    .split(',')
                    .filter_map(|id| id.parse().ok())
                    .any(|id| readable.binary_search(&id).is_ok())
            };
            match row.visibility {
                VISIBILITY_PUBLIC => !projects.is_empty(),
                VISIBILITY_PRIVATE => {
                    let own = row.author_id == Some(user_id) || row.assigned_to_id == Some(user_id);
                    in_any(&private_projects) || (own && in_any(&projects))
                }
                _ => in_any(&projects),
            }
        }
    }
}

/// Which of `ids` name contacts `user` may see.
pub fn visible_among(conn: &mut DbConnection, user: &CurrentUser, ids: &[i32]) -> Result<Vec<ContactRow>, Error> {
    Ok(store::find_many(conn, ids)?.into_iter().filter(|row| can_view(user, row)).collect())
}

/// The contact `id` and its projects when `user` may see it and `permission` holds in one of
/// its projects (add_notes, …); 404 when missing, 403 otherwise.
pub fn find_allowed(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    permission: Permission,
) -> Result<(ContactRow, Vec<ProjectRow>), Error> {
    let (row, projects) = find_visible(conn, user, id)?;
    if can(user, permission, &row, &projects) {
        Ok((row, projects))
    } else {
        Err(Error::Forbidden)
    }
}

/// Visible, and `permission` in one of its projects (edit_contacts, delete_contacts). Admins
/// always: a contact whose last project was deleted stays theirs to fix or remove.
fn can(user: &CurrentUser, permission: Permission, row: &ContactRow, projects: &[ProjectRow]) -> bool {
    user.admin || (can_view(user, row) && projects.iter().any(|p| user.allowed(p, permission)))
}

/// The contact `id` if `user` may see it: 404 when missing, 403 when hidden.
fn find_visible_row(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<ContactRow, Error> {
    let row = store::find(conn, id)?.ok_or(Error::NotFound)?;
    if can_view(user, &row) {
        Ok(row)
    } else {
        Err(Error::Forbidden)
    }
}

/// The contact `id` and its projects if `user` may see it: 404 when missing, 403 when hidden.
pub fn find_visible(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
) -> Result<(ContactRow, Vec<ProjectRow>), Error> {
    let row = find_visible_row(conn, user, id)?;
    let projects = store::project_rows(conn, id)?;
    Ok((row, projects))
}

pub fn show(conn: &mut DbConnection, user: &CurrentUser, id: i32, inc: Includes) -> Result<ContactDetails, Error> {
    let row = find_visible_row(conn, user, id)?;
    let mut contact = load_one(conn, row)?;
    load_includes(conn, user, std::slice::from_mut(&mut contact), inc)?;
    Ok(contact)
}

/// One contact as a vCard: visible, and `export_contacts` in one of its projects.
pub fn export_one(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<ContactDetails, Error> {
    let (row, _) = find_allowed(conn, user, id, Permission::ExportContacts)?;
    load_one(conn, row)
}

/// The list filters of `GET /contacts`, read from the query string.
#[derive(Debug, Clone, Default)]
pub struct ContactFilters {
    pub project_ref: Option<String>,
    pub assigned_to: Option<String>,
    pub search: Option<String>,
    pub tags: Vec<String>,
    pub is_company: Option<String>,
    pub updated_since: Option<String>,
    pub sort: Option<String>,
    /// `cf_<id>=value` pairs, as sent.
    pub custom: Vec<(String, String)>,
}

impl ContactFilters {
    pub fn from_query(query: &QueryParams) -> ContactFilters {
        let tags = query
            .all("tags")
            .iter()
            .flat_map(|v| v.split([',', '|']))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        ContactFilters {
            project_ref: query.text("project_id").map(str::to_string),
            assigned_to: query.text("assigned_to_id").map(str::to_string),
            search: query.text("search").map(str::to_string),
            tags,
            is_company: query.text("is_company").map(str::to_string),
            updated_since: query.text("updated_since").map(str::to_string),
            sort: query.text("sort").map(str::to_string),
            custom: query
                .pairs()
                .iter()
                .filter(|(k, v)| k.starts_with("cf_") && !v.trim().is_empty())
                .map(|(k, v)| (k[3..].to_string(), v.trim().to_string()))
                .collect(),
        }
    }
}

fn parse_sort(sort: Option<&str>) -> Vec<(SortColumn, bool)> {
    let Some(sort) = sort else { return Vec::new() };
    sort.split(',')
        .filter_map(|key| {
            let (name, desc) = match key.trim().split_once(':') {
                Some((name, dir)) => (name, dir.eq_ignore_ascii_case("desc")),
                None => (key.trim(), false),
            };
            let column = match name {
                "id" => SortColumn::Id,
                "name" => SortColumn::Name,
                "first_name" => SortColumn::FirstName,
                "last_name" => SortColumn::LastName,
                "company" => SortColumn::Company,
                "created_on" => SortColumn::CreatedOn,
                "updated_on" => SortColumn::UpdatedOn,
                _ => return None,
            };
            Some((column, desc))
        })
        .take(3)
        .collect()
}

/// `updated_since` as an ISO 8601 time (`2024-01-01T12:00:00Z`, an offset, or a bare date).
fn parse_time(text: &str) -> Option<NaiveDateTime> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// Which contacts `user` may see, for every list and count.
pub fn visibility_for(user: &CurrentUser) -> Visibility {
    if user.admin {
        Visibility::All
    } else {
        Visibility::User {
            user_id: user.id,
            projects: user.projects_reading_contacts(),
            private_projects: user.projects_allowing(Permission::ViewPrivateContacts),
        }
    }
}

/// Whether a search page is found faster by reading rows in list order until the page is full
/// than through the search index. The index costs about one step per match (every match is
/// read, then sorted); the scan about `ceiling / total` rows per row of the page, as `total`
/// of some `ceiling` rows match.
fn scanning_is_cheaper(total: i64, paging: Paging, ceiling: i64) -> bool {
    let rows_wanted = paging.offset.saturating_add(paging.limit);
    total.saturating_mul(total) > rows_wanted.saturating_mul(ceiling)
}

/// The number of contacts `query` selects: a list's `total_count`.
pub fn count(conn: &mut DbConnection, query: &ContactQuery) -> Result<i64, Error> {
    // The unfiltered list, the one every client reads first, is answered from the tallies.
    let unfiltered = total_key(query) == ContactQuery::visible(query.visibility.clone());
    Ok(if unfiltered { store::count_visible(conn, &query.visibility)? } else { store::count(conn, query)? })
}

/// What a remembered total is found by: neither the order nor the plan of a page changes it,
/// so one serves all.
pub fn total_key(query: &ContactQuery) -> ContactQuery {
    ContactQuery { sort: Vec::new(), scan_search: false, ..query.clone() }
}

/// One page of `query`, of which `total_count` contacts match, with their details and the
/// included lists. The page is read even past the total: a remembered total (on PostgreSQL)
/// may not yet know of rows another instance added.
pub fn list_page(
    conn: &mut DbConnection,
    user: &CurrentUser,
    mut query: ContactQuery,
    total_count: i64,
    paging: Paging,
    inc: Includes,
) -> Result<Page<ContactDetails>, Error> {
    if !query.search_words.is_empty() {
        query.scan_search = scanning_is_cheaper(total_count, paging, store::id_ceiling(conn)?);
    }
    let rows = store::page(conn, &query, paging.offset, paging.limit)?;
    let mut items = load_details(conn, rows)?;
    load_includes(conn, user, &mut items, inc)?;
    Ok(Page { items, total_count, paging })
}

/// Redmine's `/search` over contacts: the contacts list searched for `q`, or nothing for a
/// user who reads contacts nowhere (Redmine leaves out a resource the user may not see).
pub fn search(
    conn: &mut DbConnection,
    user: &CurrentUser,
    q: String,
    paging: Paging,
) -> Result<Page<ContactDetails>, Error> {
    if !user.admin && user.projects_reading_contacts().is_empty() {
        return Ok(Page { items: Vec::new(), total_count: 0, paging });
    }
    let filters = ContactFilters { search: Some(q), ..ContactFilters::default() };
    let query = list_query(conn, user, &filters)?;
    let total_count = count(conn, &query)?;
    list_page(conn, user, query, total_count, paging, Includes::default())
}

/// What an export writes: the contacts `filters` select among those the user may see, in id
/// order (so batches follow the primary key), and the names of the custom field columns.
#[derive(Debug, Clone)]
pub struct Export {
    pub query: ContactQuery,
    pub custom_fields: Vec<String>,
}

/// An export of the list `filters` select: `export_contacts` in the list's project, or in at
/// least one project for the list of all (the plugin's `allowed_to?(:export_contacts, @project,
/// global: true)`); 403 otherwise.
pub fn export(conn: &mut DbConnection, user: &CurrentUser, filters: &ContactFilters) -> Result<Export, Error> {
    let mut query = list_query(conn, user, filters)?;
    let allowed = match query.project_id {
        Some(id) => user.admin || user.memberships.get(id).is_some_and(|p| p.contains(Permission::ExportContacts)),
        None => user.allowed_anywhere(Permission::ExportContacts),
    };
    if !allowed {
        return Err(Error::Forbidden);
    }
    query.sort = vec![(SortColumn::Id, false)];
    let custom_fields =
        crate::store::custom_fields::of_type(conn, custom::CONTACT)?.into_iter().map(|f| f.name).collect();
    Ok(Export { query, custom_fields })
}

/// The next batch of an export after contact `after` (0 to start); empty at the end.
pub fn export_batch(
    conn: &mut DbConnection,
    export: &Export,
    after: i32,
    size: i64,
) -> Result<Vec<ContactDetails>, Error> {
    let mut query = export.query.clone();
    query.id_after = Some(after);
    let rows = store::page(conn, &query, 0, size)?;
    load_details(conn, rows)
}

/// Reads the list filters into a query over what `user` may see; 422 for a filter that makes no
/// sense, 404/403 for a project that is missing or not readable. A list runs in three steps
/// (this, `count`, `list_page`) so that `api` can wait for a remembered total between them
/// without holding a connection.
pub fn list_query(
    conn: &mut DbConnection,
    user: &CurrentUser,
    filters: &ContactFilters,
) -> Result<ContactQuery, Error> {
    let mut errors = Vec::new();
    // The plugin's `authorize_global`: reading contacts in at least one project, or 403.
    if !user.admin && user.projects_reading_contacts().is_empty() {
        return Err(Error::Forbidden);
    }
    let (project, without_project) = match filters.project_ref.as_deref() {
        // Contacts whose every project was deleted: only admins see them (see `can`).
        Some("none") => (None, true),
        Some(r) => {
            let project = projects::find_by_ref(conn, r)?.ok_or(Error::NotFound)?;
            if !user.reads_contacts_in(&project) {
                return Err(Error::Forbidden);
            }
            (Some(project), false)
        }
        None => (None, false),
    };
    let assigned_to_id = match filters.assigned_to.as_deref() {
        None => None,
        Some("me") => Some(user.id),
        Some(id) => match id.parse::<i32>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push("Assigned to is invalid".to_string());
                None
            }
        },
    };
    let is_company = match filters.is_company.as_deref() {
        None => None,
        Some("1" | "true" | "t") => Some(true),
        Some("0" | "false" | "f") => Some(false),
        Some(_) => {
            errors.push("Is company is invalid".to_string());
            None
        }
    };
    let updated_since = match filters.updated_since.as_deref() {
        None => None,
        Some(text) => {
            let parsed = parse_time(text);
            if parsed.is_none() {
                errors.push("Updated since is invalid".to_string());
            }
            parsed
        }
    };
    let search_words = filters.search.as_deref().map(search_words).unwrap_or_default();
    // Each word and tag is a condition of its own: thousands of them are no real question,
    // and past about 1,000 the query cannot even be built.
    if search_words.len() > MAX_TERMS {
        errors.push(format!("Search is too long (maximum is {MAX_TERMS} words)"));
    }
    if filters.tags.len() > MAX_TERMS {
        errors.push(format!("Tags is too long (maximum is {MAX_TERMS} tags)"));
    }
    // Names to ids once here, so the page's scan tests each row against ids. A name no tag has
    // becomes an empty list, which no contact matches.
    let tag_ids = filters
        .tags
        .iter()
        .map(|name| Ok(tags::find_by_name(conn, name)?.into_iter().collect()))
        .collect::<diesel::QueryResult<_>>()?;
    let (searchable_fields, custom_values) = custom_filters(conn, filters, !search_words.is_empty(), &mut errors)?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let search_words_empty = search_words.is_empty();
    let query = ContactQuery {
        visibility: visibility_for(user),
        project_id: project.map(|p| p.id),
        without_project,
        assigned_to_id,
        is_company,
        search_words,
        tag_ids,
        updated_since,
        employee_of: None,
        company_named: None,
        searchable_fields,
        custom_values,
        id_after: None,
        sort: parse_sort(filters.sort.as_deref()),
        scan_search: false,
        // Only a search asks the index; an unfiltered query stays equal to `visible` (tallies).
        search_index: if search_words_empty { Default::default() } else { store::SearchIndex::of(conn) },
    };
    Ok(query)
}

/// Searchable field ids, and (field id, match) per `cf_<id>` filter.
type CustomFilters = (Vec<i32>, Vec<(i32, ValueMatch)>);

/// The searchable contact fields (when searching) and the `cf_<id>` filters, read against the
/// field definitions: `~text` matches a fragment, anything else the value as stored.
fn custom_filters(
    conn: &mut DbConnection,
    filters: &ContactFilters,
    searching: bool,
    errors: &mut Vec<String>,
) -> Result<CustomFilters, Error> {
    if !searching && filters.custom.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let fields = crate::store::custom_fields::of_type(conn, custom::CONTACT)?;
    let searchable =
        if searching { fields.iter().filter(|f| f.searchable).map(|f| f.id).collect() } else { Vec::new() };
    let mut matches = Vec::new();
    for (id, value) in &filters.custom {
        let Some(field) = id.parse::<i32>().ok().and_then(|id| fields.iter().find(|f| f.id == id)) else {
            errors.push(format!("Custom field {id} does not exist"));
            continue;
        };
        matches.push(match value.strip_prefix('~') {
            Some(fragment) => (field.id, ValueMatch::Contains(fragment.to_lowercase())),
            None => (field.id, ValueMatch::Equals(custom::normalize(field, value).unwrap_or_else(|_| value.clone()))),
        });
    }
    Ok((searchable, matches))
}

/// The most search words, or tags, one list may filter by.
const MAX_TERMS: usize = 50;

/// The distinct lower-cased words of a search (a word twice is one condition).
fn search_words(search: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in search.split_whitespace().map(str::to_lowercase) {
        if !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

/// What `search` scans: names, company, job title, emails, phones and the phones' digits alone
/// (so "5551234" finds "+1 555-1234"), lower-cased once here rather than in every query.
pub fn search_text(row: &NewContactRow) -> String {
    let digits: Vec<String> = row
        .phones
        .split(',')
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| !d.is_empty())
        .collect();
    [
        Some(row.first_name.as_str()),
        row.middle_name.as_deref(),
        row.last_name.as_deref(),
        row.company.as_deref(),
        row.job_title.as_deref(),
        Some(row.emails.as_str()),
        Some(row.phones.as_str()),
        Some(&digits.join(" ")),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join("\n")
    .to_lowercase()
}

/// The assignee sent, with the name a contact shows for them; an unknown user is an error.
fn check_assignee(
    conn: &mut DbConnection,
    input: &ContactInput,
    errors: &mut Vec<String>,
) -> Result<Option<(i32, String)>, Error> {
    let Some(Some(id)) = input.assigned_to_id else { return Ok(None) };
    let found = person(conn, id)?;
    if found.is_none() {
        errors.push("Assigned to is invalid".to_string());
    }
    Ok(found)
}

/// A user's id and the name a contact shows for them, if the user exists.
fn person(conn: &mut DbConnection, id: i32) -> Result<Option<(i32, String)>, Error> {
    let found = users::names(conn, &[id])?;
    Ok(found.first().map(|(id, first, last)| (*id, users::display_name(first, last))))
}

/// Creates a contact in `url_project` (the nested route) or in the body's `project_id`.
pub fn create(
    conn: &mut DbConnection,
    user: &CurrentUser,
    url_project: Option<&str>,
    input: ContactInput,
) -> Result<ContactDetails, Error> {
    let mut errors = input.errors.clone();
    let project = match url_project {
        Some(r) => Some(projects::find_by_ref(conn, r)?.ok_or(Error::NotFound)?),
        None => match &input.project_ref {
            Some(r) => {
                let found = projects::find_by_ref(conn, r)?;
                if found.is_none() {
                    errors.push("Project is invalid".to_string());
                }
                found
            }
            None => {
                errors.push("Project cannot be blank".to_string());
                None
            }
        },
    };
    if let Some(project) = &project {
        user.require(project, Permission::AddContacts)?;
    }
    let author = (user.id, users::display_name(&user.firstname, &user.lastname));
    insert_new(conn, Some(author), project, input, errors)
}

/// Creates a contact sent through a web form, on the form's authority: in the form's project
/// (another project named in the post is a 403), with its default tags and assignee.
pub fn create_from_form(
    conn: &mut DbConnection,
    form: &WebFormRow,
    mut input: ContactInput,
) -> Result<ContactDetails, Error> {
    let project = projects::find(conn, form.project_id)?;
    if let Some(named) = &input.project_ref {
        if *named != project.identifier && *named != project.id.to_string() {
            return Err(Error::Forbidden);
        }
    }
    let defaults: Vec<String> =
        form.default_tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
    if !defaults.is_empty() {
        let mut tags = input.tags.take().unwrap_or_default();
        tags.extend(defaults);
        input.tags = Some(tags);
    }
    if input.assigned_to_id.is_none() {
        input.assigned_to_id = Some(form.default_assignee_id);
    }
    let errors = input.errors.clone();
    let author = match form.author_id {
        Some(id) => person(conn, id)?,
        None => None,
    };
    insert_new(conn, author, Some(project), input, errors)
}

/// Checks what needs the database and writes the new contact, its project link, tags, custom
/// values and avatar in one transaction; `errors` are the problems found so far. `author` is the
/// author's id and shown name.
///
/// The contact it returns is built from what was written, as a show would read it back (a
/// test holds the two answers equal): reading it back was a fifth of a create's CPU.
fn insert_new(
    conn: &mut DbConnection,
    author: Option<(i32, String)>,
    project: Option<ProjectRow>,
    input: ContactInput,
    mut errors: Vec<String>,
) -> Result<ContactDetails, Error> {
    input::require_on_create(&input.first_name, "First name", &mut errors);
    let assigned_to = check_assignee(conn, &input, &mut errors)?;
    let fields = custom::fields(conn, custom::CONTACT)?;
    let custom_values = custom::validate(&fields, input.custom_fields.as_ref(), true, &mut errors);
    let author_id = author.as_ref().map(|(id, _)| *id);
    let avatar = check_avatar(conn, author_id, input.avatar.as_ref(), &mut errors)?;
    let Some(project) = project.filter(|_| errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let tag_names = input.tags.clone().unwrap_or_default();
    let new = new_row(input, author_id, now());
    let (row, tags, avatar) = write_transaction(conn, |c| {
        let row = store::insert(c, &new, &[project.id])?;
        store::link_project(c, row.id, project.id)?;
        let tags = tags::tag_new_contact(c, row.id, row.created_on, &tag_names)?;
        custom::write_new(c, Owner::Contact(row.id), &custom_values)?;
        let avatar = write_avatar(c, row.id, author_id, avatar.as_ref())?;
        Ok::<_, diesel::result::Error>((row, tags, avatar))
    })?;
    Ok(ContactDetails {
        custom_fields: custom::shown(&fields, &custom_values),
        avatar,
        tags,
        projects: vec![ProjectLink { id: project.id, name: project.name, identifier: project.identifier }],
        author,
        assigned_to,
        notes: Vec::new(),
        deals: Vec::new(),
        related: Vec::new(),
        issues: Vec::new(),
        row,
    })
}

/// The row a new contact's input makes (its search text computed), created at `at`.
pub fn new_row(input: ContactInput, author_id: Option<i32>, at: NaiveDateTime) -> NewContactRow {
    let address = input.address.unwrap_or_default();
    let mut row = NewContactRow {
        first_name: input.first_name.flatten().unwrap_or_default(),
        last_name: input.last_name.flatten(),
        middle_name: input.middle_name.flatten(),
        company: input.company.flatten(),
        is_company: input.is_company.unwrap_or(false),
        job_title: input.job_title.flatten(),
        website: input.website.flatten(),
        skype_name: input.skype_name.flatten(),
        birthday: input.birthday.flatten(),
        background: input.background.flatten(),
        phones: input.phones.unwrap_or_default().join(", "),
        emails: input.emails.unwrap_or_default().join(", "),
        visibility: input.visibility.unwrap_or(VISIBILITY_PROJECT),
        author_id,
        assigned_to_id: input.assigned_to_id.flatten(),
        street1: address.street1.flatten(),
        street2: address.street2.flatten(),
        city: address.city.flatten(),
        region: address.region.flatten(),
        postcode: address.postcode.flatten(),
        country_code: address.country_code.flatten(),
        search_text: String::new(),
        created_on: at,
        updated_on: at,
    };
    row.search_text = search_text(&row);
    row
}

/// An avatar to set: a new image, or an upload (found by its token) to attach.
#[derive(Debug, Clone)]
enum AvatarWrite {
    New(CheckedFile),
    Upload(i32),
}

/// Checks the avatar sent: a file must be an image; a token must name an upload of this author
/// not yet attached.
fn check_avatar(
    conn: &mut DbConnection,
    author_id: Option<i32>,
    avatar: Option<&AvatarInput>,
    errors: &mut Vec<String>,
) -> Result<Option<AvatarWrite>, Error> {
    Ok(match avatar {
        None => None,
        Some(AvatarInput::File { filename, bytes }) => match CheckedFile::image(filename, bytes) {
            Ok(image) => Some(AvatarWrite::New(image)),
            Err(message) => {
                errors.push(message);
                None
            }
        },
        Some(AvatarInput::Token(token)) => match attachment_store::find_unattached_by_token(conn, token)? {
            Some(upload) if upload.author_id.is_some() && upload.author_id == author_id => {
                if upload.content_type.starts_with("image/") {
                    Some(AvatarWrite::Upload(upload.id))
                } else {
                    errors.push(NOT_AN_IMAGE.to_string());
                    None
                }
            }
            _ => {
                errors.push("Avatar is invalid".to_string());
                None
            }
        },
    })
}

fn write_avatar(
    conn: &mut DbConnection,
    contact_id: i32,
    author_id: Option<i32>,
    avatar: Option<&AvatarWrite>,
) -> diesel::QueryResult<Option<i32>> {
    let id = match avatar {
        None => return Ok(None),
        Some(AvatarWrite::Upload(id)) => *id,
        Some(AvatarWrite::New(image)) => attachment_store::insert(conn, &image.row(Some(contact_id), author_id))?,
    };
    attachment_store::make_avatar(conn, contact_id, id)?;
    Ok(Some(id))
}

/// Applies the fields sent, and only those.
pub fn update(conn: &mut DbConnection, user: &CurrentUser, id: i32, input: ContactInput) -> Result<(), Error> {
    let (row, projects) = find_visible(conn, user, id)?;
    if !can(user, Permission::EditContacts, &row, &projects) {
        return Err(Error::Forbidden);
    }
    let mut errors = input.errors.clone();
    if matches!(input.first_name, Some(None)) {
        errors.insert(0, "First name cannot be blank".to_string());
    }
    check_assignee(conn, &input, &mut errors)?;
    let custom_values = custom::check(conn, custom::CONTACT, input.custom_fields.as_ref(), false, &mut errors)?;
    let avatar = check_avatar(conn, Some(user.id), input.avatar.as_ref(), &mut errors)?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let address = input.address.clone().unwrap_or_default();
    let mut changes = ContactChanges {
        first_name: input.first_name.flatten(),
        last_name: input.last_name,
        middle_name: input.middle_name,
        company: input.company,
        is_company: input.is_company,
        job_title: input.job_title,
        website: input.website,
        skype_name: input.skype_name,
        birthday: input.birthday,
        background: input.background,
        phones: input.phones.map(|p| p.join(", ")),
        emails: input.emails.map(|e| e.join(", ")),
        visibility: input.visibility,
        assigned_to_id: input.assigned_to_id,
        street1: address.street1,
        street2: address.street2,
        city: address.city,
        region: address.region,
        postcode: address.postcode,
        country_code: address.country_code,
        search_text: None,
        updated_on: None,
    };
    write_transaction(conn, |c| {
        let at = now();
        // Lock first, then read: a concurrent update of another field is not overwritten.
        if !store::lock(c, id, at)? {
            return Err(Error::NotFound);
        }
        let current = store::find(c, id)?.ok_or(Error::NotFound)?;
        changes.updated_on = Some(at);
        changes.search_text = Some(search_text(&merged(&current, &changes)));
        store::update(c, id, &changes)?;
        if let Some(tag_names) = &input.tags {
            tags::set_for_contact(c, id, current.created_on, tag_names)?;
        }
        custom::write(c, Owner::Contact(id), &custom_values)?;
        write_avatar(c, id, Some(user.id), avatar.as_ref())?;
        let renamed = changes.first_name.as_ref().filter(|n| **n != current.first_name);
        if let (true, Some(new_name)) = (current.is_company, renamed) {
            store::rename_company(c, &current.first_name, new_name, at)?;
        }
        Ok(())
    })
}

/// The row as it will be after `changes`, for recomputing the search text.
fn merged(current: &ContactRow, changes: &ContactChanges) -> NewContactRow {
    fn pick<T: Clone>(change: &Option<Option<T>>, current: &Option<T>) -> Option<T> {
        change.clone().unwrap_or_else(|| current.clone())
    }
    NewContactRow {
        first_name: changes.first_name.clone().unwrap_or_else(|| current.first_name.clone()),
        last_name: pick(&changes.last_name, &current.last_name),
        middle_name: pick(&changes.middle_name, &current.middle_name),
        company: pick(&changes.company, &current.company),
        is_company: changes.is_company.unwrap_or(current.is_company),
        job_title: pick(&changes.job_title, &current.job_title),
        website: None,
        skype_name: None,
        birthday: None,
        background: None,
        phones: changes.phones.clone().unwrap_or_else(|| current.phones.clone()),
        emails: changes.emails.clone().unwrap_or_else(|| current.emails.clone()),
        visibility: current.visibility,
        author_id: None,
        assigned_to_id: None,
        street1: None,
        street2: None,
        city: None,
        region: None,
        postcode: None,
        country_code: None,
        search_text: String::new(),
        created_on: current.created_on,
        updated_on: current.updated_on,
    }
}

pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    let (row, projects) = find_visible(conn, user, id)?;
    if !can(user, Permission::DeleteContacts, &row, &projects) {
        return Err(Error::Forbidden);
    }
    // Links, tags (and later notes and values) go with it through ON DELETE CASCADE, in this
    // one statement.
    store::delete(conn, id)?;
    Ok(())
}

/// Links a contact to one more project (`POST /contacts/:id/projects`): edit_contacts on the
/// contact and in the project. Linking twice is a no-op.
pub fn add_project(conn: &mut DbConnection, user: &CurrentUser, id: i32, project_ref: &str) -> Result<(), Error> {
    let (row, projects) = find_visible(conn, user, id)?;
    if !can(user, Permission::EditContacts, &row, &projects) {
        return Err(Error::Forbidden);
    }
    let target = projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    user.require(&target, Permission::EditContacts)?;
    if projects.iter().any(|p| p.id == target.id) {
        return Ok(());
    }
    write_transaction(conn, |c| {
        lock_for_links(c, id)?;
        if !store::project_ids(c, id)?.contains(&target.id) {
            store::link_project(c, id, target.id)?;
        }
        Ok(())
    })
}

/// Takes the contact's row lock before its links change. The link trigger rewrites the row's
/// list of projects (what visibility is decided by) from the links it can see: without the
/// lock, two link changes at once on PostgreSQL each rewrote it without the other's, and the
/// list stayed wrong. Waiting here, the second sees the first's committed link.
fn lock_for_links(conn: &mut DbConnection, id: i32) -> Result<(), Error> {
    if store::lock(conn, id, now())? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Unlinks a contact from a project; a contact's last project stays (403), as in the plugin.
pub fn remove_project(conn: &mut DbConnection, user: &CurrentUser, id: i32, project_ref: &str) -> Result<(), Error> {
    let (row, projects) = find_visible(conn, user, id)?;
    if !can(user, Permission::EditContacts, &row, &projects) {
        return Err(Error::Forbidden);
    }
    let target = projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    user.require(&target, Permission::EditContacts)?;
    if !projects.iter().any(|p| p.id == target.id) {
        return Err(Error::NotFound);
    }
    write_transaction(conn, |c| {
        lock_for_links(c, id)?;
        // Counted again under the lock: two removals at once cannot leave a contact homeless.
        if store::project_ids(c, id)?.len() <= 1 {
            return Err(Error::Forbidden);
        }
        store::unlink_project(c, id, target.id)?;
        Ok(())
    })
}
