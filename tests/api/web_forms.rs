//! Public web forms: the plugin's form with a user key, scoped web-form keys, browser
//! answers, avatars and uploads, and the abuse limits — everything but the real browser (see
//! `browser.rs`).

use contacts_server::format::Format;
use serde_json::{json, Value};

use crate::support::{Res, TestApp};

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D,
    0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A PNG signature followed by HTML: an image by its magic bytes only.
const POLYGLOT: &[u8] = b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>";

const BOUNDARY: &str = "----contacts-test-boundary";

/// A multipart/form-data body built by hand, so tests can also send broken ones.
#[derive(Default)]
struct Multipart(Vec<u8>);

impl Multipart {
    fn text(mut self, name: &str, value: &str) -> Multipart {
        self.0.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
        self
    }

    fn file(mut self, name: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Multipart {
        self.0.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        self.0.extend_from_slice(bytes);
        self.0.extend_from_slice(b"\r\n");
        self
    }

    fn finish(mut self) -> Vec<u8> {
        self.0.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.0
    }
}

/// A browser-like client: no redirects followed, so a 303 can be checked.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn post(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Res {
    let mut req = browser().post(app.url(path)).header("Content-Type", content_type).body(body);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let format = if path.ends_with(".json") { Format::Json } else { Format::Html };
    Res::read(format, req.send().await).await
}

async fn post_multipart(app: &TestApp, path: &str, form: Multipart, headers: &[(&str, &str)]) -> Res {
    post(app, path, &format!("multipart/form-data; boundary={BOUNDARY}"), form.finish(), headers).await
}

async fn contact_count(app: &TestApp) -> i64 {
    app.admin().get(Format::Json, "/contacts?limit=1").await.meta("total_count").unwrap()
}

async fn user_key(app: &TestApp, login: &str, project: &str) -> String {
    app.member(login, project, "Manager").await.key()
}

/// A web form of project `crm` made through the API: (id, key).
async fn web_form(app: &TestApp, form: Value) -> (i64, String) {
    let res = app.admin().post(Format::Json, "/projects/crm/web_forms", json!({ "web_form": form })).await;
    assert_eq!(res.status, 201, "{}", res.text);
    (res.int("web_form.id"), res.str("web_form.key"))
}

async fn only_contact(app: &TestApp) -> Value {
    let list = app.admin().get(Format::Json, "/contacts").await;
    assert_eq!(list.meta("total_count"), Some(1), "{}", list.text);
    let id = list.list("contacts")[0]["id"].as_i64().unwrap();
    app.admin().get(Format::Json, &format!("/contacts/{id}")).await.at("contact").clone()
}

#[actix_web::test]
async fn the_plugins_form_works_unchanged_urlencoded_and_multipart() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let key = user_key(&app, "webmaster", "crm").await;
    let field = app
        .admin()
        .post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Source", "field_format": "string"}}))
        .await
        .int("custom_field.id");
    let form = format!(
        "key={key}&project_id=crm&contact[first_name]=Ada&contact[last_name]=Lovelace&contact[company]=Engines&contact[phone]=%2B44+20+7946&contact[email]=ada%40example.com&contact[tag_list]=web,lead&contact[custom_fields][][id]={field}&contact[custom_fields][][value]=website"
    );
    let res = post(&app, "/contacts", "application/x-www-form-urlencoded", form.into_bytes(), &[]).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("content-type").unwrap(), "text/html; charset=utf-8");
    assert!(res.text.contains("Thank you, Ada!"), "{}", res.text);
    let contact = only_contact(&app).await;
    assert_eq!(contact["last_name"], "Lovelace");
    assert_eq!(contact["phones"][0]["number"], "+44 20 7946");
    assert_eq!(contact["tag_list"], json!(["lead", "web"]));
    assert_eq!(contact["custom_fields"][0]["value"], "website");
    assert_eq!(contact["author"]["name"], "webmaster Tester");

    // The same form as multipart, to the .json action: the API's answer.
    let multipart = Multipart::default()
        .text("key", &key)
        .text("project_id", "crm")
        .text("contact[first_name]", "Grace")
        .text("contact[custom_fields][][id]", &field.to_string())
        .text("contact[custom_fields][][value]", "fair");
    let res = post_multipart(&app, "/contacts.json", multipart, &[]).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.str("contact.first_name"), "Grace");
    assert_eq!(res.str("contact.custom_fields.0.value"), "fair");

    // Without a key the visitor gets a page, not a challenge.
    let res =
        post(&app, "/contacts", "application/x-www-form-urlencoded", b"contact[first_name]=X".to_vec(), &[]).await;
    assert_eq!(res.status, 401);
    assert!(res.header("www-authenticate").is_none());
    assert!(res.text.contains("<!DOCTYPE html>"), "{}", res.text);
    let res =
        post(&app, "/contacts", "application/x-www-form-urlencoded", b"key=nope&contact[first_name]=X".to_vec(), &[])
            .await;
    assert_eq!(res.status, 401);
    assert_eq!(contact_count(&app).await, 2);
}

