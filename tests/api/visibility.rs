//! Who sees which contact: project members, public projects, public and private contacts —
//! the same in show, list and counts.

use contacts_server::db::{DbConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use contacts_server::format::Format;
use diesel_migrations::EmbeddedMigrations;
use serde_json::json;

use crate::support::{Actor, TestApp};

#[actix_web::test]
async fn contacts_are_visible_by_project_membership_and_visibility() {
    let app = TestApp::spawn().await;
    app.project("secret", false).await;
    app.project("open", true).await;
    let member = app.member("mem", "secret", "Reporter").await;
    let outsider = app.user("out").await;
    let assignee = app.user("asg").await;
    let in_secret = app.admin().create_contact("secret", json!({"first_name": "InSecret"})).await;
    let in_open = app.admin().create_contact("open", json!({"first_name": "InOpen"})).await;
    let public = app.admin().create_contact("secret", json!({"first_name": "Public", "visibility": 1})).await;
    let private = app
        .admin()
        .create_contact("secret", json!({"first_name": "Private", "visibility": 2, "assigned_to_id": assignee.id}))
        .await;
    // The assignee reads contacts in `open` only: the private contact in `secret` stays hidden
    // from them, as the plugin asks for view_contacts in one of the contact's projects too.
    let cases = [
        (&member, vec![public, in_open, in_secret]),
        (&outsider, vec![public, in_open]),
        (&assignee, vec![public, in_open]),
    ];
    for format in Format::API {
        for (actor, visible) in &cases {
            let res = actor.get(format, "/contacts").await;
            let ids = res.ids("contacts");
            assert_eq!(&ids, visible, "list for user {}", actor.id);
            assert_eq!(res.meta("total_count"), Some(visible.len() as i64));
            for id in [in_secret, in_open, public, private] {
                let status = actor.get(format, &format!("/contacts/{id}")).await.status;
                assert_eq!(status, if visible.contains(&id) { 200 } else { 403 }, "contact {id} for user {}", actor.id);
            }
            let searched = actor.get(format, "/contacts?search=private").await;
            assert_eq!(searched.meta("total_count"), Some(if visible.contains(&private) { 1 } else { 0 }));
        }
        assert_eq!(app.admin().get(format, "/contacts").await.meta("total_count"), Some(4));
        assert_eq!(outsider.get(format, "/projects/secret/contacts").await.status, 403);
        assert_eq!(member.get(format, "/projects/secret/contacts").await.meta("total_count"), Some(2));
    }
}

#[actix_web::test]
async fn a_contact_is_seen_through_any_of_its_projects_and_no_other() {
    // Projects 1 and 11: the lists and shows compare each contact's own list of project ids
    // ("11", "1,11"), which must not read project 11 as project 1.
    let app = TestApp::spawn().await;
    for n in 1..=11 {
        app.project(&format!("p{n}"), false).await;
    }
    let reader = app.member("reader", "p1", "Reporter").await;
    let elsewhere = app.admin().create_contact("p11", json!({"first_name": "Elsewhere Kim", "tag_list": "lead"})).await;
    let shared = app.admin().create_contact("p11", json!({"first_name": "Shared Kim", "tag_list": "lead"})).await;
    app.admin().post(Format::Json, &format!("/contacts/{shared}/projects"), json!({"project": {"id": "p1"}})).await;
    let home = app.admin().create_contact("p1", json!({"first_name": "Home Kim", "tag_list": "lead"})).await;
    for format in Format::API {
        for query in ["", "?search=kim", "?tags=lead", "?search=kim&tags=LEAD"] {
            let res = reader.get(format, &format!("/contacts{query}")).await;
            let ids = res.ids("contacts");
            assert_eq!(ids, vec![home, shared], "{query}");
            assert_eq!(res.meta("total_count"), Some(2), "{query}");
        }
        assert_eq!(reader.get(format, &format!("/contacts/{elsewhere}")).await.status, 403);
        // A show agrees with the list, for a project linked after the contact was created too.
        assert_eq!(reader.get(format, &format!("/contacts/{shared}")).await.status, 200);
        assert_eq!(reader.get(format, &format!("/contacts/{home}")).await.status, 200);
        assert_eq!(app.admin().get(format, "/contacts?tags=lead").await.meta("total_count"), Some(3));
    }
}

#[actix_web::test]
async fn a_project_made_public_shows_its_contacts_to_non_members_and_private_again_hides_them() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let outsider = app.user("out").await;
    let in_crm = app.admin().create_contact("crm", json!({"first_name": "InCrm"})).await;
    // Reading contacts nowhere, the outsider may not list them at all (the plugin's 403).
    assert_eq!(outsider.get(Format::Json, "/contacts").await.status, 403);
    assert_eq!(outsider.get(Format::Json, "/contacts?search=incrm").await.status, 403);
    let res = app.admin().put(Format::Json, "/projects/crm", json!({"project": {"is_public": true}})).await;
    assert_eq!(res.status, 204, "{}", res.text);
    let listed = outsider.get(Format::Json, "/contacts").await;
    assert_eq!(listed.meta("total_count"), Some(1));
    assert_eq!(listed.list("contacts")[0]["id"], json!(in_crm));
    assert_eq!(outsider.get(Format::Json, "/contacts?search=incrm").await.meta("total_count"), Some(1));
    assert_eq!(
        app.admin().put(Format::Json, "/projects/crm", json!({"project": {"is_public": false}})).await.status,
        204
    );
    assert_eq!(outsider.get(Format::Json, "/contacts").await.status, 403);
}

