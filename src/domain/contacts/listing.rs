//! Lists of contacts: filters read into a query over what the reader may see, its total, a page
//! of it with details and includes, searches and exports.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{NaiveDate, NaiveDateTime};

use super::details::{load_details, ContactDetails, Includes};
use super::filters::{self, FilterExpr, Lookups};
use super::includes::load_includes;
use crate::db::DbConnection;
use crate::domain::access::CurrentUser;
use crate::domain::custom_fields as custom;
use crate::domain::paging::{Neighbours, Page, PageRequest, Paging};
use crate::domain::permissions::Permission;
use crate::domain::visibility;
use crate::error::Error;
use crate::store::contacts::{
    self as store, ContactQuery, ContactRow, KeyKind, KeyValue, Seek, SortColumn, StatusFilter,
};
use crate::store::custom_fields::CustomFieldRow;
use crate::store::list_blocks::{self, BlockOrder};
use crate::store::{projects, tags};

/// The list filters of `GET /contacts`, read from the query string.
#[derive(Debug, Clone, Default)]
pub struct ContactFilters {
    pub project_ref: Option<String>,
    pub search: Option<String>,
    /// `tags=a,b`: every tag named (the other tag operators are in `conditions`).
    pub tags: Vec<String>,
    pub updated_since: Option<String>,
    pub sort: Option<String>,
    /// Operator filters (Redmine's long or short form, a search body's groups), all of which
    /// must hold.
    pub conditions: Vec<FilterExpr>,
}

/// Each sortable column's name in `sort=`.
const SORT_NAMES: [(SortColumn, &str); 7] = [
    (SortColumn::Id, "id"),
    (SortColumn::Name, "name"),
    (SortColumn::FirstName, "first_name"),
    (SortColumn::LastName, "last_name"),
    (SortColumn::Company, "company"),
    (SortColumn::CreatedOn, "created_on"),
    (SortColumn::UpdatedOn, "updated_on"),
];

