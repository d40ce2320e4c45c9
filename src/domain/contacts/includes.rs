//! `include=notes,deals,contacts,issues` on contacts: the lists of other resources assembled
//! above those resources, each limited to what the reader may see.

use super::details::{ContactDetails, Includes};
use crate::db::DbConnection;
use crate::domain::access::CurrentUser;
use crate::domain::{deals, issues, names, notes, visibility};
use crate::error::Error;
use crate::store::contacts::{self as store, ContactQuery, SortColumn};

/// Fills the included lists of a page of contacts: a fixed number of queries per kind, however
/// many contacts, each list limited to what `user` may see.
pub fn load_includes(
    conn: &mut DbConnection,
    user: &CurrentUser,
    contacts: &mut [ContactDetails],
    inc: Includes,
) -> Result<(), Error> {
    let ids: Vec<i32> = contacts.iter().map(|c| c.row.id).collect();
    if inc.notes {
        // Notes show with a contact the reader may see; they need no permission of their own.
        let mut notes = notes::of_contacts(conn, &ids)?;
        for c in contacts.iter_mut() {
            let (mine, rest) = notes.into_iter().partition(|n| n.row.contact_id == Some(c.row.id));
            c.notes = mine;
            notes = rest;
        }
    }
    if inc.deals {
        let mut deals = deals::of_contacts(conn, user, &ids)?;
        for c in contacts.iter_mut() {
            let (mine, rest) = deals.into_iter().partition(|d| d.row.contact_id == Some(c.row.id));
            c.deals = mine;
            deals = rest;
        }
    }
    if inc.contacts {
        let visibility = visibility::contacts_for(user);
        let names = |companies: bool| -> Vec<String> {
            contacts
                .iter()
                .filter(|c| c.row.is_company == companies)
                .filter_map(|c| if companies { Some(c.row.first_name.clone()) } else { c.row.company.clone() })
                .collect()
        };
        let mut query = ContactQuery::visible(visibility.clone());
        query.employee_of = Some(names(true));
        query.sort = vec![(SortColumn::Name, false)];
        let employees = store::page(conn, &query, 0, i64::from(i32::MAX))?;
        let mut query = ContactQuery::visible(visibility);
        query.company_named = Some(names(false));
        let companies = store::page(conn, &query, 0, i64::from(i32::MAX))?;
        for c in contacts.iter_mut() {
            c.related = if c.row.is_company {
                employees
                    .iter()
                    .filter(|e| e.company.as_deref() == Some(c.row.first_name.as_str()) && e.id != c.row.id)
                    .map(|e| (e.id, names::contact_name(e)))
                    .collect()
            } else {
                companies
                    .iter()
                    .filter(|co| Some(co.first_name.as_str()) == c.row.company.as_deref())
                    .map(|co| (co.id, names::contact_name(co)))
                    .collect()
            };
        }
    }
    if inc.issues || inc.tickets {
        let mut issues = issues::of_contacts(conn, user, &ids)?;
        for c in contacts.iter_mut() {
            let (mine, rest): (Vec<_>, Vec<_>) = issues.into_iter().partition(|(contact, _)| *contact == c.row.id);
            c.issues = mine.into_iter().map(|(_, i)| i).collect();
            issues = rest;
        }
    }
    Ok(())
}
