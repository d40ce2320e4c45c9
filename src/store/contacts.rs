//! Contacts, their project links, and the filtered, visible, sorted list.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::IntoSql;

use super::in_ids::in_ids;
use crate::db::functions::{coalesce, lower, shares_project, shares_project_ids, unicode_lower};
use crate::db::schema::{
    contact_tallies, contacts, contacts_projects, contacts_search, custom_values, projects, taggings,
};
use crate::db::{DbBackend, DbConnection};

pub const VISIBILITY_PROJECT: i32 = 0;
pub const VISIBILITY_PUBLIC: i32 = 1;
pub const VISIBILITY_PRIVATE: i32 = 2;

pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_INACTIVE: &str = "inactive";
pub const STATUS_ARCHIVED: &str = "archived";

table_rows! {
    /// A contact: what reads return, and what `copy`, the bulk writers and `import-redmine` write.
    contacts: ContactRow, NewContactRow {
        first_name: String,
        last_name: Option<String>,
        middle_name: Option<String>,
        company: Option<String>,
        is_company: bool,
        job_title: Option<String>,
        website: Option<String>,
        skype_name: Option<String>,
        birthday: Option<NaiveDate>,
        background: Option<String>,
        phones: String,
        emails: String,
        visibility: i32,
        author_id: Option<i32>,
        assigned_to_id: Option<i32>,
        street1: Option<String>,
        street2: Option<String>,
        city: Option<String>,
        region: Option<String>,
        postcode: Option<String>,
        country_code: Option<String>,
        search_text: String,
        created_on: NaiveDateTime,
        updated_on: NaiveDateTime,
        /// Its projects' ids as the link triggers keep them (`project_ids_text`): what lists
        /// and shows decide a project contact's visibility by ('' in a new row: the links set it).
        project_ids: String,
        company_id: Option<i32>,
        primary_contact_id: Option<i32>,
        reports_to_id: Option<i32>,
        department: Option<String>,
        preferred_contact_method: Option<String>,
        /// `active`, `inactive` or `archived` (`STATUS_*`).
        status: String,
        external_id: Option<String>,
        /// The phones' and emails' types, one per item of `phones` and `emails` ('' when untyped).
        phone_types: String,
        email_types: String,
    }
}

impl ContactRow {
    /// Takes `stored`'s values of the columns Redmine has no word for (issue 23's records), which
    /// a re-import of the contact from Redmine must leave as they are.
    pub fn keep_record_columns(&mut self, stored: &ContactRow) {
        self.company_id = stored.company_id;
        self.primary_contact_id = stored.primary_contact_id;
        self.reports_to_id = stored.reports_to_id;
        self.department = stored.department.clone();
        self.preferred_contact_method = stored.preferred_contact_method.clone();
        self.status = stored.status.clone();
        self.external_id = stored.external_id.clone();
        if self.phones == stored.phones {
            self.phone_types = stored.phone_types.clone();
        }
        if self.emails == stored.emails {
            self.email_types = stored.email_types.clone();
        }
    }
}

/// A contact's link to a project.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = contacts_projects, treat_none_as_default_value = false)]
pub struct ContactProjectRow {
    pub contact_id: i32,
    pub project_id: i32,
}

/// A blank, active contact: what writers that know only Redmine's columns start from.
impl Default for NewContactRow {
    fn default() -> NewContactRow {
        NewContactRow {
            first_name: String::new(),
            last_name: None,
            middle_name: None,
            company: None,
            is_company: false,
            job_title: None,
            website: None,
            skype_name: None,
            birthday: None,
            background: None,
            phones: String::new(),
            emails: String::new(),
            visibility: VISIBILITY_PROJECT,
            author_id: None,
            assigned_to_id: None,
            street1: None,
            street2: None,
            city: None,
            region: None,
            postcode: None,
            country_code: None,
            search_text: String::new(),
            created_on: NaiveDateTime::default(),
            updated_on: NaiveDateTime::default(),
            project_ids: String::new(),
            company_id: None,
            primary_contact_id: None,
            reports_to_id: None,
            department: None,
            preferred_contact_method: None,
            status: STATUS_ACTIVE.to_string(),
            external_id: None,
            phone_types: String::new(),
            email_types: String::new(),
        }
    }
}

/// The columns an update writes: `None` leaves a column, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = contacts)]
pub struct ContactChanges {
    pub first_name: Option<String>,
    pub last_name: Option<Option<String>>,
    pub middle_name: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub is_company: Option<bool>,
    pub job_title: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub skype_name: Option<Option<String>>,
    pub birthday: Option<Option<NaiveDate>>,
    pub background: Option<Option<String>>,
    pub phones: Option<String>,
    pub emails: Option<String>,
    pub visibility: Option<i32>,
    pub assigned_to_id: Option<Option<i32>>,
    pub street1: Option<Option<String>>,
    pub street2: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub postcode: Option<Option<String>>,
    pub country_code: Option<Option<String>>,
    pub search_text: Option<String>,
    pub updated_on: Option<NaiveDateTime>,
    pub company_id: Option<Option<i32>>,
    pub primary_contact_id: Option<Option<i32>>,
    pub reports_to_id: Option<Option<i32>>,
    pub department: Option<Option<String>>,
    pub preferred_contact_method: Option<Option<String>>,
    pub status: Option<String>,
    pub external_id: Option<Option<String>>,
    pub phone_types: Option<String>,
    pub email_types: Option<String>,
}

/// Which contacts a reader may see (the plugin's `visible_condition`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Admins: everything.
    All,
    /// Public contacts when `projects` is not empty; contacts of `projects`, private ones only
    /// those the user wrote or is assigned; every contact of `private_projects`. Both sorted.
    User { user_id: i32, projects: Vec<i32>, private_projects: Vec<i32> },
}

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortColumn {
    Id,
    Name,
    FirstName,
    LastName,
    Company,
    CreatedOn,
    UpdatedOn,
}

