//! Contact tags as the reader sees them.

use super::access::CurrentUser;
use super::contacts::visibility_for;
use crate::db::DbConnection;
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
    let visible = ContactQuery::visible(visibility_for(conn, user)?);
    Ok(store::counts(conn, &visible)?.into_iter().map(|(id, name, count)| TagCount { id, name, count }).collect())
}
