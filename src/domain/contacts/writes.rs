//! Creating, changing and deleting contacts and their links to projects; each write is one
//! transaction on one connection.

use chrono::NaiveDateTime;

use super::details::{ContactDetails, ProjectLink};
use super::input::{AvatarInput, ContactInput};
use crate::db::{write_transaction, Conn, DbConnection};
use crate::domain::access::CurrentUser;
use crate::domain::attachments::{CheckedFile, NOT_AN_IMAGE};
use crate::domain::custom_fields as custom;
use crate::domain::input;
use crate::domain::permissions::Permission;
use crate::domain::visibility;
use crate::domain::webhooks::{self, Event};
use crate::error::Error;
use crate::store::attachments as attachment_store;
use crate::store::contacts::{
    self as store, ContactChanges, ContactRow, NewContactRow, STATUS_ACTIVE, STATUS_ARCHIVED, VISIBILITY_PROJECT,
};
use crate::store::custom_fields::Owner;
use crate::store::projects::{self as projects, ProjectRow};
use crate::store::web_forms::WebFormRow;
use crate::store::{now, tags, users};

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
    conn: &mut Conn,
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
    insert_new(conn, Some(user), Some(author), project, input, errors)
}

/// Creates a contact sent through a web form, on the form's authority: in the form's project
/// (another project named in the post is a 403), with its default tags and assignee.
pub fn create_from_form(conn: &mut Conn, form: &WebFormRow, mut input: ContactInput) -> Result<ContactDetails, Error> {
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
    insert_new(conn, None, author, Some(project), input, errors)
}

