//! Redmine's operator filters on contacts (`f[]=first_name&op[first_name]=~&v[first_name][]=ada`,
//! the short form `first_name=~ada`, a search body's and/or groups), checked against the field
//! table and read into the store's conditions. 422 names an unknown field or operator.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime};

use super::input::{CONTACT_METHODS, STATUSES};
use crate::domain::access::CurrentUser;
use crate::store::contacts::{Condition, CustomTest, IntColumn, SearchIndex, TextColumn, TextTest, TimeColumn};
use crate::store::custom_fields::CustomFieldRow;
use crate::store::projects::ProjectRow;
use crate::store::tags::TagRow;

/// A filter as sent, before it is checked: a field, an operator and values; a short-form
/// `field=expression` whose operator prefix depends on the field's type; or an and/or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterExpr {
    Test { field: String, operator: String, values: Vec<String> },
    Short { field: String, expression: String },
    All(Vec<FilterExpr>),
    Any(Vec<FilterExpr>),
}

impl FilterExpr {
    /// The fields the filter names, groups included.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            FilterExpr::Test { field, .. } | FilterExpr::Short { field, .. } => vec![field.as_str()],
            FilterExpr::All(all) | FilterExpr::Any(all) => all.iter().flat_map(FilterExpr::fields).collect(),
        }
    }

    fn tests(&self) -> usize {
        match self {
            FilterExpr::Test { .. } | FilterExpr::Short { .. } => 1,
            FilterExpr::All(all) | FilterExpr::Any(all) => all.iter().map(FilterExpr::tests).sum(),
        }
    }
}

/// A filterable contact field: its name in queries, its label in messages, what it compares.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
}

/// What a field compares, which decides its operators.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text(TextColumn),
    /// A record's id; `me` (the reader) when `me`.
    Reference {
        column: IntColumn,
        me: bool,
    },
    /// A text column holding one of these words (a value outside them is invalid).
    Choice(TextColumn, &'static [&'static str]),
    Ids,
    Time(TimeColumn),
    IsCompany,
    Visibility,
    Project,
    Tags,
}

/// Every filterable field but the custom ones (`cf_<id>`): one line each. A new contact column
/// needs its line in the store's `filter_columns!` and one here.
pub const FIELDS: &[Field] = &[
    Field { name: "ids", label: "Contact", kind: Kind::Ids },
    Field { name: "first_name", label: "First name", kind: Kind::Text(TextColumn::FirstName) },
    Field { name: "last_name", label: "Last name", kind: Kind::Text(TextColumn::LastName) },
    Field { name: "middle_name", label: "Middle name", kind: Kind::Text(TextColumn::MiddleName) },
    Field { name: "company", label: "Company", kind: Kind::Text(TextColumn::Company) },
    Field { name: "job_title", label: "Job title", kind: Kind::Text(TextColumn::JobTitle) },
    Field { name: "website", label: "Website", kind: Kind::Text(TextColumn::Website) },
    Field { name: "skype_name", label: "Skype", kind: Kind::Text(TextColumn::SkypeName) },
    Field { name: "background", label: "Background", kind: Kind::Text(TextColumn::Background) },
    Field { name: "email", label: "Email", kind: Kind::Text(TextColumn::Emails) },
    Field { name: "phone", label: "Phone", kind: Kind::Text(TextColumn::Phones) },
    Field { name: "street1", label: "Street 1", kind: Kind::Text(TextColumn::Street1) },
    Field { name: "street2", label: "Street 2", kind: Kind::Text(TextColumn::Street2) },
    Field { name: "city", label: "City", kind: Kind::Text(TextColumn::City) },
    Field { name: "region", label: "Region", kind: Kind::Text(TextColumn::Region) },
    Field { name: "postcode", label: "Postcode", kind: Kind::Text(TextColumn::Postcode) },
    Field { name: "country", label: "Country", kind: Kind::Text(TextColumn::CountryCode) },
    Field {
        name: "assigned_to_id",
        label: "Assigned to",
        kind: Kind::Reference { column: IntColumn::AssignedTo, me: true },
    },
    Field { name: "author_id", label: "Author", kind: Kind::Reference { column: IntColumn::Author, me: true } },
    Field { name: "project_id", label: "Project", kind: Kind::Project },
    Field { name: "visibility", label: "Visibility", kind: Kind::Visibility },
    Field { name: "is_company", label: "Is company", kind: Kind::IsCompany },
    Field { name: "created_on", label: "Created", kind: Kind::Time(TimeColumn::CreatedOn) },
    Field { name: "updated_on", label: "Updated", kind: Kind::Time(TimeColumn::UpdatedOn) },
    Field { name: "tags", label: "Tags", kind: Kind::Tags },
    Field { name: "status", label: "Status", kind: Kind::Choice(TextColumn::Status, &STATUSES) },
    Field { name: "external_id", label: "External id", kind: Kind::Text(TextColumn::ExternalId) },
    Field { name: "company_id", label: "Company", kind: Kind::Reference { column: IntColumn::CompanyId, me: false } },
    Field {
        name: "reports_to_id",
        label: "Reports to",
        kind: Kind::Reference { column: IntColumn::ReportsTo, me: false },
    },
    Field { name: "department", label: "Department", kind: Kind::Text(TextColumn::Department) },
    Field {
        name: "preferred_contact_method",
        label: "Preferred contact method",
        kind: Kind::Choice(TextColumn::PreferredContactMethod, &CONTACT_METHODS),
    },
];

