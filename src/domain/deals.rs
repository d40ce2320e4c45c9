//! Deals: input, permissions (view/add/edit/delete_deals in the deal's project), the list with
//! the plugin's "open deals unless asked" default, statuses and categories.

use chrono::NaiveDate;

use super::access::CurrentUser;
use super::custom_fields::{self as custom, ShownValue, ShownValues, ValuesInput};
use super::input::{self, Patch};
use super::names;
use super::notes::{self, NoteDetails};
use super::paging::{Page, Paging};
use super::permissions::Permission;
use super::visibility;
use super::webhooks::{self, Event};
use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::custom_fields::Owner;
use crate::store::deals::{
    self as store, CategoryRow, DealChanges, DealQuery, DealRow, NewDealRow, StatusFilter, StatusRow,
};
use crate::store::projects::{self as projects, ProjectRow};
use crate::store::{now, users};

#[derive(Debug, Clone, Default)]
pub struct DealInput {
    pub project_ref: Option<String>,
    pub name: Patch<String>,
    pub contact_id: Patch<i32>,
    pub price_cents: Patch<i64>,
    pub currency: Patch<String>,
    pub probability: Patch<i32>,
    pub due_date: Patch<NaiveDate>,
    pub background: Patch<String>,
    pub status_id: Option<i32>,
    pub category_id: Patch<i32>,
    pub assigned_to_id: Patch<i32>,
    pub custom_fields: Option<ValuesInput>,
    pub errors: Vec<String>,
}

/// A deal with the names its views show.
#[derive(Debug, Clone)]
pub struct DealDetails {
    pub row: DealRow,
    pub project: (i32, String),
    pub status: Option<(i32, String)>,
    pub category: Option<(i32, String)>,
    pub author: Option<(i32, String)>,
    pub assigned_to: Option<(i32, String)>,
    /// The deal's contact, only when the reader may see it.
    pub contact: Option<(i32, String)>,
    pub notes: Vec<NoteDetails>,
    /// Every deal custom field with this deal's values; empty when none is defined.
    pub custom_fields: Vec<ShownValue>,
}

/// Projects whose deals `user` may read (`None`: all, for admins).
fn viewable_projects(user: &CurrentUser) -> Option<Vec<i32>> {
    (!user.admin).then(|| user.projects_allowing(Permission::ViewDeals))
}

