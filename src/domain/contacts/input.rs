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
    /// One type per phone (`PHONE_TYPES`, or '' for an untyped number), sent with `phones`.
    pub phone_types: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    /// One type per email (`EMAIL_TYPES`, or ''), sent with `emails`.
    pub email_types: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub assigned_to_id: Patch<i32>,
    pub visibility: Option<i32>,
    pub address: Option<AddressInput>,
    pub custom_fields: Option<ValuesInput>,
    pub avatar: Option<AvatarInput>,
    /// A person's company as a contact; its name becomes `company`.
    pub company_id: Patch<i32>,
    /// A company's primary contact: one of its people.
    pub primary_contact_id: Patch<i32>,
    pub reports_to_id: Patch<i32>,
    pub department: Patch<String>,
    /// One of `CONTACT_METHODS`.
    pub preferred_contact_method: Patch<String>,
    /// One of `STATUSES`.
    pub status: Option<String>,
    /// Unique among the contacts of each project the contact is in.
    pub external_id: Patch<String>,
    pub errors: Vec<String>,
}

pub const PHONE_TYPES: [&str; 5] = ["office", "mobile", "fax", "work", "home"];
pub const EMAIL_TYPES: [&str; 3] = ["work", "home", "office"];
pub const CONTACT_METHODS: [&str; 3] = ["email", "phone", "mobile"];
pub const STATUSES: [&str; 3] = ["active", "inactive", "archived"];

/// A new avatar: an uploaded file (a web form's `contact[avatar]`) or an upload's token
/// (`avatar: {"token": …}`).
#[derive(Debug, Clone)]
pub enum AvatarInput {
    File { filename: String, bytes: Vec<u8> },
    Token(String),
}
