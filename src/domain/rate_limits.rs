//! The shared side of the API's rate limits: each instance adds the requests it counted since
//! its last reconcile to the database's totals and reads them back (`api::rate_limit` counts in
//! memory and decides).

use crate::db::{write_transaction, Conn};
use crate::error::Error;
use crate::store::rate_limits as store;
pub use crate::store::rate_limits::HitsRow;

/// Rows per statement: three binds each, well under both backends' limits.
const CHUNK: usize = 1000;

/// Adds `counted` (sorted by bucket) to the totals of the window that began at `window_start`
/// and returns that window's totals, every instance's requests in them; first deletes the
/// windows that began before `expired_before`, when given.
pub fn reconcile(
    conn: &mut Conn,
    window_start: i64,
    counted: &[HitsRow],
    expired_before: Option<i64>,
) -> Result<Vec<HitsRow>, Error> {
    write_transaction(conn, |c| {
        if let Some(start) = expired_before {
            store::delete_before(c, start)?;
        }
        for chunk in counted.chunks(CHUNK) {
            store::add(c, chunk)?;
        }
        Ok(store::in_window(c, window_start)?)
    })
}