/// Names and visible contacts for many deals, in a fixed number of queries.
pub fn load_details(
    conn: &mut DbConnection,
    user: &CurrentUser,
    rows: Vec<DealRow>,
    with_notes: bool,
) -> Result<Vec<DealDetails>, Error> {
    let statuses = store::statuses(conn)?;
    let mut project_ids: Vec<i32> = rows.iter().map(|r| r.project_id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let project_names: Vec<(i32, String)> =
        projects::find_many(conn, &project_ids)?.into_iter().map(|p| (p.id, p.name)).collect();
    let category_ids: Vec<i32> = rows.iter().filter_map(|r| r.category_id).collect();
    let categories = store::categories_by_id(conn, &category_ids)?;
    let contact_ids: Vec<i32> = rows.iter().filter_map(|r| r.contact_id).collect();
    let contacts = visibility::contacts_among(conn, user, &contact_ids)?;
    let user_ids: Vec<i32> = rows.iter().flat_map(|r| [r.author_id, r.assigned_to_id]).flatten().collect();
    let names = users::names(conn, &user_ids)?;
    let deal_ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let custom_values = ShownValues::load(conn, custom::DEAL, &deal_ids)?;
    let mut all_notes = if with_notes { notes::of_deals(conn, &deal_ids)? } else { Vec::new() };
    let name_of = |id: Option<i32>| {
        let id = id?;
        names.iter().find(|n| n.0 == id).map(|n| (id, users::display_name(&n.1, &n.2)))
    };
    Ok(rows
        .into_iter()
        .map(|row| DealDetails {
            custom_fields: custom_values.of(row.id),
            project: project_names
                .iter()
                .find(|p| p.0 == row.project_id)
                .cloned()
                .unwrap_or((row.project_id, String::new())),
            status: statuses.iter().find(|s| s.id == row.status_id).map(|s| (s.id, s.name.clone())),
            category: row
                .category_id
                .and_then(|id| categories.iter().find(|c| c.id == id))
                .map(|c| (c.id, c.name.clone())),
            author: name_of(row.author_id),
            assigned_to: name_of(row.assigned_to_id),
            contact: row
                .contact_id
                .and_then(|id| contacts.iter().find(|c| c.id == id))
                .map(|c| (c.id, names::contact_name(c))),
            notes: {
                let (mine, rest): (Vec<_>, Vec<_>) = all_notes.drain(..).partition(|n| n.row.deal_id == Some(row.id));
                all_notes = rest;
                mine
            },
            row,
        })
        .collect())
}

pub fn show(conn: &mut DbConnection, user: &CurrentUser, id: i32, with_notes: bool) -> Result<DealDetails, Error> {
    let (row, _) = visibility::find_deal_allowing(conn, user, id, Permission::ViewDeals)?;
    load_details(conn, user, vec![row], with_notes)?.pop().ok_or(Error::NotFound)
}

/// The deals list filters.
#[derive(Debug, Clone, Default)]
pub struct DealFilters {
    pub project_ref: Option<String>,
    pub assigned_to: Option<String>,
    pub status: Option<String>,
    pub search: Option<String>,
    pub contact_id: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    user: &CurrentUser,
    filters: &DealFilters,
    paging: Paging,
) -> Result<Page<DealDetails>, Error> {
    let project_id = match &filters.project_ref {
        Some(r) => {
            let project = projects::find_by_ref(conn, r)?.ok_or(Error::NotFound)?;
            user.require(&project, Permission::ViewDeals)?;
            Some(project.id)
        }
        None => None,
    };
    let mut errors = Vec::new();
    let mut number = |value: &Option<String>, label: &str| -> Option<i32> {
        let v = value.as_deref()?;
        if v == "me" {
            return Some(user.id);
        }
        v.parse().map_err(|_| errors.push(format!("{label} is invalid"))).ok()
    };
    let assigned_to_id = number(&filters.assigned_to, "Assigned to");
    let contact_id = number(&filters.contact_id, "Contact");
    let status = match filters.status.as_deref() {
        None | Some("o") => StatusFilter::Open,
        Some("*") => StatusFilter::Any,
        Some("c") => StatusFilter::Closed,
        Some(id) => match id.parse() {
            Ok(id) => StatusFilter::Is(id),
            Err(_) => {
                errors.push("Status is invalid".to_string());
                StatusFilter::Any
            }
        },
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let query = DealQuery {
        projects: viewable_projects(user),
        project_id,
        assigned_to_id,
        contact_ids: contact_id.map(|id| vec![id]),
        status,
        search_words: filters
            .search
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_lowercase).collect())
            .unwrap_or_default(),
    };
    let statuses = store::statuses(conn)?;
    let total_count = store::count(conn, &query, &statuses)?;
    let rows = store::page(conn, &query, &statuses, paging.offset, paging.limit)?;
    Ok(Page { items: load_details(conn, user, rows, false)?, total_count, paging })
}

/// Deals of many contacts that `user` may see (for `include=deals`), in one query.
pub fn of_contacts(
    conn: &mut DbConnection,
    user: &CurrentUser,
    contact_ids: &[i32],
) -> Result<Vec<DealDetails>, Error> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = DealQuery {
        projects: viewable_projects(user),
        project_id: None,
        assigned_to_id: None,
        contact_ids: Some(contact_ids.to_vec()),
        status: StatusFilter::Any,
        search_words: Vec::new(),
    };
    let statuses = store::statuses(conn)?;
    let rows = store::page(conn, &query, &statuses, 0, i64::from(i32::MAX))?;
    load_details(conn, user, rows, false)
}

