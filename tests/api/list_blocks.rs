//! Deep pages of the unfiltered list, newest first (the default), oldest first or by name either
//! way, are found through the blocks' counts (`store::list_blocks`): whatever the writes, and
//! before or after the blocks are cut again, each such page is the page the plain walk gives
//! (the same order with the id named as a last key, read row by row).

use std::process::Command;
use std::time::{Duration, Instant};

use contacts_server::db::schema::{contact_blocks, contact_name_blocks};
use contacts_server::format::Format;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

use crate::support::process::BIN;
use crate::support::{Actor, TestApp, TestDb};

/// A database seeded with `contacts` contacts over 5 projects (2 of them public) and 10 users,
/// and the key of the seed's user1, a non-admin Manager of the first three projects.
fn seeded(contacts: u32) -> (TestDb, String) {
    let db = TestDb::fresh();
    let out = Command::new(BIN)
        .args([
            "seed",
            "--contacts",
            &contacts.to_string(),
            "--projects",
            "5",
            "--users",
            "10",
            "--database-url",
            &db.url,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim().to_string();
    (db, key)
}

/// The fewer of the two orders' blocks.
fn blocks(app: &TestApp) -> i64 {
    let mut conn = app.db.connection().unwrap();
    let created = contact_blocks::table.count().get_result::<i64>(&mut **conn).unwrap();
    let named = contact_name_blocks::table.count().get_result::<i64>(&mut **conn).unwrap();
    created.min(named)
}

/// Waits for the server to cut the blocks of both orders to at least `at_least` of them.
async fn cut_into(app: &TestApp, at_least: i64) {
    let started = Instant::now();
    while blocks(app) < at_least {
        assert!(started.elapsed() < Duration::from_secs(20), "the blocks were not cut: {}", blocks(app));
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each order found through blocks, and the same order walked row by row.
const ORDERS: [(&str, &str); 4] = [
    ("", "&sort=created_on:desc,id:desc"),
    ("&sort=created_on", "&sort=created_on,id"),
    ("&sort=name", "&sort=name,id"),
    ("&sort=name:desc", "&sort=name:desc,id:desc"),
];

/// Every offset in `offsets` (and the list's end) gives the plain walk's page, and the same
/// total, to `reader`, in every order.
async fn pages_agree(reader: &Actor<'_>, offsets: &[i64]) {
    let total = reader.get(Format::Json, "/contacts?limit=1").await.meta("total_count").unwrap();
    let mut checked: Vec<i64> = offsets.iter().copied().filter(|o| *o >= 1000).collect();
    checked.extend([total - 25, total - 1, total, total + 7].into_iter().filter(|o| *o >= 1000));
    for offset in checked {
        // Every order in JSON, the default one in XML too.
        let asked = ORDERS.into_iter().map(|order| (Format::Json, order)).chain([(Format::Xml, ORDERS[0])]);
        for (format, (counted_order, walked_order)) in asked {
            let counted = reader.get(format, &format!("/contacts?limit=25&offset={offset}{counted_order}")).await;
            let walked = reader.get(format, &format!("/contacts?limit=25&offset={offset}{walked_order}")).await;
            assert_eq!(counted.status, 200, "{}", counted.text);
            assert_eq!(counted.meta("total_count"), Some(total));
            assert_eq!(
                counted.ids("contacts"),
                walked.ids("contacts"),
                "offset {offset} of {total}{counted_order} ({format:?})"
            );
        }
    }
}

/// Offsets spread over the whole list, the same every run.
fn offsets(total: i64) -> Vec<i64> {
    let mut x: i64 = 7;
    let mut out = vec![1000, 1001, 1099, 1100, 1234];
    for _ in 0..12 {
        x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
        out.push(1000 + x % (total - 999).max(1));
    }
    out
}

#[actix_web::test]
async fn deep_pages_are_the_plain_walks_pages_through_every_kind_of_write() {
    let (db, user1_key) = seeded(3000);
    let app = TestApp::spawn_on(db, |c| c.list_block_rows = 100).await;
    cut_into(&app, 20).await;
    let admin = app.admin();
    let mut user1 = app.as_key(&user1_key);
    user1.id = user1.get(Format::Json, "/users/current").await.at("user.id").as_i64().unwrap();
    let total = admin.get(Format::Json, "/contacts?limit=1").await.meta("total_count").unwrap();
    let offsets = offsets(total);
    pages_agree(&admin, &offsets).await;
    pages_agree(&user1, &offsets).await;

    // Writes of every kind, each checked at once (the blocks are not cut in between): new
    // contacts, some private and user1's own; visibility, status and projects changed; names
    // changed; deletes; rows moved to other blocks by their created_on.
    for i in 0..60 {
        let visibility = [0, 1, 2][i % 3];
        let assigned = if i % 2 == 0 { json!(user1.id) } else { json!(null) };
        admin
            .create_contact(
                "project-4",
                json!({"first_name": format!("New {i}"), "visibility": visibility, "assigned_to_id": assigned}),
            )
            .await;
    }
    pages_agree(&user1, &offsets).await;
    let ids =
        admin.get(Format::Json, "/contacts?limit=100&offset=1500&sort=created_on:desc,id:desc").await.ids("contacts");
    for (i, id) in ids.iter().enumerate() {
        let change = match i % 5 {
            0 => json!({"contact": {"visibility": 2, "assigned_to_id": user1.id}}),
            1 => json!({"contact": {"visibility": 1}}),
            2 => json!({"contact": {"status": "archived"}}),
            3 => json!({"contact": {"visibility": 0}}),
            _ => json!({"contact": {"first_name": "aaron", "last_name": format!("Zed {i}")}}),
        };
        let res = admin.put(Format::Json, &format!("/contacts/{id}"), change).await;
        assert!(res.status < 300, "{}", res.text);
    }
    pages_agree(&user1, &offsets).await;
    for id in ids.iter().step_by(7) {
        assert_eq!(admin.delete(Format::Json, &format!("/contacts/{id}")).await.status, 204);
    }
    let moved: Vec<String> = ids.iter().skip(3).step_by(11).map(|id| id.to_string()).collect();
    app.db
        .connection()
        .unwrap()
        .batch_execute(&format!(
            "UPDATE contacts SET created_on = '2022-06-01 12:00:00' WHERE id IN ({})",
            moved.join(",")
        ))
        .unwrap();
    let linked = admin
        .post(Format::Json, &format!("/contacts/{}/projects", ids[4]), json!({"project": {"id": "project-5"}}))
        .await;
    assert!(linked.status < 300, "{}", linked.text);
    pages_agree(&admin, &offsets).await;
    pages_agree(&user1, &offsets).await;

    // Once cut again, the same.
    let before = blocks(&app);
    for i in 0..250 {
        admin.create_contact("project-1", json!({"first_name": format!("Later {i}")})).await;
    }
    cut_into(&app, before + 2).await;
    pages_agree(&admin, &offsets).await;
    pages_agree(&user1, &offsets).await;
}
