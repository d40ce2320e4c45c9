//! Saved queries: `/crm_queries` and `query_id=` on the contacts and deals lists.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::{Res, TestApp};

fn ids(res: &Res, root: &str) -> Vec<i64> {
    res.ids(root)
}

#[actix_web::test]
async fn saved_queries_are_listed_by_type_and_applied_with_query_id() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("other", false).await;
    let admin = app.admin();
    let vip = admin.create_contact("crm", json!({"first_name": "Vip", "tag_list": "vip"})).await;
    let vip_elsewhere = admin.create_contact("other", json!({"first_name": "Far", "tag_list": "vip"})).await;
    admin.create_contact("crm", json!({"first_name": "Plain"})).await;
    for (round, format) in Format::API.into_iter().enumerate() {
        let name = format!("VIPs {format:?}");
        let body =
            json!({"query": {"name": name, "object_type": "contact", "is_public": true, "filters": {"tags": "vip"}}});
        let res = admin.post(format, "/crm_queries", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let global = res.int("query.id");
        let body =
            json!({"query": {"name": format!("Crm VIPs {format:?}"), "project_id": "crm", "filters": "tags=vip"}});
        let in_crm = admin.post(format, "/crm_queries", body).await.int("query.id");

        let list = admin.get(format, "/crm_queries?object_type=contact").await;
        assert_eq!(list.status, 200, "{}", list.text);
        // Two contact queries a round: the global one and the one in crm.
        assert_eq!(list.meta("total_count"), Some(2 * (round as i64 + 1)), "{}", list.text);
        let entry = list.list("queries").into_iter().find(|q| q["name"] == name.as_str()).expect("listed");
        assert_eq!(entry["is_public"].to_string().trim_matches('"'), "true");
        assert_eq!(admin.get(format, "/crm_queries?object_type=deal").await.meta("total_count"), Some(0));
        assert_eq!(admin.get(format, "/crm_queries").await.status, 404);
        assert_eq!(admin.get(format, "/crm_queries?object_type=issue").await.status, 404);

        let mut both = ids(&admin.get(format, &format!("/contacts?query_id={global}")).await, "contacts");
        both.sort();
        assert_eq!(both, vec![vip, vip_elsewhere]);
        // A project query keeps to its project; the request's own parameters still apply.
        assert_eq!(ids(&admin.get(format, &format!("/contacts?query_id={in_crm}")).await, "contacts"), vec![vip]);
        let narrowed = admin.get(format, &format!("/contacts?query_id={global}&search=far")).await;
        assert_eq!(ids(&narrowed, "contacts"), vec![vip_elsewhere]);
        assert_eq!(admin.get(format, "/contacts?query_id=9999").await.status, 404);
        assert_eq!(admin.get(format, &format!("/deals?query_id={global}")).await.status, 404, "a contact query");
    }
}