/// What a contacts list asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactQuery {
    pub visibility: Visibility,
    pub project_id: Option<i32>,
    /// Only contacts linked to no project (`project_id=none`).
    pub without_project: bool,
    /// Lower-cased words, each of which must occur in `search_text`.
    pub search_words: Vec<String>,
    /// Tags a contact must all carry: per tag asked for, the id of the tag of that name (any
    /// letter case, which the unique index on `lower(name)` makes one), or none when no tag
    /// has it, so that nothing matches.
    pub tag_ids: Vec<Vec<i32>>,
    pub updated_since: Option<NaiveDateTime>,
    /// People (not companies) whose `company` is one of these names.
    pub employee_of: Option<Vec<String>>,
    /// Companies with one of these names.
    pub company_named: Option<Vec<String>>,
    /// Custom fields whose values `search_words` also look in.
    pub searchable_fields: Vec<i32>,
    /// Only contacts with a greater id (keyset paging for exports).
    pub id_after: Option<i32>,
    /// Redmine's operator filters (`f[]`/`op`/`v`, their short forms, a search body), all of
    /// which must hold.
    pub conditions: Vec<Condition>,
    /// (column, descending); the id breaks ties.
    pub sort: Vec<(SortColumn, bool)>,
    /// Keyset paging: only the rows after (or, reading backwards, before) this position.
    pub seek: Option<Seek>,
    /// Only the rows before this position in the list's order (not reversed by `backwards`):
    /// where the blocks' counts say a deep page ends, so that no plan reads past it.
    pub until: Option<Seek>,
    /// Read the list in reverse order (a page before a cursor, or the last page); the caller
    /// turns the rows back.
    pub backwards: bool,
    /// Match `search_words` by reading each row's text in list order instead of asking the
    /// search index: cheaper for a page when a large share of the rows match.
    pub scan_search: bool,
    /// How the search words ask the text index.
    pub search_index: SearchIndex,
    /// The rows are already known (`matches` of this query): a page is read by these ids
    /// alone, every other condition having been tested when they were found.
    pub matched: Option<Vec<i32>>,
    /// Whether archived contacts are left out (unless a condition tests `status`).
    pub status: StatusFilter,
}

/// Which statuses a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatusFilter {
    /// All but archived contacts: what a list shows unless a filter names `status`.
    #[default]
    Listed,
    /// Every status: the list's conditions test it (`status=archived`, `status=*`).
    Any,
}

/// How search words ask the backend's text index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SearchIndex {
    /// `search_text LIKE '%word%'` per word on the contacts table: PostgreSQL's pg_trgm index
    /// answers it, several words in one index scan.
    #[default]
    Like,
    /// SQLite: one FTS5 `MATCH` of a few trigrams of every word, then `search_text LIKE
    /// '%word%'` on the rows it finds. The FTS5 table's trigram tokenizer makes each word's
    /// trigrams a sure sign of it (a row holding the word holds them), and asked as single
    /// tokens rather than as the word's phrase, FTS5 intersects their lists without comparing
    /// positions: at 1,000,000 contacts a first and last name took 9.6 ms as phrases, 2.9 ms as
    /// trigrams. The LIKE, on rows read anyway for their visibility, makes the match exact.
    Fts5Match,
}

impl SearchIndex {
    pub fn of(conn: &DbConnection) -> SearchIndex {
        match conn {
            DbConnection::Sqlite(_) => SearchIndex::Fts5Match,
            DbConnection::Postgres(_) => SearchIndex::Like,
        }
    }
}

/// An FTS5 query that every row containing all of `words` matches: for each word, the trigrams
/// that cover it without overlapping (and its last, for the tail), each a token of its own.
/// Words shorter than three characters have no trigram and add nothing.
fn fts5_trigrams<'a>(words: impl IntoIterator<Item = &'a String>) -> String {
    let mut tokens: Vec<String> = Vec::new();
    for word in words {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 3 {
            continue;
        }
        let last = chars.len() - 3;
        let starts = (0..=last).step_by(3).chain(std::iter::once(last));
        for start in starts {
            let token = format!("\"{}\"", chars[start..start + 3].iter().collect::<String>().replace('"', "\"\""));
            if !tokens.contains(&token) {
                tokens.push(token);
            }
        }
    }
    tokens.join(" ")
}

/// Declares the contact columns operator filters compare, one line per column: the enum the
/// domain's field table names, and `$sql!(column)`, the column as an expression over whatever
/// source `contact_conditions!` builds for.
macro_rules! filter_columns {
    (
        text { $($text:ident => $text_col:ident $(listed $listed:tt)? $(searched $searched:tt)?),* $(,)? }
        int { $($int:ident => $int_col:ident),* $(,)? }
        time { $($time:ident => $time_col:ident),* $(,)? }
    ) => {
        /// A text column: compared lower-cased, a NULL as blank. A `listed` one holds a
        /// comma-separated list (emails, phones) whose items `=`, `^` and `$` test.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TextColumn { $($text),* }

        impl TextColumn {
            fn listed(self) -> bool {
                match self { $(TextColumn::$text => false $(|| $listed)?),* }
            }

            /// Whether `search_text` holds the column (lower-cased), so that its index can
            /// narrow a test of it first (`Condition::SearchText`).
            pub fn searched(self) -> bool {
                match self { $(TextColumn::$text => false $(|| $searched)?),* }
            }
        }

        /// An optional integer column naming another record (a user, a contact).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum IntColumn { $($int),* }

        /// A timestamp column.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TimeColumn { $($time),* }

        /// `$body` with `$e` bound to a closure giving the text column, lower-cased, blank for NULL.
        macro_rules! on_text_column {
            ($c:expr, |$e:ident| $body:expr) => {
                match $c { $(TextColumn::$text => { let $e = || unicode_lower(coalesce(contacts::$text_col.nullable(), "")); $body }),* }
            };
        }
        /// `$body` with `$e` bound to the integer column.
        macro_rules! on_int_column {
            ($c:expr, |$e:ident| $body:expr) => {
                match $c { $(IntColumn::$int => { let $e = contacts::$int_col; $body }),* }
            };
        }
        /// `$body` with `$e` bound to the time column.
        macro_rules! on_time_column {
            ($c:expr, |$e:ident| $body:expr) => {
                match $c { $(TimeColumn::$time => { let $e = contacts::$time_col; $body }),* }
            };
        }
    };
}

filter_columns! {
    text {
        FirstName => first_name searched true,
        LastName => last_name searched true,
        MiddleName => middle_name searched true,
        Company => company searched true,
        JobTitle => job_title searched true,
        Website => website,
        SkypeName => skype_name,
        Background => background,
        Street1 => street1,
        Street2 => street2,
        City => city,
        Region => region,
        Postcode => postcode,
        CountryCode => country_code,
        Emails => emails listed true searched true,
        Phones => phones listed true searched true,
        Department => department,
        PreferredContactMethod => preferred_contact_method,
        ExternalId => external_id,
        Status => status,
    }
    int {
        AssignedTo => assigned_to_id,
        Author => author_id,
        CompanyId => company_id,
        ReportsTo => reports_to_id,
    }
    time {
        CreatedOn => created_on,
        UpdatedOn => updated_on,
    }
}

/// One operator filter, as the domain reads it from Redmine's operators. Every test is true or
/// false for every row (never NULL), so `Not` is plain negation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// A text column, lower-cased and blank for NULL, against lower-cased text.
    Text(TextColumn, TextTest),
    /// An integer column holding one of these values.
    Int(IntColumn, Vec<i32>),
    /// An integer column that is set.
    IntSet(IntColumn),
    /// The contact's id: one of these, or within inclusive bounds.
    Ids(Vec<i32>),
    IdBetween(Option<i32>, Option<i32>),
    /// A time column from (inclusive) to (exclusive).
    Time(TimeColumn, Option<NaiveDateTime>, Option<NaiveDateTime>),
    IsCompany(bool),
    Visibility(Vec<i32>),
    /// Linked to one of these projects; empty: to any project.
    Projects(Vec<i32>),
    /// Carrying one of these tags; empty: any tag.
    Tagged(Vec<i32>),
    /// A value of custom field `.0` passing the test; `Present`: any value at all.
    Custom(i32, CustomTest),
    /// No row (a name nothing has, say).
    Never,
    /// `search_text` holds this lower-cased text, asked of its index (FTS5 on SQLite, the
    /// trigram index on PostgreSQL): what narrows a text test to a few rows before each is
    /// tested, since the columns themselves have no index.
    SearchText(String, SearchIndex),
}

