//! Request bodies read into the domain's typed inputs, one module per resource: the wire shapes
//! (`address_attributes`, `phones: [{number}]`, `custom_fields: [{id, value}]`, a form's text
//! for every scalar) end here. Reading is lenient, as Rails is (XML and forms send every scalar
//! as text), and collects every problem in Redmine's wording; rules that need the database are
//! the domain's.

pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod issues;
pub mod memberships;
pub mod notes;
pub mod projects;
pub mod queries;
pub mod users;
pub mod web_forms;
pub mod webhooks;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::domain::input::{Patch, MAX_STRING};
use crate::error::Error;

/// Reads typed fields from one params object and remembers what was wrong.
pub struct Fields {
    map: Map<String, Value>,
    errors: Vec<String>,
}

impl Fields {
    pub fn new(map: Map<String, Value>) -> Fields {
        Fields { map, errors: Vec::new() }
    }

    pub fn error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn raw(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Text of at most `max` characters. Numbers and booleans are taken as their text; a blank
    /// string clears the field; lists and objects are invalid.
    pub fn text(&mut self, key: &str, label: &str, max: usize) -> Patch<String> {
        let value = self.map.get(key)?;
        let text = match value {
            Value::Null => return Some(None),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                self.error(format!("{label} is invalid"));
                return None;
            }
        };
        if text.contains('\0') {
            self.error(format!("{label} is invalid"));
            return None;
        }
        let text = text.trim().to_string();
        if text.chars().count() > max {
            self.error(format!("{label} is too long (maximum is {max} characters)"));
            return None;
        }
        Some(if text.is_empty() { None } else { Some(text) })
    }

    /// Text that may be left out but not cleared (a name): blank or null is "cannot be blank",
    /// as Redmine's presence validation says on an update as on a create.
    pub fn required_text(&mut self, key: &str, label: &str, max: usize) -> Option<String> {
        match self.text(key, label, max) {
            Some(None) => {
                self.error(format!("{label} cannot be blank"));
                None
            }
            patch => patch.flatten(),
        }
    }

    /// A whole number (JSON number or its text).
    pub fn int(&mut self, key: &str, label: &str) -> Patch<i64> {
        let value = self.map.get(key)?;
        let parsed = match value {
            Value::Null => return Some(None),
            Value::Number(n) => n.as_i64(),
            Value::String(s) if s.trim().is_empty() => return Some(None),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match parsed {
            Some(n) => Some(Some(n)),
            None => {
                self.error(format!("{label} is invalid"));
                None
            }
        }
    }

    /// A database id: a positive number that fits the id columns.
    pub fn id(&mut self, key: &str, label: &str) -> Patch<i32> {
        match self.int(key, label)? {
            None => Some(None),
            Some(n) => match i32::try_from(n) {
                Ok(id) if id > 0 => Some(Some(id)),
                _ => {
                    self.error(format!("{label} is invalid"));
                    None
                }
            },
        }
    }

    /// A boolean: true/false, 1/0, "true"/"false", "1"/"0" (Rails' casting).
    pub fn bool(&mut self, key: &str, label: &str) -> Option<bool> {
        let value = self.map.get(key)?;
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_i64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "t" | "yes" | "on" => Some(true),
                "0" | "false" | "f" | "no" | "off" | "" => Some(false),
                _ => None,
            },
            Value::Null => Some(false),
            _ => None,
        };
        if parsed.is_none() {
            self.error(format!("{label} is invalid"));
        }
        parsed
    }

    /// A date written `YYYY-MM-DD`.
    pub fn date(&mut self, key: &str, label: &str) -> Patch<NaiveDate> {
        let text = self.text(key, label, MAX_STRING)?;
        match text {
            None => Some(None),
            Some(t) => match NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
                Ok(d) => Some(Some(d)),
                Err(_) => {
                    self.error(format!("{label} is not a valid date"));
                    None
                }
            },
        }
    }

    /// A nested object (`address_attributes`).
    pub fn object(&mut self, key: &str, label: &str) -> Option<Map<String, Value>> {
        match self.map.get(key)? {
            Value::Object(m) => Some(m.clone()),
            Value::Null => Some(Map::new()),
            _ => {
                self.error(format!("{label} is invalid"));
                None
            }
        }
    }

    /// A list given as one comma-separated string or as an array of strings.
    pub fn list(&mut self, key: &str, label: &str) -> Option<Vec<String>> {
        let items: Vec<String> = match self.map.get(key)? {
            Value::Null => Vec::new(),
            Value::String(s) => s.split(',').map(str::to_string).collect(),
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        Value::Number(n) => out.push(n.to_string()),
                        _ => {
                            self.error(format!("{label} is invalid"));
                            return None;
                        }
                    }
                }
                out
            }
            _ => {
                self.error(format!("{label} is invalid"));
                return None;
            }
        };
        if items.iter().any(|s| s.contains('\0')) {
            self.error(format!("{label} is invalid"));
            return None;
        }
        Some(items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
    }

    /// Ends reading: `Ok` if every field was valid, else a 422 with every message.
    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.errors))
        }
    }
}