#[actix_web::test]
async fn a_private_contact_is_seen_by_its_author() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    // Without view_private_contacts: a Manager, who holds it, sees every private contact.
    app.role("Editor", "view_contacts,add_contacts,edit_contacts");
    let author = app.member("auth", "crm", "Editor").await;
    let other = app.member("other", "crm", "Editor").await;
    let manager = app.member("manager", "crm", "Manager").await;
    let id = author.create_contact("crm", json!({"first_name": "Mine", "visibility": 2})).await;
    for format in Format::API {
        assert_eq!(author.get(format, &format!("/contacts/{id}")).await.status, 200);
        assert_eq!(other.get(format, &format!("/contacts/{id}")).await.status, 403);
        assert_eq!(
            other.put(format, &format!("/contacts/{id}"), json!({"contact": {"first_name": "X"}})).await.status,
            403
        );
        assert_eq!(other.get(format, "/contacts").await.meta("total_count"), Some(0));
        assert_eq!(author.get(format, "/contacts").await.meta("total_count"), Some(1));
        assert_eq!(manager.get(format, &format!("/contacts/{id}")).await.status, 200);
        assert_eq!(manager.get(format, "/contacts").await.meta("total_count"), Some(1));
        assert_eq!(app.admin().get(format, &format!("/contacts/{id}")).await.status, 200);
    }
}