#[actix_web::test]
async fn private_and_project_queries_stay_with_those_who_may_see_them() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("secret", false).await;
    let mia = app.member("mia", "crm", "Reporter").await;
    let bob = app.member("bob", "crm", "Reporter").await;
    let admin = app.admin();
    let mine = mia
        .post(
            Format::Json,
            "/crm_queries",
            json!({"query": {"name": "Mine", "project_id": "crm", "is_public": false, "filters": "search=a"}}),
        )
        .await;
    assert_eq!(mine.status, 201, "{}", mine.text);
    let mine = mine.int("query.id");
    // A reporter may not publish a query, nor save one in a project they cannot read.
    let public = json!({"query": {"name": "Public", "project_id": "crm", "is_public": true}});
    assert_eq!(mia.post(Format::Json, "/crm_queries", public).await.status, 403);
    let hidden = json!({"query": {"name": "Hidden", "project_id": "secret", "is_public": false}});
    assert_eq!(mia.post(Format::Json, "/crm_queries", hidden).await.status, 403);
    let secret = admin
        .post(
            Format::Json,
            "/crm_queries",
            json!({"query": {"name": "Secret", "project_id": "secret", "is_public": true}}),
        )
        .await
        .int("query.id");
    let deals = admin
        .post(
            Format::Json,
            "/crm_queries",
            json!({"query": {"name": "Won", "object_type": "deal", "is_public": true, "filters": "status_id=c"}}),
        )
        .await
        .int("query.id");
    for format in Format::API {
        let names = |res: Res| -> Vec<String> {
            assert_eq!(res.status, 200, "{}", res.text);
            res.list("queries").iter().map(|q| q["name"].as_str().unwrap_or_default().to_string()).collect()
        };
        assert_eq!(names(mia.get(format, "/crm_queries?object_type=contact").await), vec!["Mine"]);
        assert_eq!(names(bob.get(format, "/crm_queries?object_type=contact").await), Vec::<String>::new());
        assert_eq!(names(admin.get(format, "/crm_queries?object_type=contact").await), vec!["Secret"]);
        assert_eq!(names(bob.get(format, "/crm_queries?object_type=deal").await), vec!["Won"]);
        assert_eq!(bob.get(format, &format!("/contacts?query_id={mine}")).await.status, 403);
        assert_eq!(mia.get(format, &format!("/contacts?query_id={secret}")).await.status, 403);
        assert_eq!(mia.get(format, &format!("/contacts?query_id={mine}")).await.status, 200);
        assert_eq!(bob.get(format, &format!("/deals?query_id={deals}")).await.status, 200);
    }
    assert_eq!(bob.delete(Format::Json, &format!("/crm_queries/{mine}")).await.status, 403);
    assert_eq!(mia.delete(Format::Json, &format!("/crm_queries/{mine}")).await.status, 204);
    assert_eq!(mia.get(Format::Json, &format!("/contacts?query_id={mine}")).await.status, 404);
    let blank = admin.post(Format::Xml, "/crm_queries", json!({"query": {"name": ""}})).await;
    assert_eq!(blank.status, 422);
    assert_eq!(blank.errors(), vec!["Name cannot be blank"]);
}

/// A query saved without `is_public` (nor `visibility`) is private, as in Redmine; publishing
/// one in a project needs manage_public_queries there (a Manager's), or admin for a global one.
#[actix_web::test]
async fn a_query_is_private_unless_made_public_by_someone_allowed_to() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let manager = app.member("man", "crm", "Manager").await;
    let reporter = app.member("rep", "crm", "Reporter").await;
    app.role("Curator", "view_contacts,manage_contacts");
    let curator = app.member("cur", "crm", "Curator").await;
    for format in Format::API {
        let plain = json!({"query": {"name": format!("Plain {format:?}"), "project_id": "crm"}});
        let res = manager.post(format, "/crm_queries", plain).await;
        assert_eq!(res.status, 201, "{}", res.text);
        assert_eq!(res.str("query.is_public"), "false", "{}", res.text);
        let public = json!({"query": {"name": format!("Shared {format:?}"), "project_id": "crm", "is_public": true}});
        assert_eq!(reporter.post(format, "/crm_queries", public.clone()).await.status, 403);
        // manage_contacts is not manage_public_queries.
        assert_eq!(curator.post(format, "/crm_queries", public.clone()).await.status, 403);
        let res = manager.post(format, "/crm_queries", public).await;
        assert_eq!((res.status, res.str("query.is_public")), (201, "true".to_string()), "{}", res.text);
        let global = json!({"query": {"name": format!("Global {format:?}"), "is_public": true}});
        assert_eq!(manager.post(format, "/crm_queries", global).await.status, 403);
    }
    let seen = reporter.get(Format::Json, "/crm_queries?object_type=contact").await;
    let names: Vec<String> =
        seen.list("queries").iter().map(|q| q["name"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(names, ["Shared Json", "Shared Xml"], "only the public ones: {}", seen.text);
}
