//! Who sees which contact: project members, public projects, public and private contacts —
//! the same in show, list and counts.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

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
    let cases = [
        (&member, vec![public, in_open, in_secret]),
        (&outsider, vec![public, in_open]),
        (&assignee, vec![private, public, in_open]),
    ];
    for format in Format::API {
        for (actor, visible) in &cases {
            let res = actor.get(format, "/contacts").await;
            let ids: Vec<i64> =
                res.list("contacts").iter().map(|c| c["id"].to_string().trim_matches('"').parse().unwrap()).collect();
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
async fn a_private_contact_is_seen_by_its_author() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let author = app.member("auth", "crm", "Manager").await;
    let other = app.member("other", "crm", "Manager").await;
    let id = author.create_contact("crm", json!({"first_name": "Mine", "visibility": 2})).await;
    for format in Format::API {
        assert_eq!(author.get(format, &format!("/contacts/{id}")).await.status, 200);
        assert_eq!(other.get(format, &format!("/contacts/{id}")).await.status, 403);
        assert_eq!(
            other.put(format, &format!("/contacts/{id}"), json!({"contact": {"first_name": "X"}})).await.status,
            403
        );
        assert_eq!(other.get(format, "/contacts").await.meta("total_count"), Some(0));
        assert_eq!(app.admin().get(format, &format!("/contacts/{id}")).await.status, 200);
    }
}
