//! Bad input: a clear 4xx in the request's format, and nothing written.

use contacts_server::format::Format;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

async fn contact_count(app: &TestApp) -> i64 {
    app.admin().get(Format::Json, "/contacts?limit=1").await.meta("total_count").unwrap()
}

#[actix_web::test]
async fn malformed_bodies_are_400_in_the_request_format() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let cases: [(Format, &str, &[u8]); 7] = [
        (Format::Json, "application/json", b"{\"contact\": {"),
        (Format::Json, "application/json", b"[1, 2]"),
        (Format::Json, "application/json", b"{\"contact\": \"x\"}"),
        (Format::Xml, "application/xml", b"<contact><first_name>A</contact>"),
        (Format::Xml, "application/xml", b"<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaa\">]><contact><first_name>&a;</first_name></contact>"),
        (Format::Xml, "application/xml", b"<contact><first_name>\xff\xfe</first_name></contact>"),
        (Format::Json, "application/json", b"{\"contact\": {\"first_name\": \"\xff\"}}"),
    ];
    for (format, content_type, body) in cases {
        let res = app.admin().raw(Method::POST, format, "/projects/crm/contacts", content_type, body.to_vec()).await;
        assert_eq!(res.status, 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(res.header("content-type").unwrap(), format.content_type());
        assert_eq!(res.errors().len(), 1, "{}", res.text);
    }
    let res = app
        .admin()
        .raw(
            Method::POST,
            Format::Json,
            "/projects/crm/contacts",
            "application/x-www-form-urlencoded",
            b"contact[first_name]=%ff".to_vec(),
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(contact_count(&app).await, 0);
}

#[actix_web::test]
async fn unsupported_types_are_415_and_oversized_bodies_413() {
    let app = TestApp::spawn_with(|c| c.body.max_bytes = 4096).await;
    app.project("crm", false).await;
    for format in Format::API {
        let res = app
            .admin()
            .raw(Method::POST, format, "/projects/crm/contacts", "text/plain", b"first_name=A".to_vec())
            .await;
        assert_eq!(res.status, 415);
        assert_eq!(res.errors().len(), 1);
        let big = json!({"contact": {"first_name": "A", "background": "x".repeat(5000)}});
        let res = app
            .admin()
            .raw(Method::POST, format, "/projects/crm/contacts", "application/json", big.to_string().into_bytes())
            .await;
        assert_eq!(res.status, 413);
        assert_eq!(res.errors(), vec!["Request body too large"]);
    }
    assert_eq!(contact_count(&app).await, 0);
}

#[actix_web::test]
async fn unknown_suffixes_routes_and_ids_are_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/contacts.yaml",
        "/contacts/1.yaml",
        "/nothing.json",
        "/contacts/abc.json",
        "/contacts/99999999999.json",
        "/contacts/1/x.json",
    ] {
        let res = app.http.get(app.url(path)).header("X-Redmine-API-Key", &app.admin_key).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    let res =
        app.http.get(app.url("/contacts/7.xml")).header("X-Redmine-API-Key", &app.admin_key).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/xml; charset=utf-8");
    assert!(res.text().await.unwrap().contains("<errors type=\"array\"><error>"));
}

