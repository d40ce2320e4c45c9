//! Contact tags as the reader sees them, and an admin's renaming, merging and deleting.

use super::access::CurrentUser;
use super::input::MAX_STRING;
use super::visibility;
use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::contacts::ContactQuery;
use crate::store::tags as store;

/// A tag with the number of contacts carrying it that the reader can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCount {
    pub id: i32,
    pub name: String,
    pub count: i64,
}

impl TagCount {
    /// The plugin's pseudo-colour: the name's bytes as one big-endian number, modulo 0xFFFFFF.
    pub fn color(&self) -> String {
        let value = self.name.bytes().fold(0u64, |acc, b| (acc * 256 + u64::from(b)) % 0xFF_FFFF);
        format!("#{value:06x}")
    }
}

/// Every tag on a contact `user` can see, by name.
pub fn list(conn: &mut DbConnection, user: &CurrentUser) -> Result<Vec<TagCount>, Error> {
    let visible = ContactQuery::visible(visibility::contacts_for(user));
    Ok(store::counts(conn, &visible)?.into_iter().map(|(id, name, count)| TagCount { id, name, count }).collect())
}

/// A tag name as given for a rename or merge: trimmed, not blank, at most 255 characters, and
/// without the comma that separates names in `tag_list`.
fn tag_name(name: Option<String>) -> Result<String, Error> {
    let name = name.map(|n| n.trim().to_string()).unwrap_or_default();
    if name.is_empty() {
        return Err(Error::invalid("Name cannot be blank"));
    }
    if name.chars().count() > MAX_STRING {
        return Err(Error::invalid(format!("Name is too long (maximum is {MAX_STRING} characters)")));
    }
    if name.contains(',') {
        return Err(Error::invalid("Name is invalid"));
    }
    Ok(name)
}

/// Renames a tag (admin). A name another tag has is refused: merging says so explicitly.
pub fn rename(conn: &mut Conn, user: &CurrentUser, id: i32, name: Option<String>) -> Result<(), Error> {
    user.require_admin()?;
    let name = tag_name(name)?;
    if !store::exists(conn, id)? {
        return Err(Error::NotFound);
    }
    write_transaction(conn, |c| {
        if store::find_by_name(c, &name)?.is_some_and(|other| other != id) {
            return Err(Error::invalid("Name has already been taken"));
        }
        store::rename(c, id, &name)?;
        Ok(())
    })
}

/// Merges tags `ids` into one named `name` (admin): the tag of that name if there is one,
/// else the first of `ids` renamed. Every contact keeps exactly one link to it.
pub fn merge(conn: &mut Conn, user: &CurrentUser, ids: &[i32], name: Option<String>) -> Result<i32, Error> {
    user.require_admin()?;
    let name = tag_name(name)?;
    if ids.is_empty() {
        return Err(Error::invalid("Tags cannot be blank"));
    }
    write_transaction(conn, |c| {
        for id in ids {
            if !store::exists(c, *id)? {
                return Err(Error::invalid(format!("Tag {id} does not exist")));
            }
        }
        let into = match store::find_by_name(c, &name)? {
            Some(existing) => existing,
            None => {
                store::rename(c, ids[0], &name)?;
                ids[0]
            }
        };
        for id in ids.iter().filter(|id| **id != into) {
            store::merge_into(c, *id, into)?;
        }
        Ok(into)
    })
}

/// Deletes a tag from every contact (admin).
pub fn delete(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<(), Error> {
    user.require_admin()?;
    if store::delete(conn, id)? == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
