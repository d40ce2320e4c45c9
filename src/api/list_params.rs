//! A list's query string read into the domain's typed values: paging, `include=`, filters and a
//! saved query's parameters. The domain never sees the query string itself.

use std::collections::HashSet;

use actix_web::HttpRequest;
use serde_json::{Map, Value};

use crate::db::DbConnection;
use crate::domain::access::CurrentUser;
use crate::domain::contacts::filters::is_field;
use crate::domain::contacts::{ContactFilters, FilterExpr, Includes};
use crate::domain::deals::DealFilters;
use crate::domain::paging::{Neighbours, PageRequest, Paging, DEFAULT_LIMIT, MAX_LIMIT, MAX_PER_PAGE};
use crate::domain::queries;
use crate::domain::users::UserIncludes;
use crate::error::Error;
use crate::format::query::QueryParams;
use crate::format::{own_origin, Format};
use crate::views::PageLinks;

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

/// How a list is paged: Redmine's `offset`/`limit`, unless the client asks for numbered pages
/// (`page=`, sized by `per_page` up to 2,000, else by `limit`) or for cursors (`cursor=`, or
/// `per_page=` alone). An `offset` keeps Redmine's paging, as it wins over `page` there.
pub fn page_request(query: &QueryParams) -> PageRequest {
    let number = |name: &str| query.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    let per_page = number("per_page").filter(|n| *n >= 1).map(|n| n.min(MAX_PER_PAGE));
    let paging = paging(query);
    let size = per_page.unwrap_or(paging.limit);
    match number("page") {
        Some(page) if number("offset").is_none() => PageRequest::Numbered { page: page.max(1), per_page: size },
        _ if query.get("cursor").is_some() || per_page.is_some() => {
            PageRequest::Cursor { cursor: query.text("cursor").map(str::to_string), per_page: size }
        }
        _ => PageRequest::Offset(paging),
    }
}

