//! `issue[…]`.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::input::MAX_STRING;
use crate::domain::issues::{IssueInput, STATUSES};
use crate::error::Error;

pub fn issue(map: Map<String, Value>) -> Result<IssueInput, Error> {
    let mut f = Fields::new(map);
    if let Some(Some(id)) = f.id("id", "Issue") {
        f.finish()?;
        return Ok(IssueInput::Existing(id));
    }
    let status = f.text("status", "Status", 30).flatten();
    if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        f.error("Status is not included in the list");
    }
    let input = IssueInput::New {
        project_ref: f.text("project_id", "Project", MAX_STRING).flatten(),
        subject: f.text("subject", "Subject", MAX_STRING).flatten(),
        status,
        tracker: f.text("tracker", "Tracker", 30).flatten(),
        due_date: f.date("due_date", "Due date").flatten(),
        assigned_to_id: f.id("assigned_to_id", "Assigned to").flatten(),
    };
    f.finish()?;
    Ok(input)
}
