//! A contact's create or update input, read from `contact[…]` in Redmine's words.

use chrono::NaiveDate;

use crate::domain::custom_fields::ValuesInput;
use crate::domain::input::Patch;

/// A contact's address fields (`address_attributes`).
#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    pub street1: Patch<String>,
    pub street2: Patch<String>,
    pub city: Patch<String>,
    pub region: Patch<String>,
    pub postcode: Patch<String>,
    pub country_code: Patch<String>,
}

/// The fields of a create or update, each absent unless sent; `errors` holds what could not
/// be read, reported together with the checks that need the database.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub project_ref: Option<String>,
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub middle_name: Patch<String>,
    pub company: Patch<String>,
    pub is_company: Option<bool>,
    pub job_title: Patch<String>,
    pub website: Patch<String>,
    pub skype_name: Patch<String>,
    pub birthday: Patch<NaiveDate>,
    pub background: Patch<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub assigned_to_id: Patch<i32>,
    pub visibility: Option<i32>,
    pub address: Option<AddressInput>,
    pub custom_fields: Option<ValuesInput>,
    pub avatar: Option<AvatarInput>,
    pub errors: Vec<String>,
}

/// A new avatar: an uploaded file (a web form's `contact[avatar]`) or an upload's token
/// (`avatar: {"token": …}`).
#[derive(Debug, Clone)]
pub enum AvatarInput {
    File { filename: String, bytes: Vec<u8> },
    Token(String),
}