/// How text is compared; the text is lower-cased by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TextTest {
    /// One of these, exactly (`""` is blank).
    Equals(Vec<String>),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
}

/// How a custom field's stored value is compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CustomTest {
    /// Exactly one of these stored values.
    Equals(Vec<String>),
    /// Lower-cased text.
    Text(TextTest),
    /// Text order within inclusive bounds (dates stored as YYYY-MM-DD).
    TextBetween(Option<String>, Option<String>),
    /// As numbers, within inclusive bounds; `postgres` guards the cast, which fails there on
    /// text that is no number.
    NumberBetween { min: Option<String>, max: Option<String>, postgres: bool },
    /// Any non-blank value.
    Present,
}

/// Where a keyset page starts: the sort keys and id of the row it follows (reading forwards) or
/// precedes (reading backwards).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Seek {
    /// One per key of the sort (`SortColumn::keys`), in order.
    pub keys: Vec<KeyValue>,
    pub id: i32,
}

/// A sort key's value in a `Seek`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyValue {
    /// The column's text as stored (compared through the same `lower()` as the order).
    Text(String),
    Time(NaiveDateTime),
    Int(i32),
}

/// The kind of value each key of a sort column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Time,
    Int,
}

impl SortColumn {
    /// The keys a column sorts by, in order: what a `Seek` holds for it.
    pub fn keys(self) -> &'static [KeyKind] {
        match self {
            SortColumn::Id => &[KeyKind::Int],
            SortColumn::Name => &[KeyKind::Text, KeyKind::Text],
            SortColumn::FirstName | SortColumn::LastName | SortColumn::Company => &[KeyKind::Text],
            SortColumn::CreatedOn | SortColumn::UpdatedOn => &[KeyKind::Time],
        }
    }

    /// A row's values of this column's keys, as a `Seek` holds them.
    pub fn key_values(self, row: &ContactRow) -> Vec<KeyValue> {
        let text = |t: Option<&String>| KeyValue::Text(t.cloned().unwrap_or_default());
        match self {
            SortColumn::Id => vec![KeyValue::Int(row.id)],
            SortColumn::Name => vec![KeyValue::Text(row.first_name.clone()), text(row.last_name.as_ref())],
            SortColumn::FirstName => vec![KeyValue::Text(row.first_name.clone())],
            SortColumn::LastName => vec![text(row.last_name.as_ref())],
            SortColumn::Company => vec![text(row.company.as_ref())],
            SortColumn::CreatedOn => vec![KeyValue::Time(row.created_on)],
            SortColumn::UpdatedOn => vec![KeyValue::Time(row.updated_on)],
        }
    }
}

impl ContactQuery {
    /// Every contact `visibility` allows, unfiltered.
    pub fn visible(visibility: Visibility) -> ContactQuery {
        ContactQuery {
            visibility,
            project_id: None,
            without_project: false,
            search_words: Vec::new(),
            tag_ids: Vec::new(),
            updated_since: None,
            employee_of: None,
            company_named: None,
            searchable_fields: Vec::new(),
            id_after: None,
            conditions: Vec::new(),
            sort: Vec::new(),
            seek: None,
            until: None,
            backwards: false,
            scan_search: false,
            matched: None,
            search_index: SearchIndex::default(),
            status: StatusFilter::Listed,
        }
    }

    /// The sort a page is read in: newest first unless asked otherwise.
    pub fn effective_sort(&self) -> Vec<(SortColumn, bool)> {
        if self.sort.is_empty() {
            vec![(SortColumn::CreatedOn, true)]
        } else {
            self.sort.clone()
        }
    }
}

/// `%word%` with LIKE's wildcards escaped, so a search for "50%" means the text.
pub(crate) fn contains_pattern(word: &str) -> String {
    format!("%{}%", escape_like(word))
}

/// A `TextTest` of `$text()`, a text column expression (see `Condition::Text`), as a `Test`.
macro_rules! text_test {
    ($text:ident, $test:expr, $listed:expr) => {{
        // A list column's items sit between ", " separators: framed by them, an item's start
        // follows ", " and its end precedes one.
        let t: Test = match $test {
            TextTest::Equals(values) if $listed => {
                let mut any: Option<Test> = None;
                for v in values {
                    let one: Test = if v.is_empty() {
                        Box::new($text().eq(""))
                    } else {
                        let pattern = format!("%, {}, %", escape_like(v));
                        Box::new(", ".into_sql::<Text>().concat($text()).concat(", ").like(pattern).escape('\\'))
                    };
                    any = Some(match any {
                        Some(before) => Box::new(before.or(one)),
                        None => one,
                    });
                }
                any.unwrap_or_else(|| Box::new(diesel::dsl::sql::<Bool>("1 = 0")))
            }
            TextTest::Equals(values) => Box::new($text().eq_any(values.clone())),
            TextTest::Contains(v) => Box::new($text().like(contains_pattern(v)).escape('\\')),
            TextTest::StartsWith(v) if $listed => {
                Box::new(", ".into_sql::<Text>().concat($text()).like(format!("%, {}%", escape_like(v))).escape('\\'))
            }
            TextTest::StartsWith(v) => Box::new($text().like(format!("{}%", escape_like(v))).escape('\\')),
            TextTest::EndsWith(v) if $listed => {
                Box::new($text().concat(", ").like(format!("%{}, %", escape_like(v))).escape('\\'))
            }
            TextTest::EndsWith(v) => Box::new($text().like(format!("%{}", escape_like(v))).escape('\\')),
        };
        t
    }};
}

