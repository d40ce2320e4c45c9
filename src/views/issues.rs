//! Issues as contacts show them with `include=issues` (or `tickets`).

use crate::domain::issues::{IssueSummary, STATUSES};
use crate::format::{Document, Element, List, Node};

fn issue(i: &IssueSummary) -> Element {
    let status = STATUSES.get((i.status_id - 1) as usize).copied().unwrap_or("New");
    let mut e = Element::new();
    e.value("id", i.row.id)
        .reference("project", i.project.0, &i.project.1)
        .reference("tracker", 1, &i.row.tracker)
        .reference("status", i.status_id, status)
        .value("subject", &i.row.subject)
        .value("due_date", i.row.due_date)
        .value("created_on", i.row.created_on)
        .value("updated_on", i.row.updated_on);
    e
}

pub fn embedded(issues: &[IssueSummary]) -> List {
    List::new("issue", issues.iter().map(|i| Node::from(issue(i))))
}

pub fn show(i: &IssueSummary) -> Document {
    Document::new("issue", issue(i))
}