#[actix_web::test]
async fn the_seed_documents_curl_examples_work() {
    let app = TestApp::spawn().await;
    app.project("support", false).await;
    // curl -H "Content-Type: application/xml" -X POST -d "<contact>…<project_id>support</project_id></contact>" -u admin:admin /contacts.xml
    let res = app
        .http
        .post(app.url("/contacts.xml"))
        .basic_auth("admin", Some(crate::support::PASSWORD))
        .header("Content-Type", "application/xml")
        .body("<contact><first_name>API contact name</first_name><is_company>true</is_company><project_id>support</project_id></contact>")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = app.admin().get(Format::Json, "/contacts").await.int("contacts.0.id");
    // curl -H "Accept: application/json" -H "Content-Type: application/json" -X PUT /contacts/1 -u admin:admin -d '{"contact": …}'
    let res = app
        .http
        .put(app.url(&format!("/contacts/{id}")))
        .basic_auth("admin", Some(crate::support::PASSWORD))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(r#"{"contact": {"first_name":"John","last_name":"Smith"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let shown = app.admin().get(Format::Xml, &format!("/contacts/{id}")).await;
    assert_eq!(shown.str("contact.first_name"), "John");
    assert_eq!(shown.str("contact.is_company"), "true");
    // Without a suffix or an API Accept header, an API document is Redmine's 406.
    let res = app
        .http
        .get(app.url(&format!("/contacts/{id}")))
        .header("X-Redmine-API-Key", &app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 406);
}

/// A name may be left out of an update but not cleared: Redmine's presence validation answers
/// 422 on an update as on a create, and nothing is written.
#[actix_web::test]
async fn required_names_cannot_be_cleared_by_an_update() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let field = admin.post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Tier"}})).await;
    let form = admin.post(Format::Json, "/projects/crm/web_forms", json!({"web_form": {"name": "Site"}})).await;
    let user = app.user("uma").await;
    let cases = [
        ("/projects/crm".to_string(), json!({"project": {"name": ""}}), "Name cannot be blank", "project.name", "CRM"),
        (
            "/projects/crm".to_string(),
            json!({"project": {"name": null}}),
            "Name cannot be blank",
            "project.name",
            "CRM",
        ),
        (
            format!("/custom_fields/{}", field.int("custom_field.id")),
            json!({"custom_field": {"name": " "}}),
            "Name cannot be blank",
            "custom_field.name",
            "Tier",
        ),
        (
            format!("/web_forms/{}", form.int("web_form.id")),
            json!({"web_form": {"name": ""}}),
            "Name cannot be blank",
            "web_form.name",
            "Site",
        ),
        (
            format!("/users/{}", user.id),
            json!({"user": {"firstname": ""}}),
            "First name cannot be blank",
            "user.firstname",
            "uma",
        ),
        (
            format!("/users/{}", user.id),
            json!({"user": {"lastname": null}}),
            "Last name cannot be blank",
            "user.lastname",
            "Tester",
        ),
    ];
    for format in Format::API {
        for (path, body, message, shown, kept) in &cases {
            let res = admin.put(format, path, body.clone()).await;
            assert_eq!((res.status, res.errors()), (422, vec![message.to_string()]), "{path} {body}");
            assert_eq!(admin.get(format, path).await.str(shown), *kept, "{path}: nothing written");
        }
    }
}

/// A value refused for what it is gets one message about it: a name too long (contact, deal)
/// is not also "blank"; a NUL in a list is refused like one in any text; a saved query's project
/// that is not an id is refused, not read as "every project".
#[actix_web::test]
async fn refused_values_are_named_once_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    for format in Format::API {
        let long =
            admin.post(format, "/projects/crm/contacts", json!({"contact": {"first_name": "x".repeat(300)}})).await;
        assert_eq!(
            (long.status, long.errors()),
            (422, vec!["First name is too long (maximum is 255 characters)".to_string()])
        );
        let deal = admin.post(format, "/projects/crm/deals", json!({"deal": {"name": "x".repeat(300)}})).await;
        assert_eq!(
            (deal.status, deal.errors()),
            (422, vec!["Name is too long (maximum is 255 characters)".to_string()])
        );
    }
    for (contact, message) in [
        (json!({"first_name": "Ann", "tag_list": "vip,a\u{0}b"}), "Tags is invalid"),
        (json!({"first_name": "Ann", "phone": "555\u{0}"}), "Phone is invalid"),
    ] {
        let res = admin.post(Format::Json, "/projects/crm/contacts", json!({"contact": contact})).await;
        assert_eq!((res.status, res.errors()), (422, vec![message.to_string()]));
    }
    assert_eq!(contact_count(&app).await, 0);
    let query = json!({"query": {"name": "Q", "object_type": "contact", "project_id": {"id": 1}}});
    let res = admin.post(Format::Json, "/crm_queries", query).await;
    assert_eq!((res.status, res.errors()), (422, vec!["Project is invalid".to_string()]));
    let queries = admin.get(Format::Json, "/crm_queries?object_type=contact").await;
    assert_eq!((queries.status, queries.meta("total_count")), (200, Some(0)), "{}", queries.text);
}