/// Defines `$name(q)`: the column filters of `q` (all but tags) as boxed conditions over `$source`, a query source
/// that contains `contacts` (the table alone, or joined to its taggings for tag counts). A
/// macro, because a boxed condition is typed by its exact source.
macro_rules! contact_conditions {
    ($name:ident, $condition:ident, $source:ty) => {
        /// One operator filter as a condition over the source.
        fn $condition(c: &Condition) -> Box<dyn BoxableExpression<$source, DbBackend, SqlType = Bool>> {
            type Test = Box<dyn BoxableExpression<$source, DbBackend, SqlType = Bool>>;
            let always = || -> Test { Box::new(diesel::dsl::sql::<Bool>("1 = 1")) };
            let never = || -> Test { Box::new(diesel::dsl::sql::<Bool>("1 = 0")) };
            match c {
                Condition::All(all) => all.iter().map($condition).reduce(|a, b| Box::new(a.and(b))).unwrap_or_else(always),
                Condition::Any(any) => any.iter().map($condition).reduce(|a, b| Box::new(a.or(b))).unwrap_or_else(never),
                Condition::Not(inner) => Box::new(diesel::dsl::not($condition(inner))),
                Condition::Never => never(),
                Condition::SearchText(text, SearchIndex::Fts5Match) => Box::new(contacts::id.eq_any(
                    contacts_search::table
                        .filter(
                            diesel::dsl::sql::<Bool>("contacts_search MATCH ")
                                .bind::<diesel::sql_types::Text, _>(fts5_trigrams([text])),
                        )
                        .select(contacts_search::rowid),
                )),
                Condition::SearchText(text, SearchIndex::Like) => {
                    Box::new(contacts::search_text.like(contains_pattern(text)).escape('\\'))
                }
                Condition::Text(column, test) => {
                    let listed = column.listed();
                    on_text_column!(column, |text| text_test!(text, test, listed))
                }
                Condition::Int(column, values) => on_int_column!(column, |value| {
                    let t: Test = Box::new(value.is_not_null().and(value.assume_not_null().eq_any(values.clone())));
                    t
                }),
                Condition::IntSet(column) => on_int_column!(column, |value| {
                    let t: Test = Box::new(value.is_not_null());
                    t
                }),
                Condition::Ids(ids) => Box::new(contacts::id.eq_any(ids.clone())),
                Condition::IdBetween(min, max) => {
                    let mut tests: Vec<Test> = Vec::new();
                    if let Some(min) = min {
                        tests.push(Box::new(contacts::id.ge(*min)));
                    }
                    if let Some(max) = max {
                        tests.push(Box::new(contacts::id.le(*max)));
                    }
                    tests.into_iter().reduce(|a, b| Box::new(a.and(b))).unwrap_or_else(always)
                }
                Condition::Time(column, from, to) => on_time_column!(column, |time| {
                    let t: Test = match (from, to) {
                        (Some(from), Some(to)) => Box::new(time.ge(*from).and(time.lt(*to))),
                        (Some(from), None) => Box::new(time.ge(*from)),
                        (None, Some(to)) => Box::new(time.lt(*to)),
                        (None, None) => always(),
                    };
                    t
                }),
                Condition::IsCompany(flag) => Box::new(contacts::is_company.eq(*flag)),
                Condition::Visibility(levels) => Box::new(contacts::visibility.eq_any(levels.clone())),
                Condition::Projects(ids) if ids.is_empty() => Box::new(contacts::project_ids.ne("")),
                Condition::Projects(ids) => Box::new(exists(
                    contacts_projects::table
                        .filter(contacts_projects::contact_id.eq(contacts::id))
                        .filter(contacts_projects::project_id.eq_any(ids.clone())),
                )),
                Condition::Tagged(ids) => {
                    // An alias: the tag-list source joins `taggings` itself.
                    let tagging = diesel::alias!(taggings as tag_filter);
                    let of_contact = tagging.filter(tagging.field(taggings::contact_id).eq(contacts::id));
                    if ids.is_empty() {
                        Box::new(exists(of_contact))
                    } else {
                        Box::new(exists(of_contact.filter(tagging.field(taggings::tag_id).eq_any(ids.clone()))))
                    }
                }
                Condition::Custom(field, test) => {
                    let values = custom_values::table
                        .filter(custom_values::contact_id.eq(contacts::id.nullable()))
                        .filter(custom_values::custom_field_id.eq(*field));
                    let lowered = || unicode_lower(custom_values::value);
                    let present = || custom_values::value.ne("");
                    match test {
                        CustomTest::Equals(wanted) => Box::new(exists(values.filter(custom_values::value.eq_any(wanted.clone())))),
                        CustomTest::Present => Box::new(exists(values.filter(present()))),
                        CustomTest::Text(TextTest::Equals(wanted)) => Box::new(exists(values.filter(lowered().eq_any(wanted.clone())))),
                        CustomTest::Text(TextTest::Contains(v)) => {
                            Box::new(exists(values.filter(lowered().like(contains_pattern(v)).escape('\\'))))
                        }
                        CustomTest::Text(TextTest::StartsWith(v)) => {
                            Box::new(exists(values.filter(lowered().like(format!("{}%", escape_like(v))).escape('\\'))))
                        }
                        CustomTest::Text(TextTest::EndsWith(v)) => {
                            Box::new(exists(values.filter(lowered().like(format!("%{}", escape_like(v))).escape('\\'))))
                        }
                        // Dates, stored as YYYY-MM-DD: text order is date order. "~" sorts after
                        // every digit.
                        CustomTest::TextBetween(min, max) => Box::new(exists(values.filter(present()).filter(
                            custom_values::value
                                .ge(min.clone().unwrap_or_default())
                                .and(custom_values::value.le(max.clone().unwrap_or_else(|| "~".to_string()))),
                        ))),
                        CustomTest::NumberBetween { min, max, postgres } => {
                            // A value that is no number is NULL here, so no bound holds for it.
                            let number = diesel::dsl::sql::<diesel::sql_types::Double>(if *postgres {
                                "(CASE WHEN custom_values.value ~ '^\\s*[-+]?[0-9]+(\\.[0-9]+)?\\s*$' \
                                 THEN CAST(custom_values.value AS DOUBLE PRECISION) END)"
                            } else {
                                "(CASE WHEN trim(custom_values.value) = '' THEN NULL ELSE CAST(custom_values.value AS REAL) END)"
                            });
                            let bound = |text: &Option<String>, default: f64| {
                                text.as_deref().and_then(|t| t.parse::<f64>().ok()).unwrap_or(default)
                            };
                            Box::new(exists(values.filter(present()).filter(
                                number.clone().ge(bound(min, f64::MIN)).and(number.le(bound(max, f64::MAX))),
                            )))
                        }
                    }
                }
            }
        }

        fn $name(q: &ContactQuery) -> Vec<Box<dyn BoxableExpression<$source, DbBackend, SqlType = Bool>>> {
            let mut out: Vec<Box<dyn BoxableExpression<$source, DbBackend, SqlType = Bool>>> = Vec::new();
            for c in &q.conditions {
                out.push($condition(c));
            }
            if let Some(project_id) = q.project_id {
                out.push(Box::new(exists(
                    contacts_projects::table
                        .filter(contacts_projects::contact_id.eq(contacts::id))
                        .filter(contacts_projects::project_id.eq(project_id)),
                )));
            }
            if q.without_project {
                out.push(Box::new(contacts::project_ids.eq("")));
            }
            if q.status == StatusFilter::Listed {
                out.push(Box::new(contacts::status.ne(STATUS_ARCHIVED)));
            }
            if let Some(after) = q.id_after {
                out.push(Box::new(contacts::id.gt(after)));
            }
            if let Some(since) = q.updated_since {
                out.push(Box::new(contacts::updated_on.ge(since)));
            }
            if let Some(names) = &q.employee_of {
                out.push(Box::new(
                    contacts::is_company.eq(false).and(contacts::company.assume_not_null().eq_any(names.clone())),
                ));
            }
            if let Some(names) = &q.company_named {
                out.push(Box::new(contacts::is_company.eq(true).and(contacts::first_name.eq_any(names.clone()))));
            }
            // Words of three characters or more narrow the rows through the FTS5 index on SQLite
            // (its trigrams need three); with no custom field to search as well, all in one
            // MATCH. The LIKE of each word then decides (see `SearchIndex::Fts5Match`).
            let fts5 = q.search_index == SearchIndex::Fts5Match && !q.scan_search;
            let indexed = |word: &String| fts5 && word.chars().count() >= 3;
            let matching = |words: String| {
                contacts::id.eq_any(
                    contacts_search::table
                        .filter(
                            diesel::dsl::sql::<Bool>("contacts_search MATCH ")
                                .bind::<diesel::sql_types::Text, _>(words),
                        )
                        .select(contacts_search::rowid),
                )
            };
            if q.searchable_fields.is_empty() && q.search_words.iter().any(indexed) {
                out.push(Box::new(matching(fts5_trigrams(q.search_words.iter().filter(|w| indexed(w))))));
            }
            for word in &q.search_words {
                let pattern = contains_pattern(word);
                // PostgreSQL's trigram index answers this LIKE; on SQLite it tests the rows the
                // MATCH found, or each row walked (a short word, or a page read in list order).
                let like = contacts::search_text.like(pattern.clone()).escape('\\');
                let in_text: Box<dyn BoxableExpression<$source, DbBackend, SqlType = Bool>> =
                    if indexed(word) && !q.searchable_fields.is_empty() {
                        Box::new(matching(fts5_trigrams([word])).and(like))
                    } else {
                        Box::new(like)
                    };
                if q.searchable_fields.is_empty() {
                    out.push(in_text);
                } else {
                    let in_values = exists(
                        custom_values::table
                            .filter(custom_values::contact_id.eq(contacts::id.nullable()))
                            .filter(custom_values::custom_field_id.eq_any(q.searchable_fields.clone()))
                            .filter(unicode_lower(custom_values::value).like(pattern).escape('\\')),
                    );
                    out.push(Box::new(in_text.or(in_values)));
                }
            }
            if let Visibility::User { user_id, projects, private_projects } = &q.visibility {
                // The plugin's visible_condition (REDMINE_CRM.md §3.7). After the search words,
                // which rule out more rows for less: SQLite tries conditions in the order
                // written. The projects are tested on the row's own list of them, not by a
                // subquery on the links: a page of a filtered list may test thousands of rows.
                if projects.is_empty() {
                    // Reading contacts nowhere, not even the public ones.
                    out.push(Box::new(diesel::dsl::sql::<Bool>("1 = 0")));
                } else {
                    let readable = || shares_project(contacts::project_ids, project_ids_text(projects));
                    let own = contacts::author_id
                        .assume_not_null()
                        .eq(*user_id)
                        .or(contacts::assigned_to_id.assume_not_null().eq(*user_id))
                        .and(readable());
                    let private: Box<dyn BoxableExpression<$source, DbBackend, SqlType = Bool>> =
                        if private_projects.is_empty() {
                            Box::new(own)
                        } else {
                            Box::new(own.or(shares_project(contacts::project_ids, project_ids_text(private_projects))))
                        };
                    out.push(Box::new(
                        contacts::visibility
                            .eq(VISIBILITY_PUBLIC)
                            .or(contacts::visibility.eq(VISIBILITY_PROJECT).and(readable()))
                            .or(contacts::visibility.eq(VISIBILITY_PRIVATE).and(private)),
                    ));
                }
            }
            out
        }
    };
}