/// The URLs of a numbered or cursor page's first, next, previous and last pages: this request's
/// own with the page or cursor changed. The API key is left out (send it in a header).
pub fn page_links(req: &HttpRequest, neighbours: &Neighbours) -> Option<PageLinks> {
    let suffix = if Format::of(req) == Format::Xml { "xml" } else { "json" };
    let base = format!("{}{}.{suffix}", own_origin(req), req.path());
    let query = QueryParams::from_request(req);
    let url = |dropped: &[&str], extra: &[(&str, String)]| {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.pairs() {
            if !["key", "page", "cursor", "offset"].contains(&k.as_str()) && !dropped.contains(&k.as_str()) {
                out.append_pair(k, v);
            }
        }
        for (k, v) in extra {
            out.append_pair(k, v);
        }
        format!("{base}?{}", out.finish())
    };
    match neighbours {
        Neighbours::None => None,
        Neighbours::Numbered { page, total_pages, .. } => {
            let at = |n: i64| Some(url(&[], &[("page", n.to_string())]));
            Some(PageLinks {
                first: at(1),
                next: if page < total_pages { at(page + 1) } else { None },
                previous: if *page > 1 { at((page - 1).min((*total_pages).max(1))) } else { None },
                last: at((*total_pages).max(1)),
            })
        }
        Neighbours::Cursor { per_page, next, previous, last } => {
            let at = |cursor: Option<&String>| {
                let mut extra = vec![("per_page", per_page.to_string())];
                extra.extend(cursor.map(|c| ("cursor", c.clone())));
                url(&["per_page"], &extra)
            };
            Some(PageLinks {
                first: Some(at(None)),
                next: next.as_ref().map(|c| at(Some(c))),
                previous: previous.as_ref().map(|c| at(Some(c))),
                last: Some(at(Some(last))),
            })
        }
    }
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

/// The filters of `GET /contacts` (and its exports): the request's own over a saved query's
/// (`query_id=`), a field the request filters by replacing the saved query's test of it.
pub fn contact_filters(
    conn: &mut DbConnection,
    user: &CurrentUser,
    request: QueryParams,
) -> Result<ContactFilters, Error> {
    let saved = saved_params(conn, user, queries::CONTACT, &request)?;
    let mut conditions = filter_exprs(&request);
    let mut named: HashSet<String> = conditions.iter().flat_map(FilterExpr::fields).map(str::to_string).collect();
    // A plain `tags=a,b` is the request's own, else the saved query's unless the request
    // filters tags otherwise.
    let tags = match plain_tags(&request) {
        Some(tags) => {
            named.insert("tags".to_string());
            tags
        }
        None if named.contains("tags") => Vec::new(),
        None => saved.as_ref().and_then(plain_tags).unwrap_or_default(),
    };
    let params = match &saved {
        Some(saved) => {
            let kept = filter_exprs(saved).into_iter().filter(|f| f.fields().iter().all(|name| !named.contains(*name)));
            conditions.extend(kept);
            request.over(saved)
        }
        None => request,
    };
    Ok(ContactFilters {
        project_ref: params.text("project_id").map(str::to_string),
        search: params.text("search").map(str::to_string),
        tags,
        updated_since: params.text("updated_since").map(str::to_string),
        sort: params.text("sort").map(str::to_string),
        conditions,
    })
}

/// `tags=a,b` (`,` or `|` between names; every one wanted), when given without an operator and
/// not beside Redmine's long form, which leaves the short forms unread.
fn plain_tags(params: &QueryParams) -> Option<Vec<String>> {
    let given = params.all("tags");
    if given.is_empty() || long_form(params).is_some() {
        return None;
    }
    Some(
        given
            .iter()
            .filter(|v| !starts_with_operator(v))
            .flat_map(|v| v.split([',', '|']))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// The fields of Redmine's long form (`f[]=first_name`), when given.
fn long_form(params: &QueryParams) -> Option<Vec<&str>> {
    let mut fields: Vec<&str> = Vec::new();
    for field in params.all("f").into_iter().map(str::trim).filter(|f| !f.is_empty()) {
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    (!fields.is_empty()).then_some(fields)
}

/// A value that opens with an operator (`!vip`, `*`): a short-form filter, not a plain value.
fn starts_with_operator(value: &str) -> bool {
    value.trim_start().starts_with(['!', '*', '~', '=', '^', '$'])
}

/// The operator filters of `params`: the long form's (`f[]`, `op[f]`, `v[f][]`) when given,
/// else each `field=expression` naming a filter. `project_id` stays the list's project, and a
/// plain `tags=a,b` its own filter.
fn filter_exprs(params: &QueryParams) -> Vec<FilterExpr> {
    if let Some(fields) = long_form(params) {
        return fields
            .into_iter()
            .map(|field| FilterExpr::Test {
                field: field.to_string(),
                operator: params.get(&format!("op[{field}]")).unwrap_or_default().to_string(),
                values: params.all(&format!("v[{field}]")).into_iter().map(str::to_string).collect(),
            })
            .collect();
    }
    params
        .pairs()
        .iter()
        .filter(|(k, v)| is_field(k) && k != "project_id" && !v.trim().is_empty())
        .filter(|(k, v)| k != "tags" || starts_with_operator(v))
        .map(|(k, v)| FilterExpr::Short { field: k.clone(), expression: v.clone() })
        .collect()
}

/// `POST /contacts/search`'s body, Pylon's shape in Redmine's wrapper: `{"search": {"filter":
/// {"operator": "and", "subfilters": [{"field": "email", "operator": "string_contains",
/// "value": "ada"}, …]}, "sort", "search", "project_id"}}` (the wrapper may be left out). A
/// test's operator is Redmine's (`~`) or Pylon's (`string_contains`); `value` or `values`.
pub fn search_body(body: &Map<String, Value>) -> Result<ContactFilters, Error> {
    let empty = Map::new();
    let section = match body.get("search") {
        Some(Value::Object(map)) => map,
        None => body,
        // `<search/>`: no filter at all.
        Some(Value::Null) => &empty,
        Some(Value::String(s)) if s.trim().is_empty() => &empty,
        Some(_) => return Err(Error::BadRequest("`search` must be an object".into())),
    };
    let text = |name: &str| match section.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let conditions = match section.get("filter") {
        None | Some(Value::Null) => Vec::new(),
        Some(filter) => vec![search_filter(filter)?],
    };
    Ok(ContactFilters {
        project_ref: text("project_id"),
        search: text("search"),
        tags: Vec::new(),
        updated_since: None,
        sort: text("sort"),
        conditions,
    })
}

/// A search body's paging (`cursor`, `per_page`, `page`, `offset`, `limit`) as query
/// parameters, for `page_request`.
pub fn search_paging(body: &Map<String, Value>) -> QueryParams {
    let section = match body.get("search") {
        Some(Value::Object(map)) => map,
        _ => body,
    };
    let pairs = ["cursor", "per_page", "page", "offset", "limit"].into_iter().filter_map(|name| {
        let value = match section.get(name)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some((name.to_string(), value))
    });
    QueryParams::from_pairs(pairs.collect())
}

/// One filter of a search body: a test, or an `and`/`or` group of `subfilters`.
fn search_filter(value: &Value) -> Result<FilterExpr, Error> {
    let invalid = |what: &str| Error::invalid(format!("Filter {what}"));
    let Value::Object(map) = value else { return Err(invalid("is invalid")) };
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let operator = map.get("operator").and_then(scalar).unwrap_or_default();
    if let Some(subfilters) = map.get("subfilters") {
        // XML sends one subfilter as an object, several as an array.
        let items = match subfilters {
            Value::Array(items) => items.iter().map(search_filter).collect::<Result<Vec<_>, _>>()?,
            Value::Object(items) if items.contains_key("subfilter") => match &items["subfilter"] {
                Value::Array(items) => items.iter().map(search_filter).collect::<Result<Vec<_>, _>>()?,
                one => vec![search_filter(one)?],
            },
            one => vec![search_filter(one)?],
        };
        return match operator.to_ascii_lowercase().as_str() {
            "and" => Ok(FilterExpr::All(items)),
            "or" => Ok(FilterExpr::Any(items)),
            other => Err(invalid(&format!("group operator {other} is unknown"))),
        };
    }
    let Some(field) = map.get("field").and_then(scalar) else { return Err(invalid("field cannot be blank")) };
    let mut values: Vec<String> = map.get("value").and_then(scalar).into_iter().collect();
    match map.get("values") {
        Some(Value::Array(items)) => values.extend(items.iter().filter_map(scalar)),
        Some(Value::Object(items)) => values.extend(items.values().flat_map(|v| match v {
            Value::Array(items) => items.iter().filter_map(scalar).collect(),
            one => scalar(one).into_iter().collect::<Vec<_>>(),
        })),
        Some(one) => values.extend(scalar(one)),
        None => {}
    }
    Ok(FilterExpr::Test { field, operator, values })
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
    Ok(match saved_params(conn, user, kind, &request)? {
        Some(saved) => request.over(&saved),
        None => request,
    })
}

/// The parameters of the saved query `query_id=` names (with its project), if it names one.
fn saved_params(
    conn: &mut DbConnection,
    user: &CurrentUser,
    kind: &str,
    request: &QueryParams,
) -> Result<Option<QueryParams>, Error> {
    let Some(id) = request.text("query_id") else { return Ok(None) };
    let id: i32 = id.parse().map_err(|_| Error::NotFound)?;
    let saved_query = queries::find_for_list(conn, user, kind, id)?;
    let mut saved = QueryParams::parse(&saved_query.filters);
    if let Some(project) = saved_query.project_id {
        saved = saved.with_default("project_id", &project.to_string());
    }
    Ok(Some(saved))
}
