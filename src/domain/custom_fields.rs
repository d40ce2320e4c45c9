//! Custom fields: admin-defined fields of contacts and deals, their definitions, and the reading,
//! validating (by format, in Redmine's words) and showing of their values.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::access::CurrentUser;
use super::input::{MAX_STRING, MAX_TEXT};
use crate::db::DbConnection;
use crate::error::Error;
use crate::store::custom_fields::{self as store, CustomFieldRow, NewCustomFieldRow, Owner};

pub const FORMATS: [&str; 8] = ["string", "text", "int", "float", "date", "bool", "list", "link"];
pub const CONTACT: &str = "contact";
pub const DEAL: &str = "deal";
pub const TYPES: [&str; 2] = [CONTACT, DEAL];

/// A field definition as sent to `POST/PUT /custom_fields` or the CLI.
#[derive(Debug, Clone, Default)]
pub struct FieldInput {
    pub name: Option<String>,
    pub customized_type: Option<String>,
    pub field_format: Option<String>,
    pub possible_values: Option<Vec<String>>,
    pub is_required: Option<bool>,
    pub is_filter: Option<bool>,
    pub searchable: Option<bool>,
    pub multiple: Option<bool>,
    pub default_value: Option<Option<String>>,
    pub regexp: Option<Option<String>>,
    pub min_length: Option<Option<i32>>,
    pub max_length: Option<Option<i32>>,
    pub position: Option<i32>,
}