/// A body that stops arriving is given up after `idle` (408 in the request's format) rather
/// than holding its request open for good; nothing is stored.
#[actix_web::test]
async fn a_stalled_body_is_408_and_nothing_is_written() {
    let app = TestApp::spawn_with(|c| c.body.idle = std::time::Duration::from_millis(300)).await;
    app.project("crm", false).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let key = app.admin_key.clone();
    let partial_json = r#"{"contact": {"first_name": "Sl"#;
    let partial_form = "--b\r\nContent-Disposition: form-data; name=\"contact[first_name]\"\r\n\r\nSlow";
    let requests = [
        ("/projects/crm/contacts.json", "application/json", partial_json, "application/json"),
        ("/projects/crm/contacts.xml", "multipart/form-data; boundary=b", partial_form, "application/xml"),
        ("/uploads.json", "application/octet-stream", "GIF89a", "application/json"),
    ];
    for (path, content_type, partial, answered_as) in requests {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nX-Redmine-API-Key: {key}\r\nContent-Type: {content_type}\r\n\
             Content-Length: 1000\r\n\r\n{partial}"
        );
        let target = address.clone();
        let answer = actix_web::rt::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(target).expect("connect");
            stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("a read timeout");
            stream.write_all(request.as_bytes()).expect("send the start of a request");
            let mut answer = Vec::new();
            let mut buf = [0; 4096];
            // Up to the end of the answer's body: its length is in its header.
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                answer.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&answer);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_string))
                        .and_then(|l| l.trim().parse::<usize>().ok());
                    if length.is_some_and(|l| body.len() >= l) {
                        break;
                    }
                }
            }
            String::from_utf8_lossy(&answer).to_string()
        })
        .await
        .expect("the client thread");
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.to_ascii_lowercase().contains(&format!("content-type: {answered_as}")), "{path}: {answer}");
        assert!(answer.contains("stopped arriving"), "{path}: {answer}");
    }
    assert_eq!(contact_count(&app).await, 0);
}

/// Found by schemathesis on PostgreSQL, which refuses a NUL byte in a text parameter: a
/// project reference holding one was a 500; it names no project, like any unknown identifier.
#[actix_web::test]
async fn a_project_reference_with_a_nul_byte_is_an_unknown_project() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    for format in Format::API {
        let unknown =
            admin.post(format, "/contacts", json!({"contact": {"first_name": "Ann", "project_id": "nope"}})).await;
        let nul =
            admin.post(format, "/contacts", json!({"contact": {"first_name": "Ann", "project_id": "cr\u{0}m"}})).await;
        assert_eq!(nul.status, unknown.status, "{}", nul.text);
        assert!(nul.status < 500);
        assert_eq!(admin.get(format, "/projects/cr%00m").await.status, 404);
        assert_eq!(admin.get(format, "/projects/cr%00m/contacts").await.status, 404);
    }
}

/// Found by schemathesis on PostgreSQL: a list search holding a NUL byte was a 500.
#[actix_web::test]
async fn list_filters_with_a_nul_byte_or_a_huge_offset_are_no_server_error() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    admin.create_contact("crm", json!({"first_name": "Ada"})).await;
    for format in Format::API {
        for query in [
            "search=a%00b",
            "tags=v%00ip",
            "offset=79261105350426096&limit=4136",
            "search=%C3%9A%00x&offset=79261105350426096",
        ] {
            for path in ["/contacts", "/deals", "/projects/crm/contacts"] {
                let res = admin.get(format, &format!("{path}?{query}")).await;
                assert!(res.status < 500, "{path}?{query}: {} {}", res.status, res.text);
            }
        }
    }
}