/// Whether `name` is a filter (a field of the table or a custom field's `cf_<id>`).
pub fn is_field(name: &str) -> bool {
    name.starts_with("cf_") || FIELDS.iter().any(|f| f.name == name)
}

/// Redmine's operators, by their query names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Is,
    IsNot,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Any,
    None,
    AtLeast,
    AtMost,
    Between,
    Today,
    Yesterday,
    Tomorrow,
    ThisWeek,
    LastWeek,
    LastTwoWeeks,
    ThisMonth,
    LastMonth,
    ThisYear,
    LessThanDaysAgo,
    MoreThanDaysAgo,
    DaysAgo,
    PastDays,
    InLessThanDays,
    InMoreThanDays,
    InDays,
    NextDays,
}

/// Each operator's Redmine name, and the names of Pylon's search filters that mean it.
const OPERATORS: &[(Op, &str, &[&str])] = &[
    (Op::Is, "=", &["equals", "in"]),
    (Op::IsNot, "!", &["not_equals", "not_in"]),
    (Op::Contains, "~", &["string_contains", "contains"]),
    (Op::NotContains, "!~", &["string_does_not_contain", "does_not_contain"]),
    (Op::StartsWith, "^", &["starts_with"]),
    (Op::EndsWith, "$", &["ends_with"]),
    (Op::Any, "*", &["is_set"]),
    (Op::None, "!*", &["is_unset"]),
    (Op::AtLeast, ">=", &["time_is_after", "greater_than_or_equal"]),
    (Op::AtMost, "<=", &["time_is_before", "less_than_or_equal"]),
    (Op::Between, "><", &["time_range", "between"]),
    (Op::Today, "t", &[]),
    (Op::Yesterday, "ld", &[]),
    (Op::Tomorrow, "nd", &[]),
    (Op::ThisWeek, "w", &[]),
    (Op::LastWeek, "lw", &[]),
    (Op::LastTwoWeeks, "l2w", &[]),
    (Op::ThisMonth, "m", &[]),
    (Op::LastMonth, "lm", &[]),
    (Op::ThisYear, "y", &[]),
    (Op::LessThanDaysAgo, ">t-", &[]),
    (Op::MoreThanDaysAgo, "<t-", &[]),
    (Op::DaysAgo, "t-", &[]),
    (Op::PastDays, "><t-", &[]),
    (Op::InLessThanDays, "<t+", &[]),
    (Op::InMoreThanDays, ">t+", &[]),
    (Op::InDays, "t+", &[]),
    (Op::NextDays, "><t+", &[]),
];

const TEXT_OPS: &[Op] =
    &[Op::Is, Op::IsNot, Op::Contains, Op::NotContains, Op::StartsWith, Op::EndsWith, Op::Any, Op::None];