fn parse_sort(sort: Option<&str>) -> Vec<(SortColumn, bool)> {
    let Some(sort) = sort else { return Vec::new() };
    sort.split(',')
        .filter_map(|key| {
            let (name, desc) = match key.trim().split_once(':') {
                Some((name, dir)) => (name, dir.eq_ignore_ascii_case("desc")),
                None => (key.trim(), false),
            };
            SORT_NAMES.iter().find(|(_, n)| *n == name).map(|(column, _)| (*column, desc))
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
/// contacts' details and the included lists, and where it stands for numbered or cursor paging.
pub fn list(
    conn: &mut DbConnection,
    user: &CurrentUser,
    filters: &ContactFilters,
    request: PageRequest,
    inc: Includes,
) -> Result<(Page<ContactDetails>, Neighbours), Error> {
    let query = list_query(conn, user, filters)?;
    let sort = query.effective_sort();
    // A bad cursor is refused before any counting.
    let cursor = match &request {
        PageRequest::Cursor { cursor: Some(text), .. } => Some(Cursor::decode(text, &sort)?),
        _ => None,
    };
    // A deep page of the unfiltered list is found through the blocks' counts, which must agree
    // with the page: one snapshot for the total, the counts and the page.
    let offset = match &request {
        PageRequest::Offset(paging) => paging.offset,
        PageRequest::Numbered { page, per_page } => (page - 1).saturating_mul(*per_page),
        PageRequest::Cursor { .. } => 0,
    };
    let skipping = !matches!(request, PageRequest::Cursor { .. }) && block_order(&query, offset).is_some();
    let searching = !query.search_words.is_empty();
    let answer = |conn: &mut DbConnection| {
        let (total_count, query) = match request {
            PageRequest::Cursor { .. } => (count(conn, &query)?, query),
            PageRequest::Offset(Paging { limit, .. }) | PageRequest::Numbered { per_page: limit, .. } => {
                count_search(conn, query, Paging { offset, limit })?
            }
        };
        match request {
            PageRequest::Offset(paging) => {
                Ok((list_page(conn, user, query, total_count, paging, inc)?, Neighbours::None))
            }
            PageRequest::Numbered { page, per_page } => {
                let paging = Paging { offset, limit: per_page };
                let total_pages = (total_count + per_page - 1) / per_page;
                let items = list_page(conn, user, query, total_count, paging, inc)?;
                Ok((items, Neighbours::Numbered { page, per_page, total_pages }))
            }
            PageRequest::Cursor { per_page, .. } => cursor_page(conn, user, query, total_count, cursor, per_page, inc),
        }
    };
    // A search's page is read from the ids counted for its total (`count_search`): in the same
    // snapshot, so that a write between them cannot show a row that no longer matches.
    if skipping || searching {
        crate::store::in_snapshot(conn, answer)
    } else {
        answer(conn)
    }
}

/// The block order (and whether descending) through whose counts the page of `query` at
/// `offset` is found (`store::list_blocks`): for a deep page of the unfiltered list sorted by
/// creation (newest first by default) or by name. `list` and `list_page` both ask, so the page
/// is read in the counts' snapshot.
fn block_order(query: &ContactQuery, offset: i64) -> Option<(BlockOrder, bool)> {
    if offset < list_blocks::SKIP_FROM || !is_unfiltered(query) || query.seek.is_some() {
        return None;
    }
    match query.effective_sort().as_slice() {
        [(SortColumn::CreatedOn, descending)] => Some((BlockOrder::Created, *descending)),
        [(SortColumn::Name, descending)] => Some((BlockOrder::Name, *descending)),
        _ => None,
    }
}

/// Whether `query` is the visible list with no filter (its order aside).
fn is_unfiltered(query: &ContactQuery) -> bool {
    ContactQuery { sort: Vec::new(), scan_search: false, ..query.clone() }
        == ContactQuery::visible(query.visibility.clone())
}

/// A keyset page: the rows after (or before) the cursor's position, read by seeking the sort's
/// keys and the id, so any depth costs about one page; rows written or deleted elsewhere in the
/// list move no page. One more row is read to tell whether a page follows, and one row the other
/// way to tell whether one precedes.
fn cursor_page(
    conn: &mut DbConnection,
    user: &CurrentUser,
    mut query: ContactQuery,
    total_count: i64,
    cursor: Option<Cursor>,
    per_page: i64,
    inc: Includes,
) -> Result<(Page<ContactDetails>, Neighbours), Error> {
    let sort = query.effective_sort();
    let paging = Paging { offset: 0, limit: per_page };
    if !query.search_words.is_empty() {
        query.scan_search = scanning_is_cheaper(total_count, paging, store::id_ceiling(conn)?);
    }
    let (position, backwards) = match cursor {
        None => (None, false),
        Some(Cursor::After(seek)) => (Some(seek), false),
        Some(Cursor::Before(seek)) => (Some(seek), true),
        Some(Cursor::Last) => (None, true),
    };
    query.seek = position.clone();
    query.backwards = backwards;
    let mut rows = store::page(conn, &query, 0, per_page + 1)?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(0));
    if backwards {
        rows.reverse();
    }
    // Whether rows lie the other way from where this page was read: one row sought from its edge.
    let mut beyond = |anchor: Option<Seek>, backwards: bool| -> Result<bool, Error> {
        let Some(anchor) = anchor else { return Ok(false) };
        let probe = ContactQuery { seek: Some(anchor), backwards, ..query.clone() };
        Ok(!store::page(conn, &probe, 0, 1)?.is_empty())
    };
    let edge =
        |row: Option<&ContactRow>, position: &Option<Seek>| row.map(|r| seek_of(&sort, r)).or_else(|| position.clone());
    let (has_next, has_previous) = if backwards {
        let has_next = position.is_some() && beyond(edge(rows.last(), &position), false)?;
        (has_next, more)
    } else {
        (more, position.is_some() && beyond(edge(rows.first(), &position), true)?)
    };
    let neighbours = Neighbours::Cursor {
        per_page,
        next: rows.last().filter(|_| has_next).map(|r| Cursor::After(seek_of(&sort, r)).encode(&sort)),
        previous: rows.first().filter(|_| has_previous).map(|r| Cursor::Before(seek_of(&sort, r)).encode(&sort)),
        last: Cursor::Last.encode(&sort),
    };
    let mut items = load_details(conn, rows)?;
    load_includes(conn, user, &mut items, inc)?;
    Ok((Page { items, total_count, paging }, neighbours))
}

/// A row's position in the list's order: its sort keys and id.
fn seek_of(sort: &[(SortColumn, bool)], row: &ContactRow) -> Seek {
    Seek { keys: sort.iter().flat_map(|(column, _)| column.key_values(row)).collect(), id: row.id }
}

/// An opaque position in a list: after or before a row, or the list's end. On the wire it is
/// the base64 (URL-safe) of length-prefixed parts: a version, the sort it belongs to, the
/// direction, the row's id and sort keys. Anyone may forge one: it only says where to start,
/// and what is listed is still what the reader may see, so a bad one is a 422, never more.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    After(Seek),
    Before(Seek),
    Last,
}

const CURSOR_VERSION: &str = "c1";
/// Longer than any cursor this server writes for keys of a few hundred characters.
const MAX_CURSOR_CHARS: usize = 4096;

impl Cursor {
    fn encode(&self, sort: &[(SortColumn, bool)]) -> String {
        let mut parts = vec![CURSOR_VERSION.to_string(), sort_text(sort)];
        match self {
            Cursor::Last => parts.push("l".into()),
            Cursor::After(seek) | Cursor::Before(seek) => {
                parts.push(if matches!(self, Cursor::After(_)) { "a" } else { "b" }.into());
                parts.push(seek.id.to_string());
                parts.extend(seek.keys.iter().map(|k| match k {
                    KeyValue::Text(t) => format!("t{t}"),
                    KeyValue::Time(t) => format!("d{}", t.format("%Y-%m-%dT%H:%M:%S%.f")),
                    KeyValue::Int(i) => format!("i{i}"),
                }));
            }
        }
        let text: String = parts.iter().map(|p| format!("{}:{p}", p.len())).collect();
        URL_SAFE_NO_PAD.encode(text)
    }

    /// A cursor written by `encode` for this sort; 422 otherwise.
    fn decode(text: &str, sort: &[(SortColumn, bool)]) -> Result<Cursor, Error> {
        let invalid = || Error::invalid("Cursor is invalid");
        if text.len() > MAX_CURSOR_CHARS {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let (len, after) = rest.split_once(':').ok_or_else(invalid)?;
            let len: usize = len.parse().map_err(|_| invalid())?;
            parts.push(after.get(..len).ok_or_else(invalid)?);
            rest = after.get(len..).ok_or_else(invalid)?;
        }
        let sort_matches = parts.get(1).is_some_and(|s| *s == sort_text(sort));
        if parts.first() != Some(&CURSOR_VERSION) || !sort_matches {
            return Err(invalid());
        }
        let seek = || -> Option<Seek> {
            let id = parts.get(3)?.parse().ok()?;
            let kinds: Vec<KeyKind> = sort.iter().flat_map(|(c, _)| c.keys().iter().copied()).collect();
            let values = parts.get(4..)?;
            if values.len() != kinds.len() {
                return None;
            }
            let keys = kinds
                .iter()
                .zip(values)
                .map(|(kind, v)| match (kind, v.split_at_checked(1)?) {
                    (KeyKind::Text, ("t", t)) => Some(KeyValue::Text(t.to_string())),
                    (KeyKind::Time, ("d", t)) => {
                        NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok().map(KeyValue::Time)
                    }
                    (KeyKind::Int, ("i", i)) => i.parse().ok().map(KeyValue::Int),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            Some(Seek { keys, id })
        };
        match parts.get(2).copied() {
            Some("l") if parts.len() == 3 => Ok(Cursor::Last),
            Some("a") => seek().map(Cursor::After).ok_or_else(invalid),
            Some("b") => seek().map(Cursor::Before).ok_or_else(invalid),
            _ => Err(invalid()),
        }
    }
}

/// The sort as `sort=` writes it (`created_on:desc`): what a cursor belongs to.
fn sort_text(sort: &[(SortColumn, bool)]) -> String {
    let name = |c: SortColumn| SORT_NAMES.iter().find(|(s, _)| *s == c).map_or("", |(_, n)| n);
    sort.iter()
        .map(|(c, desc)| if *desc { format!("{}:desc", name(*c)) } else { name(*c).to_string() })
        .collect::<Vec<_>>()
        .join(",")
}

/// The number of contacts `query` selects: a list's `total_count`.
fn count(conn: &mut DbConnection, query: &ContactQuery) -> Result<i64, Error> {
    // The unfiltered list, the one every client reads first, is answered from the tallies;
    // neither the order nor the plan of a page changes a total.
    // The tallies count archived contacts apart from the others.
    // A list leaves archived contacts out unless a filter names `status`, which makes it a
    // filtered list: the tallies' rows of contacts not archived answer the unfiltered one.
    Ok(if is_unfiltered(query) {
        store::count_visible(conn, &query.visibility, Some(false))?
    } else {
        store::count(conn, query)?
    })
}

/// The most ids a search collects for its page (`count_search`).
const MOST_COLLECTED: i64 = 50_000;

/// `count`, and for a search also the matching ids, collected as they are counted, from which
/// the page is then read (`ContactQuery::matched`). A search that matches so many rows that
/// reading the list in order is the cheaper way to its page (`scanning_is_cheaper`) keeps no
/// ids.
fn count_search(
    conn: &mut DbConnection,
    mut query: ContactQuery,
    paging: Paging,
) -> Result<(i64, ContactQuery), Error> {
    if query.search_words.is_empty() {
        return Ok((count(conn, &query)?, query));
    }
    let ceiling = store::id_ceiling(conn)?;
    // About the number of matches past which scanning is cheaper (`scanning_is_cheaper`).
    let rows_wanted = paging.offset.saturating_add(paging.limit) as f64;
    let most = ((rows_wanted * ceiling as f64).sqrt() as i64).clamp(1, MOST_COLLECTED);
    let (total, ids) = store::matches(conn, &query, most)?;
    query.matched = ids;
    Ok((total, query))
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
    if !query.search_words.is_empty() && query.matched.is_none() {
        query.scan_search = scanning_is_cheaper(total_count, paging, store::id_ceiling(conn)?);
    }
    let mut offset = paging.offset;
    if let Some((order, descending)) = block_order(&query, offset) {
        let start = list_blocks::page_start(conn, &query.visibility, order, descending, offset, paging.limit)?;
        offset = start.skip;
        query.seek = start.after;
        query.until = start.until;
    }
    let rows = store::page(conn, &query, offset, paging.limit)?;
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
    request: PageRequest,
    inc: Includes,
) -> Result<(Page<ContactDetails>, Neighbours), Error> {
    visibility::find_contact_row(conn, user, id)?;
    list(conn, user, &linked_to(filters, "company_id", id), request, inc)
}

/// `GET /contacts/:id/reports`: the contacts who report to `id`, listed as `list` does.
pub fn reports(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i32,
    filters: ContactFilters,
    request: PageRequest,
    inc: Includes,
) -> Result<(Page<ContactDetails>, Neighbours), Error> {
    visibility::find_contact_row(conn, user, id)?;
    list(conn, user, &linked_to(filters, "reports_to_id", id), request, inc)
}

/// `filters` and the contacts whose `field` names contact `id`.
fn linked_to(mut filters: ContactFilters, field: &str, id: i32) -> ContactFilters {
    filters.conditions.push(FilterExpr::Test {
        field: field.to_string(),
        operator: "=".to_string(),
        values: vec![id.to_string()],
    });
    filters
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
    Ok(list(conn, user, &filters, PageRequest::Offset(paging), Includes::default())?.0)
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
    // Every name a filter holds is read in one query per kind (tags, projects, custom fields).
    let (mut tag_names, project_refs) = filters::named_values(&filters.conditions);
    tag_names.extend(filters.tags.iter().cloned());
    let found_tags = tags::find_by_names(conn, &tag_names)?;
    // A name no tag has becomes an empty list, which no contact matches.
    let tag_ids = filters
        .tags
        .iter()
        .map(|name| found_tags.iter().filter(|t| t.name.eq_ignore_ascii_case(name)).map(|t| t.id).collect())
        .collect();
    let searching = !search_words.is_empty();
    let fields = if searching || filters::names_custom_fields(&filters.conditions) {
        crate::store::custom_fields::of_type(conn, custom::CONTACT)?
    } else {
        Vec::new()
    };
    let searchable_fields = searchable(&fields, searching);
    let lookups = Lookups {
        user,
        custom_fields: &fields,
        tags: &found_tags,
        projects: &projects::find_by_refs(conn, &project_refs)?,
        today: chrono::Utc::now().date_naive(),
        postgres: matches!(conn, DbConnection::Postgres(_)),
        search_index: store::SearchIndex::of(conn),
    };
    let conditions = filters::conditions(&filters.conditions, &lookups, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let search_words_empty = search_words.is_empty();
    let query = ContactQuery {
        visibility: visibility::contacts_for(user),
        project_id: project.map(|p| p.id),
        without_project,
        search_words,
        tag_ids,
        updated_since,
        employee_of: None,
        company_named: None,
        searchable_fields,
        id_after: None,
        conditions,
        sort: parse_sort(filters.sort.as_deref()),
        seek: None,
        until: None,
        backwards: false,
        scan_search: false,
        matched: None,
        // Only a search asks the index; an unfiltered query stays equal to `visible` (tallies).
        search_index: if search_words_empty { Default::default() } else { store::SearchIndex::of(conn) },
        status: if filters.conditions.iter().any(|c| c.fields().contains(&"status")) {
            StatusFilter::Any
        } else {
            StatusFilter::Listed
        },
    };
    Ok(query)
}

/// The custom fields a search also looks in (none when not searching).
fn searchable(fields: &[CustomFieldRow], searching: bool) -> Vec<i32> {
    if searching {
        fields.iter().filter(|f| f.searchable).map(|f| f.id).collect()
    } else {
        Vec::new()
    }
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
