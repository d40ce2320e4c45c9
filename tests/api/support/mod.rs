//! The test harness: a real server on a fresh database per test, actors that carry credentials,
//! and responses read the same way whether they came as JSON or XML.

mod db;
pub mod process;
pub mod receiver;
pub mod redmine;
mod wire;
pub mod xml;

pub use db::TestDb;
pub use wire::{to_xml, Res};

use std::net::TcpListener;

use contacts_server::config::Config;
use contacts_server::db::Db;
use contacts_server::domain::users::{self, UserInput};
use contacts_server::format::Format;
use serde_json::{json, Value};

pub const PASSWORD: &str = "secret-password";

/// A running server on its own database.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub http: reqwest::Client,
    pub admin_key: String,
    _database: TestDb,
}

/// Who sends a request.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Key(String),
    Basic(String, String),
}

/// A client acting as one user.
pub struct Actor<'a> {
    pub app: &'a TestApp,
    pub auth: Auth,
    pub id: i64,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts a server; `adjust` may change the configuration first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::spawn_on(TestDb::fresh(), adjust).await
    }

    /// Starts a server on a given database.
    pub async fn spawn_on(database: TestDb, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config::for_database(&database.url);
        config.db.pool_size = 4;
        config.workers = Some(1);
        // As `serve` runs by default.
        config.db.statement_timeout = Some(std::time::Duration::from_secs(10));
        adjust(&mut config);
        let db = Db::open(&config.db).expect("open the test database");
        let admin = first_admin(&db);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
        let address = format!("http://{}", listener.local_addr().expect("local address"));
        let server = contacts_server::app::serve(listener, db.clone(), &config).expect("start the server");
        actix_web::rt::spawn(server);
        // The server closes a connection idle for 5 s (actix's keep-alive); a client that kept it
        // longer could send a request on it as it closes, after a long import in a test.
        let http = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        TestApp { address, db, http, admin_key: admin.api_key, _database: database }
    }

    pub fn admin(&self) -> Actor<'_> {
        Actor { app: self, auth: Auth::Key(self.admin_key.clone()), id: 1 }
    }

    pub fn anonymous(&self) -> Actor<'_> {
        Actor { app: self, auth: Auth::None, id: 0 }
    }

    pub fn as_key(&self, key: &str) -> Actor<'_> {
        Actor { app: self, auth: Auth::Key(key.to_string()), id: 0 }
    }

    /// A new non-admin user (made through the API), acting with their API key.
    pub async fn user(&self, login: &str) -> Actor<'_> {
        let res = self
            .admin()
            .post(
                Format::Json,
                "/users",
                json!({"user": {"login": login, "password": PASSWORD, "firstname": login, "lastname": "Tester", "mail": format!("{login}@example.net")}}),
            )
            .await;
        assert_eq!(res.status, 201, "creating user {login}: {}", res.text);
        let id = res.int("user.id");
        let basic = Actor { app: self, auth: Auth::Basic(login.into(), PASSWORD.into()), id };
        let key = basic.get(Format::Json, "/users/current").await.str("user.api_key");
        Actor { app: self, auth: Auth::Key(key), id }
    }

    /// A new user who is a member of `project` with `role` ("Manager" or "Reporter").
    pub async fn member(&self, login: &str, project: &str, role: &str) -> Actor<'_> {
        let actor = self.user(login).await;
        self.add_member(&actor, project, role).await;
        actor
    }

    /// Makes `actor` a member of `project` with the role named `role`.
    pub async fn add_member(&self, actor: &Actor<'_>, project: &str, role: &str) {
        let role_id = match role {
            "Manager" => json!(1),
            "Reporter" => json!(2),
            _ => {
                let roles = self.admin().get(Format::Json, "/roles").await.list("roles");
                roles.into_iter().find(|r| r["name"] == role).expect("a role of that name")["id"].clone()
            }
        };
        let res = self
            .admin()
            .post(
                Format::Json,
                &format!("/projects/{project}/memberships"),
                json!({"membership": {"user_id": actor.id, "role_ids": [role_id]}}),
            )
            .await;
        assert_eq!(res.status, 201, "adding a member: {}", res.text);
    }

    /// Adds a role with `permissions` (comma-separated): the API has no role editing, so it is
    /// written to the database.
    pub fn role(&self, name: &str, permissions: &str) {
        use diesel::connection::SimpleConnection;
        let sql = format!("INSERT INTO roles (name, position, permissions) VALUES ('{name}', 10, '{permissions}')");
        self.db.connection().expect("a pooled connection").batch_execute(&sql).expect("insert a role");
    }

    /// A project made by the admin.
    pub async fn project(&self, identifier: &str, is_public: bool) -> i64 {
        let res = self
            .admin()
            .post(
                Format::Json,
                "/projects",
                json!({"project": {"name": identifier.to_uppercase(), "identifier": identifier, "is_public": is_public}}),
            )
            .await;
        assert_eq!(res.status, 201, "creating project: {}", res.text);
        res.int("project.id")
    }

    /// Runs `contacts-server import` of `csv` into `project` on this server's database, as a
    /// process of its own (a write the server does not answer), and expects it to succeed.
    pub fn import_csv(&self, csv: &str, project: &str) {
        let file = tempfile::NamedTempFile::new().expect("a temporary file");
        std::fs::write(file.path(), csv).expect("write the CSV");
        let path = file.path().to_str().expect("a UTF-8 path");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_contacts-server"))
            .args(["import", path, "--project", project, "--database-url", &self.db_url()])
            .output()
            .expect("run contacts-server import");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// The database URL this server runs on.
    pub fn db_url(&self) -> String {
        self._database.url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

impl Actor<'_> {
    /// The API key this actor signs in with.
    pub fn key(&self) -> String {
        match &self.auth {
            Auth::Key(key) => key.clone(),
            _ => panic!("this actor signs in without an API key"),
        }
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let req = self.app.http.request(method, self.app.url(url));
        match &self.auth {
            Auth::None => req,
            Auth::Key(key) => req.header("X-Redmine-API-Key", key),
            Auth::Basic(login, password) => req.basic_auth(login, Some(password)),
        }
    }

    /// `path` plus the format suffix before any query string.
    fn path(format: Format, path: &str) -> String {
        let suffix = match format {
            Format::Json => ".json",
            Format::Xml => ".xml",
            Format::Csv => ".csv",
            Format::Vcf => ".vcf",
            Format::Html => "",
        };
        match path.split_once('?') {
            Some((p, q)) => format!("{p}{suffix}?{q}"),
            None => format!("{path}{suffix}"),
        }
    }

    pub async fn get(&self, format: Format, path: &str) -> Res {
        Res::read(format, self.request(reqwest::Method::GET, &Self::path(format, path)).send().await).await
    }

    /// A GET with extra request headers.
    pub async fn get_with(&self, format: Format, path: &str, headers: &[(&str, &str)]) -> Res {
        let mut req = self.request(reqwest::Method::GET, &Self::path(format, path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Res::read(format, req.send().await).await
    }

    pub async fn delete(&self, format: Format, path: &str) -> Res {
        Res::read(format, self.request(reqwest::Method::DELETE, &Self::path(format, path)).send().await).await
    }

    /// Sends `body` as JSON or as XML, matching `format`.
    pub async fn post(&self, format: Format, path: &str, body: Value) -> Res {
        self.send(reqwest::Method::POST, format, path, body).await
    }

    pub async fn put(&self, format: Format, path: &str, body: Value) -> Res {
        self.send(reqwest::Method::PUT, format, path, body).await
    }

    pub async fn send(&self, method: reqwest::Method, format: Format, path: &str, body: Value) -> Res {
        let req = self.request(method, &Self::path(format, path));
        let req = match format {
            Format::Xml => req.header("Content-Type", "application/xml").body(to_xml(&body)),
            _ => req.header("Content-Type", "application/json").body(body.to_string()),
        };
        Res::read(format, req.send().await).await
    }

    /// Sends a raw body with a content type of the caller's choice.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        format: Format,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Res {
        let req = self.request(method, &Self::path(format, path)).header("Content-Type", content_type).body(body);
        Res::read(format, req.send().await).await
    }

    /// Creates a contact in `project` and returns its id.
    pub async fn create_contact(&self, project: &str, contact: Value) -> i64 {
        let res =
            self.post(Format::Json, &format!("/projects/{project}/contacts"), json!({ "contact": contact })).await;
        assert_eq!(res.status, 201, "creating a contact: {}", res.text);
        res.int("contact.id")
    }
}

/// The first admin, as `contacts-server user create --admin` makes it (kept when the database
/// already has one, e.g. one filled by `copy`).
pub fn first_admin(db: &Db) -> contacts_server::store::users::UserRow {
    db.run_blocking(|conn| {
        if let Some(existing) = contacts_server::store::users::find_by_login(conn, "admin")? {
            return Ok(existing);
        }
        users::create(
            conn,
            UserInput {
                login: Some("admin".into()),
                password: Some(PASSWORD.into()),
                firstname: Some("Redmine".into()),
                lastname: Some("Admin".into()),
                mail: Some(Some("admin@example.net".into())),
                admin: Some(true),
                status: None,
            },
        )
    })
    .expect("create the admin")
}