const LIST_OPS: &[Op] = &[Op::Is, Op::IsNot, Op::Any, Op::None];
const CHOICE_OPS: &[Op] = &[Op::Is, Op::IsNot];
const NUMBER_OPS: &[Op] = &[Op::Is, Op::IsNot, Op::AtLeast, Op::AtMost, Op::Between, Op::Any, Op::None];
const ID_OPS: &[Op] = &[Op::Is, Op::IsNot, Op::AtLeast, Op::AtMost, Op::Between];
const TIME_OPS: &[Op] = &[
    Op::Is,
    Op::AtLeast,
    Op::AtMost,
    Op::Between,
    Op::Today,
    Op::Yesterday,
    Op::Tomorrow,
    Op::ThisWeek,
    Op::LastWeek,
    Op::LastTwoWeeks,
    Op::ThisMonth,
    Op::LastMonth,
    Op::ThisYear,
    Op::LessThanDaysAgo,
    Op::MoreThanDaysAgo,
    Op::DaysAgo,
    Op::PastDays,
    Op::InLessThanDays,
    Op::InMoreThanDays,
    Op::InDays,
    Op::NextDays,
    Op::Any,
    Op::None,
];

/// The most tests one list may filter by, values of one test, and characters of a value.
pub const MAX_TESTS: usize = 50;
const MAX_VALUES: usize = 50;
const MAX_VALUE_CHARS: usize = 255;

/// What a filter is checked and read against: the reader, the contact custom fields, the tags
/// and projects its values name (each read once for the whole list), and today's date.
pub struct Lookups<'a> {
    pub user: &'a CurrentUser,
    pub custom_fields: &'a [CustomFieldRow],
    pub tags: &'a [TagRow],
    pub projects: &'a [ProjectRow],
    pub today: NaiveDate,
    pub postgres: bool,
    pub search_index: SearchIndex,
}

/// The tag names and project references `filters` name, for `Lookups` (read before checking).
pub fn named_values(filters: &[FilterExpr]) -> (Vec<String>, Vec<String>) {
    let (mut tags, mut projects) = (Vec::new(), Vec::new());
    fn walk(f: &FilterExpr, tags: &mut Vec<String>, projects: &mut Vec<String>) {
        match f {
            FilterExpr::All(all) | FilterExpr::Any(all) => all.iter().for_each(|f| walk(f, tags, projects)),
            FilterExpr::Test { field, values, .. } => {
                let out = match field.as_str() {
                    "tags" => &mut *tags,
                    "project_id" => &mut *projects,
                    _ => return,
                };
                out.extend(values.iter().flat_map(|v| split_list(v)));
            }
            FilterExpr::Short { field, expression } => {
                let out = match field.as_str() {
                    "tags" => &mut *tags,
                    "project_id" => &mut *projects,
                    _ => return,
                };
                let values = expression.trim_start_matches(['!', '*', '~', '=', '^', '$']);
                out.extend(split_list(values));
            }
        }
    }
    for f in filters {
        walk(f, &mut tags, &mut projects);
    }
    tags.truncate(MAX_TESTS * MAX_VALUES);
    projects.truncate(MAX_TESTS * MAX_VALUES);
    (tags, projects)
}

/// Values as a list: `|` and `,` both separate them (tags and ids are written either way).
fn split_list(text: &str) -> Vec<String> {
    text.split(['|', ',']).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
}

/// Whether any of `filters` names a custom field (so their definitions must be read).
pub fn names_custom_fields(filters: &[FilterExpr]) -> bool {
    filters.iter().flat_map(FilterExpr::fields).any(|f| f.starts_with("cf_"))
}

/// Checks `filters` and reads them into conditions, all of which must hold; every problem is
/// an entry of `errors` in Redmine's words.
pub fn conditions(filters: &[FilterExpr], lookups: &Lookups, errors: &mut Vec<String>) -> Vec<Condition> {
    let tests: usize = filters.iter().map(FilterExpr::tests).sum();
    if tests > MAX_TESTS {
        errors.push(format!("Filters is too long (maximum is {MAX_TESTS} filters)"));
        return Vec::new();
    }
    let mut out: Vec<Condition> = filters.iter().filter_map(|f| condition(f, lookups, errors)).collect();
    let hints: Vec<Condition> = out.iter().filter_map(|c| index_hint(c, lookups.search_index)).collect();
    out.extend(hints);
    out
}

/// For a test of a column the search text holds, that text asked of the search index: the
/// same rows and fewer to read. Three characters at least, as trigrams need.
fn index_hint(condition: &Condition, index: SearchIndex) -> Option<Condition> {
    let Condition::Text(column, test) = condition else { return None };
    let text = match test {
        TextTest::Equals(values) if values.len() == 1 => &values[0],
        TextTest::Contains(text) | TextTest::StartsWith(text) | TextTest::EndsWith(text) => text,
        TextTest::Equals(_) => return None,
    };
    (column.searched() && text.chars().count() >= 3).then(|| Condition::SearchText(text.clone(), index))
}

