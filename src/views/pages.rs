//! HTML pages for browsers, from the templates in `templates/` (askama: compiled in, every
//! value escaped).

use askama::Template;

#[derive(Template)]
#[template(path = "thank_you.html")]
struct ThankYou<'a> {
    name: &'a str,
    back: Option<&'a str>,
}

/// One custom field as the embeddable form offers it.
pub struct FormField {
    pub id: i32,
    pub name: String,
    pub required: bool,
    /// A list field's possible values (a select); empty for a text input.
    pub choices: Vec<String>,
    /// A list of several values: a multiple select, sent as `custom_field_values[id][]`.
    pub multiple: bool,
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

pub fn web_form(name: &str, origins: &str, action: &str, key: &str, fields: &[FormField]) -> String {
    WebFormSnippet { name, origins, action, key, fields }.render().unwrap_or_default()
}
