//! The import, table by table, in the order references need: users, projects, roles, members,
//! deal statuses and categories, tags, custom fields, contacts (with their projects, address,
//! tags and values), deals, notes, linked issues, saved queries, avatars.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::convert::{self, boolean, id, int, text, time, SourceZone};
use super::report::{Report, TableReport};
use super::source::{Opened, Row};
use super::target::Target;
use crate::db::schema::{
    attachments, contacts, contacts_issues, contacts_projects, crm_queries, custom_fields, custom_values,
    deal_categories, deal_statuses, deals, issues, member_roles, members, notes, projects, roles, taggings, tags,
    users,
};
use crate::db::DbConnection;
use crate::domain::custom_fields::normalize;
use crate::domain::permissions::Permissions;
use crate::store::attachments::FullAttachmentRow;
use crate::store::bulk::ROWS_PER_STATEMENT;
use crate::store::contacts::NewContactRow;
use crate::store::contacts::{ContactProjectRow, ContactRow};
use crate::store::copy::insert_rows;
use crate::store::custom_fields::{CustomFieldRow, CustomValueRow};
use crate::store::deals::{CategoryRow, DealRow, StatusRow};
use crate::store::issues::{ContactIssueRow, IssueRow};
use crate::store::members::{MemberRoleRow, MemberRow, RoleRow};
use crate::store::notes::NoteRow;
use crate::store::projects::ProjectRow;
use crate::store::queries::QueryRow;
use crate::store::tags::{TagRow, TaggingRow};
use crate::store::users::UserRow;

/// Source rows per batch, and so per transaction.
const BATCH: usize = 5_000;

pub struct Options {
    pub zone: SourceZone,
    pub files: Option<PathBuf>,
    /// Project identifiers to import (all when empty).
    pub projects: Vec<String>,
}

struct Run<'s, 'c> {
    src: &'s mut Opened,
    target: Target<'c>,
    zone: SourceZone,
    now: NaiveDateTime,
    /// Source ids of the contact and deal custom fields imported, with their target rows.
    fields: HashMap<i32, CustomFieldRow>,
    /// Enumeration value ids → names, for `enumeration` fields read as lists.
    enumerations: HashMap<i32, String>,
    /// The next free custom value id.
    next_value: i32,
}

/// Imports everything (`conn` None: a dry run) and returns the report.
pub fn import(
    src: &mut Opened,
    conn: Option<&mut DbConnection>,
    options: &Options,
    facts: Vec<String>,
) -> anyhow::Result<Report> {
    let dry_run = conn.is_none();
    let mut run = Run {
        src,
        target: Target::new(conn)?,
        zone: options.zone,
        now: crate::store::now(),
        fields: HashMap::new(),
        enumerations: HashMap::new(),
        next_value: 1,
    };
    let mut report = Report { source: facts, dry_run, tables: Vec::new() };
    // Checked before anything is written: a project named that the source lacks.
    let selected = run.selected_projects(&options.projects)?;
    let steps: [&Step; 14] = [
        &|r| r.users(),
        &|r| r.projects(selected.as_ref()),
        &|r| r.roles(),
        &|r| r.members(),
        &|r| r.deal_statuses(),
        &|r| r.deal_categories(),
        &|r| r.tags(),
        &|r| r.custom_fields(),
        &|r| r.contacts(selected.is_some()),
        &|r| r.deals(),
        &|r| r.notes(),
        &|r| r.issues(),
        &|r| r.queries(),
        &|r| r.avatars(options.files.as_deref()),
    ];
    for step in steps {
        let started = std::time::Instant::now();
        let mut table = step(&mut run)?;
        table.seconds = started.elapsed().as_secs_f64();
        report.tables.push(table);
    }
    if !run.src.latin1.is_empty() {
        let mut t = TableReport::new("text");
        let mut by_column: HashMap<String, usize> = HashMap::new();
        for c in &run.src.latin1 {
            *by_column.entry(c.clone()).or_default() += 1;
        }
        let mut columns: Vec<_> = by_column.into_iter().collect();
        columns.sort();
        for (column, n) in columns {
            t.problem(column, format!("{n} values were not UTF-8: read as Latin-1"));
        }
        report.tables.push(t);
    }
    Ok(report)
}

/// One table's import.
type Step<'a> = dyn Fn(&mut Run) -> anyhow::Result<TableReport> + 'a;

