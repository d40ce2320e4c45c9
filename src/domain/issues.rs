//! Issues (tickets) linked to contacts: a minimal record with Redmine's default statuses, enough
//! for `include=issues` / `include=tickets` to return real linked records.

use chrono::NaiveDate;

use super::access::CurrentUser;
use super::permissions::Permission;
use super::visibility;
use crate::db::DbConnection;
use crate::error::Error;
use crate::store::issues::{self as store, IssueRow, NewIssueRow};
use crate::store::projects::{self as projects, ProjectRow};
use crate::store::{now, users};

/// Redmine's default issue statuses, by id.
pub const STATUSES: [&str; 6] = ["New", "In Progress", "Resolved", "Feedback", "Closed", "Rejected"];

/// An issue as contacts show it.
#[derive(Debug, Clone)]
pub struct IssueSummary {
    pub row: IssueRow,
    pub project: (i32, String),
    pub status_id: i32,
}

impl IssueSummary {
    fn new(row: IssueRow, project: &ProjectRow) -> IssueSummary {
        let status_id = STATUSES.iter().position(|s| *s == row.status).map_or(1, |i| i as i32 + 1);
        IssueSummary { project: (project.id, project.name.clone()), status_id, row }
    }
}

/// Linked issues of many contacts, only in projects `user` can see.
pub fn of_contacts(
    conn: &mut DbConnection,
    user: &CurrentUser,
    ids: &[i32],
) -> Result<Vec<(i32, IssueSummary)>, Error> {
    Ok(store::of_contacts(conn, ids)?
        .into_iter()
        .filter(|(_, _, project)| user.can_see_project(project))
        .map(|(contact, row, project)| (contact, IssueSummary::new(row, &project)))
        .collect())
}

/// Either an existing issue's id, or the fields of a new one.
#[derive(Debug, Clone)]
pub enum IssueInput {
    Existing(i32),
    New {
        project_ref: Option<String>,
        subject: Option<String>,
        status: Option<String>,
        tracker: Option<String>,
        due_date: Option<NaiveDate>,
        assigned_to_id: Option<i32>,
    },
}

/// Links an existing issue to a contact, or creates one (in the contact's first project unless
/// another is named) and links it. Needs edit_contacts on the contact and sight of the project.
pub fn link(
    conn: &mut DbConnection,
    user: &CurrentUser,
    contact_id: i32,
    input: IssueInput,
) -> Result<IssueSummary, Error> {
    let (_, contact_projects) = visibility::find_contact_allowing(conn, user, contact_id, Permission::EditContacts)?;
    let (row, project) = match input {
        IssueInput::Existing(id) => store::find(conn, id)?.ok_or_else(|| Error::invalid("Issue is invalid"))?,
        IssueInput::New { project_ref, subject, status, tracker, due_date, assigned_to_id } => {
            let project = match project_ref {
                Some(r) => projects::find_by_ref(conn, &r)?.ok_or_else(|| Error::invalid("Project is invalid"))?,
                None => contact_projects.first().cloned().ok_or(Error::NotFound)?,
            };
            let subject = subject.ok_or_else(|| Error::invalid("Subject cannot be blank"))?;
            if assigned_to_id.is_some_and(|id| !users::exists(conn, id).unwrap_or(false)) {
                return Err(Error::invalid("Assigned to is invalid"));
            }
            let at = now();
            let row = NewIssueRow {
                project_id: project.id,
                subject,
                status: status.unwrap_or_else(|| STATUSES[0].to_string()),
                tracker: tracker.unwrap_or_else(|| "Support".to_string()),
                due_date,
                assigned_to_id,
                author_id: Some(user.id),
                created_on: at,
                updated_on: at,
            };
            if !user.can_see_project(&project) {
                return Err(Error::Forbidden);
            }
            let id = store::insert(conn, &row)?;
            store::find(conn, id)?.ok_or(Error::NotFound)?
        }
    };
    if !user.can_see_project(&project) {
        return Err(Error::Forbidden);
    }
    store::link(conn, contact_id, row.id)?;
    Ok(IssueSummary::new(row, &project))
}

pub fn unlink(conn: &mut DbConnection, user: &CurrentUser, contact_id: i32, issue_id: i32) -> Result<(), Error> {
    visibility::find_contact_allowing(conn, user, contact_id, Permission::EditContacts)?;
    if store::unlink(conn, contact_id, issue_id)? == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