fn condition(filter: &FilterExpr, lookups: &Lookups, errors: &mut Vec<String>) -> Option<Condition> {
    match filter {
        FilterExpr::All(all) => {
            Some(Condition::All(all.iter().filter_map(|f| condition(f, lookups, errors)).collect()))
        }
        FilterExpr::Any(any) => {
            Some(Condition::Any(any.iter().filter_map(|f| condition(f, lookups, errors)).collect()))
        }
        FilterExpr::Test { field, operator, values } => {
            let target = target(field, lookups, errors)?;
            if operator.trim().is_empty() {
                errors.push(format!("Operator of filter {field} cannot be blank"));
                return None;
            }
            let Some(op) = operator_named(operator.trim()).filter(|op| target.operators().contains(op)) else {
                errors.push(format!("Operator {} is unknown for filter {field}", operator.trim()));
                return None;
            };
            let values = values.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
            test(&target, op, values, lookups, errors)
        }
        FilterExpr::Short { field, expression } => {
            let target = target(field, lookups, errors)?;
            let (op, rest) = split_operator(&target, expression.trim());
            // Values are separated by `|` (ids and tags may use commas too).
            let values = match target {
                Target::Field(Field { kind: Kind::Ids | Kind::Tags, .. }) => split_list(rest),
                _ => rest.split('|').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect(),
            };
            test(&target, op, values, lookups, errors)
        }
    }
}

/// A field of the table or a custom field.
enum Target<'a> {
    Field(&'a Field),
    Custom(&'a CustomFieldRow),
}

impl Target<'_> {
    fn label(&self) -> &str {
        match self {
            Target::Field(f) => f.label,
            Target::Custom(c) => &c.name,
        }
    }

    fn operators(&self) -> &'static [Op] {
        match self {
            Target::Field(f) => match f.kind {
                Kind::Text(_) => TEXT_OPS,
                Kind::Reference { .. } | Kind::Project | Kind::Tags | Kind::Choice(..) => LIST_OPS,
                Kind::Ids => ID_OPS,
                Kind::Time(_) => TIME_OPS,
                Kind::IsCompany | Kind::Visibility => CHOICE_OPS,
            },
            Target::Custom(c) => match c.field_format.as_str() {
                "list" | "bool" => LIST_OPS,
                "int" | "float" => NUMBER_OPS,
                "date" => TIME_OPS,
                _ => TEXT_OPS,
            },
        }
    }
}

fn target<'a>(field: &str, lookups: &'a Lookups, errors: &mut Vec<String>) -> Option<Target<'a>> {
    if let Some(id) = field.strip_prefix("cf_") {
        let found = id.parse::<i32>().ok().and_then(|id| lookups.custom_fields.iter().find(|f| f.id == id));
        if found.is_none() {
            errors.push(format!("Custom field {id} does not exist"));
        }
        return found.map(Target::Custom);
    }
    match FIELDS.iter().find(|f| f.name == field) {
        Some(f) => Some(Target::Field(f)),
        None => {
            errors.push(format!("Filter {field} is unknown"));
            None
        }
    }
}

fn operator_named(name: &str) -> Option<Op> {
    OPERATORS.iter().find(|(_, redmine, others)| *redmine == name || others.contains(&name)).map(|(op, ..)| *op)
}

/// A short form's operator prefix, among the field's operators only (so `first_name=tom` is not
/// "today"), the longest first; none means `=`.
fn split_operator<'e>(target: &Target, expression: &'e str) -> (Op, &'e str) {
    let mut best: Option<(Op, &str)> = None;
    for op in target.operators() {
        let Some((_, name, _)) = OPERATORS.iter().find(|(o, ..)| o == op) else { continue };
        if expression.starts_with(name) && best.is_none_or(|(_, b)| name.len() > b.len()) {
            best = Some((*op, name));
        }
    }
    match best {
        Some((op, name)) => (op, &expression[name.len()..]),
        None => (Op::Is, expression),
    }
}

