//! HTML pages for browsers, from the templates in `templates/` (askama: compiled in, every
//! value escaped).

use askama::Template;

#[derive(Template)]
#[template(path = "thank_you.html")]
struct ThankYou<'a> {
    name: &'a str,
    back: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: &'a str,
    heading: &'a str,
    messages: &'a [String],
    back: Option<&'a str>,
}

/// One custom field as the embeddable form offers it.
pub struct FormField {
    pub id: i32,
    pub name: String,
    pub required: bool,
    /// A list field's possible values (a select); empty for a text input.
    pub choices: Vec<String>,
}

#[derive(Template)]
#[template(path = "web_form.html")]
struct WebFormSnippet<'a> {
    name: &'a str,
    origins: &'a str,
    action: &'a str,
    key: &'a str,
    fields: &'a [FormField],
}

pub fn thank_you(name: &str, back: Option<&str>) -> String {
    ThankYou { name, back }.render().unwrap_or_default()
}

/// A page listing what went wrong, with a link back to the form when there is one.
pub fn error(status: u16, messages: &[String], back: Option<&str>) -> String {
    let heading = if status == 422 { "Please correct the form" } else { "The form could not be sent" };
    ErrorPage { status: &status.to_string(), heading, messages, back }.render().unwrap_or_default()
}

pub fn web_form(name: &str, origins: &str, action: &str, key: &str, fields: &[FormField]) -> String {
    WebFormSnippet { name, origins, action, key, fields }.render().unwrap_or_default()
}