contact_conditions!(column_conditions, column_condition, contacts::table);
contact_conditions!(
    tagging_conditions,
    tagging_condition,
    diesel::dsl::InnerJoinQuerySource<taggings::table, contacts::table>
);

/// `word` with LIKE's wildcards escaped (by `\`).
fn escape_like(word: &str) -> String {
    let mut p = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p
}

/// Every filter of `q` over the contacts table: the column filters and the tags.
fn conditions(q: &ContactQuery) -> Vec<Box<dyn BoxableExpression<contacts::table, DbBackend, SqlType = Bool>>> {
    if let Some(ids) = &q.matched {
        return vec![Box::new(in_ids(contacts::id, ids))];
    }
    let mut out = column_conditions(q);
    // Tags last: a subquery per row, dearer than any column test.
    for ids in &q.tag_ids {
        out.push(Box::new(exists(
            taggings::table.filter(taggings::contact_id.eq(contacts::id)).filter(in_ids(taggings::tag_id, ids)),
        )));
    }
    out
}
/// (tag id, number of contacts) over the contacts matching `q` (tags filters aside), in one
/// grouped query.
pub fn tag_counts(conn: &mut DbConnection, q: &ContactQuery) -> QueryResult<Vec<(i32, i64)>> {
    let mut query = taggings::table
        .inner_join(contacts::table)
        .group_by(taggings::tag_id)
        .select((taggings::tag_id, count_star()))
        .into_boxed();
    for c in tagging_conditions(q) {
        query = query.filter(c);
    }
    query.load(conn)
}

/// The number of contacts matching `q`.
pub fn count(conn: &mut DbConnection, q: &ContactQuery) -> QueryResult<i64> {
    let mut query = contacts::table.select(count_star()).into_boxed();
    for c in conditions(q) {
        query = query.filter(c);
    }
    query.get_result(conn)
}

/// How many contacts match `q`, and their ids (in no order) when there are at most `most`: the
/// rows a page is then read from (`ContactQuery::matched`), so that a search asks its index and
/// tests its rows once, not once to count and again for the page.
pub fn matches(conn: &mut DbConnection, q: &ContactQuery, most: i64) -> QueryResult<(i64, Option<Vec<i32>>)> {
    let mut query = contacts::table.select(contacts::id).into_boxed();
    for c in conditions(q) {
        query = query.filter(c);
    }
    // On SQLite, when FTS5 narrows the rows, one walk counts and collects: counting after a
    // first `most` rows collected would read those again (a third more work for a one-word
    // search matching 15,000 of 1M). Without it every row is walked, and handing each match
    // over would cost more than counting them.
    let narrowed = q.search_index == SearchIndex::Fts5Match
        && q.searchable_fields.is_empty()
        && q.search_words.iter().any(|word| word.chars().count() >= 3);
    if narrowed && matches!(conn, DbConnection::Sqlite(_)) {
        let mut ids = Vec::new();
        let mut total = 0;
        for id in query.load_iter::<i32, diesel::connection::DefaultLoadingMode>(conn)? {
            let id = id?;
            total += 1;
            if total <= most {
                ids.push(id);
            }
        }
        return Ok((total, (total <= most).then_some(ids)));
    }
    if let DbConnection::Postgres(_) = conn {
        // PostgreSQL hands a streaming read its rows one by one: the total comes with the first
        // `most + 1` ids instead, counted over every match by the window before the limit.
        let rows: Vec<(i32, i64)> = query
            .select((contacts::id, diesel::dsl::sql::<BigInt>("count(*) OVER ()")))
            .limit(most.saturating_add(1))
            .load(conn)?;
        let total = rows.first().map_or(0, |&(_, total)| total);
        return Ok((total, (total <= most).then(|| rows.into_iter().map(|(id, _)| id).collect())));
    }
    // A walk of every row stops at `most + 1` matches when they are many.
    let ids: Vec<i32> = query.limit(most.saturating_add(1)).load(conn)?;
    if ids.len() as i64 > most {
        return Ok((count(conn, q)?, None));
    }
    Ok((ids.len() as i64, Some(ids)))
}

