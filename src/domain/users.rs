//! Users: creating them with hashed passwords and API keys, and finding who credentials belong to.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::access::CurrentUser;
use super::paging::{Page, Paging};
use super::permissions::{Memberships, Permissions};
use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::members::{MembershipDetails, RoleRow};
use crate::store::users::{self as store, NewUserRow, UserChanges, UserRow, STATUS_ACTIVE};
use crate::store::{members, now};

pub const MIN_PASSWORD: usize = 8;

/// A new random API key: 160 bits as 40 hex digits, like Redmine's.
pub fn generate_api_key() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the key is looked up by: its SHA-256, so the index lookup's timing says nothing about
/// the key itself.
pub fn key_digest(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| Error::Internal(anyhow::anyhow!("encoding a password salt failed: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password failed: {e}")))
}

#[cfg(test)]
fn password_matches(password: &str, hashed: &str) -> bool {
    if let Some(redmine) = hashed.strip_prefix(REDMINE_SHA1) {
        return redmine_password_matches(password, redmine);
    }
    argon2_matches(password, hashed)
}

/// The prefix of a password hash brought over from Redmine by `import-redmine`:
/// `redmine-sha1$<salt>$<hashed_password>`. Such a hash is checked once, as Redmine checks it,
/// and replaced by an argon2 hash of the same password at that first successful sign-in.
pub const REDMINE_SHA1: &str = "redmine-sha1$";

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest as _;
    sha1::Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Redmine's `User#check_password?`: `hashed_password = sha1_hex(salt + sha1_hex(password))`,
/// compared in constant time.
fn redmine_password_matches(password: &str, salt_and_hash: &str) -> bool {
    let Some((salt, hash)) = salt_and_hash.split_once('$') else { return false };
    if hash.len() != 40 {
        return false;
    }
    let computed = sha1_hex(format!("{salt}{}", sha1_hex(password.as_bytes())).as_bytes());
    bool::from(computed.as_bytes().ct_eq(hash.to_ascii_lowercase().as_bytes()))
}

/// The fields of a user, from the API or the CLI.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub login: Option<String>,
    pub password: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub mail: Option<Option<String>>,
    pub admin: Option<bool>,
    pub status: Option<i32>,
}

#[cfg(test)]
mod redmine_tests {
    use super::*;

    #[test]
    fn redmine_hashes_are_checked_as_redmine_checks_them() {
        // Redmine: hashed_password = sha1_hex(salt + sha1_hex(password)).
        let salt = "7d2f3a0c9b8e4f6a1b2c3d4e5f60718a";
        let hashed = sha1_hex(format!("{salt}{}", sha1_hex(b"s3cret-pass")).as_bytes());
        let stored = format!("{REDMINE_SHA1}{salt}${hashed}");
        assert!(password_matches("s3cret-pass", &stored));
        assert!(!password_matches("s3cret-pasS", &stored));
        assert!(!password_matches("s3cret-pass", "redmine-sha1$nohash"));
        assert!(!password_matches("anything", "!ldap"));
    }
}