/// One checked test as a condition, or `None` with its errors.
fn test(
    target: &Target,
    op: Op,
    values: Vec<String>,
    lookups: &Lookups,
    errors: &mut Vec<String>,
) -> Option<Condition> {
    let label = target.label();
    let invalid = |errors: &mut Vec<String>| {
        errors.push(format!("{label} is invalid"));
        None
    };
    if values.len() > MAX_VALUES {
        errors.push(format!("{label} is too long (maximum is {MAX_VALUES} values)"));
        return None;
    }
    // PostgreSQL refuses a NUL in text outright; no value holds one.
    if values.iter().any(|v| v.contains('\0') || v.chars().count() > MAX_VALUE_CHARS) {
        return invalid(errors);
    }
    let needs = match op {
        Op::Any | Op::None | Op::Today | Op::Yesterday | Op::Tomorrow => 0,
        Op::ThisWeek | Op::LastWeek | Op::LastTwoWeeks | Op::ThisMonth | Op::LastMonth | Op::ThisYear => 0,
        Op::Between => 2,
        _ => 1,
    };
    if values.len() < needs {
        errors.push(format!("{label} cannot be blank"));
        return None;
    }
    let negated = matches!(op, Op::IsNot | Op::NotContains | Op::None);
    let positive = match op {
        Op::IsNot => Op::Is,
        Op::NotContains => Op::Contains,
        Op::None => Op::Any,
        other => other,
    };
    let condition = match target {
        Target::Field(field) => field_test(field, positive, &values, lookups),
        Target::Custom(custom) => custom_test(custom, positive, &values, lookups),
    };
    match condition {
        Some(c) if negated => Some(Condition::Not(Box::new(c))),
        Some(c) => Some(c),
        None => invalid(errors),
    }
}

/// A table field's test under a positive operator; `None` when a value is invalid.
fn field_test(field: &Field, op: Op, values: &[String], lookups: &Lookups) -> Option<Condition> {
    let lowered = || values.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>();
    let first = values.first().map(|v| v.to_lowercase()).unwrap_or_default();
    Some(match field.kind {
        Kind::Text(column) => Condition::Text(
            column,
            match op {
                Op::Is => TextTest::Equals(lowered()),
                Op::Contains => TextTest::Contains(first),
                Op::StartsWith => TextTest::StartsWith(first),
                Op::EndsWith => TextTest::EndsWith(first),
                // Set: not blank (the negation of blank).
                _ => {
                    return Some(Condition::Not(Box::new(Condition::Text(
                        column,
                        TextTest::Equals(vec![String::new()]),
                    ))))
                }
            },
        ),
        Kind::Choice(column, words) => match op {
            Op::Is => {
                let lowered = lowered();
                if !lowered.iter().all(|v| words.contains(&v.as_str())) {
                    return None;
                }
                Condition::Text(column, TextTest::Equals(lowered))
            }
            _ => Condition::Not(Box::new(Condition::Text(column, TextTest::Equals(vec![String::new()])))),
        },
        Kind::Reference { column, me } => match op {
            Op::Is => Condition::Int(
                column,
                values
                    .iter()
                    .map(|v| if me && v == "me" { Some(lookups.user.id) } else { v.parse().ok() })
                    .collect::<Option<_>>()?,
            ),
            _ => Condition::IntSet(column),
        },
        Kind::Ids => {
            let ids =
                values.iter().flat_map(|v| split_list(v)).map(|v| v.parse::<i32>().ok()).collect::<Option<Vec<_>>>()?;
            match op {
                Op::Is => Condition::Ids(ids),
                Op::AtLeast => Condition::IdBetween(ids.first().copied(), None),
                Op::AtMost => Condition::IdBetween(None, ids.first().copied()),
                _ => Condition::IdBetween(ids.first().copied(), ids.get(1).copied()),
            }
        }
        Kind::Time(column) => {
            let (from, to) = time_range(op, values, lookups.today)?;
            Condition::Time(column, from, to)
        }
        Kind::IsCompany => Condition::Any(
            values
                .iter()
                .map(|v| match v.to_ascii_lowercase().as_str() {
                    "1" | "true" | "t" => Some(Condition::IsCompany(true)),
                    "0" | "false" | "f" => Some(Condition::IsCompany(false)),
                    _ => None,
                })
                .collect::<Option<_>>()?,
        ),
        Kind::Visibility => Condition::Visibility(
            values
                .iter()
                .map(|v| match v.to_ascii_lowercase().as_str() {
                    "0" | "project" => Some(crate::store::contacts::VISIBILITY_PROJECT),
                    "1" | "public" => Some(crate::store::contacts::VISIBILITY_PUBLIC),
                    "2" | "private" => Some(crate::store::contacts::VISIBILITY_PRIVATE),
                    _ => None,
                })
                .collect::<Option<_>>()?,
        ),
        Kind::Project if op == Op::Is => {
            let mut ids = Vec::new();
            for v in values.iter().flat_map(|v| split_list(v)) {
                if v == "mine" {
                    ids.extend(lookups.user.memberships.0.keys().copied());
                } else if let Some(p) = lookups.projects.iter().find(|p| p.id.to_string() == v || p.identifier == v) {
                    ids.push(p.id);
                }
            }
            // A project no one has: nothing matches (not a 422, which would tell it apart from
            // one the reader may not see).
            if ids.is_empty() {
                Condition::Never
            } else {
                Condition::Projects(ids)
            }
        }
        Kind::Project => Condition::Projects(Vec::new()),
        // Every tag named (the plugin's match_all), each by name in any letter case.
        Kind::Tags if op == Op::Is => Condition::All(
            values
                .iter()
                .flat_map(|v| split_list(v))
                .map(|name| match lookups.tags.iter().find(|t| t.name.eq_ignore_ascii_case(&name)) {
                    Some(tag) => Condition::Tagged(vec![tag.id]),
                    None => Condition::Never,
                })
                .collect(),
        ),
        Kind::Tags => Condition::Tagged(Vec::new()),
    })
}