/// Checks what needs the database and writes the new contact, its project link, tags, custom
/// values and avatar in one transaction; `errors` are the problems found so far. `author` is the
/// author's id and shown name; `user` the one writing (none for a web form, which may then name
/// no other contact).
///
/// The contact it returns is built from what was written, as a show would read it back (a
/// test holds the two answers equal): reading it back was a fifth of a create's CPU.
fn insert_new(
    conn: &mut Conn,
    user: Option<&CurrentUser>,
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
    let mut input = input;
    let (row, tags, avatar) = write_transaction(conn, |c| {
        check_records(c, user, &mut input, None, &[project.id])?;
        let new = new_row(input, author_id, now());
        let row = store::insert(c, &new, &[project.id])?;
        store::link_project(c, row.id, project.id)?;
        let tags = tags::tag_new_contact(c, row.id, row.created_on, &tag_names)?;
        custom::write_new(c, Owner::Contact(row.id), &custom_values)?;
        let avatar = write_avatar(c, row.id, author_id, avatar.as_ref())?;
        webhooks::record(c, Event::ContactCreated, row.id, &[project.id])?;
        Ok::<_, Error>((row, tags, avatar))
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
        company_id: input.company_id.flatten(),
        primary_contact_id: input.primary_contact_id.flatten(),
        reports_to_id: input.reports_to_id.flatten(),
        department: input.department.flatten(),
        preferred_contact_method: input.preferred_contact_method.flatten(),
        status: input.status.unwrap_or_else(|| STATUS_ACTIVE.to_string()),
        external_id: input.external_id.flatten(),
        phone_types: types_text(input.phone_types.as_deref()),
        email_types: types_text(input.email_types.as_deref()),
    };
    row.search_text = search_text(&row);
    row
}

/// The types of a list as stored: '' when none is typed (Redmine's plain list), else one per
/// item, comma-separated.
fn types_text(types: Option<&[String]>) -> String {
    match types {
        Some(types) if types.iter().any(|t| !t.is_empty()) => types.join(","),
        _ => String::new(),
    }
}

/// The most steps a chain of reports is followed up to find a cycle; a longer chain is refused.
const MAX_REPORTS_DEPTH: usize = 1000;

/// Checks the record fields of `input` (issue 23) against the database, inside the write's
/// transaction, and sets what follows from them: `company` from `company_id`, `company_id`
/// cleared when another company name is sent alone. `current` is the contact before an update
/// (none on a create), in `projects`; `user` the writer, without whom no other contact is found.
fn check_records(
    c: &mut DbConnection,
    user: Option<&CurrentUser>,
    input: &mut ContactInput,
    current: Option<&ContactRow>,
    projects: &[i32],
) -> Result<(), Error> {
    let mut errors = Vec::new();
    let id = current.map(|r| r.id);
    let is_company = input.is_company.or(current.map(|r| r.is_company)).unwrap_or(false);
    if let Some(Some(company_id)) = input.company_id {
        match find_named(c, user, company_id) {
            Ok(company) if company.is_company && Some(company.id) != id && !is_company => {
                input.company = Some(Some(company.first_name))
            }
            Ok(_) | Err(Error::NotFound | Error::Forbidden) => errors.push("Company is invalid".to_string()),
            Err(e) => return Err(e),
        }
    } else if let (None, Some(name), Some(row)) = (&input.company_id, &input.company, current) {
        if row.company_id.is_some() && *name != row.company {
            input.company_id = Some(None);
        }
    }
    if let Some(Some(primary)) = input.primary_contact_id {
        let person = store::find(c, primary)?;
        let employs = person.is_some_and(|p| p.company_id.is_some() && p.company_id == id);
        if !is_company || !employs {
            errors.push("Primary contact is invalid".to_string());
        }
    }
    if let Some(Some(boss)) = input.reports_to_id {
        match find_named(c, user, boss) {
            Ok(_) => {
                if reports_up_to(c, boss, id)? {
                    errors.push("Reports to would make a cycle".to_string());
                }
            }
            Err(Error::NotFound | Error::Forbidden) => errors.push("Reports to is invalid".to_string()),
            Err(e) => return Err(e),
        }
    }
    if let Some(Some(external_id)) = &input.external_id {
        store::lock_external_id(c, external_id)?;
        if store::external_id_taken(c, external_id, projects, id)? {
            errors.push("External id has already been taken".to_string());
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// A contact named by a record field, as `user` may see it.
fn find_named(c: &mut DbConnection, user: Option<&CurrentUser>, id: i32) -> Result<ContactRow, Error> {
    match user {
        Some(user) => visibility::find_contact_row(c, user, id),
        None => Err(Error::NotFound),
    }
}

/// Whether the chain of reports from `start` upwards meets `id` (always, for `start` itself),
/// or goes on past `MAX_REPORTS_DEPTH`.
fn reports_up_to(c: &mut DbConnection, start: i32, id: Option<i32>) -> Result<bool, Error> {
    let Some(id) = id else { return Ok(false) };
    let mut step = Some(start);
    for _ in 0..MAX_REPORTS_DEPTH {
        match step {
            None => return Ok(false),
            Some(s) if s == id => return Ok(true),
            Some(s) => step = store::reports_to(c, s)?,
        }
    }
    Ok(true)
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
pub fn update(conn: &mut Conn, user: &CurrentUser, id: i32, input: ContactInput) -> Result<(), Error> {
    let (row, projects) = visibility::find_contact(conn, user, id)?;
    if !visibility::can_on_contact(user, Permission::EditContacts, &row, &projects) {
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
    let project_ids: Vec<i32> = projects.iter().map(|p| p.id).collect();
    let mut input = input;
    write_transaction(conn, |c| {
        let at = now();
        // Lock first, then read: a concurrent update of another field is not overwritten.
        if !store::lock(c, id, at)? {
            return Err(Error::NotFound);
        }
        let current = store::find(c, id)?.ok_or(Error::NotFound)?;
        check_records(c, Some(user), &mut input, Some(&current), &project_ids)?;
        let tag_names = input.tags.take();
        let mut changes = changes_of(input);
        changes.updated_on = Some(at);
        changes.search_text = Some(search_text(&merged(&current, &changes)));
        store::update(c, id, &changes)?;
        if let Some(tag_names) = &tag_names {
            tags::set_for_contact(c, id, current.created_on, tag_names)?;
        }
        custom::write(c, Owner::Contact(id), &custom_values)?;
        write_avatar(c, id, Some(user.id), avatar.as_ref())?;
        // A person who leaves a company is no longer its primary contact.
        if let (Some(left), Some(company_now)) = (current.company_id, &changes.company_id) {
            if *company_now != Some(left) {
                store::drop_primary(c, left, id)?;
            }
        }
        let renamed = changes.first_name.as_ref().filter(|n| **n != current.first_name);
        if let (true, Some(new_name)) = (current.is_company, renamed) {
            store::rename_company(c, id, &current.first_name, new_name, at)?;
        }
        webhooks::record(c, Event::ContactUpdated, id, &project_ids)?;
        Ok(())
    })
}

/// The columns an update's input writes: those sent, and only those.
fn changes_of(input: ContactInput) -> ContactChanges {
    let address = input.address.unwrap_or_default();
    // A list sent again without types is untyped (Redmine's plain `phone` and `email`).
    let phone_types = input.phones.as_ref().map(|_| types_text(input.phone_types.as_deref()));
    let email_types = input.emails.as_ref().map(|_| types_text(input.email_types.as_deref()));
    ContactChanges {
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
        company_id: input.company_id,
        primary_contact_id: input.primary_contact_id,
        reports_to_id: input.reports_to_id,
        department: input.department,
        preferred_contact_method: input.preferred_contact_method,
        status: input.status,
        external_id: input.external_id,
        phone_types,
        email_types,
    }
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
        ..NewContactRow::default()
    }
}

pub fn delete(conn: &mut Conn, user: &CurrentUser, id: i32) -> Result<(), Error> {
    let (row, projects) = visibility::find_contact(conn, user, id)?;
    if !visibility::can_on_contact(user, Permission::DeleteContacts, &row, &projects) {
        return Err(Error::Forbidden);
    }
    // Links, tags (and later notes and values) go with it through ON DELETE CASCADE, in this
    // one statement; its outbox event beside it.
    write_transaction(conn, |c| {
        store::delete(c, id)?;
        webhooks::record(c, Event::ContactDeleted, id, &project_ids(&projects))
    })?;
    Ok(())
}

/// The ids of a record's projects, as its outbox event keeps them.
fn project_ids(projects: &[ProjectRow]) -> Vec<i32> {
    projects.iter().map(|p| p.id).collect()
}

/// Links a contact to one more project (`POST /contacts/:id/projects`): edit_contacts on the
/// contact and in the project. Linking twice is a no-op.
pub fn add_project(conn: &mut Conn, user: &CurrentUser, id: i32, project_ref: &str) -> Result<(), Error> {
    let (row, projects) = visibility::find_contact(conn, user, id)?;
    if !visibility::can_on_contact(user, Permission::EditContacts, &row, &projects) {
        return Err(Error::Forbidden);
    }
    let target = projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    user.require(&target, Permission::EditContacts)?;
    if projects.iter().any(|p| p.id == target.id) {
        return Ok(());
    }
    write_transaction(conn, |c| {
        lock_for_links(c, id)?;
        if let Some(external_id) = &row.external_id {
            store::lock_external_id(c, external_id)?;
            if store::external_id_taken(c, external_id, &[target.id], Some(id))? {
                return Err(Error::invalid("External id has already been taken"));
            }
        }
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
pub fn remove_project(conn: &mut Conn, user: &CurrentUser, id: i32, project_ref: &str) -> Result<(), Error> {
    let (row, projects) = visibility::find_contact(conn, user, id)?;
    if !visibility::can_on_contact(user, Permission::EditContacts, &row, &projects) {
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

/// Sets a contact's status (`POST /contacts/:id/archive`, `/activate`): edit_contacts on it.
fn set_status(conn: &mut Conn, user: &CurrentUser, id: i32, status: &str) -> Result<(), Error> {
    let (row, projects) = visibility::find_contact(conn, user, id)?;
    if !visibility::can_on_contact(user, Permission::EditContacts, &row, &projects) {
        return Err(Error::Forbidden);
    }
    let changes = ContactChanges { status: Some(status.to_string()), updated_on: Some(now()), ..Default::default() };
    let changed = row.status != status;
    write_transaction(conn, |c| {
        store::update(c, id, &changes)?;
        if changed {
            webhooks::record(c, Event::ContactStatusChanged, id, &project_ids(&projects))?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

/// Archives a contact: lists leave it out unless asked for archived contacts.
pub fn archive(conn: &mut Conn, user: &CurrentUser, id: i32) -> Result<(), Error> {
    set_status(conn, user, id, STATUS_ARCHIVED)
}

pub fn activate(conn: &mut Conn, user: &CurrentUser, id: i32) -> Result<(), Error> {
    set_status(conn, user, id, STATUS_ACTIVE)
}

/// Makes person `id` the primary contact of its company (`POST /contacts/:id/set_primary`):
/// edit_contacts on the company; a person with no `company_id` is a 422. Returns the company's id.
pub fn set_primary(conn: &mut Conn, user: &CurrentUser, id: i32) -> Result<i32, Error> {
    let person = visibility::find_contact_row(conn, user, id)?;
    let Some(company_id) = person.company_id else {
        return Err(Error::invalid("Company cannot be blank"));
    };
    let (company, projects) = visibility::find_contact(conn, user, company_id)?;
    if !visibility::can_on_contact(user, Permission::EditContacts, &company, &projects) {
        return Err(Error::Forbidden);
    }
    let changes = ContactChanges { primary_contact_id: Some(Some(id)), updated_on: Some(now()), ..Default::default() };
    write_transaction(conn, |c| {
        // Still its company's person once the write lock is held.
        let linked = store::find(c, id)?.is_some_and(|p| p.company_id == Some(company_id));
        if !linked {
            return Err(Error::invalid("Primary contact is invalid"));
        }
        store::update(c, company_id, &changes)?;
        webhooks::record(c, Event::ContactPrimarySet, company_id, &project_ids(&projects))?;
        Ok(company_id)
    })
}

/// `PUT /projects/:project/contacts/external/:external_id`: updates the project's contact with
/// that external id, or creates it there. Returns its id and whether it was created.
pub fn upsert_external(
    conn: &mut Conn,
    user: &CurrentUser,
    project_ref: &str,
    external_id: &str,
    mut input: ContactInput,
) -> Result<(i32, bool), Error> {
    let project = projects::find_by_ref(conn, project_ref)?.ok_or(Error::NotFound)?;
    input.external_id = Some(Some(external_id.to_string()));
    match store::find_by_external_id(conn, project.id, external_id)? {
        Some(id) => {
            update(conn, user, id, input)?;
            Ok((id, false))
        }
        None => create(conn, user, Some(project_ref), input).map(|c| (c.row.id, true)),
    }
}