/// One page of contacts matching `q`, in its order (reversed when `q.backwards`), after its
/// seek position if any.
pub fn page(conn: &mut DbConnection, q: &ContactQuery, offset: i64, limit: i64) -> QueryResult<Vec<ContactRow>> {
    if let Some(tag_id) = leading_tag(q) {
        return tagged_page(conn, q, tag_id, offset, limit);
    }
    let mut query = contacts::table.select(ContactRow::as_select()).into_boxed();
    let sort = q.effective_sort();
    // The position first: SQLite tests conditions in the order written, and this one rules out
    // the rows an index walk meets before the position for the cost of a comparison.
    if let Some(seek) = &q.seek {
        query = query.filter(seek_condition(&sort, q.backwards, seek));
    }
    if let Some(until) = &q.until {
        query = query.filter(seek_condition(&sort, !q.backwards, until));
    }
    for c in conditions(q) {
        query = query.filter(c);
    }
    let mut last_desc = true;
    for (column, desc) in &sort {
        let desc = *desc != q.backwards;
        last_desc = desc;
        query = match (column, desc) {
            (SortColumn::Id, false) => query.then_order_by(contacts::id.asc()),
            (SortColumn::Id, true) => query.then_order_by(contacts::id.desc()),
            (SortColumn::Name, false) => {
                query.then_order_by(lower(contacts::first_name).asc()).then_order_by(last_name_key().asc())
            }
            (SortColumn::Name, true) => {
                query.then_order_by(lower(contacts::first_name).desc()).then_order_by(last_name_key().desc())
            }
            (SortColumn::FirstName, false) => query.then_order_by(lower(contacts::first_name).asc()),
            (SortColumn::FirstName, true) => query.then_order_by(lower(contacts::first_name).desc()),
            (SortColumn::LastName, false) => query.then_order_by(lower(coalesce(contacts::last_name, "")).asc()),
            (SortColumn::LastName, true) => query.then_order_by(lower(coalesce(contacts::last_name, "")).desc()),
            (SortColumn::Company, false) => query.then_order_by(lower(coalesce(contacts::company, "")).asc()),
            (SortColumn::Company, true) => query.then_order_by(lower(coalesce(contacts::company, "")).desc()),
            (SortColumn::CreatedOn, false) => query.then_order_by(contacts::created_on.asc()),
            (SortColumn::CreatedOn, true) => query.then_order_by(contacts::created_on.desc()),
            (SortColumn::UpdatedOn, false) => query.then_order_by(contacts::updated_on.asc()),
            (SortColumn::UpdatedOn, true) => query.then_order_by(contacts::updated_on.desc()),
        };
    }
    // Ties follow the direction of the last key, so "newest first" stays newest first.
    query = if last_desc { query.then_order_by(contacts::id.desc()) } else { query.then_order_by(contacts::id.asc()) };
    query.offset(offset).limit(limit).load(conn)
}

type ContactTest = Box<dyn BoxableExpression<contacts::table, DbBackend, SqlType = Bool>>;

/// `sort=name`'s second key, the blank written out: the name index (migration
/// 2026-12-14-000000) has it so, and SQLite matches an index's expression only to the same
/// text, not to a bound `''`.
fn last_name_key() -> diesel::expression::SqlLiteral<Text> {
    diesel::dsl::sql::<Text>("lower(coalesce(contacts.last_name, ''))")
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Below,
    AtOrBelow,
    Above,
    AtOrAbove,
}

/// The rows past `seek` in the order of `sort` (read backwards: before it), the id breaking
/// ties as in `page`. Written `k >= v AND (k > v OR …)` so that an index leading with the
/// first key bounds the scan on both backends.
fn seek_condition(sort: &[(SortColumn, bool)], backwards: bool, seek: &Seek) -> ContactTest {
    if let ([(SortColumn::Name, desc)], [KeyValue::Text(first), KeyValue::Text(last)]) = (sort, seek.keys.as_slice()) {
        return past_name(first, last, seek.id, *desc != backwards);
    }
    let mut keys: Vec<(SortColumn, usize, bool)> = Vec::new();
    for (column, desc) in sort {
        for index in 0..column.keys().len() {
            keys.push((*column, index, *desc != backwards));
        }
    }
    let last_desc = keys.last().is_none_or(|k| k.2);
    keys.push((SortColumn::Id, 0, last_desc));
    let mut values: Vec<&KeyValue> = seek.keys.iter().collect();
    let id = KeyValue::Int(seek.id);
    values.push(&id);
    if values.len() != keys.len() {
        return Box::new(diesel::dsl::sql::<Bool>("1 = 0"));
    }
    let steps: Vec<_> = keys.into_iter().zip(values).collect();
    past(&steps)
}

/// The rows past `(first, last, id)` in `sort=name`'s order, as one row comparison, which
/// PostgreSQL bounds its index scan by (the nested form of `past` bounds only the first name: a
/// walk from the start of a block read every contact of its first name before it). The first
/// name's own bound stays for SQLite, which bounds no index by a row comparison of expressions.
fn past_name(first: &str, last: &str, id: i32, desc: bool) -> ContactTest {
    let (first_bound, beyond) = if desc { (Cmp::AtOrBelow, ") < (lower(") } else { (Cmp::AtOrAbove, ") > (lower(") };
    let row =
        diesel::dsl::sql::<Bool>("(lower(contacts.first_name), lower(coalesce(contacts.last_name, '')), contacts.id")
            .sql(beyond)
            .bind::<Text, _>(first.to_string())
            .sql("), lower(")
            .bind::<Text, _>(last.to_string())
            .sql("), ")
            .bind::<diesel::sql_types::Integer, _>(id)
            .sql(")");
    Box::new(key_compared(SortColumn::Name, 0, &KeyValue::Text(first.to_string()), first_bound).and(row))
}