/// A custom field's test under a positive operator; `None` when a value is invalid.
fn custom_test(field: &CustomFieldRow, op: Op, values: &[String], lookups: &Lookups) -> Option<Condition> {
    let first = || values.first().map(|v| v.to_lowercase()).unwrap_or_default();
    let test = match (field.field_format.as_str(), op) {
        (_, Op::Any) => CustomTest::Present,
        ("int" | "float", Op::AtLeast | Op::AtMost | Op::Between) => {
            if values.iter().any(|v| v.parse::<f64>().map_or(true, |n| !n.is_finite())) {
                return None;
            }
            let (min, max) = match op {
                Op::AtLeast => (values.first().cloned(), None),
                Op::AtMost => (None, values.first().cloned()),
                _ => (values.first().cloned(), values.get(1).cloned()),
            };
            CustomTest::NumberBetween { min, max, postgres: lookups.postgres }
        }
        ("date", _) => {
            let (from, to) = time_range(op, values, lookups.today)?;
            // Stored dates are whole days: the last day before the end.
            let last = to.map(|t| (t - chrono::Duration::seconds(1)).date().to_string());
            CustomTest::TextBetween(from.map(|f| f.date().to_string()), last)
        }
        // Stored values as the field stores them (a number normalized, a list entry as listed).
        (_, Op::Is) => CustomTest::Equals(
            values
                .iter()
                .map(|v| super::super::custom_fields::normalize(field, v).unwrap_or_else(|_| v.clone()))
                .collect(),
        ),
        (_, Op::Contains) => CustomTest::Text(TextTest::Contains(first())),
        (_, Op::StartsWith) => CustomTest::Text(TextTest::StartsWith(first())),
        (_, Op::EndsWith) => CustomTest::Text(TextTest::EndsWith(first())),
        _ => return None,
    };
    Some(Condition::Custom(field.id, test))
}

