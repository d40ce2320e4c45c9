//! `membership[…]`.

use serde_json::{Map, Value};

use super::Fields;
use crate::domain::memberships::MembershipInput;
use crate::error::Error;

pub fn membership(map: Map<String, Value>) -> Result<MembershipInput, Error> {
    let mut f = Fields::new(map);
    let user_id = f.id("user_id", "User").flatten();
    let role_ids = f.list("role_ids", "Role").map(|ids| ids.iter().map(|i| i.parse::<i32>()).collect::<Vec<_>>());
    let role_ids = match role_ids {
        Some(parsed) if parsed.iter().any(Result::is_err) => {
            f.error("Role is invalid");
            None
        }
        Some(parsed) => Some(parsed.into_iter().flatten().collect()),
        None => None,
    };
    f.finish()?;
    Ok(MembershipInput { user_id, role_ids })
}
