//! `/users` (admin) and `/roles`.

use contacts_server::format::Format;
use serde_json::{json, Value};

use crate::support::{TestApp, PASSWORD};

#[actix_web::test]
async fn admins_create_list_show_update_and_delete_users() {
    let app = TestApp::spawn().await;
    for format in Format::API {
        let login = format!("jo{}", if format == Format::Json { "j" } else { "x" });
        let res = app
            .admin()
            .post(format, "/users", json!({"user": {"login": login, "password": PASSWORD, "firstname": "Jo", "lastname": "Doe", "mail": "jo@example.net"}}))
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("user.id");
        assert_eq!(res.str("user.login"), login);
        assert_eq!(res.opt("user.api_key"), None, "no one else's key");
        assert!(!res.text.contains("hashed_password") && !res.text.contains(PASSWORD));
        let shown = app.admin().get(format, &format!("/users/{id}")).await;
        assert_eq!(shown.str("user.firstname"), "Jo");
        assert_eq!(shown.opt("user.api_key"), None);
        let res = app.admin().put(format, &format!("/users/{id}"), json!({"user": {"lastname": "Roe"}})).await;
        assert_eq!(res.status, 204);
        assert_eq!(app.admin().get(format, &format!("/users/{id}")).await.str("user.lastname"), "Roe");
        let list = app.admin().get(format, "/users").await;
        // The admin and this round's user (the last round's was deleted).
        let logins: Vec<Value> = list.list("users").iter().map(|u| u["login"].clone()).collect();
        assert_eq!(logins, vec![json!("admin"), json!(login)], "{}", list.text);
        let dup = app
            .admin()
            .post(format, "/users", json!({"user": {"login": login, "password": "short", "firstname": "X"}}))
            .await;
        assert_eq!(dup.status, 422);
        assert_eq!(
            dup.errors(),
            vec!["Login has already been taken", "Password is too short (minimum is 8 characters)"]
        );
        assert_eq!(app.admin().delete(format, &format!("/users/{id}")).await.status, 204);
        assert_eq!(app.admin().get(format, &format!("/users/{id}")).await.status, 404);
    }
}

#[actix_web::test]
async fn roles_list_their_permissions() {
    let app = TestApp::spawn().await;
    let user = app.user("r").await;
    for format in Format::API {
        let res = user.get(format, "/roles").await;
        assert_eq!(res.status, 200);
        assert_eq!(res.str("roles.0.name"), "Manager");
        let manager: Vec<String> =
            res.list("roles.0.permissions").iter().map(|p| p.as_str().unwrap().to_string()).collect();
        for p in [
            "view_contacts",
            "add_contacts",
            "edit_contacts",
            "delete_contacts",
            "view_private_contacts",
            "add_notes",
            "delete_notes",
            "view_deals",
        ] {
            assert!(manager.contains(&p.to_string()), "{p}");
        }
        assert_eq!(res.str("roles.1.name"), "Reporter");
        assert_eq!(res.at("roles.1.permissions"), &json!(["view_contacts", "view_deals"]));
        assert_eq!(user.get(format, "/roles/2").await.str("role.name"), "Reporter");
    }
}

/// A login is one login whatever the case of its letters, on SQLite as on PostgreSQL (SQLite's
/// lower() folds only ASCII: "éva" was a second user beside "Éva" there, and could not sign in
/// as her).
#[actix_web::test]
async fn logins_differing_only_in_non_ascii_case_are_one_login() {
    let app = TestApp::spawn().await;
    let user = |login: &str| json!({"user": {"login": login, "password": PASSWORD, "firstname": "E", "lastname": "V"}});
    let res = app.admin().post(Format::Json, "/users", user("Éva")).await;
    assert_eq!(res.status, 201, "{}", res.text);
    for format in Format::API {
        let res = app.admin().post(format, "/users", user("éVA")).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Login has already been taken".to_string()]));
        let signed_in = crate::support::Actor {
            app: &app,
            auth: crate::support::Auth::Basic("éva".into(), PASSWORD.into()),
            id: 0,
        };
        assert_eq!(signed_in.get(format, "/users/current").await.str("user.login"), "Éva");
    }
}

/// python-redmine's `user.get('current', include=['memberships'])`: Redmine's
/// `users/show.api.rsb` adds each membership with its project and roles (not the user again);
/// without `include` there is no `memberships` key.
#[actix_web::test]
async fn include_memberships_lists_a_users_projects_and_roles() {
    let app = TestApp::spawn().await;
    let crm = app.project("crm", false).await;
    let sales = app.project("sales", true).await;
    app.project("other", false).await;
    let mia = app.member("mia", "crm", "Manager").await;
    app.add_member(&mia, "sales", "Reporter").await;
    let bob = app.member("bob", "other", "Reporter").await;
    let nel = app.user("nel").await;
    let expected = json!([
        {"project": {"id": crm, "name": "CRM"}, "roles": [{"id": 1, "name": "Manager"}]},
        {"project": {"id": sales, "name": "SALES"}, "roles": [{"id": 2, "name": "Reporter"}]},
    ]);
    // Numbers as text (XML carries no types), and without the membership ids.
    fn texts(v: &Value) -> Value {
        match v {
            Value::Number(n) => Value::String(n.to_string()),
            Value::Array(items) => Value::Array(items.iter().map(texts).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), texts(v))).collect()),
            other => other.clone(),
        }
    }
    let without_ids = |memberships: &Value| -> Value {
        let mut memberships = texts(memberships);
        for m in memberships.as_array_mut().expect("an array") {
            assert!(m["id"].as_str().and_then(|id| id.parse::<i64>().ok()).is_some_and(|id| id > 0), "{m}");
            m.as_object_mut().expect("an object").remove("id");
        }
        memberships
    };
    for format in Format::API {
        for (actor, path) in [
            (&mia, "/users/current?include=memberships".to_string()),
            (&mia, format!("/users/{}?include=memberships", mia.id)),
            (&app.admin(), format!("/users/{}?include=memberships%2Cgroups", mia.id)),
        ] {
            let res = actor.get(format, &path).await;
            assert_eq!(res.status, 200, "{path}: {}", res.text);
            assert_eq!(res.str("user.login"), "mia");
            assert_eq!(without_ids(res.at("user.memberships")), texts(&expected), "{path}: {}", res.text);
        }
        let plain = mia.get(format, "/users/current").await;
        assert_eq!(plain.at("user.memberships"), &Value::Null, "{}", plain.text);
        let none = nel.get(format, "/users/current?include=memberships").await;
        assert_eq!(none.list("user.memberships"), Vec::<Value>::new(), "{}", none.text);
        if format == Format::Xml {
            none.assert_xml_at("memberships", r#"<memberships type="array"/>"#);
        }
        // Another user's memberships are as hidden as the user.
        assert_eq!(bob.get(format, &format!("/users/{}?include=memberships", mia.id)).await.status, 403);
    }
    let xml = mia.get(Format::Xml, "/users/current?include=memberships").await;
    let first = xml.int("user.memberships.0.id");
    let second = xml.int("user.memberships.1.id");
    xml.assert_xml_at(
        "memberships",
        &format!(
            r#"<memberships type="array"><membership><id>{first}</id><project id="{crm}" name="CRM"/><roles type="array"><role id="1" name="Manager"/></roles></membership><membership><id>{second}</id><project id="{sales}" name="SALES"/><roles type="array"><role id="2" name="Reporter"/></roles></membership></memberships>"#
        ),
    );
}