fn validate(conn: &mut DbConnection, input: &UserInput, existing: Option<&UserRow>) -> Result<(), Error> {
    let mut errors = Vec::new();
    let creating = existing.is_none();
    match &input.login {
        None if creating => errors.push("Login cannot be blank".to_string()),
        Some(login) => {
            if !login.chars().all(|c| c.is_alphanumeric() || "_-@.".contains(c)) {
                errors.push("Login is invalid".into());
            } else if let Some(other) = store::find_by_login(conn, login)? {
                if existing.is_none_or(|e| e.id != other.id) {
                    errors.push("Login has already been taken".into());
                }
            }
        }
        None => {}
    }
    match &input.password {
        None if creating => errors.push("Password cannot be blank".into()),
        Some(p) if p.chars().count() < MIN_PASSWORD => {
            errors.push(format!("Password is too short (minimum is {MIN_PASSWORD} characters)"))
        }
        _ => {}
    }
    if creating && input.firstname.is_none() {
        errors.push("First name cannot be blank".into());
    }
    if let Some(Some(mail)) = &input.mail {
        if !is_email(mail) {
            errors.push("Email is invalid".into());
        }
    }
    if let Some(status) = input.status {
        if ![1, 3].contains(&status) {
            errors.push("Status is not included in the list".into());
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The plugin's email rule: something, one `@`, something.
pub fn is_email(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty())
        && !text.chars().any(char::is_whitespace)
}

/// Creates a user and returns it (with its API key).
pub fn create(conn: &mut DbConnection, input: UserInput) -> Result<UserRow, Error> {
    validate(conn, &input, None)?;
    let password = input.password.unwrap_or_default();
    let api_key = generate_api_key();
    let at = now();
    let row = NewUserRow {
        login: input.login.unwrap_or_default(),
        hashed_password: hash_password(&password)?,
        firstname: input.firstname.unwrap_or_default(),
        lastname: input.lastname.unwrap_or_default(),
        mail: input.mail.flatten(),
        admin: input.admin.unwrap_or(false),
        status: input.status.unwrap_or(STATUS_ACTIVE),
        api_key_digest: key_digest(&api_key),
        api_key,
        created_on: at,
        updated_on: at,
        last_login_on: None,
    };
    let id = write_transaction(conn, |c| store::insert(c, &row))?;
    Ok(store::find(conn, id)?)
}

pub fn update(conn: &mut DbConnection, id: i32, input: UserInput) -> Result<(), Error> {
    let existing = store::find(conn, id)?;
    validate(conn, &input, Some(&existing))?;
    let changes = UserChanges {
        login: input.login,
        hashed_password: input.password.as_deref().map(hash_password).transpose()?,
        firstname: input.firstname,
        lastname: input.lastname,
        mail: input.mail,
        admin: input.admin,
        status: input.status,
        updated_on: Some(now()),
    };
    store::update(conn, id, &changes)?;
    Ok(())
}

/// The user of a login (any case); a 422 naming it when there is none (the CLI's look-up).
pub fn by_login(conn: &mut DbConnection, login: &str) -> Result<UserRow, Error> {
    store::find_by_login(conn, login)?
        .ok_or_else(|| Error::invalid(format!("There is no user with the login {login:?}")))
}

/// The active admin with the lowest id: who the CLI acts as by default.
pub fn first_admin(conn: &mut DbConnection) -> Result<Option<UserRow>, Error> {
    Ok(store::first_admin(conn)?)
}

/// Gives a user a new API key (the old one stops working at once); returns it.
pub fn regenerate_api_key(conn: &mut DbConnection, id: i32) -> Result<String, Error> {
    let key = generate_api_key();
    if store::set_api_key(conn, id, &key, &key_digest(&key), now())? == 0 {
        return Err(Error::NotFound);
    }
    Ok(key)
}

/// What `GET /users/:id` and `/users/current` may add with `include=`.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserIncludes {
    pub memberships: bool,
}

/// A user as shown, with what was asked to be included.
#[derive(Debug, Clone)]
pub struct UserDetails {
    pub row: UserRow,
    /// `None` when not asked for.
    pub memberships: Option<Vec<MembershipDetails>>,
}

/// A user as `viewer` may see them: themselves, or anyone for an admin (403 otherwise).
pub fn show(
    conn: &mut DbConnection,
    viewer: &CurrentUser,
    id: i32,
    includes: UserIncludes,
) -> Result<UserDetails, Error> {
    if !viewer.admin && viewer.id != id {
        return Err(Error::Forbidden);
    }
    let row = store::find(conn, id)?;
    // Redmine lists the memberships in projects the viewer can see; with the rule above that is
    // all of them (an admin sees every project, a user the projects they are a member of).
    let memberships = includes.memberships.then(|| members::of_user(conn, id)).transpose()?;
    Ok(UserDetails { row, memberships })
}

/// Credentials as they arrived with a request.
#[derive(Debug, Clone)]
pub enum Credentials {
    ApiKey(String),
    /// HTTP Basic: login and password, or an API key as the login with any password.
    Basic {
        login: String,
        password: String,
    },
}

/// The active user an API key belongs to, or `None`.
pub fn authenticate_key(conn: &mut DbConnection, key: &str) -> Result<Option<UserRow>, Error> {
    by_api_key(conn, key)
}

/// `authenticate_key`, and the data version read in the same statement as the user (`None`
/// without a user of that key).
pub fn authenticate_key_versioned(conn: &mut DbConnection, key: &str) -> Result<Option<(UserRow, i64)>, Error> {
    if key.is_empty() {
        return Ok(None);
    }
    let found = store::find_by_key_digest_versioned(conn, &key_digest(key))?;
    Ok(found.filter(|(u, _)| key_opens(u, key)))
}

fn by_api_key(conn: &mut DbConnection, key: &str) -> Result<Option<UserRow>, Error> {
    if key.is_empty() {
        return Ok(None);
    }
    let found = store::find_by_key_digest(conn, &key_digest(key))?;
    Ok(found.filter(|u| key_opens(u, key)))
}

/// Whether `key` signs `user` in: an active user, the key compared in constant time.
fn key_opens(user: &UserRow, key: &str) -> bool {
    user.status == STATUS_ACTIVE && bool::from(user.api_key.as_bytes().ct_eq(key.as_bytes()))
}

/// What a password sign-in reads before the password is checked: the user of that login, and
/// (Basic with an API key as its login) the user of that key.
#[derive(Debug, Clone)]
pub struct SignInCandidates {
    pub by_login: Option<UserRow>,
    pub by_key: Option<UserRow>,
}

pub fn sign_in_candidates(conn: &mut DbConnection, login: &str) -> Result<SignInCandidates, Error> {
    Ok(SignInCandidates { by_login: store::find_by_login(conn, login)?, by_key: by_api_key(conn, login)? })
}

/// The outcome of a password check, which needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordCheck {
    Failed,
    /// Right, and the user may sign in; `rehashed` replaces a hash brought over from Redmine.
    Passed {
        rehashed: Option<String>,
    },
}