/// A progress bar for one table (drawn only on a terminal).
fn bar(name: &'static str, len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64).with_style(
        indicatif::ProgressStyle::with_template("{msg:>18} [{bar:40}] {pos}/{len} ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(name);
    bar
}

/// Target ids of `table` (none on a dry run: the target counts as empty).
macro_rules! existing_ids {
    ($run:expr, $table:ident) => {
        match $run.target.conn.as_deref_mut() {
            Some(conn) => $table::table.select($table::id).load::<i32>(conn)?.into_iter().collect::<HashSet<i32>>(),
            None => HashSet::new(),
        }
    };
}

/// Inserts the new rows and updates the others of one table (the caller's transaction).
macro_rules! upsert {
    ($conn:expr, $table:ident, $new:expr, $changed:expr) => {{
        for chunk in $new.chunks(ROWS_PER_STATEMENT) {
            insert_rows!($conn, $table::table, chunk)?;
        }
        for row in $changed.iter() {
            diesel::update($table::table.find(row.id)).set(row).execute($conn)?;
        }
    }};
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

impl Run<'_, '_> {
    fn time_or_now(&self, cell: &Option<String>) -> NaiveDateTime {
        time(cell, self.zone).unwrap_or(self.now)
    }

    /// Source ids of the projects asked for; an unknown identifier is an error.
    fn selected_projects(&mut self, identifiers: &[String]) -> anyhow::Result<Option<HashSet<i32>>> {
        if identifiers.is_empty() {
            return Ok(None);
        }
        let rows = self.src.select("projects", &["id", "identifier"], "", "id")?;
        let mut ids = HashSet::new();
        for wanted in identifiers {
            let found = rows.iter().find(|r| r[1].as_deref() == Some(wanted.trim()));
            match found.and_then(|r| id(&r[0])) {
                Some(i) => ids.insert(i),
                None => anyhow::bail!("--projects: the source has no project {:?}", wanted.trim()),
            };
        }
        Ok(Some(ids))
    }

    fn users(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("users");
        let cols = [
            "id",
            "login",
            "hashed_password",
            "salt",
            "firstname",
            "lastname",
            "admin",
            "status",
            "auth_source_id",
            "created_on",
            "updated_on",
            "last_login_on",
            "type",
            "mail",
        ];
        let all = self.src.select("users", &cols, "", "id")?;
        let mut mails: HashMap<i32, String> = HashMap::new();
        for r in
            self.src.select("email_addresses", &["user_id", "address", "is_default"], "", "is_default DESC, id DESC")?
        {
            if let (Some(u), Some(a)) = (id(&r[0]), text(&r[1])) {
                mails.entry(u).or_insert(a);
            }
        }
        let mut keys: HashMap<i32, String> = HashMap::new();
        for r in self.src.select("tokens", &["user_id", "value"], "action = 'api'", "id")? {
            if let (Some(u), Some(v)) = (id(&r[0]), text(&r[1])) {
                keys.insert(u, v);
            }
        }
        let rows: Vec<Row> = all
            .into_iter()
            .filter(|r| matches!(r[12].as_deref(), None | Some("") | Some("User")) && int(&r[7]) != Some(0))
            .collect();
        t.read = rows.len();
        // A login the target already has, not from an earlier run, is that user: referenced,
        // not overwritten.
        let mut by_login: HashMap<String, (i32, String)> = HashMap::new();
        let mut key_owner: HashMap<String, i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (uid, login, hash, key) in users::table
                .select((users::id, users::login, users::hashed_password, users::api_key))
                .load::<(i32, String, String, String)>(conn)?
            {
                by_login.insert(lower(&login), (uid, hash));
                key_owner.insert(key, uid);
            }
        }
        let existing = existing_ids!(self, users);
        let ids: Vec<i32> = rows.iter().filter_map(|r| id(&r[0])).collect();
        let mut matched = HashMap::new();
        for r in &rows {
            if let (Some(sid), Some(login)) = (id(&r[0]), text(&r[1])) {
                if let Some((uid, _)) = by_login.get(&lower(&login)) {
                    matched.insert(sid, *uid);
                }
            }
        }
        self.target.assign("users", &ids, &existing, &matched);
        let mut new = Vec::new();
        let mut changed = Vec::new();
        let mut pairs = Vec::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let Some(place) = self.target.place("users", sid) else { continue };
            let login = text(&r[1]).unwrap_or_default();
            if place.keep {
                t.problem(
                    sid,
                    format!("login {login:?} is already a user here (#{}): that user is kept as it is", place.id),
                );
                continue;
            }
            let hashed = match (text(&r[2]), text(&r[3]), id(&r[8])) {
                (_, _, Some(_)) => {
                    t.problem(sid, "signs in through LDAP in Redmine: no password here, the API key still works");
                    "!ldap".to_string()
                }
                (Some(hash), salt, None) => {
                    format!("{}{}${}", crate::domain::users::REDMINE_SHA1, salt.unwrap_or_default(), hash)
                }
                (None, _, None) => "!none".to_string(),
            };
            // A password already used here (rehashed at its first sign-in) stays.
            let hashed = match by_login.get(&lower(&login)) {
                Some((_, h))
                    if !place.new && !h.starts_with(crate::domain::users::REDMINE_SHA1) && !h.starts_with('!') =>
                {
                    h.clone()
                }
                _ => hashed,
            };
            let status = match int(&r[7]) {
                Some(1) => 1,
                Some(3) => 3,
                other => {
                    t.problem(sid, format!("status {} (registered, not activated): locked here", other.unwrap_or(-1)));
                    3
                }
            };
            let api_key = match keys.get(&sid) {
                Some(k) if key_owner.get(k).is_none_or(|o| *o == place.id) => k.clone(),
                Some(_) => {
                    t.problem(sid, "API key already belongs to another user here: a new key was made");
                    crate::domain::users::generate_api_key()
                }
                None => crate::domain::users::generate_api_key(),
            };
            let firstname = text(&r[4]).unwrap_or_else(|| login.clone());
            let row = UserRow {
                id: place.id,
                login,
                hashed_password: hashed,
                firstname,
                lastname: text(&r[5]).unwrap_or_default(),
                mail: mails.get(&sid).cloned().or_else(|| text(&r[13])),
                admin: boolean(&r[6]).unwrap_or(false),
                status,
                api_key_digest: crate::domain::users::key_digest(&api_key),
                api_key,
                created_on: self.time_or_now(&r[9]),
                updated_on: self.time_or_now(&r[10]),
                last_login_on: time(&r[11], self.zone),
            };
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, users, new, changed);
            Target::remember(c, "users", &pairs)
        })?;
        Ok(t)
    }

    fn projects(&mut self, selected: Option<&HashSet<i32>>) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("projects");
        let cols = ["id", "name", "identifier", "description", "is_public", "status", "created_on", "updated_on"];
        let rows = self.src.select("projects", &cols, "", "id")?;
        t.read = rows.len();
        let mut modules: HashMap<i32, BTreeSet<String>> = HashMap::new();
        for r in self.src.select("enabled_modules", &["project_id", "name"], "", "")? {
            if let (Some(p), Some(n)) = (id(&r[0]), text(&r[1])) {
                modules.entry(p).or_default().insert(n);
            }
        }
        let mut by_identifier: HashMap<String, i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (pid, ident) in
                projects::table.select((projects::id, projects::identifier)).load::<(i32, String)>(conn)?
            {
                by_identifier.insert(ident, pid);
            }
        }
        let existing = existing_ids!(self, projects);
        let mut ids = Vec::new();
        let mut matched = HashMap::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            if selected.is_some_and(|s| !s.contains(&sid)) {
                t.skip(sid, "not among --projects");
                continue;
            }
            ids.push(sid);
            if let Some(pid) = text(&r[2]).and_then(|i| by_identifier.get(&i)) {
                matched.insert(sid, *pid);
            }
        }
        self.target.assign("projects", &ids, &existing, &matched);
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let Some(place) = self.target.place("projects", sid) else { continue };
            if place.keep {
                t.problem(
                    sid,
                    format!(
                        "identifier {:?} is already a project here: imported into it",
                        text(&r[2]).unwrap_or_default()
                    ),
                );
            }
            match int(&r[5]) {
                Some(9) | Some(10) => t.problem(sid, "archived in Redmine: an ordinary project here"),
                Some(5) => t.problem(sid, "closed in Redmine: an ordinary project here"),
                _ => {}
            }
            let m = modules.get(&sid);
            if !m.is_some_and(|m| m.contains("contacts") || m.contains("contacts_module")) {
                t.problem(sid, "the contacts module is not enabled in Redmine (this server has no modules)");
            }
            let row = ProjectRow {
                id: place.id,
                name: text(&r[1]).unwrap_or_default(),
                identifier: text(&r[2]).unwrap_or_default(),
                description: text(&r[3]),
                is_public: boolean(&r[4]).unwrap_or(true),
                created_on: self.time_or_now(&r[6]),
                updated_on: self.time_or_now(&r[7]),
            };
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, projects, new, changed);
            Target::remember(c, "projects", &pairs)
        })?;
        Ok(t)
    }

    fn roles(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("roles");
        let rows = self.src.select("roles", &["id", "name", "position", "builtin", "permissions"], "", "id")?;
        t.read = rows.len();
        let mut by_name: HashMap<String, i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (rid, name) in roles::table.select((roles::id, roles::name)).load::<(i32, String)>(conn)? {
                by_name.insert(name, rid);
            }
        }
        let existing = existing_ids!(self, roles);
        let mut ids = Vec::new();
        let mut matched = HashMap::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            if int(&r[3]).unwrap_or(0) != 0 {
                t.skip(sid, "built-in role (Non member / Anonymous): this server's rule for public projects stands in");
                continue;
            }
            ids.push(sid);
            if let Some(rid) = text(&r[1]).and_then(|n| by_name.get(&n)) {
                matched.insert(sid, *rid);
            }
        }
        self.target.assign("roles", &ids, &existing, &matched);
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let Some(place) = self.target.place("roles", sid) else { continue };
            let symbols = convert::symbols(r[4].as_deref().unwrap_or_default());
            let kept = Permissions::parse(&symbols.join(","));
            let unknown: Vec<&String> = symbols
                .iter()
                .filter(|s| s.contains("contact") || s.contains("deal") || s.contains("note"))
                .filter(|s| crate::domain::permissions::Permission::from_name(s).is_none())
                .collect();
            if !unknown.is_empty() {
                t.problem(
                    sid,
                    format!(
                        "CRM permissions this server does not have: {}",
                        unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
            let row = RoleRow {
                id: place.id,
                name: text(&r[1]).unwrap_or_default(),
                position: id(&r[2]).unwrap_or(sid),
                permissions: kept.to_stored(),
            };
            pairs.push((sid, place.id));
            // A role of the same name here takes Redmine's permissions.
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, roles, new, changed);
            Target::remember(c, "roles", &pairs)
        })?;
        Ok(t)
    }

    fn members(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("members");
        let rows = self.src.select("members", &["id", "user_id", "project_id", "created_on"], "", "id")?;
        t.read = rows.len();
        let mut roles_of: HashMap<i32, BTreeSet<i32>> = HashMap::new();
        for r in self.src.select("member_roles", &["member_id", "role_id"], "", "")? {
            if let (Some(m), Some(role)) = (id(&r[0]), id(&r[1])) {
                roles_of.entry(m).or_default().insert(role);
            }
        }
        let mut by_pair: HashMap<(i32, i32), i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (mid, u, p) in
                members::table
                    .select((members::id, members::user_id, members::project_id))
                    .load::<(i32, i32, i32)>(conn)?
            {
                by_pair.insert((u, p), mid);
            }
        }
        let existing = existing_ids!(self, members);
        let mut accepted = Vec::new();
        let mut seen = HashSet::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let user = id(&r[1]).and_then(|u| self.target.get("users", u));
            let project = id(&r[2]).and_then(|p| self.target.get("projects", p));
            match (user, project) {
                (None, _) => t.skip(sid, "not a user imported (a group: its users' own memberships carry its roles)"),
                (_, None) => t.skip(sid, "its project is not imported"),
                (Some(u), Some(p)) => {
                    if seen.insert((u, p)) {
                        accepted.push((sid, u, p, r));
                    } else {
                        t.skip(sid, "duplicate membership");
                    }
                }
            }
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        let matched: HashMap<i32, i32> =
            accepted.iter().filter_map(|(sid, u, p, _)| by_pair.get(&(*u, *p)).map(|m| (*sid, *m))).collect();
        self.target.assign("members", &ids, &existing, &matched);
        let (mut new, mut changed, mut pairs, mut links) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (sid, u, p, r) in &accepted {
            let Some(place) = self.target.place("members", *sid) else { continue };
            let row = MemberRow { id: place.id, user_id: *u, project_id: *p, created_on: self.time_or_now(&r[3]) };
            let mut role_ids: BTreeSet<i32> = BTreeSet::new();
            for role in roles_of.get(sid).into_iter().flatten() {
                match self.target.get("roles", *role) {
                    Some(rid) => {
                        role_ids.insert(rid);
                    }
                    None => t.problem(sid, format!("role #{role} is not imported")),
                }
            }
            links.extend(role_ids.into_iter().map(|role_id| MemberRoleRow { member_id: place.id, role_id }));
            pairs.push((*sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        let touched: Vec<i32> = pairs.iter().map(|p| p.1).collect();
        self.target.write(|c| {
            upsert!(c, members, new, changed);
            diesel::delete(member_roles::table.filter(member_roles::member_id.eq_any(&touched))).execute(c)?;
            for chunk in links.chunks(ROWS_PER_STATEMENT) {
                insert_rows!(c, member_roles::table, chunk)?;
            }
            Target::remember(c, "members", &pairs)
        })?;
        Ok(t)
    }

    fn deal_statuses(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("deal_statuses");
        let cols = ["id", "name", "position", "is_default", "status_type", "is_closed", "color"];
        let rows = self.src.select("deal_statuses", &cols, "", "id")?;
        t.read = rows.len();
        // The statuses a fresh database starts with give way to Redmine's, so deals keep their
        // status ids; only while no deal uses them.
        if !rows.is_empty() {
            self.target.write(|c| {
                let used: i64 = deals::table.count().get_result(c)?;
                if used == 0 {
                    let ours: Vec<i32> = crate::db::schema::redmine_import_ids::table
                        .filter(crate::db::schema::redmine_import_ids::source_table.eq("deal_statuses"))
                        .select(crate::db::schema::redmine_import_ids::target_id)
                        .load(c)?;
                    diesel::delete(deal_statuses::table.filter(deal_statuses::id.ne_all(ours))).execute(c)?;
                }
                Ok(())
            })?;
        }
        let mut by_name: HashMap<String, i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (sid, name) in
                deal_statuses::table.select((deal_statuses::id, deal_statuses::name)).load::<(i32, String)>(conn)?
            {
                by_name.insert(lower(&name), sid);
            }
        }
        let existing = existing_ids!(self, deal_statuses);
        let ids: Vec<i32> = rows.iter().filter_map(|r| id(&r[0])).collect();
        let matched: HashMap<i32, i32> =
            rows.iter().filter_map(|r| Some((id(&r[0])?, *by_name.get(&lower(&text(&r[1])?))?))).collect();
        self.target.assign("deal_statuses", &ids, &existing, &matched);
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let Some(place) = self.target.place("deal_statuses", sid) else { continue };
            let status_type = match (int(&r[4]), boolean(&r[5])) {
                (Some(n @ 0..=2), _) => n as i32,
                (None, Some(true)) => 1,
                _ => 0,
            };
            let row = StatusRow {
                id: place.id,
                name: text(&r[1]).unwrap_or_default(),
                position: id(&r[2]).unwrap_or(sid),
                is_default: boolean(&r[3]).unwrap_or(false),
                status_type,
                color: id(&r[6]).unwrap_or(11_184_810),
            };
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, deal_statuses, new, changed);
            Target::remember(c, "deal_statuses", &pairs)
        })?;
        Ok(t)
    }

    fn deal_categories(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("deal_categories");
        let rows = self.src.select("deal_categories", &["id", "name", "project_id"], "", "id")?;
        t.read = rows.len();
        let mut by_key: HashMap<(i32, String), i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (cid, p, name) in deal_categories::table
                .select((deal_categories::id, deal_categories::project_id, deal_categories::name))
                .load::<(i32, i32, String)>(conn)?
            {
                by_key.insert((p, name), cid);
            }
        }
        let existing = existing_ids!(self, deal_categories);
        let mut accepted = Vec::new();
        let mut seen = HashSet::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let Some(p) = id(&r[2]).and_then(|p| self.target.get("projects", p)) else {
                t.skip(sid, "its project is not imported");
                continue;
            };
            let name = text(&r[1]).unwrap_or_default();
            if !seen.insert((p, name.clone())) {
                t.skip(sid, "a category of the same name in the same project");
                continue;
            }
            accepted.push((sid, p, name));
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        let matched: HashMap<i32, i32> =
            accepted.iter().filter_map(|(sid, p, n)| by_key.get(&(*p, n.clone())).map(|c| (*sid, *c))).collect();
        self.target.assign("deal_categories", &ids, &existing, &matched);
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for (sid, p, name) in accepted {
            let Some(place) = self.target.place("deal_categories", sid) else { continue };
            let row = CategoryRow { id: place.id, project_id: p, name };
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, deal_categories, new, changed);
            Target::remember(c, "deal_categories", &pairs)
        })?;
        Ok(t)
    }

    fn tags(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("tags");
        let rows = self.src.select("tags", &["id", "name"], "", "id")?;
        t.read = rows.len();
        // Tags only other plugins use (the table may be shared) are theirs; unused ones are kept.
        let mut other_only: HashSet<i32> = HashSet::new();
        let mut contact_tags: HashSet<i32> = HashSet::new();
        for r in self.src.select("taggings", &["tag_id", "taggable_type"], "", "")? {
            if let Some(tag) = id(&r[0]) {
                if r[1].as_deref() == Some("Contact") {
                    contact_tags.insert(tag);
                } else {
                    other_only.insert(tag);
                }
            }
        }
        let mut by_name: HashMap<String, i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (tid, name) in tags::table.select((tags::id, tags::name)).load::<(i32, String)>(conn)? {
                by_name.insert(lower(&name), tid);
            }
        }
        let existing = existing_ids!(self, tags);
        let mut accepted: Vec<(i32, String)> = Vec::new();
        let mut first_of: HashMap<String, i32> = HashMap::new();
        let mut duplicates: Vec<(i32, i32)> = Vec::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            if other_only.contains(&sid) && !contact_tags.contains(&sid) {
                t.skip(sid, "used by another plugin only");
                continue;
            }
            let Some(name) = text(&r[1]) else {
                t.skip(sid, "blank name");
                continue;
            };
            match first_of.get(&lower(&name)) {
                Some(first) => {
                    t.problem(sid, format!("same name as tag #{first} ({name:?}): merged into it"));
                    duplicates.push((sid, *first));
                }
                None => {
                    first_of.insert(lower(&name), sid);
                    accepted.push((sid, name));
                }
            }
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        let matched: HashMap<i32, i32> =
            accepted.iter().filter_map(|(sid, n)| by_name.get(&lower(n)).map(|tid| (*sid, *tid))).collect();
        self.target.assign("tags", &ids, &existing, &matched);
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for (sid, name) in accepted {
            let Some(place) = self.target.place("tags", sid) else { continue };
            pairs.push((sid, place.id));
            let row = TagRow { id: place.id, name };
            if place.new {
                new.push(row);
            } else if !place.keep {
                changed.push(row);
            }
        }
        // A duplicate name points at its first tag.
        let mut places = Vec::new();
        for (dup, first) in duplicates {
            if let Some(target) = self.target.get("tags", first) {
                places.push((dup, target));
            }
        }
        self.target.alias("tags", &places);
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, tags, new, changed);
            Target::remember(c, "tags", &pairs)
        })?;
        Ok(t)
    }

    fn custom_fields(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("custom_fields");
        let cols = [
            "id",
            "type",
            "name",
            "field_format",
            "possible_values",
            "regexp",
            "min_length",
            "max_length",
            "is_required",
            "is_filter",
            "searchable",
            "multiple",
            "default_value",
            "position",
        ];
        let rows = self.src.select(
            "custom_fields",
            &cols,
            "type IN ('ContactCustomField', 'DealCustomField', 'NoteCustomField')",
            "id",
        )?;
        t.read = rows.len();
        let mut enumerations: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
        for r in self.src.select("custom_field_enumerations", &["id", "custom_field_id", "name"], "", "position, id")? {
            if let (Some(e), Some(f), Some(n)) = (id(&r[0]), id(&r[1]), text(&r[2])) {
                enumerations.entry(f).or_default().push((e, n.clone()));
                self.enumerations.insert(e, n);
            }
        }
        let mut by_key: HashMap<(String, String), i32> = HashMap::new();
        if let Some(conn) = self.target.conn.as_deref_mut() {
            for (fid, ty, name) in custom_fields::table
                .select((custom_fields::id, custom_fields::customized_type, custom_fields::name))
                .load::<(i32, String, String)>(conn)?
            {
                by_key.insert((ty, name), fid);
            }
        }
        let existing = existing_ids!(self, custom_fields);
        let mut accepted = Vec::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let kind = match r[1].as_deref() {
                Some("ContactCustomField") => "contact",
                Some("DealCustomField") => "deal",
                _ => {
                    t.skip(sid, "a field of notes: this server has no note fields");
                    continue;
                }
            };
            let format = text(&r[3]).unwrap_or_default();
            let format = match format.as_str() {
                "string" | "text" | "int" | "float" | "date" | "bool" | "list" | "link" => format,
                "enumeration" => "list".to_string(),
                other => {
                    t.skip(sid, &format!("format {other} has no counterpart here"));
                    continue;
                }
            };
            accepted.push((sid, kind, format, r));
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        let matched: HashMap<i32, i32> = accepted
            .iter()
            .filter_map(|(sid, kind, _, r)| {
                by_key.get(&(kind.to_string(), text(&r[2]).unwrap_or_default())).map(|f| (*sid, *f))
            })
            .collect();
        self.target.assign("custom_fields", &ids, &existing, &matched);
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for (sid, kind, format, r) in accepted {
            let Some(place) = self.target.place("custom_fields", sid) else { continue };
            let possible = match enumerations.get(&sid) {
                Some(list) if r[3].as_deref() == Some("enumeration") => {
                    t.problem(sid, "an enumeration in Redmine: a list of its values here");
                    list.iter().map(|(_, n)| n.clone()).collect()
                }
                _ => convert::yaml_list(r[4].as_deref().unwrap_or_default()),
            };
            let mut row = CustomFieldRow {
                id: place.id,
                customized_type: kind.to_string(),
                name: text(&r[2]).unwrap_or_default(),
                field_format: format,
                possible_values: possible.join("\n"),
                is_required: boolean(&r[8]).unwrap_or(false),
                is_filter: boolean(&r[9]).unwrap_or(false),
                searchable: boolean(&r[10]).unwrap_or(false),
                multiple: boolean(&r[11]).unwrap_or(false),
                default_value: text(&r[12]),
                regexp: text(&r[5]),
                min_length: id(&r[6]).filter(|n| *n > 0),
                max_length: id(&r[7]).filter(|n| *n > 0),
                position: id(&r[13]).unwrap_or(0),
            };
            // A default that does not fit would be written into every new contact.
            if let Some(default) = row.default_value.clone() {
                if let Err(message) = normalize(&row, &default) {
                    t.problem(sid, format!("default value {default:?} left out: {message}"));
                    row.default_value = None;
                }
            }
            self.fields.insert(sid, row.clone());
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, custom_fields, new, changed);
            Target::remember(c, "custom_fields", &pairs)
        })?;
        if let Some(conn) = self.target.conn.as_deref_mut() {
            let top: Option<i32> = custom_values::table.select(diesel::dsl::max(custom_values::id)).first(conn)?;
            self.next_value = top.unwrap_or(0) + 1;
        }
        Ok(t)
    }

    /// The values of `owner_type` rows in `lo..=hi` (source ids), checked against their fields:
    /// (source owner id, target field id, value).
    fn values(
        &mut self,
        owner_type: &str,
        lo: i32,
        hi: i32,
        t: &mut TableReport,
    ) -> anyhow::Result<Vec<(i32, i32, String)>> {
        let rows = self.src.select(
            "custom_values",
            &["customized_id", "custom_field_id", "value"],
            &format!("customized_type = '{owner_type}' AND customized_id >= {lo} AND customized_id <= {hi}"),
            "id",
        )?;
        let mut out: Vec<(i32, i32, String)> = Vec::new();
        let mut single: HashSet<(i32, i32)> = HashSet::new();
        let mut seen: HashSet<(i32, i32, String)> = HashSet::new();
        for r in rows {
            let (Some(owner), Some(field)) = (id(&r[0]), id(&r[1])) else { continue };
            let Some(value) = text(&r[2]) else { continue };
            let Some(f) = self.fields.get(&field) else { continue };
            let value = match self.enumerations.get(&value.parse::<i32>().unwrap_or(0)) {
                Some(name) if f.field_format == "list" && !f.possible_values().contains(&value.as_str()) => {
                    name.clone()
                }
                _ => value,
            };
            match normalize(f, &value) {
                Ok(stored) => {
                    if !seen.insert((owner, f.id, stored.clone())) {
                        continue;
                    }
                    if !f.multiple && !single.insert((owner, f.id)) {
                        t.problem(
                            owner,
                            format!("{}: more than one value for a single-value field: {value:?} left out", f.name),
                        );
                        continue;
                    }
                    out.push((owner, f.id, stored));
                }
                Err(message) => t.problem(owner, format!("{message}: value {value:?} left out")),
            }
        }
        Ok(out)
    }

    fn contacts(&mut self, only_selected: bool) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("contacts");
        let ids: Vec<i32> =
            self.src.select("contacts", &["id"], "", "id")?.into_iter().filter_map(|r| id(&r[0])).collect();
        t.read = ids.len();
        let existing = existing_ids!(self, contacts);
        self.target.assign("contacts", &ids, &existing, &HashMap::new());
        let cols = [
            "id",
            "first_name",
            "last_name",
            "middle_name",
            "company",
            "phone",
            "email",
            "website",
            "skype_name",
            "birthday",
            "background",
            "is_company",
            "author_id",
            "assigned_to_id",
            "created_on",
            "updated_on",
            "visibility",
            "address",
            "job_title",
        ];
        let progress = bar("contacts", ids.len());
        for chunk in ids.chunks(BATCH) {
            let (lo, hi) = (chunk[0], chunk[chunk.len() - 1]);
            let range = |column: &str| format!("{column} >= {lo} AND {column} <= {hi}");
            let rows = self.src.select("contacts", &cols, &range("id"), "id")?;
            let mut links: HashMap<i32, Vec<i32>> = HashMap::new();
            for r in self.src.select("contacts_projects", &["contact_id", "project_id"], &range("contact_id"), "")? {
                if let (Some(c), Some(p)) = (id(&r[0]), id(&r[1])) {
                    links.entry(c).or_default().push(p);
                }
            }
            let mut addresses: HashMap<i32, Vec<Row>> = HashMap::new();
            let address_cols = [
                "addressable_id",
                "street1",
                "street2",
                "city",
                "region",
                "postcode",
                "country_code",
                "address_type",
                "full_address",
            ];
            for r in self.src.select(
                "addresses",
                &address_cols,
                &format!("addressable_type = 'Contact' AND {}", range("addressable_id")),
                "id",
            )? {
                if let Some(c) = id(&r[0]) {
                    addresses.entry(c).or_default().push(r);
                }
            }
            let mut tag_links: HashMap<i32, Vec<i32>> = HashMap::new();
            for r in self.src.select(
                "taggings",
                &["taggable_id", "tag_id"],
                &format!("taggable_type = 'Contact' AND {}", range("taggable_id")),
                "id",
            )? {
                if let (Some(c), Some(tag)) = (id(&r[0]), id(&r[1])) {
                    tag_links.entry(c).or_default().push(tag);
                }
            }
            let mut values: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
            for (owner, field, value) in self.values("Contact", lo, hi, &mut t)? {
                values.entry(owner).or_default().push((field, value));
            }
            let mut batch = ContactWrite::default();
            for r in &rows {
                let Some(sid) = id(&r[0]) else { continue };
                let Some(place) = self.target.place("contacts", sid) else { continue };
                let mut project_ids: Vec<i32> = Vec::new();
                for p in links.get(&sid).into_iter().flatten() {
                    if let Some(target) = self.target.get("projects", *p) {
                        if !project_ids.contains(&target) {
                            project_ids.push(target);
                        }
                    }
                }
                if project_ids.is_empty() {
                    let reason = if only_selected && links.get(&sid).is_some_and(|l| !l.is_empty()) {
                        "not in the selected projects"
                    } else {
                        "no project (its projects were deleted)"
                    };
                    t.skip(sid, reason);
                    self.target.forget("contacts", sid);
                    continue;
                }
                project_ids.sort_unstable();
                let row = self.contact_row(sid, r, addresses.get(&sid), &mut t);
                let mut seen_tags = Vec::new();
                for tag in tag_links.get(&sid).into_iter().flatten() {
                    match self.target.get("tags", *tag) {
                        Some(tid) if !seen_tags.contains(&tid) => {
                            seen_tags.push(tid);
                            batch.taggings.push(TaggingRow {
                                contact_id: place.id,
                                tag_id: tid,
                                created_on: row.created_on,
                            });
                        }
                        Some(_) => {}
                        None => t.problem(sid, format!("tag #{tag} does not exist: left out")),
                    }
                }
                for (field, value) in values.get(&sid).into_iter().flatten() {
                    batch.values.push(CustomValueRow {
                        id: self.next_value,
                        custom_field_id: *field,
                        contact_id: Some(place.id),
                        deal_id: None,
                        value: value.clone(),
                    });
                    self.next_value += 1;
                }
                batch
                    .links
                    .extend(project_ids.iter().map(|p| ContactProjectRow { contact_id: place.id, project_id: *p }));
                let full = crate::store::bulk::with_id(place.id, row, &project_ids);
                batch.pairs.push((sid, place.id));
                if place.new {
                    batch.new.push(full);
                } else {
                    batch.changed.push(full);
                }
            }
            if let Some(conn) = self.target.conn.as_deref_mut() {
                batch.leave_unchanged(conn)?;
            }
            t.inserted += batch.new.len();
            t.updated += batch.changed.len();
            progress.inc(chunk.len() as u64);
            // No `contact.created` events, unlike the CSV import: see the module's doc.
            self.target.write(|c| batch.write(c))?;
        }
        progress.finish_and_clear();
        Ok(t)
    }

    fn contact_row(&self, sid: i32, r: &Row, addresses: Option<&Vec<Row>>, t: &mut TableReport) -> NewContactRow {
        let person = |cell: &Option<String>, what: &str, t: &mut TableReport| -> Option<i32> {
            let source = id(cell).filter(|u| *u != 0)?;
            let found = self.target.get("users", source);
            if found.is_none() {
                t.problem(sid, format!("{what} #{source} is not a user imported: left empty"));
            }
            found
        };
        let first_name = text(&r[1]).unwrap_or_else(|| {
            t.problem(sid, "blank first name");
            String::new()
        });
        let mut emails = convert::comma_list(&r[6], true);
        emails.retain(|e| {
            let ok = crate::domain::users::is_email(e);
            if !ok {
                t.problem(sid, format!("email {e:?} is not an address: left out"));
            }
            ok
        });
        let birthday = convert::date(&r[9]);
        if birthday.is_none() && text(&r[9]).is_some() {
            t.problem(sid, format!("birthday {:?} is not a date: left out", r[9].as_deref().unwrap_or_default()));
        }
        let visibility = match int(&r[16]) {
            None => 0,
            Some(v @ 0..=2) => v as i32,
            Some(other) => {
                t.problem(sid, format!("visibility {other} is unknown: project"));
                0
            }
        };
        // The business address (the one the contact form edits), else the first; the old
        // free-text `contacts.address` before plugin migration 32.
        let mut street1 = None;
        let (mut street2, mut city, mut region, mut postcode, mut country_code) = (None, None, None, None, None);
        if let Some(list) = addresses {
            let chosen = list.iter().find(|a| a[7].as_deref() == Some("business")).or(list.first());
            if list.len() > 1 {
                t.problem(sid, format!("{} addresses: only the business one is kept", list.len()));
            }
            if let Some(a) = chosen {
                street1 = text(&a[1]).or_else(|| text(&a[8]).filter(|_| text(&a[3]).is_none()));
                street2 = text(&a[2]);
                city = text(&a[3]);
                region = text(&a[4]);
                postcode = text(&a[5]);
                country_code = text(&a[6]).map(|c| c.to_ascii_uppercase());
            }
        } else if let Some(old) = text(&r[17]) {
            street1 = Some(old.replace(['\r', '\n'], " "));
        }
        if let Some(code) = country_code.clone() {
            if crate::domain::countries::country_name(&code).is_none() {
                t.problem(sid, format!("country code {code:?} is unknown: left out"));
                country_code = None;
            }
        }
        let created_on = self.time_or_now(&r[14]);
        let mut row = NewContactRow {
            first_name,
            last_name: text(&r[2]),
            middle_name: text(&r[3]),
            company: text(&r[4]),
            is_company: boolean(&r[11]).unwrap_or(false),
            job_title: text(&r[18]),
            website: text(&r[7]),
            skype_name: text(&r[8]),
            birthday,
            background: text(&r[10]),
            phones: convert::comma_list(&r[5], false).join(", "),
            emails: emails.join(", "),
            visibility,
            author_id: person(&r[12], "author", t),
            assigned_to_id: person(&r[13], "assignee", t),
            street1,
            street2,
            city,
            region,
            postcode,
            country_code,
            search_text: String::new(),
            created_on,
            updated_on: time(&r[15], self.zone).unwrap_or(created_on),
            ..NewContactRow::default()
        };
        row.search_text = crate::domain::contacts::search_text(&row);
        row
    }

    fn deals(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("deals");
        let cols = [
            "id",
            "name",
            "project_id",
            "contact_id",
            "price",
            "currency",
            "probability",
            "due_date",
            "background",
            "status_id",
            "category_id",
            "assigned_to_id",
            "author_id",
            "created_on",
            "updated_on",
        ];
        let rows = self.src.select("deals", &cols, "", "id")?;
        t.read = rows.len();
        let mut extra: HashMap<i32, Vec<i32>> = HashMap::new();
        for r in self.src.select("contacts_deals", &["deal_id", "contact_id"], "", "")? {
            if let (Some(d), Some(c)) = (id(&r[0]), id(&r[1])) {
                extra.entry(d).or_default().push(c);
            }
        }
        let default_status = self.default_status()?;
        let existing = existing_ids!(self, deals);
        let mut accepted = Vec::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            match id(&r[2]).and_then(|p| self.target.get("projects", p)) {
                Some(p) => accepted.push((sid, p, r)),
                None => t.skip(sid, "its project is not imported"),
            }
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        self.target.assign("deals", &ids, &existing, &HashMap::new());
        let (lo, hi) = (ids.first().copied().unwrap_or(0), ids.last().copied().unwrap_or(0));
        let values = self.values("Deal", lo, hi, &mut t)?;
        let (mut new, mut changed, mut pairs, mut new_values) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (sid, project, r) in accepted {
            let Some(place) = self.target.place("deals", sid) else { continue };
            let mut contact_id = id(&r[3]).and_then(|c| {
                let found = self.target.get("contacts", c);
                if found.is_none() {
                    t.problem(sid, format!("contact #{c} is not imported: no contact"));
                }
                found
            });
            let others: Vec<i32> = extra
                .get(&sid)
                .into_iter()
                .flatten()
                .filter(|c| Some(**c) != id(&r[3]))
                .filter_map(|c| self.target.get("contacts", *c))
                .collect();
            if !others.is_empty() {
                if contact_id.is_none() {
                    contact_id = others.first().copied();
                    t.problem(sid, "no main contact: its first related contact is");
                }
                let dropped = others.len() - usize::from(contact_id == others.first().copied());
                if dropped > 0 {
                    t.problem(sid, format!("{dropped} related contacts not kept (a deal has one contact here)"));
                }
            }
            let status_id = match id(&r[9]).and_then(|s| self.target.get("deal_statuses", s)) {
                Some(s) => s,
                None => {
                    t.problem(
                        sid,
                        format!("status {:?} is unknown: the default status", r[9].as_deref().unwrap_or("")),
                    );
                    default_status
                }
            };
            let price_cents = match convert::cents(&r[4]) {
                Some(Ok(c)) => Some(c),
                Some(Err(message)) => {
                    t.problem(sid, format!("{message}: left out"));
                    None
                }
                None => None,
            };
            let category_id = id(&r[10]).and_then(|c| self.target.get("deal_categories", c));
            let person = |cell: &Option<String>| id(cell).filter(|u| *u != 0).and_then(|u| self.target.get("users", u));
            let name = text(&r[1]).unwrap_or_default();
            let background = text(&r[8]);
            let created_on = self.time_or_now(&r[13]);
            let row = DealRow {
                id: place.id,
                search_text: crate::domain::deals::search_text(&name, background.as_deref()),
                name,
                project_id: project,
                contact_id,
                price_cents,
                currency: text(&r[5]),
                probability: id(&r[6]).map(|p| p.clamp(0, 100)),
                // A day, not an instant: the date Redmine shows, whatever the zone.
                due_date: convert::date(&r[7]),
                background,
                status_id,
                category_id,
                assigned_to_id: person(&r[11]),
                author_id: person(&r[12]),
                created_on,
                updated_on: time(&r[14], self.zone).unwrap_or(created_on),
            };
            for (_, field, value) in values.iter().filter(|v| v.0 == sid) {
                new_values.push(CustomValueRow {
                    id: self.next_value,
                    custom_field_id: *field,
                    contact_id: None,
                    deal_id: Some(place.id),
                    value: value.clone(),
                });
                self.next_value += 1;
            }
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        let touched: Vec<i32> = changed.iter().map(|d| d.id).collect();
        self.target.write(|c| {
            upsert!(c, deals, new, changed);
            for chunk in touched.chunks(1000) {
                diesel::delete(custom_values::table.filter(custom_values::deal_id.eq_any(chunk))).execute(c)?;
            }
            for chunk in new_values.chunks(ROWS_PER_STATEMENT) {
                insert_rows!(c, custom_values::table, chunk)?;
            }
            Target::remember(c, "deals", &pairs)
        })?;
        Ok(t)
    }

    fn default_status(&mut self) -> anyhow::Result<i32> {
        Ok(match self.target.conn.as_deref_mut() {
            Some(conn) => deal_statuses::table
                .order((deal_statuses::is_default.desc(), deal_statuses::position.asc()))
                .select(deal_statuses::id)
                .first::<i32>(conn)
                .optional()?
                .unwrap_or(1),
            None => 1,
        })
    }

    fn notes(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("notes");
        let ids: Vec<i32> =
            self.src.select("notes", &["id"], "", "id")?.into_iter().filter_map(|r| id(&r[0])).collect();
        t.read = ids.len();
        let existing = existing_ids!(self, notes);
        self.target.assign("notes", &ids, &existing, &HashMap::new());
        let cols = [
            "id",
            "subject",
            "content",
            "source_type",
            "source_id",
            "author_id",
            "created_on",
            "updated_on",
            "type_id",
        ];
        let progress = bar("notes", ids.len());
        for chunk in ids.chunks(BATCH) {
            let (lo, hi) = (chunk[0], chunk[chunk.len() - 1]);
            let rows = self.src.select("notes", &cols, &format!("id >= {lo} AND id <= {hi}"), "id")?;
            let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
            for r in &rows {
                let Some(sid) = id(&r[0]) else { continue };
                let Some(place) = self.target.place("notes", sid) else { continue };
                let owner = id(&r[4]);
                let (contact_id, deal_id) = match r[3].as_deref() {
                    Some("Contact") => (owner.and_then(|c| self.target.get("contacts", c)), None),
                    Some("Deal") => (None, owner.and_then(|d| self.target.get("deals", d))),
                    other => {
                        t.skip(
                            sid,
                            &format!("on a {} (only contacts' and deals' notes are kept)", other.unwrap_or("nothing")),
                        );
                        continue;
                    }
                };
                if contact_id.is_none() && deal_id.is_none() {
                    t.skip(sid, "orphan: its contact or deal is not imported (or gone)");
                    self.target.forget("notes", sid);
                    continue;
                }
                let created_on = self.time_or_now(&r[6]);
                let row = NoteRow {
                    id: place.id,
                    contact_id,
                    deal_id,
                    subject: text(&r[1]),
                    content: r[2].clone().unwrap_or_default(),
                    type_id: id(&r[8]).filter(|n| (0..=2).contains(n)),
                    author_id: id(&r[5]).filter(|u| *u != 0).and_then(|u| self.target.get("users", u)),
                    created_on,
                    updated_on: time(&r[7], self.zone).unwrap_or(created_on),
                };
                pairs.push((sid, place.id));
                if place.new {
                    new.push(row);
                } else {
                    changed.push(row);
                }
            }
            // A re-run rewrites only the notes that changed (a row at a time).
            if let Some(conn) = self.target.conn.as_deref_mut() {
                let ids: Vec<i32> = changed.iter().map(|n: &NoteRow| n.id).collect();
                let stored: HashMap<i32, NoteRow> = notes::table
                    .filter(notes::id.eq_any(ids))
                    .select(NoteRow::as_select())
                    .load(conn)?
                    .into_iter()
                    .map(|n| (n.id, n))
                    .collect();
                changed.retain(|n| stored.get(&n.id) != Some(n));
            }
            t.inserted += new.len();
            t.updated += changed.len();
            progress.inc(chunk.len() as u64);
            self.target.write(|c| {
                upsert!(c, notes, new, changed);
                Target::remember(c, "notes", &pairs)
            })?;
        }
        progress.finish_and_clear();
        Ok(t)
    }

    fn issues(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("issues");
        // Links: the PRO join table and, from plugin 4.3 on, issue fields of format contact or
        // company (a value per linked contact): both, as the schema notes say.
        let mut links: BTreeSet<(i32, i32)> = BTreeSet::new();
        for r in self.src.select("contacts_issues", &["issue_id", "contact_id"], "", "")? {
            if let (Some(i), Some(c)) = (id(&r[0]), id(&r[1])) {
                links.insert((i, c));
            }
        }
        let fields: Vec<i32> = self
            .src
            .select(
                "custom_fields",
                &["id"],
                "type = 'IssueCustomField' AND field_format IN ('contact', 'company')",
                "",
            )?
            .into_iter()
            .filter_map(|r| id(&r[0]))
            .collect();
        if !fields.is_empty() {
            let list = fields.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
            for r in self.src.select(
                "custom_values",
                &["customized_id", "value"],
                &format!("customized_type = 'Issue' AND custom_field_id IN ({list})"),
                "",
            )? {
                if let (Some(i), Some(c)) = (id(&r[0]), id(&r[1])) {
                    links.insert((i, c));
                }
            }
        }
        let deal_links = self.src.count("deals_issues", "")?;
        if deal_links > 0 {
            t.problem(
                "deals_issues",
                format!("{deal_links} deal ↔ issue links not kept: issues link to contacts here"),
            );
        }
        let wanted: BTreeSet<i32> = links.iter().map(|l| l.0).collect();
        let statuses = self.names("issue_statuses")?;
        let trackers = self.names("trackers")?;
        let cols = [
            "id",
            "project_id",
            "subject",
            "status_id",
            "tracker_id",
            "due_date",
            "assigned_to_id",
            "author_id",
            "created_on",
            "updated_on",
        ];
        let mut rows = Vec::new();
        let wanted_list: Vec<i32> = wanted.iter().copied().collect();
        for chunk in wanted_list.chunks(1000) {
            let list = chunk.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
            rows.extend(self.src.select("issues", &cols, &format!("id IN ({list})"), "id")?);
        }
        t.read = rows.len();
        let existing = existing_ids!(self, issues);
        let mut accepted = Vec::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            match id(&r[1]).and_then(|p| self.target.get("projects", p)) {
                Some(p) => accepted.push((sid, p, r)),
                None => t.skip(sid, "its project is not imported"),
            }
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        self.target.assign("issues", &ids, &existing, &HashMap::new());
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for (sid, project, r) in accepted {
            let Some(place) = self.target.place("issues", sid) else { continue };
            let person = |cell: &Option<String>| id(cell).filter(|u| *u != 0).and_then(|u| self.target.get("users", u));
            let created_on = self.time_or_now(&r[8]);
            let row = IssueRow {
                id: place.id,
                project_id: project,
                subject: text(&r[2]).unwrap_or_default(),
                status: id(&r[3]).and_then(|s| statuses.get(&s).cloned()).unwrap_or_else(|| "New".to_string()),
                tracker: id(&r[4]).and_then(|s| trackers.get(&s).cloned()).unwrap_or_else(|| "Support".to_string()),
                due_date: convert::date(&r[5]),
                assigned_to_id: person(&r[6]),
                author_id: person(&r[7]),
                created_on,
                updated_on: time(&r[9], self.zone).unwrap_or(created_on),
            };
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        let mut link_rows = Vec::new();
        let mut missing = 0;
        for (i, c) in &links {
            match (self.target.get("issues", *i), self.target.get("contacts", *c)) {
                (Some(issue_id), Some(contact_id)) => link_rows.push(ContactIssueRow { contact_id, issue_id }),
                _ => missing += 1,
            }
        }
        if missing > 0 {
            t.problem("links", format!("{missing} contact ↔ issue links whose contact or issue is not imported"));
        }
        link_rows.sort_by_key(|l| (l.contact_id, l.issue_id));
        link_rows.dedup_by_key(|l| (l.contact_id, l.issue_id));
        t.inserted = new.len();
        t.updated = changed.len();
        let touched: Vec<i32> = pairs.iter().map(|p| p.1).collect();
        self.target.write(|c| {
            upsert!(c, issues, new, changed);
            for chunk in touched.chunks(1000) {
                diesel::delete(contacts_issues::table.filter(contacts_issues::issue_id.eq_any(chunk))).execute(c)?;
            }
            for chunk in link_rows.chunks(ROWS_PER_STATEMENT) {
                insert_rows!(c, contacts_issues::table, chunk)?;
            }
            Target::remember(c, "issues", &pairs)
        })?;
        Ok(t)
    }

    fn names(&mut self, table: &str) -> anyhow::Result<HashMap<i32, String>> {
        Ok(self
            .src
            .select(table, &["id", "name"], "", "")?
            .into_iter()
            .filter_map(|r| Some((id(&r[0])?, text(&r[1])?)))
            .collect())
    }

    fn queries(&mut self) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("queries");
        let cols = ["id", "name", "type", "project_id", "user_id", "visibility", "is_public", "filters"];
        let rows = self.src.select("queries", &cols, "type IN ('ContactQuery', 'DealQuery')", "id")?;
        t.read = rows.len();
        let existing = existing_ids!(self, crm_queries);
        let mut accepted = Vec::new();
        for r in &rows {
            let Some(sid) = id(&r[0]) else { continue };
            let project = match id(&r[3]) {
                None => None,
                Some(p) => match self.target.get("projects", p) {
                    Some(p) => Some(p),
                    None => {
                        t.skip(sid, "its project is not imported");
                        continue;
                    }
                },
            };
            accepted.push((sid, project, r));
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        self.target.assign("queries", &ids, &existing, &HashMap::new());
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for (sid, project, r) in accepted {
            let Some(place) = self.target.place("queries", sid) else { continue };
            let object_type = if r[2].as_deref() == Some("DealQuery") { "deal" } else { "contact" };
            let visibility = match (int(&r[5]), boolean(&r[6])) {
                (Some(2), _) | (None, Some(true)) => 2,
                (Some(1), _) => {
                    t.problem(sid, "visible to chosen roles in Redmine: private to its owner here");
                    0
                }
                _ => 0,
            };
            let filters = self.query_string(sid, object_type, r[7].as_deref().unwrap_or_default(), &mut t);
            let row = QueryRow {
                id: place.id,
                name: text(&r[1]).unwrap_or_default(),
                object_type: object_type.to_string(),
                project_id: project,
                user_id: id(&r[4]).and_then(|u| self.target.get("users", u)),
                visibility,
                filters,
                created_on: self.now,
            };
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        self.target.write(|c| {
            upsert!(c, crm_queries, new, changed);
            Target::remember(c, "queries", &pairs)
        })?;
        Ok(t)
    }

    /// A saved query's Redmine filters as this server's list parameters (a contact query's in
    /// Redmine's long form); what has no counterpart is named in the report.
    fn query_string(&self, sid: i32, object_type: &str, yaml: &str, t: &mut TableReport) -> String {
        let mut params: Vec<(String, String)> = Vec::new();
        if object_type == "contact" {
            return self.contact_query_string(sid, yaml, t);
        }
        for f in convert::filters(yaml) {
            let op = f.operator.as_str();
            let joined = f.values.join(",");
            let mapped = match (f.field.as_str(), op) {
                ("assigned_to_id", "=") => {
                    let ids: Vec<String> = f
                        .values
                        .iter()
                        .filter_map(|v| {
                            if v == "me" {
                                Some(v.clone())
                            } else {
                                v.parse().ok().and_then(|u| self.target.get("users", u)).map(|u| u.to_string())
                            }
                        })
                        .collect();
                    ids.first().map(|id| ("assigned_to_id".to_string(), id.clone()))
                }
                ("status_id", "c") if object_type == "deal" => Some(("status_id".to_string(), "c".to_string())),
                ("status_id", "*") if object_type == "deal" => Some(("status_id".to_string(), "*".to_string())),
                ("status_id", "=") if object_type == "deal" && f.values.len() == 1 => f.values[0]
                    .parse()
                    .ok()
                    .and_then(|s| self.target.get("deal_statuses", s))
                    .map(|s| ("status_id".to_string(), s.to_string())),
                ("first_name" | "last_name" | "company" | "job_title" | "email" | "phone" | "search", "~") => {
                    Some(("search".to_string(), joined.clone()))
                }
                _ => None,
            };
            match mapped {
                Some(p) => params.push(p),
                // An open deal is the list's default: nothing to say.
                None if f.field == "status_id" && op == "o" => {}
                None => t.problem(sid, format!("filter {} {op} {joined:?} has no counterpart here: left out", f.field)),
            }
        }
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// A contact query's Redmine filters as Redmine's own long form, which the contacts list
    /// reads with every operator; the ids its values name (users, projects, contacts, custom
    /// fields) become this server's. A field the list has no filter for is named in the report.
    fn contact_query_string(&self, sid: i32, yaml: &str, t: &mut TableReport) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.append_pair("set_filter", "1");
        for f in convert::filters(yaml) {
            let (field, op) = (f.field.as_str(), f.operator.as_str());
            let mapped = |table: &'static str, keep: &str| -> Vec<String> {
                f.values
                    .iter()
                    .filter_map(|v| match v.parse() {
                        _ if v == keep => Some(v.clone()),
                        Ok(id) => self.target.get(table, id).map(|id| id.to_string()),
                        Err(_) => None,
                    })
                    .collect()
            };
            let (field, values) = match field {
                "assigned_to_id" | "author_id" => (field.to_string(), mapped("users", "me")),
                "project_id" => (field.to_string(), mapped("projects", "mine")),
                "ids" => (
                    field.to_string(),
                    f.values
                        .iter()
                        .flat_map(|v| v.split(','))
                        .filter_map(|v| v.trim().parse().ok().and_then(|id| self.target.get("contacts", id)))
                        .map(|id| id.to_string())
                        .collect(),
                ),
                cf if cf.starts_with("cf_") => {
                    match cf[3..].parse().ok().and_then(|id| self.target.get("custom_fields", id)) {
                        Some(id) => (format!("cf_{id}"), f.values.clone()),
                        None => {
                            t.problem(sid, format!("filter {field} names a custom field not imported: left out"));
                            continue;
                        }
                    }
                }
                known if crate::domain::contacts::filters::is_field(known) => (field.to_string(), f.values.clone()),
                _ => {
                    t.problem(
                        sid,
                        format!("filter {field} {op} {:?} has no counterpart here: left out", f.values.join(",")),
                    );
                    continue;
                }
            };
            out.append_pair("f[]", &field);
            out.append_pair(&format!("op[{field}]"), op);
            for v in values {
                out.append_pair(&format!("v[{field}][]"), &v);
            }
        }
        out.finish()
    }

    fn avatars(&mut self, files: Option<&std::path::Path>) -> anyhow::Result<TableReport> {
        let mut t = TableReport::new("avatars");
        let cols = ["id", "container_id", "filename", "disk_filename", "disk_directory", "author_id", "created_on"];
        let rows = self.src.select(
            "attachments",
            &cols,
            "container_type = 'Contact' AND description = 'avatar'",
            "id DESC",
        )?;
        // The newest avatar of each contact (uploads delete older ones; the app reads any).
        let mut seen = HashSet::new();
        let rows: Vec<&Row> = rows.iter().filter(|r| id(&r[1]).is_some_and(|c| seen.insert(c))).collect();
        t.read = rows.len();
        let existing = existing_ids!(self, attachments);
        let mut accepted = Vec::new();
        for r in rows {
            let Some(sid) = id(&r[0]) else { continue };
            let Some(contact) = id(&r[1]).and_then(|c| self.target.get("contacts", c)) else {
                t.skip(sid, "its contact is not imported");
                continue;
            };
            let Some(dir) = files else {
                t.skip(sid, "no --files directory given");
                continue;
            };
            let mut path = dir.to_path_buf();
            if let Some(sub) = text(&r[4]) {
                path.push(sub);
            }
            path.push(text(&r[3]).unwrap_or_default());
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(_) => {
                    t.skip(sid, "file missing");
                    t.problem(sid, format!("file missing: {}", path.display()));
                    continue;
                }
            };
            match crate::domain::attachments::CheckedFile::image(&text(&r[2]).unwrap_or_default(), &bytes) {
                Ok(image) => accepted.push((sid, contact, image, r)),
                Err(message) => t.skip(sid, &message),
            }
        }
        let ids: Vec<i32> = accepted.iter().map(|a| a.0).collect();
        self.target.assign("avatars", &ids, &existing, &HashMap::new());
        let (mut new, mut changed, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
        for (sid, contact, image, r) in accepted {
            let Some(place) = self.target.place("avatars", sid) else { continue };
            let made = image.row(Some(contact), id(&r[5]).and_then(|u| self.target.get("users", u)));
            let row = FullAttachmentRow {
                id: place.id,
                contact_id: made.contact_id,
                filename: made.filename,
                content_type: made.content_type,
                filesize: made.filesize,
                digest: made.digest,
                content: made.content,
                token: None,
                author_id: made.author_id,
                created_on: self.time_or_now(&r[6]),
            };
            pairs.push((sid, place.id));
            if place.new {
                new.push(row);
            } else {
                changed.push(row);
            }
        }
        t.inserted = new.len();
        t.updated = changed.len();
        let avatars: Vec<(i32, i32)> = new.iter().chain(&changed).map(|a| (a.contact_id.unwrap_or(0), a.id)).collect();
        self.target.write(|c| {
            for row in &new {
                insert_rows!(c, attachments::table, std::slice::from_ref(row))?;
            }
            for row in &changed {
                diesel::update(attachments::table.find(row.id)).set(row).execute(c)?;
            }
            // One avatar per contact: an earlier one goes, as on an upload.
            for (contact, attachment) in &avatars {
                crate::store::attachments::make_avatar(c, *contact, *attachment)?;
            }
            Target::remember(c, "avatars", &pairs)
        })?;
        Ok(t)
    }
}

/// A batch of contacts with their links, tags and values.
#[derive(Default)]
struct ContactWrite {
    new: Vec<ContactRow>,
    changed: Vec<ContactRow>,
    links: Vec<ContactProjectRow>,
    taggings: Vec<TaggingRow>,
    values: Vec<CustomValueRow>,
    pairs: Vec<(i32, i32)>,
    /// Contacts imported before whose projects, tags or values are rewritten.
    rewrite_extras: Vec<i32>,
}

impl ContactWrite {
    /// On a re-run, keeps only what differs from the target: contacts whose row changed, and the
    /// projects, tags and values of contacts whose set of them changed. An unchanged import run
    /// again rewrites nothing (a row at a time, with its triggers, was minutes at 100,000).
    fn leave_unchanged(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        if self.changed.is_empty() {
            return Ok(());
        }
        let ids: Vec<i32> = self.changed.iter().map(|r| r.id).collect();
        let stored: HashMap<i32, ContactRow> = contacts::table
            .filter(contacts::id.eq_any(&ids))
            .select(ContactRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let old_links: Vec<(i32, i32)> = contacts_projects::table
            .filter(contacts_projects::contact_id.eq_any(&ids))
            .select((contacts_projects::contact_id, contacts_projects::project_id))
            .load(conn)?;
        let old_tags: Vec<(i32, i32)> = taggings::table
            .filter(taggings::contact_id.eq_any(&ids))
            .select((taggings::contact_id, taggings::tag_id))
            .load(conn)?;
        let old_values: Vec<(Option<i32>, i32, String)> = custom_values::table
            .filter(custom_values::contact_id.eq_any(&ids))
            .select((custom_values::contact_id, custom_values::custom_field_id, custom_values::value))
            .load(conn)?;
        let existing: HashSet<i32> = ids.iter().copied().collect();
        let sets = |pairs: Vec<(i32, String)>| {
            let mut by: HashMap<i32, Vec<String>> = HashMap::new();
            for (id, item) in pairs {
                by.entry(id).or_default().push(item);
            }
            by.values_mut().for_each(|v| v.sort());
            by
        };
        let new_sets = sets(
            self.links
                .iter()
                .filter(|l| existing.contains(&l.contact_id))
                .map(|l| (l.contact_id, format!("p{}", l.project_id)))
                .chain(
                    self.taggings
                        .iter()
                        .filter(|t| existing.contains(&t.contact_id))
                        .map(|t| (t.contact_id, format!("t{}", t.tag_id))),
                )
                .chain(self.values.iter().filter_map(|v| {
                    let c = v.contact_id?;
                    existing.contains(&c).then(|| (c, format!("v{}={}", v.custom_field_id, v.value)))
                }))
                .collect(),
        );
        let old_sets = sets(
            old_links
                .into_iter()
                .map(|(c, p)| (c, format!("p{p}")))
                .chain(old_tags.into_iter().map(|(c, t)| (c, format!("t{t}"))))
                .chain(old_values.into_iter().filter_map(|(c, f, v)| Some((c?, format!("v{f}={v}")))))
                .collect(),
        );
        for row in &mut self.changed {
            if let Some(old) = stored.get(&row.id) {
                row.keep_record_columns(old);
            }
        }
        let same_extras: HashSet<i32> = ids.iter().copied().filter(|id| new_sets.get(id) == old_sets.get(id)).collect();
        self.changed.retain(|r| stored.get(&r.id) != Some(r) || !same_extras.contains(&r.id));
        // Extras of contacts whose extras are the same stay as they are.
        self.links.retain(|l| !same_extras.contains(&l.contact_id));
        self.taggings.retain(|t| !same_extras.contains(&t.contact_id));
        self.values.retain(|v| v.contact_id.is_none_or(|c| !same_extras.contains(&c)));
        self.rewrite_extras = ids.into_iter().filter(|id| !same_extras.contains(id)).collect();
        Ok(())
    }

    fn write(&self, c: &mut DbConnection) -> QueryResult<()> {
        upsert!(c, contacts, self.new, self.changed);
        // A contact imported before gets the source's projects, tags and values again.
        let touched: &[i32] = &self.rewrite_extras;
        for chunk in touched.chunks(1000) {
            diesel::delete(contacts_projects::table.filter(contacts_projects::contact_id.eq_any(chunk))).execute(c)?;
            diesel::delete(taggings::table.filter(taggings::contact_id.eq_any(chunk))).execute(c)?;
            diesel::delete(custom_values::table.filter(custom_values::contact_id.eq_any(chunk))).execute(c)?;
        }
        for chunk in self.links.chunks(ROWS_PER_STATEMENT * 4) {
            insert_rows!(c, contacts_projects::table, chunk)?;
        }
        for chunk in self.taggings.chunks(ROWS_PER_STATEMENT * 4) {
            insert_rows!(c, taggings::table, chunk)?;
        }
        for chunk in self.values.chunks(ROWS_PER_STATEMENT * 4) {
            insert_rows!(c, custom_values::table, chunk)?;
        }
        Target::remember(c, "contacts", &self.pairs)
    }
}