/// What a deal search scans: its name and background, lower-cased.
pub fn search_text(name: &str, background: Option<&str>) -> String {
    [Some(name), background].into_iter().flatten().collect::<Vec<_>>().join("\n").to_lowercase()
}

/// Checks the references of an input against the database and the reader's rights.
fn check_references(
    conn: &mut DbConnection,
    user: &CurrentUser,
    project: &ProjectRow,
    input: &DealInput,
    errors: &mut Vec<String>,
) -> Result<(), Error> {
    if let Some(Some(contact)) = input.contact_id {
        if visibility::contacts_among(conn, user, &[contact])?.is_empty() {
            errors.push("Contact is invalid".into());
        }
    }
    if let Some(status) = input.status_id {
        if !store::statuses(conn)?.iter().any(|s| s.id == status) {
            errors.push("Status is invalid".into());
        }
    }
    if let Some(Some(category)) = input.category_id {
        if store::category(conn, category)?.is_none_or(|c| c.project_id != project.id) {
            errors.push("Category is invalid".into());
        }
    }
    if let Some(Some(assignee)) = input.assigned_to_id {
        if !users::exists(conn, assignee)? {
            errors.push("Assigned to is invalid".into());
        }
    }
    Ok(())
}

pub fn create(
    conn: &mut Conn,
    user: &CurrentUser,
    url_project: Option<&str>,
    input: DealInput,
) -> Result<DealDetails, Error> {
    let mut errors = input.errors.clone();
    let project = match url_project.map(str::to_string).or(input.project_ref.clone()) {
        Some(r) => projects::find_by_ref(conn, &r)?.ok_or(Error::NotFound)?,
        None => return Err(Error::invalid("Project cannot be blank")),
    };
    user.require(&project, Permission::AddDeals)?;
    input::require_on_create(&input.name, "Name", &mut errors);
    check_references(conn, user, &project, &input, &mut errors)?;
    let statuses = store::statuses(conn)?;
    let status_id = input.status_id.or_else(|| statuses.iter().find(|s| s.is_default).map(|s| s.id));
    if status_id.is_none() {
        errors.push("Status cannot be blank".into());
    }
    let custom_values = custom::check(conn, custom::DEAL, input.custom_fields.as_ref(), true, &mut errors)?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let at = now();
    let name = input.name.flatten().unwrap_or_default();
    let background = input.background.flatten();
    let row = NewDealRow {
        search_text: search_text(&name, background.as_deref()),
        name,
        project_id: project.id,
        contact_id: input.contact_id.flatten(),
        price_cents: input.price_cents.flatten(),
        currency: input.currency.flatten(),
        probability: input.probability.flatten(),
        due_date: input.due_date.flatten(),
        background,
        status_id: status_id.unwrap_or_default(),
        category_id: input.category_id.flatten(),
        assigned_to_id: input.assigned_to_id.flatten(),
        author_id: Some(user.id),
        created_on: at,
        updated_on: at,
    };
    let id = write_transaction(conn, |c| {
        let id = store::insert(c, &row)?;
        custom::write_new(c, Owner::Deal(id), &custom_values)?;
        webhooks::record(c, Event::DealCreated, id, &[project.id])?;
        Ok::<_, diesel::result::Error>(id)
    })?;
    show(conn, user, id, false)
}

