//! A real browser: headless Chromium, driven over WebDriver (chromedriver, fantoccini), fills
//! the embeddable form on a page of another origin, attaches a PNG and submits; then the plugin's
//! own form with a user key. The contacts are read back through the API.
//!
//! Needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs them and sets
//! `REQUIRE_BROWSER=1`, so there a missing browser fails the test instead of skipping it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use contacts_server::format::Format;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::TestApp;
use crate::web_forms::PNG;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// chromedriver on a free port, once it accepts connections; `None` when it is not installed.
fn start_driver() -> Option<(Driver, u16)> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but {CHROMEDRIVER} or {CHROMIUM} is missing"
        );
        eprintln!("skipping the browser test: install chromium and chromium-driver to run it");
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((Driver(child), port))
}

async fn browser(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1024,900"]}),
    );
    // Installed once per process; a second call finds it there, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ClientBuilder::rustls()
        .expect("a TLS configuration")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session")
}

/// Serves `pages` (path → HTML) on `listener`: the site of another origin.
fn serve_site(listener: std::net::TcpListener, pages: Vec<(&'static str, String)>) {
    let pages = web::Data::new(pages);
    let server = HttpServer::new(move || {
        App::new().app_data(pages.clone()).default_service(web::to(
            |req: actix_web::HttpRequest, pages: web::Data<Vec<(&'static str, String)>>| async move {
                match pages.iter().find(|(path, _)| *path == req.path()) {
                    Some((_, html)) => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html.clone()),
                    None => HttpResponse::NotFound().finish(),
                }
            },
        ))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
}

async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = client.current_url().await.unwrap();
        if url.path() == path {
            return;
        }
        if Instant::now() > deadline {
            panic!("the browser stayed on {url}: {}", client.source().await.unwrap_or_default());
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_visitor_fills_the_embedded_form_in_chromium_and_the_contact_arrives() {
    let Some((_driver, driver_port)) = start_driver() else { return };
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let budget = admin
        .post(
            Format::Json,
            "/custom_fields",
            json!({"custom_field": {"name": "Budget", "field_format": "list", "possible_values": ["small", "large"]}}),
        )
        .await
        .int("custom_field.id");

    // The other site: its origin is allowed to post, and its thank-you page is the success URL.
    let site = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://127.0.0.1:{}", site.local_addr().unwrap().port());
    let form = admin
        .post(
            Format::Json,
            "/projects/crm/web_forms",
            json!({"web_form": {"name": "Site", "success_url": format!("{origin}/thanks.html"), "allowed_origins": [origin]}}),
        )
        .await;
    assert_eq!(form.status, 201, "{}", form.text);
    let snippet = admin
        .raw(
            reqwest::Method::GET,
            Format::Html,
            &format!("/web_forms/{}/form.html", form.int("web_form.id")),
            "text/plain",
            Vec::new(),
        )
        .await
        .text;
    let user = app.member("webmaster", "crm", "Manager").await;
    let user_key = user.key();
    let plugin_form = format!(
        r#"<form id="plugin" action="{action}" method="post" enctype="multipart/form-data">
  <input type="hidden" name="key" value="{user_key}">
  <input type="hidden" name="project_id" value="crm">
  <input name="contact[first_name]"> <input name="contact[last_name]"> <input name="contact[email]">
  <input type="hidden" name="contact[custom_fields][][id]" value="{budget}">
  <input name="contact[custom_fields][][value]" value="large">
  <button type="submit">Send</button>
</form>"#,
        action = app.url("/contacts")
    );
    let page = |title: &str, body: &str| {
        format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>")
    };
    serve_site(
        site,
        vec![
            ("/contact-us.html", page("Contact us", &snippet)),
            ("/thanks.html", page("Thanks", "<h1 id=\"thanks\">Thanks for writing to us</h1>")),
            ("/plugin.html", page("Plugin form", &plugin_form)),
        ],
    );

    let client = browser(driver_port).await;
    let png = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(png.path(), PNG).unwrap();

    client.goto(&format!("{origin}/contact-us.html")).await.unwrap();
    client.find(Locator::Css("input[name='contact[first_name]']")).await.unwrap().send_keys("Ada").await.unwrap();
    client.find(Locator::Css("input[name='contact[last_name]']")).await.unwrap().send_keys("Lovelace").await.unwrap();
    client
        .find(Locator::Css("input[name='contact[email]']"))
        .await
        .unwrap()
        .send_keys("ada@example.com")
        .await
        .unwrap();
    client
        .find(Locator::Css("select[name='contact[custom_fields][][value]']"))
        .await
        .unwrap()
        .select_by_value("large")
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name='contact[avatar]']"))
        .await
        .unwrap()
        .send_keys(png.path().to_str().unwrap())
        .await
        .unwrap();
    client.find(Locator::Css("#contact-form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_path(&client, "/thanks.html").await;
    let heading = client.find(Locator::Id("thanks")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "Thanks for writing to us");
    let shot = client.screenshot().await.unwrap();
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("web-form-success.png"), shot).unwrap();

    let found = admin.get(Format::Json, "/contacts?search=lovelace").await;
    assert_eq!(found.meta("total_count"), Some(1), "{}", found.text);
    let id = found.list("contacts")[0]["id"].as_i64().unwrap();
    let contact = admin.get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(contact.str("contact.emails.0.address"), "ada@example.com");
    assert_eq!(contact.str("contact.custom_fields.0.value"), "large");
    let attachment = contact.int("contact.avatar.attachment_id");
    let bytes = reqwest::Client::new()
        .get(app.url(&format!("/attachments/download/{attachment}/avatar.png")))
        .header("X-Redmine-API-Key", &app.admin_key)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], PNG, "the avatar's bytes arrived unchanged");

    // The plugin's form, unchanged, with a user's key: the server's own thank-you page.
    client.goto(&format!("{origin}/plugin.html")).await.unwrap();
    client.find(Locator::Css("input[name='contact[first_name]']")).await.unwrap().send_keys("Grace").await.unwrap();
    client.find(Locator::Css("input[name='contact[last_name]']")).await.unwrap().send_keys("Hopper").await.unwrap();
    client.find(Locator::Css("#plugin button")).await.unwrap().click().await.unwrap();
    wait_for_path(&client, "/contacts").await;
    let thanks = client.find(Locator::Id("thank-you")).await.unwrap().text().await.unwrap();
    assert_eq!(thanks, "Thank you, Grace!");
    std::fs::write(artifacts.join("plugin-form-success.png"), client.screenshot().await.unwrap()).unwrap();
    client.close().await.unwrap();

    let found = admin.get(Format::Json, "/contacts?search=hopper").await;
    assert_eq!(found.meta("total_count"), Some(1), "{}", found.text);
    let id = found.list("contacts")[0]["id"].as_i64().unwrap();
    let contact = admin.get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(contact.str("contact.custom_fields.0.value"), "large");
    assert_eq!(contact.str("contact.author.name"), "webmaster Tester");
}
