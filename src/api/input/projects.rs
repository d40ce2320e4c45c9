//! `project[…]`.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::input::{MAX_STRING, MAX_TEXT};
use crate::domain::projects::{identifier_is_valid, ProjectInput};
use crate::error::Error;

pub fn project(map: Map<String, Value>) -> Result<ProjectInput, Error> {
    let mut f = Fields::new(map);
    let input = ProjectInput {
        name: f.required_text("name", "Name", MAX_STRING),
        identifier: f.text("identifier", "Identifier", 100).flatten(),
        description: f.text("description", "Description", MAX_TEXT),
        is_public: f.bool("is_public", "Public"),
    };
    if input.identifier.as_deref().is_some_and(|i| !identifier_is_valid(i)) {
        f.error("Identifier is invalid");
    }
    f.finish()?;
    Ok(input)
}