pub fn update(conn: &mut Conn, user: &CurrentUser, id: i32, input: DealInput) -> Result<(), Error> {
    let (row, current) = visibility::find_deal_allowing(conn, user, id, Permission::EditDeals)?;
    let mut errors = input.errors.clone();
    if matches!(input.name, Some(None)) {
        errors.insert(0, "Name cannot be blank".into());
    }
    // A project sent moves the deal there: one the user may add deals to.
    let project = match &input.project_ref {
        Some(r) => match projects::find_by_ref(conn, r)? {
            Some(target) if target.id == current.id => current,
            Some(target) => {
                user.require(&target, Permission::AddDeals)?;
                target
            }
            None => {
                errors.push("Project is invalid".into());
                current
            }
        },
        None => current,
    };
    let moved = project.id != row.project_id;
    check_references(conn, user, &project, &input, &mut errors)?;
    let custom_values = custom::check(conn, custom::DEAL, input.custom_fields.as_ref(), false, &mut errors)?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let name = input.name.clone().flatten();
    let background = input.background.clone();
    let changes = DealChanges {
        search_text: (name.is_some() || background.is_some()).then(|| {
            search_text(
                name.as_deref().unwrap_or(&row.name),
                background.clone().unwrap_or(row.background.clone()).as_deref(),
            )
        }),
        name,
        contact_id: input.contact_id,
        price_cents: input.price_cents,
        currency: input.currency,
        probability: input.probability,
        due_date: input.due_date,
        background,
        status_id: input.status_id,
        // A category is its project's: a moved deal keeps none unless one of the new project's is sent.
        category_id: input.category_id.or(moved.then_some(None)),
        project_id: moved.then_some(project.id),
        assigned_to_id: input.assigned_to_id,
        updated_on: Some(now()),
    };
    let status_changed = input.status_id.is_some_and(|s| s != row.status_id);
    write_transaction(conn, |c| {
        store::update(c, id, &changes)?;
        custom::write(c, Owner::Deal(id), &custom_values)?;
        webhooks::record(c, Event::DealUpdated, id, &[project.id])?;
        if status_changed {
            webhooks::record(c, Event::DealStatusChanged, id, &[project.id])?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    visibility::find_deal_allowing(conn, user, id, Permission::DeleteDeals)?;
    store::delete(conn, id)?;
    Ok(())
}

pub fn statuses(conn: &mut Conn) -> Result<Vec<StatusRow>, Error> {
    Ok(store::statuses(conn)?)
}

pub fn categories(conn: &mut DbConnection, user: &CurrentUser, project_ref: &str) -> Result<Vec<CategoryRow>, Error> {
    let project = projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    user.require(&project, Permission::ViewDeals)?;
    Ok(store::categories_of(conn, &[project.id])?)
}

fn category_name(
    name: Option<String>,
    project_id: i32,
    except: Option<i32>,
    conn: &mut DbConnection,
) -> Result<String, Error> {
    let name = name.ok_or_else(|| Error::invalid("Name cannot be blank"))?;
    if name.chars().count() > 30 {
        return Err(Error::invalid("Name is too long (maximum is 30 characters)"));
    }
    if store::category_name_taken(conn, project_id, &name, except)? {
        return Err(Error::invalid("Name has already been taken"));
    }
    Ok(name)
}

pub fn create_category(
    conn: &mut DbConnection,
    user: &CurrentUser,
    project_ref: &str,
    name: Option<String>,
) -> Result<CategoryRow, Error> {
    let project = projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    user.require(&project, Permission::ManageDeals)?;
    let name = category_name(name, project.id, None, conn)?;
    let id = store::insert_category(conn, project.id, &name)?;
    store::category(conn, id)?.ok_or(Error::NotFound)
}

fn find_category(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<CategoryRow, Error> {
    let category = store::category(conn, id)?.ok_or(Error::NotFound)?;
    let project = projects::find(conn, category.project_id)?;
    user.require(&project, Permission::ManageDeals)?;
    Ok(category)
}

pub fn update_category(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    name: Option<String>,
) -> Result<(), Error> {
    let category = find_category(conn, user, id)?;
    let name = category_name(name, category.project_id, Some(id), conn)?;
    store::rename_category(conn, id, &name)?;
    Ok(())
}

pub fn delete_category(conn: &mut Conn, user: &CurrentUser, id: i32, reassign_to: Option<i32>) -> Result<(), Error> {
    let category = find_category(conn, user, id)?;
    if let Some(target) = reassign_to {
        if store::category(conn, target)?.is_none_or(|c| c.project_id != category.project_id || c.id == id) {
            return Err(Error::invalid("Reassign to is invalid"));
        }
    }
    write_transaction(conn, |c| store::delete_category(c, id, reassign_to))?;
    Ok(())
}
