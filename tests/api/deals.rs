//! `/deals`, statuses and categories.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn deals_are_created_listed_updated_and_deleted() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let contact = app.admin().create_contact("crm", json!({"first_name": "Ivan", "last_name": "Ivanov"})).await;
    for format in Format::API {
        let category = app
            .admin()
            .post(
                format,
                "/projects/crm/deal_categories",
                json!({"deal_category": {"name": format!("Software {format:?}")}}),
            )
            .await;
        assert_eq!(category.status, 201, "{}", category.text);
        let category = category.int("deal_category.id");
        let body = json!({"deal": {"name": "Big deal", "contact_id": contact, "price": "3000", "currency": "USD", "probability": 50, "due_date": "2030-12-12", "background": "Test deal", "category_id": category, "assigned_to_id": 1}});
        let res = app.admin().post(format, "/projects/crm/deals", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("deal.id");
        assert_eq!(res.str("deal.price"), "3000.0");
        assert_eq!(res.str("deal.status.name"), "Pending");
        assert_eq!(res.str("deal.contact.name"), "Ivan Ivanov");
        assert_eq!(res.str("deal.category.id"), category.to_string());
        assert_eq!(res.str("deal.due_date"), "2030-12-12T00:00:00Z");
        assert_eq!(res.str("deal.project.name"), "CRM");
        let res = app.admin().put(format, &format!("/deals/{id}"), json!({"deal": {"price": 2000.5}})).await;
        assert_eq!(res.status, 204, "{}", res.text);
        assert_eq!(app.admin().get(format, &format!("/deals/{id}")).await.str("deal.price"), "2000.5");
        let listed = app.admin().get(format, "/deals?project_id=crm&search=big").await;
        // Each round deletes its deal at the end: this round's is the one deal.
        assert_eq!((listed.meta("total_count"), listed.ids("deals")), (Some(1), vec![id]), "{}", listed.text);
        let with = app.admin().get(format, &format!("/contacts/{contact}?include=deals")).await;
        assert_eq!(with.ids("contact.deals"), vec![id], "{}", with.text);
        assert_eq!(with.str("contact.deals.0.name"), "Big deal");
        // Won deals leave the default (open) list.
        assert_eq!(
            app.admin().put(format, &format!("/deals/{id}"), json!({"deal": {"status_id": 3}})).await.status,
            204
        );
        let open = app.admin().get(format, "/deals").await;
        assert_eq!((open.status, open.meta("total_count")), (200, Some(0)), "{}", open.text);
        let all = app.admin().get(format, "/deals?status_id=*").await;
        assert_eq!(all.ids("deals"), vec![id], "{}", all.text);
        assert_eq!(app.admin().get(format, "/deals?status_id=c").await.meta("total_count"), Some(1));
        assert_eq!(app.admin().delete(format, &format!("/deals/{id}")).await.status, 204);
        assert_eq!(app.admin().get(format, &format!("/deals/{id}")).await.status, 404);
        assert_eq!(app.admin().delete(format, &format!("/deals/{id}")).await.status, 404);
    }
}

#[actix_web::test]
async fn deal_statuses_and_categories() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for format in Format::API {
        let res = app.admin().get(format, "/deal_statuses").await;
        assert_eq!(res.status, 200);
        assert_eq!(res.meta("total_count"), Some(4));
        assert_eq!(res.str("deal_statuses.0.name"), "Pending");
        assert_eq!(res.str("deal_statuses.0.is_default"), "true");
        assert_eq!(res.str("deal_statuses.2.status_type"), "1");
    }
    let cat = app
        .admin()
        .post(Format::Json, "/projects/crm/deal_categories", json!({"deal_category": {"name": "Hardware"}}))
        .await
        .int("deal_category.id");
    let other = app
        .admin()
        .post(Format::Json, "/projects/crm/deal_categories", json!({"category": {"name": "Software"}}))
        .await
        .int("deal_category.id");
    let dup = app
        .admin()
        .post(Format::Json, "/projects/crm/deal_categories", json!({"deal_category": {"name": "Hardware"}}))
        .await;
    assert_eq!(dup.errors(), vec!["Name has already been taken"]);
    let deal = app
        .admin()
        .post(Format::Json, "/projects/crm/deals", json!({"deal": {"name": "D", "category_id": cat}}))
        .await
        .int("deal.id");
    let listed = app.admin().get(Format::Xml, "/projects/crm/deal_categories?project_id=crm").await;
    assert_eq!(listed.list("deal_categories").len(), 2);
    assert_eq!(
        app.admin()
            .put(Format::Json, &format!("/deal_categories/{cat}"), json!({"deal_category": {"name": "Iron"}}))
            .await
            .status,
        204
    );
    assert_eq!(app.admin().get(Format::Json, &format!("/deals/{deal}")).await.str("deal.category.name"), "Iron");
    assert_eq!(
        app.admin().delete(Format::Json, &format!("/deal_categories/{cat}?reassign_to_id={other}")).await.status,
        204
    );
    assert_eq!(app.admin().get(Format::Json, &format!("/deals/{deal}")).await.str("deal.category.name"), "Software");
}