/// The times a date operator selects, from (inclusive) to (exclusive), in UTC; `None` when a
/// value is no date (YYYY-MM-DD or an ISO 8601 time) or no day count.
fn time_range(op: Op, values: &[String], today: NaiveDate) -> Option<(Option<NaiveDateTime>, Option<NaiveDateTime>)> {
    let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0);
    let plus = |d: NaiveDate, n: i64| {
        if n >= 0 {
            d.checked_add_days(Days::new(n as u64))
        } else {
            d.checked_sub_days(Days::new(n.unsigned_abs()))
        }
    };
    // A value: a whole day, or one second from an exact time.
    let span = |text: &str| -> Option<(NaiveDateTime, NaiveDateTime)> {
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some((day(d)?, day(plus(d, 1)?)?));
        }
        let t = chrono::DateTime::parse_from_rfc3339(text).ok()?.naive_utc();
        Some((t, t + chrono::Duration::seconds(1)))
    };
    let days = || values.first().and_then(|v| v.parse::<i64>().ok()).filter(|n| (0..=100_000).contains(n));
    let days_from = |from: i64, to: i64| Some((Some(day(plus(today, from)?)?), Some(day(plus(today, to)?)?)));
    // Weeks start on Monday (ISO 8601).
    let monday = plus(today, -i64::from(today.weekday().num_days_from_monday()))?;
    let month = today.with_day(1)?;
    match op {
        Op::Is => {
            let (from, to) = span(values.first()?)?;
            Some((Some(from), Some(to)))
        }
        Op::AtLeast => Some((Some(span(values.first()?)?.0), None)),
        Op::AtMost => Some((None, Some(span(values.first()?)?.1))),
        Op::Between => Some((Some(span(values.first()?)?.0), Some(span(values.get(1)?)?.1))),
        Op::Today => days_from(0, 1),
        Op::Yesterday => days_from(-1, 0),
        Op::Tomorrow => days_from(1, 2),
        Op::ThisWeek => Some((Some(day(monday)?), Some(day(plus(monday, 7)?)?))),
        Op::LastWeek => Some((Some(day(plus(monday, -7)?)?), Some(day(monday)?))),
        Op::LastTwoWeeks => Some((Some(day(plus(monday, -14)?)?), Some(day(monday)?))),
        Op::ThisMonth => Some((Some(day(month)?), Some(day(month.checked_add_months(Months::new(1))?)?))),
        Op::LastMonth => Some((Some(day(month.checked_sub_months(Months::new(1))?)?), Some(day(month)?))),
        Op::ThisYear => {
            let year = NaiveDate::from_ymd_opt(today.year(), 1, 1)?;
            Some((Some(day(year)?), Some(day(NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?)?)))
        }
        Op::LessThanDaysAgo | Op::PastDays => days_from(-days()?, 1),
        Op::MoreThanDaysAgo => Some((None, Some(day(plus(today, 1 - days()?)?)?))),
        Op::DaysAgo => days_from(-days()?, 1 - days()?),
        Op::InLessThanDays | Op::NextDays => days_from(0, days()? + 1),
        Op::InMoreThanDays => Some((Some(day(plus(today, days()?)?)?), None)),
        Op::InDays => days_from(days()?, days()? + 1),
        // Set: every row has the time.
        _ => Some((None, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(op: Op, values: &[&str]) -> Option<(Option<String>, Option<String>)> {
        let today = NaiveDate::from_ymd_opt(2024, 3, 14).unwrap(); // a Thursday
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        time_range(op, &values, today).map(|(f, t)| (f.map(|f| f.to_string()), t.map(|t| t.to_string())))
    }

    fn some(from: &str, to: &str) -> Option<(Option<String>, Option<String>)> {
        let at = |d: &str| if d.is_empty() { None } else { Some(format!("{d} 00:00:00")) };
        Some((at(from), at(to)))
    }

    #[test]
    fn date_operators_select_redmines_days() {
        assert_eq!(range(Op::Today, &[]), some("2024-03-14", "2024-03-15"));
        assert_eq!(range(Op::Yesterday, &[]), some("2024-03-13", "2024-03-14"));
        assert_eq!(range(Op::ThisWeek, &[]), some("2024-03-11", "2024-03-18"));
        assert_eq!(range(Op::LastWeek, &[]), some("2024-03-04", "2024-03-11"));
        assert_eq!(range(Op::ThisMonth, &[]), some("2024-03-01", "2024-04-01"));
        assert_eq!(range(Op::LastMonth, &[]), some("2024-02-01", "2024-03-01"));
        assert_eq!(range(Op::LessThanDaysAgo, &["3"]), some("2024-03-11", "2024-03-15"));
        assert_eq!(range(Op::MoreThanDaysAgo, &["3"]), some("", "2024-03-12"));
        assert_eq!(range(Op::DaysAgo, &["3"]), some("2024-03-11", "2024-03-12"));
        assert_eq!(range(Op::Between, &["2024-01-01", "2024-01-31"]), some("2024-01-01", "2024-02-01"));
        assert_eq!(range(Op::AtMost, &["2024-01-31"]), some("", "2024-02-01"));
        assert_eq!(range(Op::LessThanDaysAgo, &["x"]), None);
        assert_eq!(range(Op::Is, &["2024-02-30"]), None);
    }
}