#[actix_web::test]
async fn a_nul_byte_in_a_query_parameter_is_a_400_in_the_request_format() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for format in Format::API {
        let res = admin.get(format, "/contacts?search=a%00b").await;
        assert_eq!(res.status, 400, "{}", res.text);
        assert_eq!(res.errors(), vec!["a query parameter holds a NUL byte (%00)"]);
    }
}

/// serde_json keeps the last of two equal keys; which one a client meant is not ours to guess,
/// so a duplicated key at any depth is a 400 that names it, and nothing is written.
#[actix_web::test]
async fn a_json_body_with_a_duplicated_key_is_400_naming_it() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let bodies = [
        (r#"{"contact": {"first_name": "Ann", "first_name": "Bob"}}"#, "first_name"),
        (r#"{"contact": {"first_name": "Ann"}, "contact": {"first_name": "Bob"}}"#, "contact"),
        (r#"{"contact": {"first_name": "Ann", "address_attributes": {"city": "A", "city": "B"}}}"#, "city"),
        (r#"{"contact": {"first_name": "Ann", "phones": [{"number": "1", "number": "2"}]}}"#, "number"),
    ];
    for format in Format::API {
        for (body, key) in bodies {
            let res = admin
                .raw(Method::POST, format, "/projects/crm/contacts", "application/json", body.as_bytes().to_vec())
                .await;
            assert_eq!(res.status, 400, "{body}: {}", res.text);
            let errors = res.errors();
            assert_eq!(errors.len(), 1, "{}", res.text);
            assert!(
                errors[0].starts_with(&format!("invalid JSON: duplicate key `{key}` at line 1 column ")),
                "{errors:?}"
            );
        }
    }
    // The same key in two different objects is no duplicate.
    let fine = r#"{"contact": {"first_name": "Ann", "address_attributes": {"first_name": "x"}}}"#;
    let res = admin
        .raw(Method::POST, Format::Json, "/projects/crm/contacts", "application/json", fine.as_bytes().to_vec())
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(contact_count(&app).await, 1);
}

/// A body trickled in, a byte within every idle gap, is given up at its total deadline (408 in
/// the request's format), not held open for good.
#[actix_web::test]
async fn a_trickled_body_is_408_at_its_total_deadline() {
    let app = TestApp::spawn_with(|c| c.body.total = std::time::Duration::from_secs(1)).await;
    app.project("crm", false).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let key = app.admin_key.clone();
    for (path, content_type) in [
        ("/projects/crm/contacts.xml", "application/json"),
        ("/projects/crm/contacts.json", "multipart/form-data; boundary=b"),
        ("/uploads.json", "application/octet-stream"),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nX-Redmine-API-Key: {key}\r\nContent-Type: {content_type}\r\n\
             Content-Length: 1000\r\n\r\n"
        );
        let target = address.clone();
        let started = std::time::Instant::now();
        let answer = actix_web::rt::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(target).expect("connect");
            stream.set_read_timeout(Some(std::time::Duration::from_millis(100))).expect("a read timeout");
            stream.write_all(head.as_bytes()).expect("send the head");
            let mut answer = Vec::new();
            let mut buf = [0; 4096];
            // One byte every 100 ms, for at most 5 s, until the server answers.
            for _ in 0..50 {
                if stream.write_all(b" ").is_err() {
                    break;
                }
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                    Err(_) if !answer.is_empty() => break,
                    Err(_) => {}
                }
            }
            String::from_utf8_lossy(&answer).to_string()
        })
        .await
        .expect("the client thread");
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.contains("took too long to arrive"), "{path}: {answer}");
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(4), "{path}: answered after {took:?}");
        if path.ends_with(".xml") {
            assert!(answer.to_ascii_lowercase().contains("content-type: application/xml"), "{answer}");
        }
    }
    assert_eq!(contact_count(&app).await, 0);
}