fn past(steps: &[((SortColumn, usize, bool), &KeyValue)]) -> ContactTest {
    let ((column, index, desc), value) = steps[0];
    let (beyond, beyond_or_at) = if desc { (Cmp::Below, Cmp::AtOrBelow) } else { (Cmp::Above, Cmp::AtOrAbove) };
    if steps.len() == 1 {
        return key_compared(column, index, value, beyond);
    }
    Box::new(
        key_compared(column, index, value, beyond_or_at)
            .and(key_compared(column, index, value, beyond).or(past(&steps[1..]))),
    )
}

/// Sort key `index` of `column` compared with `value`, through the expression `page` orders by.
fn key_compared(column: SortColumn, index: usize, value: &KeyValue, cmp: Cmp) -> ContactTest {
    macro_rules! compared {
        ($key:expr, $value:expr) => {
            match cmp {
                Cmp::Below => Box::new($key.lt($value)),
                Cmp::AtOrBelow => Box::new($key.le($value)),
                Cmp::Above => Box::new($key.gt($value)),
                Cmp::AtOrAbove => Box::new($key.ge($value)),
            }
        };
    }
    match (column, index, value) {
        (SortColumn::Id, _, KeyValue::Int(id)) => compared!(contacts::id, *id),
        (SortColumn::Name, 0, KeyValue::Text(t)) | (SortColumn::FirstName, _, KeyValue::Text(t)) => {
            compared!(lower(contacts::first_name), lower(t.clone()))
        }
        (SortColumn::Name, _, KeyValue::Text(t)) => compared!(last_name_key(), lower(t.clone())),
        (SortColumn::LastName, _, KeyValue::Text(t)) => {
            compared!(lower(coalesce(contacts::last_name, "")), lower(t.clone()))
        }
        (SortColumn::Company, _, KeyValue::Text(t)) => {
            compared!(lower(coalesce(contacts::company, "")), lower(t.clone()))
        }
        (SortColumn::CreatedOn, _, KeyValue::Time(t)) => compared!(contacts::created_on, *t),
        (SortColumn::UpdatedOn, _, KeyValue::Time(t)) => compared!(contacts::updated_on, *t),
        _ => Box::new(diesel::dsl::sql::<Bool>("1 = 0")),
    }
}

/// The tag a page of `q` is read by, newest first from that tag's own taggings: when `q` asks
/// for a tag (the first, when it names one tag id) and lists newest first.
fn leading_tag(q: &ContactQuery) -> Option<i32> {
    if q.matched.is_some() {
        return None;
    }
    let newest_first = q.sort.is_empty() || q.sort == [(SortColumn::CreatedOn, true)];
    match q.tag_ids.first().map(Vec::as_slice) {
        Some(&[tag_id]) if newest_first => Some(tag_id),
        _ => None,
    }
}

/// A newest-first page of the contacts carrying `tag_id` and matching the rest of `q`. It walks
/// the tag's taggings in list order (index `taggings_tag_newest`, migration 10) and tests their
/// contacts, so it reads about a page of rows however deep under newer, untagged contacts the
/// tag's newest ones lie; testing contacts newest first for the tag read all those above.
fn tagged_page(
    conn: &mut DbConnection,
    q: &ContactQuery,
    tag_id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ContactRow>> {
    let mut query = taggings::table
        .inner_join(contacts::table)
        .filter(taggings::tag_id.eq(tag_id))
        .select(ContactRow::as_select())
        .into_boxed();
    for c in tagging_conditions(q) {
        query = query.filter(c);
    }
    let other = diesel::alias!(taggings as other_tag);
    for ids in &q.tag_ids[1..] {
        query = query.filter(exists(
            other
                .filter(other.field(taggings::contact_id).eq(contacts::id))
                .filter(in_ids(other.field(taggings::tag_id), ids)),
        ));
    }
    // A seek on the default order, through the tagging's copy of the contact's created_on.
    if let Some(Seek { keys, id }) = &q.seek {
        let id = *id;
        match keys.as_slice() {
            [KeyValue::Time(t)] if q.backwards => {
                query = query.filter(
                    taggings::created_on.ge(*t).and(taggings::created_on.gt(*t).or(taggings::contact_id.gt(id))),
                )
            }
            [KeyValue::Time(t)] => {
                query = query.filter(
                    taggings::created_on.le(*t).and(taggings::created_on.lt(*t).or(taggings::contact_id.lt(id))),
                )
            }
            _ => query = query.filter(diesel::dsl::sql::<Bool>("1 = 0")),
        }
    }
    let query = if q.backwards {
        query.order((taggings::created_on.asc(), taggings::contact_id.asc()))
    } else {
        query.order((taggings::created_on.desc(), taggings::contact_id.desc()))
    };
    query.offset(offset).limit(limit).load(conn)
}

/// A contact's projects as `contacts.project_ids` holds them (the tallies' key): the ids in
/// order, comma-separated, as the link triggers of migration 6 write them.
pub fn project_ids_text(projects: &[i32]) -> String {
    let mut ids = projects.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// How many contacts `visibility` lets a reader see, archived ones or the others (`archived`;
/// none for both), summed from the running tallies that triggers keep (migrations 6, 17 and
/// contact_records): a few dozen rows read, whatever the number of contacts.
pub fn count_visible(conn: &mut DbConnection, visibility: &Visibility, archived: Option<bool>) -> QueryResult<i64> {
    let (user_id, projects, private_projects) = match visibility {
        Visibility::All => {
            let mut query = contact_tallies::table
                .filter(contact_tallies::visibility.ne(TALLY_PRIVATE_BY_PROJECTS))
                .select(diesel::dsl::sql::<BigInt>("CAST(coalesce(sum(contacts), 0) AS BIGINT)"))
                .into_boxed();
            if let Some(archived) = archived {
                query = query.filter(contact_tallies::archived.eq(archived));
            }
            return query.get_result(conn);
        }
        Visibility::User { projects, .. } if projects.is_empty() => return Ok(0),
        Visibility::User { user_id, projects, private_projects } => (*user_id, projects, private_projects),
    };
    // Two seeks, by author (the key's prefix) and by assignee (its index), not one scan.
    let own = contact_tallies::visibility
        .eq(VISIBILITY_PRIVATE)
        .and(contact_tallies::author_id.eq(user_id))
        .or(contact_tallies::visibility.eq(VISIBILITY_PRIVATE).and(contact_tallies::assigned_to_id.eq(user_id)));
    let mut kinds = vec![VISIBILITY_PUBLIC, VISIBILITY_PROJECT];
    if !private_projects.is_empty() {
        kinds.push(TALLY_PRIVATE_BY_PROJECTS);
    }
    // Summed by set of projects in the database: hundreds of own private rows (one per author,
    // assignee and set of projects) come back as a few dozen.
    let mut query = contact_tallies::table
        .filter(contact_tallies::visibility.eq_any(kinds).or(own))
        .group_by((contact_tallies::visibility, contact_tallies::project_ids))
        .select((
            contact_tallies::visibility,
            contact_tallies::project_ids,
            diesel::dsl::sql::<BigInt>("CAST(sum(contacts) AS BIGINT)"),
        ))
        .into_boxed();
    if let Some(archived) = archived {
        query = query.filter(contact_tallies::archived.eq(archived));
    }
    let tallies: Vec<(i32, String, i64)> = query.load(conn)?;
    // The rule `shares_project` applies in SQL, decided here once per set of projects.
    let (readable, private) = (project_ids_text(projects), project_ids_text(private_projects));
    Ok(tallies
        .into_iter()
        .filter(|(visibility, ids, _)| match *visibility {
            VISIBILITY_PUBLIC => true,
            VISIBILITY_PROJECT => shares_project_ids(ids, &readable),
            TALLY_PRIVATE_BY_PROJECTS => shares_project_ids(ids, &private),
            // The user's own private contacts, unless counted above with all of their projects'.
            _ => shares_project_ids(ids, &readable) && !shares_project_ids(ids, &private),
        })
        .map(|(_, _, contacts)| contacts)
        .sum())
}

/// The tallies' second count of private contacts: all of them by set of projects, whoever
/// wrote them, for readers who hold `view_private_contacts` (migration 17).
pub const TALLY_PRIVATE_BY_PROJECTS: i32 = 3;

/// The highest contact id: an estimate of the table's size that costs one index probe.
pub fn id_ceiling(conn: &mut DbConnection) -> QueryResult<i64> {
    Ok(contacts::table.select(diesel::dsl::max(contacts::id)).first::<Option<i32>>(conn)?.map_or(0, i64::from))
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<ContactRow>> {
    crate::on_backend!(conn, |c| contacts::table.find(id).select(ContactRow::as_select()).first(c).optional())
}

/// Inserts a contact that the same transaction then links to `projects` (stored with the row,
/// the link trigger has nothing left to rewrite), and returns it as stored.
pub fn insert(conn: &mut DbConnection, row: &NewContactRow, projects: &[i32]) -> QueryResult<ContactRow> {
    let row = NewContactRow { project_ids: project_ids_text(projects), ..row.clone() };
    diesel::insert_into(contacts::table)
        .values(&row)
        // The columns `ContactRow` selects: `as_returning()` does not build for the two-backend
        // connection.
        .returning(<ContactRow as Selectable<DbBackend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConnection, id: i32, changes: &ContactChanges) -> QueryResult<usize> {
    diesel::update(contacts::table.find(id)).set(changes).execute(conn)
}

/// Takes the row's write lock before reading it (PostgreSQL locks the row; SQLite takes the
/// database write lock), so concurrent partial updates of one contact serialize and lose nothing.
pub fn lock(conn: &mut DbConnection, id: i32, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(contacts::table.find(id)).set(contacts::updated_on.eq(at)).execute(conn).map(|n| n == 1)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(contacts::table.find(id)).execute(conn)
}

/// People whose `company` names a renamed company, or who are linked to it (`company_id`),
/// follow the new name.
pub fn rename_company(
    conn: &mut DbConnection,
    company_id: i32,
    old: &str,
    new: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        contacts::table
            .filter(contacts::company.eq(old).or(contacts::company_id.eq(company_id)))
            .filter(contacts::is_company.eq(false)),
    )
    .set((contacts::company.eq(new), contacts::updated_on.eq(at)))
    .execute(conn)
}

/// Makes concurrent writers of one external id wait for each other until commit, so that the
/// check that it is free and the write that takes it cannot interleave. PostgreSQL only: on
/// SQLite the writer already holds the database's write lock.
pub fn lock_external_id(conn: &mut DbConnection, external_id: &str) -> QueryResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('contact_external_id:' || $1))")
            .bind::<diesel::sql_types::Text, _>(external_id)
            .execute(pg)?;
    }
    Ok(())
}

