//! `user[…]`.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::input::MAX_STRING;
use crate::domain::users::UserInput;
use crate::error::Error;

pub fn user(map: Map<String, Value>) -> Result<UserInput, Error> {
    let mut f = Fields::new(map);
    let input = UserInput {
        login: f.required_text("login", "Login", 60),
        password: f.text("password", "Password", 128).flatten(),
        firstname: f.required_text("firstname", "First name", 30),
        lastname: f.required_text("lastname", "Last name", MAX_STRING),
        mail: f.text("mail", "Email", MAX_STRING),
        admin: f.bool("admin", "Administrator"),
        status: f.int("status", "Status").flatten().map(|s| s as i32),
    };
    f.finish()?;
    Ok(input)
}