#[actix_web::test]
async fn deals_refuse_bad_input_and_hide_contacts_the_reader_cannot_see() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let manager = app.member("man", "crm", "Manager").await;
    let reporter = app.member("rep", "crm", "Reporter").await;
    // Private, in a project the Manager does not read (in theirs, view_private_contacts shows it).
    app.project("other", false).await;
    let private = app.admin().create_contact("other", json!({"first_name": "Hidden", "visibility": 2})).await;
    for format in Format::API {
        let res =
            manager.post(format, "/projects/crm/deals", json!({"deal": {"name": "X", "contact_id": private}})).await;
        assert_eq!(res.errors(), vec!["Contact is invalid"], "a contact the caller cannot see");
        let res = manager
            .post(
                format,
                "/projects/crm/deals",
                json!({"deal": {"name": "", "price": "lots", "probability": 200, "status_id": 99}}),
            )
            .await;
        assert_eq!(res.status, 422);
        for e in [
            "Name cannot be blank",
            "Price is not a number",
            "Probability is not included in the list",
            "Status is invalid",
        ] {
            assert!(res.errors().contains(&e.to_string()), "{e}: {:?}", res.errors());
        }
        assert_eq!(reporter.post(format, "/projects/crm/deals", json!({"deal": {"name": "X"}})).await.status, 403);
    }
    let deal = app
        .admin()
        .post(Format::Json, "/projects/crm/deals", json!({"deal": {"name": "Mine", "contact_id": private}}))
        .await
        .int("deal.id");
    let seen = manager.get(Format::Json, &format!("/deals/{deal}")).await;
    assert_eq!(seen.status, 200);
    assert!(seen.at("deal.contact").is_null(), "the private contact is not revealed: {}", seen.text);
    assert_eq!(app.admin().get(Format::Json, &format!("/deals/{deal}")).await.str("deal.contact.name"), "Hidden");
    assert_eq!(app.user("out").await.get(Format::Json, &format!("/deals/{deal}")).await.status, 403);
}

/// A project sent with an update moves the deal, to a project the user may add deals to; its
/// old project's category does not go with it.
#[actix_web::test]
async fn an_update_moves_a_deal_to_another_project() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("sales", false).await;
    app.project("closed", false).await;
    let manager = app.member("max", "crm", "Manager").await;
    app.add_member(&manager, "sales", "Manager").await;
    app.add_member(&manager, "closed", "Reporter").await;
    for format in Format::API {
        let category = manager
            .post(format, "/projects/crm/deal_categories", json!({"deal_category": {"name": format!("C {format:?}")}}))
            .await;
        let body = json!({"deal": {"name": "Move me", "category_id": category.int("deal_category.id")}});
        let id = manager.post(format, "/projects/crm/deals", body).await.int("deal.id");
        let path = format!("/deals/{id}");
        let refused = manager.put(format, &path, json!({"deal": {"project_id": "closed"}})).await;
        assert_eq!(refused.status, 403, "a Reporter adds no deals: {}", refused.text);
        let unknown = manager.put(format, &path, json!({"deal": {"project_id": "nowhere"}})).await;
        assert_eq!((unknown.status, unknown.errors()), (422, vec!["Project is invalid".to_string()]));
        assert_eq!(manager.get(format, &path).await.str("deal.project.name"), "CRM", "refused moves write nothing");
        let moved = manager.put(format, &path, json!({"deal": {"project_id": "sales"}})).await;
        assert_eq!(moved.status, 204, "{}", moved.text);
        let shown = manager.get(format, &path).await;
        assert_eq!(shown.str("deal.project.name"), "SALES");
        assert_eq!(shown.opt("deal.category.id"), None, "the old project's category stays behind: {}", shown.text);
        let listed = manager.get(format, "/projects/sales/deals").await;
        assert_eq!(listed.meta("total_count"), Some(1), "{}", listed.text);
        assert_eq!(manager.delete(format, &path).await.status, 204);
    }
}