/// Every reader's total, as the tallies answer it for the unfiltered list and as a filtered
/// list (which counts rows) answers it, agree.
async fn assert_totals_agree(readers: &[&Actor<'_>], step: &str) {
    for reader in readers {
        let tallied = reader.get(Format::Json, "/contacts?limit=1").await.meta("total_count");
        let counted = reader.get(Format::Json, "/contacts?limit=1&updated_since=2000-01-01").await.meta("total_count");
        assert!(counted.is_some());
        assert_eq!(tallied, counted, "after {step}, for user {}", reader.id);
    }
}

#[actix_web::test]
async fn the_unfiltered_total_follows_every_kind_of_write() {
    // No remembered totals: a CLI import below writes behind the server's back.
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("open", true).await;
    app.project("sales", false).await;
    let member = app.member("mem", "crm", "Manager").await;
    let outsider = app.user("out").await;
    let writer = app.member("wri", "sales", "Manager").await;
    app.add_member(&writer, "crm", "Manager").await;
    app.add_member(&writer, "open", "Manager").await;
    let admin = app.admin();
    let readers = [&admin, &member, &outsider, &writer];

    let mut ids = Vec::new();
    for (i, (project, visibility)) in
        [("crm", 0), ("sales", 0), ("open", 0), ("crm", 1), ("sales", 2), ("crm", 2)].into_iter().enumerate()
    {
        let assigned = if i % 2 == 0 { json!(outsider.id) } else { json!(null) };
        let body = json!({"first_name": format!("C{i}"), "visibility": visibility, "assigned_to_id": assigned});
        ids.push(writer.create_contact(project, body).await);
    }
    assert_totals_agree(&readers, "creates").await;
    // A Manager holds view_private_contacts: crm's private contact counts too.
    assert_eq!(member.get(Format::Json, "/contacts").await.meta("total_count"), Some(4), "crm, open, public, private");

    let sales_only = ids[1];
    let res =
        admin.post(Format::Json, &format!("/contacts/{sales_only}/projects"), json!({"project": {"id": "crm"}})).await;
    assert_eq!(res.status, 204);
    assert_totals_agree(&readers, "linking a project").await;
    assert_eq!(member.get(Format::Json, "/contacts").await.meta("total_count"), Some(5), "and now the sales one");
    assert_eq!(admin.delete(Format::Json, &format!("/contacts/{sales_only}/projects/crm")).await.status, 204);
    assert_totals_agree(&readers, "unlinking a project").await;
    assert_eq!(member.get(Format::Json, "/contacts").await.meta("total_count"), Some(4));

    for (id, visibility) in [(ids[0], 2), (ids[3], 0), (ids[4], 1), (ids[5], 0)] {
        let res =
            admin.put(Format::Json, &format!("/contacts/{id}"), json!({"contact": {"visibility": visibility}})).await;
        assert_eq!(res.status, 204, "{}", res.text);
        assert_totals_agree(&readers, &format!("contact {id} turning {visibility}")).await;
    }
    let res = admin
        .put(Format::Json, &format!("/contacts/{}", ids[0]), json!({"contact": {"assigned_to_id": member.id}}))
        .await;
    assert_eq!(res.status, 204);
    assert_totals_agree(&readers, "reassigning a private contact").await;

    assert_eq!(admin.delete(Format::Json, &format!("/contacts/{}", ids[2])).await.status, 204);
    assert_totals_agree(&readers, "deleting a contact").await;
    assert_eq!(admin.delete(Format::Json, "/projects/sales").await.status, 204);
    assert_totals_agree(&readers, "deleting a project").await;
    assert_eq!(admin.delete(Format::Json, &format!("/users/{}", outsider.id)).await.status, 204);
    assert_totals_agree(&[&admin, &member, &writer], "deleting an assignee").await;

    // The bulk writer: the export imported back into crm.
    let csv = admin.raw(reqwest::Method::GET, Format::Csv, "/contacts", "text/plain", Vec::new()).await.text;
    app.import_csv(&csv, "crm");
    assert_totals_agree(&[&admin, &member, &writer], "an import").await;
    assert!(member.get(Format::Json, "/contacts").await.meta("total_count") > Some(4));
}

#[actix_web::test]
async fn the_tallies_are_filled_from_the_contacts_a_database_already_has() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("open", true).await;
    let member = app.member("mem", "crm", "Reporter").await;
    let outsider = app.user("out").await;
    let admin = app.admin();
    for (project, visibility) in [("crm", 0), ("crm", 0), ("open", 0), ("crm", 1), ("crm", 2)] {
        let body = json!({"first_name": "Old", "visibility": visibility, "assigned_to_id": outsider.id});
        admin.create_contact(project, body).await;
    }
    // Back to the schema before the tallies, then forward again: the migration counts what is there.
    app.db
        .run_blocking(|conn| {
            use diesel_migrations::MigrationHarness;
            fn back_and_forth<C: MigrationHarness<B>, B: diesel::backend::Backend>(
                conn: &mut C,
                migrations: impl Fn() -> EmbeddedMigrations,
            ) -> diesel::migration::Result<()> {
                // Revert down to and including the tallies' migration, then run all again.
                while conn.applied_migrations()?.iter().max().is_some_and(|v| v.to_string().as_str() >= TALLIES) {
                    conn.revert_last_migration(migrations())?;
                }
                conn.run_pending_migrations(migrations()).map(|_| ())
            }
            const TALLIES: &str = "20261129000006";
            let migrated = match conn {
                DbConnection::Sqlite(c) => back_and_forth(c, || SQLITE_MIGRATIONS),
                DbConnection::Postgres(c) => back_and_forth(c, || POSTGRES_MIGRATIONS),
            };
            migrated.map_err(|e| contacts_server::error::Error::Internal(anyhow::anyhow!("{e}")))
        })
        .expect("migrate down and up");
    assert_totals_agree(&[&admin, &member, &outsider], "the migration").await;
    assert_eq!(member.get(Format::Json, "/contacts").await.meta("total_count"), Some(4));
    // Open's contact and the public one; the private one assigned to the outsider is in crm,
    // where they read nothing.
    assert_eq!(outsider.get(Format::Json, "/contacts").await.meta("total_count"), Some(2));
}
