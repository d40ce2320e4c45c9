//! Lists of contacts: filters read into a query over what the reader may see, its total, a page
//! of it with details and includes, searches and exports.

use chrono::{NaiveDate, NaiveDateTime};

use super::details::{load_details, ContactDetails, Includes};
use super::includes::load_includes;
use super::input::{CONTACT_METHODS, STATUSES};
use crate::db::DbConnection;
use crate::domain::access::CurrentUser;
use crate::domain::custom_fields as custom;
use crate::domain::paging::{Page, Paging};
use crate::domain::permissions::Permission;
use crate::domain::visibility;
use crate::error::Error;
use crate::store::contacts::{self as store, ContactQuery, SortColumn, StatusFilter, ValueMatch, STATUS_ARCHIVED};
use crate::store::{projects, tags};

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
    /// `active`, `inactive`, `archived` or `*` (archived contacts are left out unless asked).
    pub status: Option<String>,
    pub external_id: Option<String>,
    pub company_id: Option<String>,
    pub reports_to_id: Option<String>,
    pub department: Option<String>,
    pub preferred_contact_method: Option<String>,
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

/// Whether a search page is found faster by reading rows in list order until the page is full
/// than through the search index. The index costs about one step per match (every match is
/// read, then sorted); the scan about `ceiling / total` rows per row of the page, as `total`
/// of some `ceiling` rows match.
fn scanning_is_cheaper(total: i64, paging: Paging, ceiling: i64) -> bool {
    let rows_wanted = paging.offset.saturating_add(paging.limit);
    total.saturating_mul(total) > rows_wanted.saturating_mul(ceiling)
}

/// One page of the contacts `filters` select among those `user` may see, with its total, the
/// contacts' details and the included lists.
pub fn list(
    conn: &mut DbConnection,
    user: &CurrentUser,
    filters: &ContactFilters,
    paging: Paging,
    inc: Includes,
) -> Result<Page<ContactDetails>, Error> {
    let query = list_query(conn, user, filters)?;
    let total_count = count(conn, &query)?;
    list_page(conn, user, query, total_count, paging, inc)
}

/// The number of contacts `query` selects: a list's `total_count`.
fn count(conn: &mut DbConnection, query: &ContactQuery) -> Result<i64, Error> {
    // The unfiltered list, the one every client reads first, is answered from the tallies;
    // neither the order nor the plan of a page changes a total.
    // The tallies count archived contacts apart from the others.
    let archived = match &query.status {
        StatusFilter::Listed => Some(false),
        StatusFilter::Any => None,
        StatusFilter::Is(status) if status == STATUS_ARCHIVED => Some(true),
        StatusFilter::Is(_) => return Ok(store::count(conn, query)?),
    };
    let unfiltered =
        ContactQuery { sort: Vec::new(), scan_search: false, status: StatusFilter::Listed, ..query.clone() }
            == ContactQuery::visible(query.visibility.clone());
    Ok(if unfiltered { store::count_visible(conn, &query.visibility, archived)? } else { store::count(conn, query)? })
}

/// One page of `query`, of which `total_count` contacts match, with their details and the
/// included lists.
fn list_page(
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

/// `GET /contacts/:id/employees`: the people linked to company `id` (`company_id`), listed as
/// `list` does, once `user` may see the company.
pub fn employees(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    filters: ContactFilters,
    paging: Paging,
    inc: Includes,
) -> Result<Page<ContactDetails>, Error> {
    visibility::find_contact_row(conn, user, id)?;
    list(conn, user, &ContactFilters { company_id: Some(id.to_string()), ..filters }, paging, inc)
}

/// `GET /contacts/:id/reports`: the contacts who report to `id`, listed as `list` does.
pub fn reports(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    filters: ContactFilters,
    paging: Paging,
    inc: Includes,
) -> Result<Page<ContactDetails>, Error> {
    visibility::find_contact_row(conn, user, id)?;
    list(conn, user, &ContactFilters { reports_to_id: Some(id.to_string()), ..filters }, paging, inc)
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
    list(conn, user, &filters, paging, Includes::default())
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
/// sense, 404/403 for a project that is missing or not readable.
fn list_query(conn: &mut DbConnection, user: &CurrentUser, filters: &ContactFilters) -> Result<ContactQuery, Error> {
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
    let status = match filters.status.as_deref() {
        None => StatusFilter::Listed,
        Some("*") => StatusFilter::Any,
        Some(s) if STATUSES.contains(&s) => StatusFilter::Is(s.to_string()),
        Some(_) => {
            errors.push("Status is not included in the list".to_string());
            StatusFilter::Listed
        }
    };
    let mut contact_id = |text: Option<&str>, label: &str| match text.map(str::parse::<i32>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(format!("{label} is invalid"));
            None
        }
    };
    let company_id = contact_id(filters.company_id.as_deref(), "Company");
    let reports_to_id = contact_id(filters.reports_to_id.as_deref(), "Reports to");
    if filters.preferred_contact_method.as_deref().is_some_and(|m| !CONTACT_METHODS.contains(&m)) {
        errors.push("Preferred contact method is not included in the list".to_string());
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let search_words_empty = search_words.is_empty();
    let query = ContactQuery {
        visibility: visibility::contacts_for(user),
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
        status,
        external_id: filters.external_id.clone(),
        company_id,
        reports_to_id,
        department: filters.department.clone(),
        preferred_contact_method: filters.preferred_contact_method.clone(),
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
