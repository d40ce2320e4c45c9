//! Redmine's ways in: Basic with a password or a key, the key header, `key=`, Bearer; 401/403.

use base64::Engine;
use contacts_server::format::Format;

use crate::support::{Auth, TestApp, PASSWORD};

#[actix_web::test]
async fn every_redmine_credential_authenticates_users_current() {
    let app = TestApp::spawn().await;
    let key = app.admin_key.clone();
    for format in Format::API {
        let path = |p: &str| app.url(&format!("{p}.{}", if format == Format::Json { "json" } else { "xml" }));
        let requests = [
            app.http.get(path("/users/current")).basic_auth("admin", Some(PASSWORD)),
            app.http.get(path("/users/current")).basic_auth(&key, Some("x")),
            app.http.get(path("/users/current")).header("X-Redmine-API-Key", &key),
            app.http.get(format!("{}?key={key}", path("/users/current"))),
            app.http.get(path("/users/current")).bearer_auth(&key),
        ];
        for req in requests {
            let res = crate::support::Res::read(format, req.send().await).await;
            assert_eq!(res.status, 200, "{}", res.text);
            assert_eq!(res.str("user.login"), "admin");
            assert_eq!(res.str("user.api_key"), key, "the caller sees their own key");
        }
    }
}

/// Redmine reads `key=` first when it is present (not blank), then the header.
#[actix_web::test]
async fn a_key_parameter_wins_over_the_header_unless_it_is_blank() {
    let app = TestApp::spawn().await;
    let key = app.admin_key.clone();
    let member = app.user("mia").await;
    let Auth::Key(member_key) = &member.auth else { panic!("users act with their key") };
    let current =
        |query: &str| app.http.get(app.url(&format!("/users/current.json{query}"))).header("X-Redmine-API-Key", &key);
    for (query, status, login) in
        [("?key=%20", 200, Some("admin")), ("?key=", 200, Some("admin")), ("?key=wrong", 401, None)]
    {
        let res = crate::support::Res::read(Format::Json, current(query).send().await).await;
        assert_eq!(res.status, status, "{query}: {}", res.text);
        if let Some(login) = login {
            assert_eq!(res.str("user.login"), login, "{query}");
        }
    }
    let res = crate::support::Res::read(Format::Json, current(&format!("?key={member_key}")).send().await).await;
    assert_eq!(res.str("user.login"), "mia", "a key parameter present is the one read");
}

#[actix_web::test]
async fn missing_credentials_get_a_challenge_and_wrong_ones_a_bare_401() {
    let app = TestApp::spawn().await;
    for format in Format::API {
        let res = app.anonymous().get(format, "/contacts").await;
        assert_eq!(res.status, 401);
        assert_eq!(res.header("www-authenticate").as_deref(), Some(r#"Basic realm="Redmine API""#));
        assert_eq!(res.errors().len(), 1, "{}", res.text);
        for auth in [
            Auth::Key("0".repeat(40)),
            Auth::Basic("admin".into(), "wrong".into()),
            Auth::Basic("nobody".into(), PASSWORD.into()),
        ] {
            let actor = crate::support::Actor { app: &app, auth, id: 0 };
            let res = actor.get(format, "/users/current").await;
            assert_eq!(res.status, 401);
            assert_eq!(res.header("www-authenticate"), None);
        }
        let res = app.as_key("").get(format, "/users/current").await;
        assert_eq!(res.status, 401);
        let garbage = base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, b':', 0x80]);
        let req = app.http.get(app.url("/users/current.json")).header("Authorization", format!("Basic {garbage}"));
        assert_eq!(req.send().await.unwrap().status(), 401, "invalid UTF-8 credentials are refused, not a crash");
        let req = app.http.get(app.url("/users/current.json")).header("Authorization", "Digest abc");
        assert_eq!(req.send().await.unwrap().status(), 401, "other schemes stay anonymous");
    }
}

#[actix_web::test]
async fn a_locked_user_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let user = app.user("lou").await;
    assert_eq!(user.get(Format::Json, "/users/current").await.status, 200);
    let res =
        app.admin().put(Format::Json, &format!("/users/{}", user.id), serde_json::json!({"user": {"status": 3}})).await;
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(user.get(Format::Json, "/users/current").await.status, 401);
}

#[actix_web::test]
async fn an_admin_may_switch_user_and_an_unknown_login_is_412() {
    let app = TestApp::spawn().await;
    let user = app.user("sam").await;
    let res = app
        .http
        .get(app.url("/users/current.json"))
        .header("X-Redmine-API-Key", &app.admin_key)
        .header("X-Redmine-Switch-User", "sam")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["user"]["login"], "sam");
    let res = app
        .http
        .get(app.url("/users/current.json"))
        .header("X-Redmine-API-Key", &app.admin_key)
        .header("X-Redmine-Switch-User", "ghost")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 412);
    let Auth::Key(key) = &user.auth else { unreachable!() };
    let res = app
        .http
        .get(app.url("/users/current.json"))
        .header("X-Redmine-API-Key", key)
        .header("X-Redmine-Switch-User", "admin")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["user"]["login"], "sam", "a non-admin's switch header is ignored");
}

#[actix_web::test]
async fn a_user_lacking_a_permission_gets_403() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let reporter = app.member("rep", "crm", "Reporter").await;
    let id = app.admin().create_contact("crm", serde_json::json!({"first_name": "Seen"})).await;
    for format in Format::API {
        assert_eq!(reporter.get(format, &format!("/contacts/{id}")).await.status, 200);
        let res =
            reporter.post(format, "/projects/crm/contacts", serde_json::json!({"contact": {"first_name": "No"}})).await;
        assert_eq!(res.status, 403, "{}", res.text);
        assert_eq!(res.errors().len(), 1);
        assert_eq!(
            reporter
                .put(format, &format!("/contacts/{id}"), serde_json::json!({"contact": {"first_name": "No"}}))
                .await
                .status,
            403
        );
        assert_eq!(reporter.delete(format, &format!("/contacts/{id}")).await.status, 403);
        assert_eq!(reporter.get(format, "/users").await.status, 403);
    }
}