#[actix_web::test]
async fn scoped_keys_create_contacts_in_their_project_and_do_nothing_else() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("other", false).await;
    let manager = app.member("manny", "crm", "Manager").await;
    let reporter = app.member("rita", "crm", "Reporter").await;
    let body = json!({"web_form": {"name": "Site", "success_url": "https://example.org/thanks", "allowed_origins": ["https://example.org"], "default_tags": "website", "default_assignee_id": manager.id}});
    assert_eq!(reporter.post(Format::Json, "/projects/crm/web_forms", body.clone()).await.status, 403);
    let res = manager.post(Format::Xml, "/projects/crm/web_forms", body).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let (id, key) = (res.int("web_form.id"), res.str("web_form.key"));
    assert_eq!(key.len(), 40);
    assert_eq!(manager.get(Format::Json, "/projects/crm/web_forms").await.list("web_forms").len(), 1);
    let bad = json!({"web_form": {"name": "Bad", "allowed_origins": ["https://example.org/page"], "success_url": "javascript:alert(1)"}});
    let bad = manager.post(Format::Json, "/projects/crm/web_forms", bad).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.errors(), ["Allowed origins is invalid (each one scheme://host[:port])", "Success URL is invalid"]);
    for success_url in ["https://example.org/ok\r\nX-Evil: 1", "https://example.org/danke schön"] {
        let split = json!({"web_form": {"name": "Split", "success_url": success_url}});
        let created = manager.post(Format::Json, "/projects/crm/web_forms", split.clone()).await;
        assert_eq!((created.status, created.errors()), (422, vec!["Success URL is invalid".to_string()]));
    }

    let form = |first: &str| {
        Multipart::default().text("key", &key).text("contact[first_name]", first).text("contact[tag_list]", "hot")
    };
    let res = post_multipart(&app, "/contacts", form("Visitor"), &[("Origin", "https://example.org")]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(res.header("location").unwrap(), "https://example.org/thanks");
    let contact = only_contact(&app).await;
    assert_eq!(contact["tag_list"], json!(["hot", "website"]));
    assert_eq!(contact["assigned_to"]["id"].as_i64(), Some(manager.id));
    assert_eq!(contact["projects"][0]["name"], "CRM");

    // The key does one thing.
    let scoped = app.as_key(&key);
    assert_eq!(scoped.get(Format::Json, "/contacts").await.status, 403);
    assert_eq!(scoped.get(Format::Xml, &format!("/contacts/{}", contact["id"])).await.status, 403);
    let elsewhere = json!({"contact": {"first_name": "X"}});
    assert_eq!(scoped.post(Format::Json, "/projects/other/contacts", elsewhere).await.status, 403);
    let mismatch = form("Mismatch").text("project_id", "other");
    assert_eq!(post_multipart(&app, "/contacts.json", mismatch, &[]).await.status, 403);
    let foreign = post_multipart(&app, "/contacts", form("Foreign"), &[("Origin", "https://evil.example")]).await;
    assert_eq!(foreign.status, 403);
    assert_eq!(contact_count(&app).await, 1, "nothing else was stored");

    // Changing and deleting the form; a deleted form's key is revoked at once.
    let update = json!({"web_form": {"success_url": "https://example.org/merci"}});
    assert_eq!(manager.put(Format::Json, &format!("/web_forms/{id}"), update).await.status, 204);
    assert_eq!(
        manager.get(Format::Json, &format!("/web_forms/{id}")).await.str("web_form.success_url"),
        "https://example.org/merci"
    );
    assert_eq!(reporter.delete(Format::Json, &format!("/web_forms/{id}")).await.status, 403);
    assert_eq!(manager.delete(Format::Json, &format!("/web_forms/{id}")).await.status, 204);
    let revoked = post_multipart(&app, "/contacts", form("Late"), &[]).await;
    assert_eq!(revoked.status, 401);
    assert_eq!(contact_count(&app).await, 1);
}

