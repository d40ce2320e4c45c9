//! A list's query string read into the domain's typed values: paging, `include=`, filters and a
//! saved query's parameters. The domain never sees the query string itself.

use crate::db::DbConnection;
use crate::domain::access::CurrentUser;
use crate::domain::contacts::{ContactFilters, Includes};
use crate::domain::deals::DealFilters;
use crate::domain::paging::{Paging, DEFAULT_LIMIT, MAX_LIMIT};
use crate::domain::queries;
use crate::domain::users::UserIncludes;
use crate::error::Error;
use crate::format::query::QueryParams;

/// Redmine's `api_offset_and_limit`: `offset`, `limit` (25 by default, at most 100), `page`.
pub fn paging(query: &QueryParams) -> Paging {
    let number = |name: &str| query.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    let limit = match number("limit") {
        Some(n) if n >= 1 => n.min(MAX_LIMIT),
        _ => DEFAULT_LIMIT,
    };
    let offset = match (number("offset"), number("page")) {
        (Some(offset), _) => offset.max(0),
        (None, Some(page)) if page > 0 => (page - 1).saturating_mul(limit),
        _ => 0,
    };
    Paging { offset, limit }
}

/// `include=notes,deals`, `include=notes%2Cdeals` or `include[]=notes&include[]=deals`;
/// unknown names are ignored, as in Redmine.
pub fn includes(query: &QueryParams) -> Includes {
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

/// `include=memberships` on a user (Redmine's `groups` would go here too; there are none).
pub fn user_includes(query: &QueryParams) -> UserIncludes {
    let names = query.all("include");
    UserIncludes { memberships: names.iter().flat_map(|v| v.split(',')).any(|name| name.trim() == "memberships") }
}

/// The filters of `GET /contacts`, as sent: tags split on `,` and `|`, `cf_<id>=` pairs.
pub fn contact_filters(query: &QueryParams) -> ContactFilters {
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
        status: query.text("status").map(str::to_string),
        external_id: query.text("external_id").map(str::to_string),
        company_id: query.text("company_id").map(str::to_string),
        reports_to_id: query.text("reports_to_id").map(str::to_string),
        department: query.text("department").map(str::to_string),
        preferred_contact_method: query.text("preferred_contact_method").map(str::to_string),
    }
}

/// The filters of `GET /deals`, as sent.
pub fn deal_filters(query: &QueryParams) -> DealFilters {
    DealFilters {
        project_ref: query.text("project_id").map(str::to_string),
        assigned_to: query.text("assigned_to_id").map(str::to_string),
        status: query.text("status_id").map(str::to_string),
        search: query.text("search").map(str::to_string),
        contact_id: query.text("contact_id").map(str::to_string),
    }
}

/// The list parameters to use: with `query_id=`, the saved query's parameters (and its project)
/// under the request's own, which win; without it, the request's. A missing query, or one of
/// another `kind`, is 404; one the user may not see, 403 (the plugin's rules).
pub fn with_saved_query(
    conn: &mut DbConnection,
    user: &CurrentUser,
    kind: &str,
    request: QueryParams,
) -> Result<QueryParams, Error> {
    let Some(id) = request.text("query_id") else { return Ok(request) };
    let id: i32 = id.parse().map_err(|_| Error::NotFound)?;
    let saved_query = queries::find_for_list(conn, user, kind, id)?;
    let mut saved = QueryParams::parse(&saved_query.filters);
    if let Some(project) = saved_query.project_id {
        saved = saved.with_default("project_id", &project.to_string());
    }
    Ok(request.over(&saved))
}