/// Whether a contact other than `except` in one of `projects` has `external_id`.
pub fn external_id_taken(
    conn: &mut DbConnection,
    external_id: &str,
    projects: &[i32],
    except: Option<i32>,
) -> QueryResult<bool> {
    let linked = exists(
        contacts_projects::table
            .filter(contacts_projects::contact_id.eq(contacts::id))
            .filter(contacts_projects::project_id.eq_any(projects.to_vec())),
    );
    diesel::select(exists(
        contacts::table
            .filter(contacts::external_id.eq(external_id))
            .filter(contacts::id.ne(except.unwrap_or(0)))
            .filter(linked),
    ))
    .get_result(conn)
}

/// The contact of `project_id` with `external_id`.
pub fn find_by_external_id(conn: &mut DbConnection, project_id: i32, external_id: &str) -> QueryResult<Option<i32>> {
    contacts::table
        .filter(contacts::external_id.eq(external_id))
        .filter(exists(
            contacts_projects::table
                .filter(contacts_projects::contact_id.eq(contacts::id))
                .filter(contacts_projects::project_id.eq(project_id)),
        ))
        .select(contacts::id)
        .first(conn)
        .optional()
}

/// Company `company_id` no longer names `person_id` as its primary contact (who left it).
pub fn drop_primary(conn: &mut DbConnection, company_id: i32, person_id: i32) -> QueryResult<usize> {
    diesel::update(contacts::table.find(company_id).filter(contacts::primary_contact_id.eq(person_id)))
        .set(contacts::primary_contact_id.eq(None::<i32>))
        .execute(conn)
}

/// Who `id` reports to: a step up a chain of reports.
pub fn reports_to(conn: &mut DbConnection, id: i32) -> QueryResult<Option<i32>> {
    Ok(contacts::table.find(id).select(contacts::reports_to_id).first(conn).optional()?.flatten())
}

pub fn project_ids(conn: &mut DbConnection, contact_id: i32) -> QueryResult<Vec<i32>> {
    contacts_projects::table
        .filter(contacts_projects::contact_id.eq(contact_id))
        .select(contacts_projects::project_id)
        .load(conn)
}

pub fn link_project(conn: &mut DbConnection, contact_id: i32, project_id: i32) -> QueryResult<usize> {
    diesel::insert_into(contacts_projects::table)
        .values((contacts_projects::contact_id.eq(contact_id), contacts_projects::project_id.eq(project_id)))
        .execute(conn)
}

/// The projects a contact belongs to, as rows (for permission checks on one contact).
pub fn project_rows(conn: &mut DbConnection, contact_id: i32) -> QueryResult<Vec<super::projects::ProjectRow>> {
    contacts_projects::table
        .inner_join(projects::table)
        .filter(contacts_projects::contact_id.eq(contact_id))
        .select(super::projects::ProjectRow::as_select())
        .order(projects::id.asc())
        .load(conn)
}

pub fn unlink_project(conn: &mut DbConnection, contact_id: i32, project_id: i32) -> QueryResult<usize> {
    diesel::delete(
        contacts_projects::table
            .filter(contacts_projects::contact_id.eq(contact_id))
            .filter(contacts_projects::project_id.eq(project_id)),
    )
    .execute(conn)
}

pub fn find_many(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<ContactRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    contacts::table.filter(in_ids(contacts::id, ids)).select(ContactRow::as_select()).load(conn)
}