#[actix_web::test]
async fn the_cli_creates_a_web_form_and_prints_its_key() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_contacts-server"))
        .args(["web-form", "create", "--project", "crm", "--name", "Landing", "--origin", "https://example.org"])
        .args(["--tags", "landing", "--database-url", &app.db_url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_string();
    let res = post_multipart(
        &app,
        "/contacts.json",
        Multipart::default().text("key", &key).text("contact[first_name]", "Cli"),
        &[],
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.at("contact.tag_list"), &json!(["landing"]));
}

#[actix_web::test]
async fn user_keys_can_be_refused_on_form_posts() {
    let app = TestApp::spawn_with(|c| c.forms.allow_user_keys = false).await;
    app.project("crm", false).await;
    let key = user_key(&app, "webmaster", "crm").await;
    let form = format!("key={key}&project_id=crm&contact[first_name]=Ada");
    let res = post(&app, "/contacts", "application/x-www-form-urlencoded", form.into_bytes(), &[]).await;
    assert_eq!(res.status, 403);
    // The same user through the API (key in a header) still works.
    let api = app
        .as_key(&key)
        .post(Format::Json, "/contacts", json!({"contact": {"project_id": "crm", "first_name": "Api"}}))
        .await;
    assert_eq!(api.status, 201);
    let (_, form_key) = web_form(&app, json!({"name": "Site"})).await;
    let res = post_multipart(
        &app,
        "/contacts",
        Multipart::default().text("key", &form_key).text("contact[first_name]", "Ok"),
        &[],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[actix_web::test]
async fn browsers_get_redirects_they_may_follow_and_pages_that_list_errors() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let key = user_key(&app, "webmaster", "crm").await;
    let urlencoded = "application/x-www-form-urlencoded";
    let referer = [("Referer", "https://shop.example/contact-us")];
    let form = |extra: &str| format!("key={key}&project_id=crm&{extra}").into_bytes();
    let res = post(
        &app,
        "/contacts",
        urlencoded,
        form("contact[first_name]=Ann&back_url=https://shop.example/thanks"),
        &referer,
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(res.header("location").unwrap(), "https://shop.example/thanks");
    // back_url also makes a .json post a browser's.
    let res = post(&app, "/contacts.json", urlencoded, form("contact[first_name]=Bob&back_url=/done"), &[]).await;
    assert_eq!((res.status, res.header("location").as_deref()), (303, Some("/done")));
    let foreign =
        post(&app, "/contacts", urlencoded, form("contact[first_name]=Eve&back_url=https://evil.example/"), &referer)
            .await;
    assert_eq!(foreign.status, 400);
    assert!(foreign.text.contains("may not send you to"), "{}", foreign.text);
    // A line break would end the Location header and start one of the sender's: refused
    // before anything is stored, as is what a header cannot hold.
    for back_url in ["/done%0D%0ASet-Cookie:%20a=b", "https://shop.example/d%C3%A9j%C3%A0"] {
        let split = post(
            &app,
            "/contacts.json",
            urlencoded,
            form(&format!("contact[first_name]=Crlf&back_url={back_url}")),
            &referer,
        )
        .await;
        assert_eq!(split.status, 400, "{back_url}: {}", split.text);
        assert!(split.header("set-cookie").is_none());
    }
    let invalid = post(&app, "/contacts", urlencoded, form("contact[last_name]=Nameless"), &referer).await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.header("content-type").unwrap(), "text/html; charset=utf-8");
    assert!(invalid.text.contains("<li>First name cannot be blank</li>"), "{}", invalid.text);
    assert!(invalid.text.contains(r#"href="https://shop.example/contact-us""#), "a link back: {}", invalid.text);
    // Output is escaped.
    let xss =
        post(&app, "/contacts", urlencoded, form("contact[first_name]=%3Cscript%3Ealert(1)%3C/script%3E"), &[]).await;
    assert_eq!(xss.status, 200);
    assert!(!xss.text.contains("<script>") && xss.text.contains("&#60;script&#62;"), "{}", xss.text);
    assert_eq!(contact_count(&app).await, 3);
}

#[actix_web::test]
async fn an_avatar_from_a_form_is_checked_stored_and_served() {
    let app = TestApp::spawn_with(|c| c.body.max_file_bytes = 4096).await;
    app.project("crm", false).await;
    let (_, key) = web_form(&app, json!({"name": "Site"})).await;
    let form = |first: &str| Multipart::default().text("key", &key).text("contact[first_name]", first);
    let res =
        post_multipart(&app, "/contacts.json", form("Pic").file("contact[avatar]", "me.png", "image/png", PNG), &[])
            .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let attachment = res.int("contact.avatar.attachment_id");
    for format in Format::API {
        let shown = app.admin().get(format, &format!("/attachments/{attachment}")).await;
        assert_eq!(shown.status, 200, "{}", shown.text);
        assert_eq!(shown.str("attachment.filename"), "me.png");
        assert_eq!(shown.str("attachment.content_type"), "image/png");
        assert_eq!(shown.int("attachment.filesize"), PNG.len() as i64);
        assert!(shown.str("attachment.content_url").ends_with(&format!("/attachments/download/{attachment}/me.png")));
    }
    let download = app
        .admin()
        .raw(
            reqwest::Method::GET,
            Format::Html,
            &format!("/attachments/download/{attachment}/me.png"),
            "text/plain",
            Vec::new(),
        )
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type").unwrap(), "image/png");
    assert_eq!(download.header("x-content-type-options").unwrap(), "nosniff");
    let bytes = reqwest::Client::new()
        .get(app.url(&format!("/attachments/download/{attachment}/me.png")))
        .header("X-Redmine-API-Key", &app.admin_key)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], PNG);
    let outsider = app.user("outsider").await;
    assert_eq!(outsider.get(Format::Json, &format!("/attachments/{attachment}")).await.status, 403);

    // Refused, and nothing stored: a fake PNG, an SVG, an oversized file.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    for (part, status) in [
        (form("Fake").file("contact[avatar]", "x.png", "image/png", b"this is not a png"), 422),
        (form("Polyglot").file("contact[avatar]", "x.png", "image/png", POLYGLOT), 422),
        (form("Svg").file("contact[avatar]", "x.svg", "image/svg+xml", svg), 422),
        (form("Big").file("contact[avatar]", "big.png", "image/png", &[PNG, &[0u8; 8192][..]].concat()), 413),
    ] {
        let res = post_multipart(&app, "/contacts.json", part, &[]).await;
        assert_eq!(res.status, status, "{}", res.text);
    }
    assert_eq!(contact_count(&app).await, 1, "no contact from the refused posts");
    let db = contacts_server::db::Db::open(&contacts_server::config::Config::for_database(&app.db_url()).db).unwrap();
    let counts = db.run_blocking(|c| Ok(contacts_server::store::copy::table_counts(c)?)).unwrap();
    assert!(counts.contains(&("attachments", 1)), "no orphan attachment: {counts:?}");
}

#[actix_web::test]
async fn redmines_upload_api_attaches_an_avatar_by_token() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let upload = |bytes: &'static [u8], content_type: &'static str| {
        let admin = app.admin();
        async move {
            admin
                .raw(reqwest::Method::POST, Format::Json, "/uploads?filename=face.png", content_type, bytes.to_vec())
                .await
        }
    };
    let res = upload(PNG, "application/octet-stream").await;
    assert_eq!(res.status, 201, "{}", res.text);
    let token = res.str("upload.token");
    assert_eq!(upload(PNG, "image/png").await.status, 415);
    // Any file may be uploaded (python-redmine's `upload(f, filename='hello.txt')`); one that
    // is not an image downloads as an attachment and never becomes an avatar.
    let text = admin
        .raw(
            reqwest::Method::POST,
            Format::Json,
            "/uploads?filename=hello.txt",
            "application/octet-stream",
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(text.status, 201, "{}", text.text);
    let text_id = text.int("upload.id");
    let shown = admin.get(Format::Json, &format!("/attachments/{text_id}")).await;
    assert_eq!(shown.str("attachment.content_type"), "application/octet-stream");
    let download = app
        .http
        .get(app.url(&format!("/attachments/download/{text_id}/hello.txt")))
        .header("X-Redmine-API-Key", &app.admin_key)
        .send()
        .await
        .expect("a download");
    assert_eq!(download.status(), 200);
    let disposition = download.headers()["content-disposition"].to_str().unwrap().to_string();
    assert_eq!(disposition, r#"attachment; filename="hello.txt""#);
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"hello");
    let not_an_avatar =
        json!({"contact": {"project_id": "crm", "first_name": "Txt", "avatar": {"token": text.str("upload.token")}}});
    let refused = admin.post(Format::Json, "/contacts", not_an_avatar).await;
    assert_eq!(
        (refused.status, refused.errors()),
        (422, vec!["Avatar is not an image (PNG, JPEG, GIF or WebP)".to_string()])
    );
    let res = admin
        .post(
            Format::Xml,
            "/contacts",
            json!({"contact": {"project_id": "crm", "first_name": "Tok", "avatar": {"token": token}}}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert!(res.text.contains(r#"<avatar attachment_id=""#), "{}", res.text);
    let again = admin
        .post(
            Format::Json,
            "/contacts",
            json!({"contact": {"project_id": "crm", "first_name": "Again", "avatar": {"token": token}}}),
        )
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(again.errors(), vec!["Avatar is invalid"]);
    // A token no upload can have (PostgreSQL refuses a NUL in text) is simply not found.
    for odd in ["a\u{0}b", "1.abc'--", "🦀"] {
        let body = json!({"contact": {"project_id": "crm", "first_name": "Odd", "avatar": {"token": odd}}});
        let res = admin.post(Format::Json, "/contacts", body).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Avatar is invalid".to_string()]), "{odd:?}");
    }
    // A new avatar on update replaces the old one.
    let id = res.int("contact.id");
    let second = upload(PNG, "application/octet-stream").await.str("upload.token");
    let put =
        admin.put(Format::Json, &format!("/contacts/{id}"), json!({"contact": {"avatar": {"token": second}}})).await;
    assert_eq!(put.status, 204, "{}", put.text);
    let before = res.int("contact.avatar.attachment_id");
    let after = admin.get(Format::Json, &format!("/contacts/{id}")).await.int("contact.avatar.attachment_id");
    assert_ne!(before, after);
    assert_eq!(admin.get(Format::Json, &format!("/attachments/{before}")).await.status, 404);
}

#[actix_web::test]
async fn honeypot_rate_limits_and_broken_multipart_bodies() {
    let app = TestApp::spawn_with(|c| c.forms.per_ip_per_minute = 5).await;
    app.project("crm", false).await;
    let (_, key) = web_form(&app, json!({"name": "Site"})).await;
    let bot = Multipart::default().text("key", &key).text("contact[first_name]", "Bot").text("nickname", "I am a bot");
    let res = post_multipart(&app, "/contacts", bot, &[]).await;
    assert_eq!(res.status, 200, "a bot is told it worked: {}", res.text);
    let api_bot = Multipart::default().text("key", &key).text("contact[first_name]", "Bot").text("nickname", "x");
    assert_eq!(post_multipart(&app, "/contacts.json", api_bot, &[]).await.status, 201, "as a real create");
    assert_eq!(contact_count(&app).await, 0, "and nothing is stored");

    let many: Multipart =
        (0..10_000).fold(Multipart::default().text("key", &key), |m, i| m.text(&format!("f{i}"), "x"));
    let res = post_multipart(&app, "/contacts.json", many, &[]).await;
    assert_eq!(res.status, 400, "{}", res.text);
    let nameless = format!("--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n");
    let res =
        post(&app, "/contacts.json", &format!("multipart/form-data; boundary={BOUNDARY}"), nameless.into_bytes(), &[])
            .await;
    assert_eq!(res.status, 400, "{}", res.text);
    let truncated = Multipart::default().text("key", &key).text("contact[first_name]", "Cut").0;
    let truncated = truncated[..truncated.len() - 10].to_vec();
    let res = post(&app, "/contacts.json", &format!("multipart/form-data; boundary={BOUNDARY}"), truncated, &[]).await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(contact_count(&app).await, 0);

    // Five form posts counted so far (the refused ones too): the limit of 5 a minute is reached.
    let res = post_multipart(
        &app,
        "/contacts.json",
        Multipart::default().text("key", &key).text("contact[first_name]", "Late"),
        &[],
    )
    .await;
    assert_eq!(res.status, 429, "{}", res.text);
    assert_eq!(contact_count(&app).await, 0);
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    // API clients are not form posts and are not limited.
    let api = app
        .admin()
        .post(Format::Json, "/contacts", json!({"contact": {"project_id": "crm", "first_name": "Api"}}))
        .await;
    assert_eq!(api.status, 201);
}

#[actix_web::test]
async fn cors_lets_allowed_sites_post_with_fetch() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let (_, key) = web_form(&app, json!({"name": "Site", "allowed_origins": "https://example.org"})).await;
    let preflight = |origin: &'static str| {
        let url = app.url("/contacts.json");
        async move {
            browser()
                .request(reqwest::Method::OPTIONS, url)
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .send()
                .await
                .unwrap()
        }
    };
    let ok = preflight("https://example.org").await;
    assert_eq!(ok.status(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://example.org");
    assert!(ok.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let refused = preflight("https://evil.example").await;
    assert_eq!(refused.status(), 403);
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    let form = Multipart::default().text("key", &key).text("contact[first_name]", "Fetch");
    let res = post_multipart(&app, "/contacts.json", form, &[("Origin", "https://example.org")]).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.header("access-control-allow-origin").unwrap(), "https://example.org");
    // A refusal is readable by the allowed site too, and only by it.
    let nameless = || Multipart::default().text("key", &key).text("contact[last_name]", "Nameless");
    let res = post_multipart(&app, "/contacts.json", nameless(), &[("Origin", "https://example.org")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.header("access-control-allow-origin").unwrap(), "https://example.org");
    assert_eq!(res.errors(), ["First name cannot be blank"]);
    let res = post_multipart(&app, "/contacts.json", nameless(), &[("Origin", "https://evil.example")]).await;
    assert_eq!(res.status, 403);
    assert!(res.header("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn the_embeddable_form_holds_the_key_and_the_custom_fields() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    admin
        .post(
            Format::Json,
            "/custom_fields",
            json!({"custom_field": {"name": "Budget", "field_format": "list", "possible_values": ["< 1k", "1k+"]}}),
        )
        .await;
    admin
        .post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Note <b>", "field_format": "string"}}))
        .await;
    let (id, key) = web_form(&app, json!({"name": "Site"})).await;
    let res = admin
        .raw(reqwest::Method::GET, Format::Html, &format!("/web_forms/{id}/form.html"), "text/plain", Vec::new())
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type").unwrap(), "text/html; charset=utf-8");
    let html = res.text;
    assert!(html.contains(&format!(r#"<input type="hidden" name="key" value="{key}">"#)), "{html}");
    assert!(html.contains(&format!(r#"action="{}""#, app.url("/contacts"))), "{html}");
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    assert!(html.contains(r#"<option value="&#60; 1k">&#60; 1k</option>"#), "a list field is a select: {html}");
    assert!(html.contains("Note &#60;b&#62;"), "names are escaped: {html}");
    assert!(html.contains(r#"name="contact[avatar]""#) && html.contains(r#"name="nickname""#));
    for format in Format::API {
        let asked = admin.get(format, &format!("/web_forms/{id}/form.html")).await;
        assert_eq!(asked.status, 404, "the form is a page, not JSON or XML: {}", asked.text);
        assert_eq!(asked.header("content-type").unwrap(), format.content_type());
    }
    let outsider = app.user("outsider").await;
    assert_eq!(
        outsider
            .raw(reqwest::Method::GET, Format::Html, &format!("/web_forms/{id}/form.html"), "text/plain", Vec::new())
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn a_web_form_has_its_own_limit_and_text_fields_their_length() {
    let app = TestApp::spawn_with(|c| {
        c.forms.per_ip_per_minute = 0;
        c.forms.per_form_per_minute = 2;
    })
    .await;
    app.project("crm", false).await;
    let (_, key) = web_form(&app, json!({"name": "Site"})).await;
    let (_, other) = web_form(&app, json!({"name": "Other"})).await;
    let post_with = |key: String, name: &'static str| {
        let app = &app;
        async move {
            post_multipart(
                app,
                "/contacts.json",
                Multipart::default().text("key", &key).text("contact[first_name]", name),
                &[],
            )
            .await
        }
    };
    assert_eq!(post_with(key.clone(), "One").await.status, 201);
    assert_eq!(post_with(key.clone(), "Two").await.status, 201);
    assert_eq!(post_with(key.clone(), "Three").await.status, 429);
    assert_eq!(post_with(other.clone(), "Elsewhere").await.status, 201, "another form has its own count");
    let long = "x".repeat(70 * 1024);
    let res = post_multipart(
        &app,
        "/contacts.json",
        Multipart::default().text("key", &other).text("contact[background]", &long),
        &[],
    )
    .await;
    assert_eq!(res.status, 413);
    assert_eq!(contact_count(&app).await, 3);
}

/// `width` × `height` pixels encoded as `format`.
fn encoded(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 60])))
        .write_to(&mut bytes, format)
        .expect("encode a test image");
    bytes.into_inner()
}

/// An image is one only if it decodes as the type its bytes claim, within 4096 × 4096: such
/// uploads and avatars are stored and served inline; one that does not decode is refused (422)
/// and nothing is stored; a stored file that does not decode downloads as an attachment.
#[actix_web::test]
async fn uploads_and_avatars_must_decode_as_the_image_type_they_claim() {
    use image::ImageFormat;
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let admin = app.admin();
        async move {
            let path = format!("/uploads?filename={name}");
            admin.raw(reqwest::Method::POST, Format::Json, &path, "application/octet-stream", bytes).await
        }
    };
    let download = |id: i64| {
        let req =
            app.http.get(app.url(&format!("/attachments/download/{id}/x"))).header("X-Redmine-API-Key", &app.admin_key);
        async move { req.send().await.expect("a download") }
    };
    for (format, content_type) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::Gif, "image/gif"),
        (ImageFormat::WebP, "image/webp"),
    ] {
        let res = upload(encoded(format, 3, 2), "face").await;
        assert_eq!(res.status, 201, "{content_type}: {}", res.text);
        let id = res.int("upload.id");
        let shown = admin.get(Format::Json, &format!("/attachments/{id}")).await;
        assert_eq!(shown.str("attachment.content_type"), content_type);
        let served = download(id).await;
        assert_eq!(served.headers()["content-type"], content_type);
        assert!(served.headers()["content-disposition"].to_str().unwrap().starts_with("inline;"));
        let contact = json!({"contact": {"project_id": "crm", "first_name": "Img", "avatar": {"token": res.str("upload.token")}}});
        assert_eq!(admin.post(Format::Json, "/contacts", contact).await.status, 201, "{content_type}");
    }
    let jpeg_header_then_junk = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[0x42; 200]].concat();
    let gif_header_then_junk = [&b"GIF89a"[..], &[0x01; 200]].concat();
    for (bytes, message) in [
        (POLYGLOT.to_vec(), "File is not a valid PNG image (or is larger than 4096 × 4096)"),
        (jpeg_header_then_junk, "File is not a valid JPEG image (or is larger than 4096 × 4096)"),
        (gif_header_then_junk, "File is not a valid GIF image (or is larger than 4096 × 4096)"),
        (encoded(ImageFormat::Png, 4097, 1), "File is not a valid PNG image (or is larger than 4096 × 4096)"),
    ] {
        for format in Format::API {
            let res = admin
                .raw(
                    reqwest::Method::POST,
                    format,
                    "/uploads?filename=x.png",
                    "application/octet-stream",
                    bytes.clone(),
                )
                .await;
            assert_eq!((res.status, res.errors()), (422, vec![message.to_string()]), "{}", res.text);
        }
    }
    // As an avatar in a form post too.
    let form = Multipart::default().text("contact[first_name]", "Poly").text("contact[project_id]", "crm").file(
        "contact[avatar]",
        "x.png",
        "image/png",
        POLYGLOT,
    );
    let res = post_multipart(&app, "/contacts.json", form, &[("X-Redmine-API-Key", &app.admin_key)]).await;
    assert_eq!(
        (res.status, res.errors()),
        (422, vec!["Avatar is not a valid PNG image (or is larger than 4096 × 4096)".to_string()]),
        "{}",
        res.text
    );
    assert_eq!(contact_count(&app).await, 4, "only the contacts with decodable avatars");
    // A file stored as an image before images were decoded is no longer shown inline.
    let stored = contacts_server::domain::attachments::CheckedFile {
        filename: "old.png".into(),
        content_type: "image/png",
        bytes: POLYGLOT.to_vec(),
    };
    let id = app
        .db
        .run_blocking(|c| Ok(contacts_server::store::attachments::insert(c, &stored.row(None, Some(1)))?))
        .expect("store an old upload");
    let served = download(i64::from(id)).await;
    assert_eq!(served.status(), 200);
    assert!(served.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
}

#[actix_web::test]
async fn the_plugins_redirect_on_success_and_attachment_avatars_work() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let key = user_key(&app, "webmaster", "crm").await;
    // The plugin's documented form: a user's key, an avatar as attachments[1], a redirect.
    let form = Multipart::default()
        .text("key", &key)
        .text("project_id", "crm")
        .text("redirect_on_success", "http://ya.ru")
        .text("contact[first_name]", "Pic")
        .file("attachments[1][file]", "me.png", "image/png", PNG)
        .text("attachments[1][description]", "avatar");
    let res = post_multipart(&app, "/contacts.json", form, &[]).await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert_eq!(res.header("location").unwrap(), "http://ya.ru");
    let contact = only_contact(&app).await;
    let id = contact["id"].as_i64().unwrap();
    let first_avatar = contact["avatar"]["attachment_id"].as_i64().expect("an avatar");

    // Not an http(s) URL: ignored, as in the plugin; the nested create route takes it too.
    let plain =
        Multipart::default().text("redirect_on_success", "javascript:alert(1)").text("contact[first_name]", "Plain");
    let res = post(
        &app,
        "/projects/crm/contacts.json",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        plain.finish(),
        &[("X-Redmine-API-Key", key.as_str())],
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let res = post(
        &app,
        "/projects/crm/contacts.xml",
        "application/x-www-form-urlencoded",
        b"contact[first_name]=API+test&redirect_on_success=https%3A%2F%2Fx.example%2Fy".to_vec(),
        &[("X-Redmine-API-Key", key.as_str())],
    )
    .await;
    assert_eq!((res.status, res.header("location").as_deref()), (302, Some("https://x.example/y")));

    // A multipart avatar on update applies with the other fields.
    let update = Multipart::default()
        .text("contact[last_name]", "Updated")
        .file("attachments[7][file]", "new.png", "image/png", PNG)
        .text("attachments[7][description]", "avatar");
    let res = browser()
        .put(app.url(&format!("/contacts/{id}.json")))
        .header("X-Redmine-API-Key", &key)
        .header("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(update.finish())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let shown = app.admin().get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(shown.str("contact.last_name"), "Updated");
    assert_ne!(shown.int("contact.avatar.attachment_id"), first_avatar, "the new avatar replaced the old one");
    let update = Multipart::default().file("contact[avatar]", "third.png", "image/png", PNG);
    let res = browser()
        .put(app.url(&format!("/contacts/{id}.xml")))
        .header("X-Redmine-API-Key", &key)
        .header("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(update.finish())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let third = app.admin().get(Format::Json, &format!("/contacts/{id}")).await.int("contact.avatar.attachment_id");
    let shown = app.admin().get(Format::Json, &format!("/attachments/{third}")).await;
    assert_eq!(shown.str("attachment.filename"), "third.png");
}

#[actix_web::test]
async fn the_embeddable_form_offers_multiple_value_lists() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let field = admin
        .post(
            Format::Json,
            "/custom_fields",
            json!({"custom_field": {"name": "Interests", "field_format": "list", "multiple": true, "possible_values": ["crm", "erp", "hr"]}}),
        )
        .await;
    assert_eq!(field.status, 201, "{}", field.text);
    let cf = field.int("custom_field.id");
    let (id, key) = web_form(&app, json!({"name": "Site"})).await;
    let html = admin
        .raw(reqwest::Method::GET, Format::Html, &format!("/web_forms/{id}/form.html"), "text/plain", Vec::new())
        .await
        .text;
    let select = format!(r#"<select multiple name="contact[custom_field_values][{cf}][]">"#);
    assert!(html.contains(&select), "{html}");
    assert!(html.contains(r#"<option value="erp">erp</option>"#), "{html}");
    // What a browser sends from it.
    let name = format!("contact[custom_field_values][{cf}][]");
    let form =
        Multipart::default().text("key", &key).text("contact[first_name]", "Many").text(&name, "crm").text(&name, "hr");
    let res = post_multipart(&app, "/contacts.json", form, &[]).await;
    assert_eq!(res.status, 201, "{}", res.text);
    let contact = only_contact(&app).await;
    let values = contact["custom_fields"].as_array().unwrap().iter().find(|f| f["id"] == cf).unwrap()["value"].clone();
    assert_eq!(values, json!(["crm", "hr"]));
}

/// The plugin's `test_update_contact_with_uploaded_file`: an upload's token in
/// `contact[uploads][]` described `avatar` becomes the avatar; the update's body is empty.
#[actix_web::test]
async fn put_contact_with_an_upload_described_avatar_sets_the_avatar() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Up"})).await;
    let upload = admin
        .raw(reqwest::Method::POST, Format::Xml, "/uploads?filename=test.png", "application/octet-stream", PNG.to_vec())
        .await;
    assert_eq!(upload.status, 201, "{}", upload.text);
    let token = upload.str("upload.token");
    let form = format!(
        "contact[uploads][][token]={token}&contact[uploads][][filename]=test.png&contact[uploads][][description]=avatar&contact[uploads][][content_type]=image%2Fpng"
    );
    let res = admin
        .raw(
            reqwest::Method::PUT,
            Format::Xml,
            &format!("/contacts/{id}"),
            "application/x-www-form-urlencoded",
            form.into_bytes(),
        )
        .await;
    assert_eq!((res.status, res.text.as_str()), (204, ""));
    let avatar = admin.get(Format::Json, &format!("/contacts/{id}")).await.int("contact.avatar.attachment_id");
    assert_eq!(avatar, upload.int("upload.id"));
}