/// The argon2 hash a password is checked against when there is no user to check it against,
/// so that an unknown or locked login takes as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no user has this password").unwrap_or_default())
}

fn argon2_matches(password: &str, hashed: &str) -> bool {
    PasswordHash::new(hashed).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Checks `password` for `user` (the user of the login, if any). Always one argon2
/// verification, against the user's hash or a dummy one, whatever the user's state: an unknown,
/// locked or imported login costs what a wrong password costs. CPU-bound (tens of
/// milliseconds): run it on a thread of its own, holding no database connection.
pub fn check_password(user: Option<&UserRow>, password: &str) -> Result<PasswordCheck, Error> {
    let hashed = user.map(|u| u.hashed_password.as_str()).unwrap_or_default();
    let matches = match hashed.strip_prefix(REDMINE_SHA1) {
        Some(redmine) => {
            let _ = argon2_matches(password, dummy_hash());
            redmine_password_matches(password, redmine)
        }
        None if PasswordHash::new(hashed).is_ok() => argon2_matches(password, hashed),
        None => {
            let _ = argon2_matches(password, dummy_hash());
            false
        }
    };
    match user {
        Some(user) if matches && user.status == STATUS_ACTIVE => {
            // Redmine's SHA-1 scheme is accepted once: from now on, argon2.
            let rehashed =
                user.hashed_password.starts_with(REDMINE_SHA1).then(|| hash_password(password)).transpose()?;
            Ok(PasswordCheck::Passed { rehashed })
        }
        _ => Ok(PasswordCheck::Failed),
    }
}

/// How stale `last_login_on` may get before a sign-in writes it again: a client signing in
/// with its password on every request would otherwise write the users table on every request.
pub const LAST_LOGIN_PRECISION: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Notes a successful password sign-in: `last_login_on` when it is older than a minute, and
/// the argon2 hash that replaces a Redmine one.
pub fn signed_in(conn: &mut Conn, user: &UserRow, rehashed: Option<String>) -> Result<(), Error> {
    let at = now();
    let stale = user.last_login_on.is_none_or(|last| at - last >= LAST_LOGIN_PRECISION);
    if !stale && rehashed.is_none() {
        return Ok(());
    }
    write_transaction(conn, |c| {
        if stale {
            store::touch_login(c, user.id, at)?;
        }
        if let Some(hashed) = rehashed {
            store::update(c, user.id, &UserChanges { hashed_password: Some(hashed), ..UserChanges::default() })?;
        }
        Ok::<_, Error>(())
    })
}

/// Loads what the rules need to know about a user: their memberships and role permissions.
pub fn current_user(conn: &mut DbConnection, user: &UserRow) -> Result<CurrentUser, Error> {
    let mut memberships = Memberships::default();
    let mut public_projects = Vec::new();
    for (project_id, permissions) in members::access_of_user(conn, user.id)? {
        let Some(permissions) = permissions else {
            public_projects.push(project_id);
            continue;
        };
        let entry = memberships.0.entry(project_id).or_insert_with(Permissions::default);
        *entry = entry.union(Permissions::parse(&permissions));
    }
    Ok(CurrentUser {
        id: user.id,
        login: user.login.clone(),
        firstname: user.firstname.clone(),
        lastname: user.lastname.clone(),
        admin: user.admin,
        memberships,
        public_projects: if user.admin { Vec::new() } else { public_projects },
    })
}

/// A page of users (admins only), with Redmine's default: active users unless `status` names
/// another (`Some(None)`: every status).
pub fn list(
    conn: &mut DbConnection,
    user: &CurrentUser,
    status: Option<Option<i32>>,
    paging: Paging,
) -> Result<Page<UserRow>, Error> {
    user.require_admin()?;
    let status = status.unwrap_or(Some(STATUS_ACTIVE));
    let (total_count, items) = store::list(conn, status, paging.offset, paging.limit)?;
    Ok(Page { items, total_count, paging })
}

/// Deletes a user (admins only); 404 when there is none.
pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    user.require_admin()?;
    if store::delete(conn, id)? == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Every role, for any signed-in user.
pub fn roles(conn: &mut Conn) -> Result<Vec<RoleRow>, Error> {
    Ok(members::roles(conn)?)
}

/// Who a signed-in user acts as: themselves, or for an admin the active user named by
/// `X-Redmine-Switch-User` (412 when there is none).
pub fn acting_user(conn: &mut DbConnection, user: UserRow, switch_to: Option<String>) -> Result<CurrentUser, Error> {
    let user = match (user.admin, switch_to) {
        (true, Some(login)) => store::find_by_login(conn, &login)?
            .filter(|u| u.status == STATUS_ACTIVE)
            .ok_or(Error::PreconditionFailed)?,
        _ => user,
    };
    current_user(conn, &user)
}