/// Merges an input over an existing definition (or defaults) and checks the result.
fn definition(
    conn: &mut DbConnection,
    input: FieldInput,
    existing: Option<&CustomFieldRow>,
) -> Result<NewCustomFieldRow, Error> {
    let pick = |new: Option<String>, old: Option<&String>| new.or_else(|| old.cloned());
    let values = NewCustomFieldRow {
        name: pick(input.name, existing.map(|e| &e.name)).unwrap_or_default(),
        customized_type: pick(input.customized_type, existing.map(|e| &e.customized_type))
            .unwrap_or_else(|| "contact".into()),
        field_format: pick(input.field_format, existing.map(|e| &e.field_format)).unwrap_or_else(|| "string".into()),
        possible_values: input
            .possible_values
            .map(|v| v.join("\n"))
            .or_else(|| existing.map(|e| e.possible_values.clone()))
            .unwrap_or_default(),
        is_required: input.is_required.or(existing.map(|e| e.is_required)).unwrap_or(false),
        is_filter: input.is_filter.or(existing.map(|e| e.is_filter)).unwrap_or(false),
        searchable: input.searchable.or(existing.map(|e| e.searchable)).unwrap_or(false),
        multiple: input.multiple.or(existing.map(|e| e.multiple)).unwrap_or(false),
        default_value: input.default_value.unwrap_or_else(|| existing.and_then(|e| e.default_value.clone())),
        regexp: input.regexp.unwrap_or_else(|| existing.and_then(|e| e.regexp.clone())),
        min_length: input.min_length.unwrap_or_else(|| existing.and_then(|e| e.min_length)),
        max_length: input.max_length.unwrap_or_else(|| existing.and_then(|e| e.max_length)),
        position: input.position.or(existing.map(|e| e.position)).unwrap_or(0),
    };
    let mut errors = Vec::new();
    if values.name.is_empty() {
        errors.push("Name cannot be blank".to_string());
    } else if store::name_taken(conn, &values.customized_type, &values.name, existing.map(|e| e.id))? {
        errors.push("Name has already been taken".to_string());
    }
    if !TYPES.contains(&values.customized_type.as_str()) {
        errors.push("Customized type is not included in the list".into());
    }
    if !FORMATS.contains(&values.field_format.as_str()) {
        errors.push("Format is not included in the list".into());
    }
    if values.field_format == "list" && values.possible_values.trim().is_empty() {
        errors.push("Possible values cannot be blank".into());
    }
    if values.multiple && values.field_format != "list" {
        errors.push("Multiple values is only possible for list fields".into());
    }
    if values.regexp.as_deref().is_some_and(|r| regex::Regex::new(r).is_err()) {
        errors.push("Regular expression is invalid".into());
    }
    if let (Some(min), Some(max)) = (values.min_length, values.max_length) {
        if max > 0 && min > max {
            errors.push("Minimum length is greater than the maximum length".into());
        }
    }
    if errors.is_empty() {
        if let Some(default) = &values.default_value {
            let probe = values.clone().with_id(0);
            if let Err(e) = normalize(&probe, default) {
                errors.push(format!("Default value {}", e.trim_start_matches(&probe.name).trim_start()));
            }
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(Error::Invalid(errors))
    }
}

pub fn list(conn: &mut DbConnection, user: &CurrentUser) -> Result<Vec<CustomFieldRow>, Error> {
    user.require_admin()?;
    Ok(store::all(conn)?)
}

pub fn show(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<CustomFieldRow, Error> {
    user.require_admin()?;
    store::find(conn, id)?.ok_or(Error::NotFound)
}

/// Defines a field; the caller is an admin (checked by the API) or the operator (the CLI).
pub fn create(conn: &mut DbConnection, input: FieldInput) -> Result<CustomFieldRow, Error> {
    let values = definition(conn, input, None)?;
    let id = store::insert(conn, &values)?;
    store::find(conn, id)?.ok_or(Error::NotFound)
}

pub fn update(conn: &mut DbConnection, user: &CurrentUser, id: i32, input: FieldInput) -> Result<(), Error> {
    user.require_admin()?;
    let existing = store::find(conn, id)?.ok_or(Error::NotFound)?;
    if input.customized_type.as_ref().is_some_and(|t| *t != existing.customized_type) {
        return Err(Error::invalid("Customized type cannot be changed"));
    }
    let values = definition(conn, input, Some(&existing))?;
    store::update(conn, &values.with_id(id))?;
    Ok(())
}

/// Deletes a field and, through the foreign key, every value of it.
pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    user.require_admin()?;
    if store::delete(conn, id)? == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Checks one value against its field and returns it as stored; the error is a full message.
pub fn normalize(field: &CustomFieldRow, value: &str) -> Result<String, String> {
    let name = &field.name;
    let value = value.trim();
    let stored = match field.field_format.as_str() {
        "int" => value.parse::<i64>().map(|n| n.to_string()).map_err(|_| format!("{name} is not a number"))?,
        "float" => match value.parse::<f64>() {
            Ok(n) if n.is_finite() => value.to_string(),
            _ => return Err(format!("{name} is not a number")),
        },
        "date" => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|d| d.to_string())
            .map_err(|_| format!("{name} is not a valid date"))?,
        "bool" => match value.to_ascii_lowercase().as_str() {
            "1" | "true" => "1".to_string(),
            "0" | "false" => "0".to_string(),
            _ => return Err(format!("{name} is invalid")),
        },
        "list" if !field.possible_values().contains(&value) => {
            return Err(format!("{name} is not included in the list"))
        }
        "link" if !(value.starts_with("http://") || value.starts_with("https://")) => {
            return Err(format!("{name} is invalid"))
        }
        _ => value.to_string(),
    };
    let length = stored.chars().count();
    if let Some(min) = field.min_length.filter(|m| *m > 0) {
        if length < min as usize {
            return Err(format!("{name} is too short (minimum is {min} characters)"));
        }
    }
    let max = field
        .max_length
        .filter(|m| *m > 0)
        .map_or(if field.field_format == "text" { MAX_TEXT } else { MAX_STRING }, |m| m as usize);
    if length > max {
        return Err(format!("{name} is too long (maximum is {max} characters)"));
    }
    if let Some(re) = field.regexp.as_deref().filter(|r| !r.is_empty()) {
        if regex::Regex::new(re).map(|re| !re.is_match(&stored)).unwrap_or(true) {
            return Err(format!("{name} is invalid"));
        }
    }
    Ok(stored)
}

/// Values sent for one record: field id → the values (several for a multiple field).
#[derive(Debug, Clone, Default)]
pub struct ValuesInput(pub Vec<(i32, Vec<String>)>);

/// Validates the values sent for a record of `fields`' type: on create, required fields must
/// be there and defaults fill the rest. Returns what to write.
pub fn validate(
    fields: &[CustomFieldRow],
    input: Option<&ValuesInput>,
    creating: bool,
    errors: &mut Vec<String>,
) -> Vec<(i32, Vec<String>)> {
    let sent: HashMap<i32, &Vec<String>> =
        input.map(|i| i.0.iter().map(|(id, v)| (*id, v)).collect()).unwrap_or_default();
    for id in sent.keys() {
        if !fields.iter().any(|f| f.id == *id) {
            errors.push(format!("Custom field {id} does not exist"));
        }
    }
    let mut out = Vec::new();
    for field in fields {
        let values: Vec<String> = match sent.get(&field.id) {
            Some(values) => values.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect(),
            None if creating => field.default_value.iter().cloned().collect(),
            None => continue,
        };
        if values.is_empty() {
            if field.is_required {
                errors.push(format!("{} cannot be blank", field.name));
            }
            out.push((field.id, values));
            continue;
        }
        if values.len() > 1 && !field.multiple {
            errors.push(format!("{} is invalid", field.name));
            continue;
        }
        let mut stored = Vec::new();
        for value in &values {
            match normalize(field, value) {
                Ok(v) => stored.push(v),
                Err(message) => errors.push(message),
            }
        }
        out.push((field.id, stored));
    }
    out
}

/// Replaces the values of each field in `values` on an existing record.
pub fn write(conn: &mut DbConnection, owner: Owner, values: &[(i32, Vec<String>)]) -> diesel::QueryResult<()> {
    for (field, list) in values {
        store::set_values(conn, owner, *field, list)?;
    }
    Ok(())
}

/// Stores the values of a record made in this transaction: it has none to replace, so a field
/// left empty costs no statement.
pub fn write_new(conn: &mut DbConnection, owner: Owner, values: &[(i32, Vec<String>)]) -> diesel::QueryResult<()> {
    for (field, list) in values {
        store::add_values(conn, owner, *field, list)?;
    }
    Ok(())
}

/// One field's value on a record, as shown.
#[derive(Debug, Clone)]
pub struct ShownValue {
    pub id: i32,
    pub name: String,
    pub multiple: bool,
    pub values: Vec<String>,
}

/// The fields of one type and the values of a page of its records, handed out per record.
#[derive(Debug, Default)]
pub struct ShownValues {
    /// Every field of the type, as shown without a value.
    fields: Vec<ShownValue>,
    values: HashMap<i32, Vec<(i32, String)>>,
}

impl ShownValues {
    /// Reads the fields of `customized_type` and the values of `owners`, in two queries.
    pub fn load(conn: &mut DbConnection, customized_type: &str, owners: &[i32]) -> Result<ShownValues, Error> {
        let fields = store::of_type(conn, customized_type)?;
        let rows = match customized_type {
            _ if fields.is_empty() || owners.is_empty() => Vec::new(),
            DEAL => store::values_of_deals(conn, owners)?,
            _ => store::values_of_contacts(conn, owners)?,
        };
        Ok(ShownValues::new(fields.iter().map(blank).collect(), rows))
    }

    /// From `fields` (each without a value) and (owner, field, value) rows, as stored.
    pub fn new(fields: Vec<ShownValue>, rows: Vec<(i32, i32, String)>) -> ShownValues {
        let mut values: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
        for (owner, field, value) in rows {
            values.entry(owner).or_default().push((field, value));
        }
        ShownValues { fields, values }
    }

    /// Every field of the type, with `owner`'s values (none when unset).
    pub fn of(&self, owner: i32) -> Vec<ShownValue> {
        show_fields(&self.fields, self.values.get(&owner).map(Vec::as_slice).unwrap_or_default())
    }
}

/// How a new record shows `fields` once `written` (from `validate`) is stored: as `ShownValues`
/// would read it back, without reading.
pub fn shown(fields: &[CustomFieldRow], written: &[(i32, Vec<String>)]) -> Vec<ShownValue> {
    let values: Vec<(i32, String)> =
        written.iter().flat_map(|(field, list)| list.iter().map(|value| (*field, value.clone()))).collect();
    show_fields(&fields.iter().map(blank).collect::<Vec<_>>(), &values)
}

/// A field as shown on a record that has no value for it.
fn blank(f: &CustomFieldRow) -> ShownValue {
    ShownValue { id: f.id, name: f.name.clone(), multiple: f.multiple, values: Vec::new() }
}

/// Every field of `fields`, each with its values among `values` (field id, value).
fn show_fields(fields: &[ShownValue], values: &[(i32, String)]) -> Vec<ShownValue> {
    fields
        .iter()
        .map(|f| ShownValue {
            values: values.iter().filter(|(field, _)| *field == f.id).map(|(_, v)| v.clone()).collect(),
            ..f.clone()
        })
        .collect()
}

/// The fields of `customized_type`, in the order they show.
pub fn fields(conn: &mut DbConnection, customized_type: &str) -> Result<Vec<CustomFieldRow>, Error> {
    Ok(store::of_type(conn, customized_type)?)
}

/// Loads the fields of `customized_type` and checks the values sent for one record.
pub fn check(
    conn: &mut DbConnection,
    customized_type: &str,
    input: Option<&ValuesInput>,
    creating: bool,
    errors: &mut Vec<String>,
) -> Result<Vec<(i32, Vec<String>)>, Error> {
    if input.is_none() && !creating {
        return Ok(Vec::new());
    }
    Ok(validate(&fields(conn, customized_type)?, input, creating, errors))
}
