//! `import-redmine`: a Redmine + CRM database of our making (support/redmine.rs) imported through
//! the real binary, then read back through the HTTP API in both formats. The SQLite source
//! runs always; the MariaDB/MySQL one with `TEST_MYSQL_URL` (`.ci/run` sets it), the PostgreSQL
//! one with `TEST_DATABASE_URL`.

use std::process::{Command, Output};

use contacts_server::format::Format;

use crate::support::redmine::{mysql_server, Edition, RedmineDb, ADMIN_KEY, ANN_KEY, ANN_PASSWORD};
use crate::support::{Auth, Res, TestApp, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_contacts-server");

fn import(source: &RedmineDb, target: &str, extra: &[&str]) -> Output {
    let files = source.files.path().to_str().unwrap().to_string();
    Command::new(BIN)
        .args(["import-redmine", "--from", &source.url, "--files", &files, "--database-url", target])
        .args(extra)
        .output()
        .unwrap()
}

#[track_caller]
fn succeeded(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "import failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Both formats of one GET as the given actor.
async fn both(app: &TestApp, auth: &Auth, path: &str) -> Vec<Res> {
    let mut out = Vec::new();
    for format in [Format::Json, Format::Xml] {
        let actor = crate::support::Actor { app, auth: auth.clone(), id: 0 };
        let res = actor.get(format, path).await;
        assert_eq!(res.status, 200, "{path} ({format:?}): {}", res.text);
        out.push(res);
    }
    out
}

fn texts(list: &[serde_json::Value], key: &str) -> Vec<String> {
    list.iter().map(|v| v[key].to_string().trim_matches('"').to_string()).collect()
}

/// The PRO fixture imported: every part checked through the API, then imported again.
async fn pro_fixture_round_trip(source: RedmineDb) {
    let before = source.fingerprint();
    let target = TestDb::fresh();
    // Times in the source are the Redmine server's local time: here UTC+01:00.
    let out = succeeded(&import(&source, &target.url, &["--time-zone", "+01:00"]));
    assert_eq!(source.fingerprint(), before, "the source was not written");
    for expected in [
        "edition: PRO traces",
        "file missing",
        "Tier is not included in the list: value \"platinum\" left out",
        "email \"not-an-address\" is not an address",
        "no project (its projects were deleted)",
        "orphan",
        "a field of notes",
        "format user has no counterpart here",
        "filter has_deals = \"1\" has no counterpart here",
        "1 related contacts not kept",
        "author #99 is not a user imported",
    ] {
        assert!(out.contains(expected), "the report names {expected:?}:\n{out}");
    }
    let target_url = target.url.clone();
    let app = TestApp::spawn_on(target, |_| {}).await;
    assert_eq!(app.admin_key, ADMIN_KEY, "Redmine's admin and API key came over");
    let admin = Auth::Key(ADMIN_KEY.into());

    for res in both(&app, &admin, "/contacts/1?include=notes,projects,deals,issues").await {
        assert_eq!(res.str("contact.first_name"), "Ada");
        assert_eq!(res.str("contact.middle_name"), "King");
        assert_eq!(res.str("contact.company"), "Analytical Engines");
        assert_eq!(res.str("contact.job_title"), "Countess");
        assert_eq!(res.str("contact.website"), "ada.example");
        assert_eq!(res.str("contact.skype_name"), "ada.l");
        assert_eq!(res.str("contact.birthday"), "1815-12-10");
        assert_eq!(res.str("contact.background"), "Wrote the first program");
        assert_eq!(res.str("contact.visibility"), "1");
        assert_eq!(texts(&res.list("contact.phones"), "number"), ["+44 20 7946 0000", "+44 20 7946 0001"]);
        assert_eq!(texts(&res.list("contact.emails"), "address"), ["ada@example.com", "ada2@example.com"]);
        assert_eq!(res.str("contact.address.city"), "London");
        assert_eq!(res.str("contact.address.country_code"), "GB");
        assert_eq!(res.str("contact.address.street"), "12 St James Square");
        assert_eq!(res.str("contact.author.id"), "1");
        assert_eq!(res.str("contact.assigned_to.id"), "2");
        assert_eq!(res.str("contact.assigned_to.name"), "Ann Manager");
        // 10:00 at UTC+01:00.
        assert_eq!(res.str("contact.created_on"), "2024-01-02T09:00:00Z");
        assert_eq!(res.str("contact.updated_on"), "2024-01-03T10:00:00Z");
        assert_eq!(res.str("contact.avatar.attachment_id"), "11", "the newest avatar");
        assert_eq!(texts(&res.list("contact.projects"), "id"), ["1"]);
        assert_eq!(res.ids("contact.notes"), [1]);
        assert_eq!(res.str("contact.notes.0.type_id"), "1");
        assert_eq!(res.str("contact.notes.0.content"), "Wants a quote");
        assert_eq!(res.ids("contact.deals"), [1]);
        assert_eq!(res.ids("contact.issues"), [7], "one link, though Redmine held it twice");
        let fields = res.list("contact.custom_fields");
        let tier = fields.iter().find(|f| f["name"] == "Tier").expect("Tier shown");
        let values: Vec<String> = match &tier["value"] {
            serde_json::Value::Array(items) => {
                items.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
            }
            other => panic!("a multi-value field shows a list: {other}"),
        };
        assert_eq!(values, ["gold", "silver"]);
    }
    let json = &both(&app, &admin, "/contacts/1").await[0];
    let mut tags: Vec<String> = json.list("contact.tag_list").iter().map(|t| t.as_str().unwrap().to_string()).collect();
    tags.sort();
    assert_eq!(tags, ["math", "vip"]);

    for res in both(&app, &admin, "/contacts/2?include=projects").await {
        assert_eq!(res.str("contact.is_company"), "true", "an old SQLite 't' is true");
        let mut projects = texts(&res.list("contact.projects"), "id");
        projects.sort();
        assert_eq!(projects, ["1", "2", "3"], "a contact in three projects");
        assert!(res.opt("contact.avatar").is_none(), "its avatar file is missing");
    }
    for res in both(&app, &admin, "/contacts/4").await {
        assert_eq!(res.str("contact.first_name"), "Zoë");
        assert_eq!(res.str("contact.last_name"), "Müller");
        assert_eq!(res.str("contact.job_title"), "Café", "bytes of another encoding read right");
        assert_eq!(texts(&res.list("contact.emails"), "address"), ["zoe@example.com"]);
        assert!(res.opt("contact.birthday").is_none());
        assert!(res.opt("contact.author").is_none_or(|a| a == "{}" || !a.contains("99")));
    }
    let res = app.admin().get(Format::Json, "/contacts/5").await;
    assert_eq!(res.status, 404, "a contact without a project is not imported");

    // The private contact: its author sees it, a member who is neither does not.
    let ann = Auth::Key(ANN_KEY.into());
    both(&app, &ann, "/contacts/3").await;
    let listed = app.as_key(ANN_KEY).get(Format::Json, "/contacts?limit=100").await;
    assert!(listed.ids("contacts").contains(&3));

    // Ann's Redmine password works, once as SHA-1 and from then on as argon2.
    let basic = Auth::Basic("ann".into(), ANN_PASSWORD.into());
    for _ in 0..2 {
        let res =
            crate::support::Actor { app: &app, auth: basic.clone(), id: 0 }.get(Format::Json, "/users/current").await;
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(res.str("user.login"), "ann");
        assert_eq!(res.str("user.mail"), "ann@example.net", "the default address");
    }
    let stored: String = app
        .db
        .run_blocking(|c| Ok(contacts_server::store::users::find_by_login(c, "ann")?.map(|u| u.hashed_password)))
        .unwrap()
        .unwrap();
    assert!(stored.starts_with("$argon2"), "rehashed at the first sign-in: {stored}");
    let wrong = crate::support::Actor { app: &app, auth: Auth::Basic("ann".into(), "wrong-password".into()), id: 0 };
    assert_eq!(wrong.get(Format::Json, "/users/current").await.status, 401);
    // Bob is locked in Redmine.
    let bob = crate::support::Actor { app: &app, auth: Auth::Basic("bob".into(), ANN_PASSWORD.into()), id: 0 };
    assert_eq!(bob.get(Format::Json, "/users/current").await.status, 401);

    for res in both(&app, &admin, "/deals/1?include=notes").await {
        assert_eq!(res.str("deal.name"), "Licences");
        assert_eq!(res.str("deal.price"), "3000.5");
        assert_eq!(res.str("deal.currency"), "EUR");
        assert_eq!(res.str("deal.probability"), "50");
        assert!(
            res.str("deal.due_date").starts_with("2030-12-12"),
            "a day stays that day: {}",
            res.str("deal.due_date")
        );
        assert_eq!(res.str("deal.status.id"), "1");
        assert_eq!(res.str("deal.status.name"), "Open");
        assert_eq!(res.str("deal.category.id"), "1");
        assert_eq!(res.str("deal.contact.id"), "1");
        assert_eq!(res.ids("deal.notes"), [2], "a note on a deal");
    }
    for res in both(&app, &admin, "/deal_statuses").await {
        assert_eq!(texts(&res.list("deal_statuses"), "name"), ["Open", "Won", "Lost"]);
    }
    for res in both(&app, &admin, "/contacts_tags").await {
        let mut names = texts(&res.list("tags"), "name");
        names.sort();
        assert_eq!(names, ["math", "vip"], "another plugin's tag stays out; an unused tag has no contacts to show");
    }
    let queries = app.as_key(ANN_KEY).get(Format::Json, "/crm_queries?object_type=contact").await;
    assert_eq!(texts(&queries.list("queries"), "name"), ["VIPs"]);
    let vips = app.as_key(ANN_KEY).get(Format::Json, "/contacts?query_id=1").await;
    let mut ids = vips.ids("contacts");
    ids.sort();
    assert_eq!(ids, [1, 2], "the saved query's tag filter");
    let roles = app.admin().get(Format::Json, "/roles").await;
    assert!(texts(&roles.list("roles"), "name").contains(&"Manager".to_string()));

    // Again into the same database, after changes in Redmine: updated, not duplicated.
    source.execute("UPDATE contacts SET first_name = 'Augusta Ada' WHERE id = 1");
    source.execute("DELETE FROM taggings WHERE tag_id = 2 AND taggable_id = 1");
    source.execute("UPDATE notes SET content = 'Wants two quotes' WHERE id = 1");
    let again = succeeded(&import(&source, &target_url, &["--time-zone", "+01:00"]));
    assert!(again.contains("updated"), "{again}");
    let ada = app.admin().get(Format::Json, "/contacts/1?include=notes").await;
    assert_eq!(ada.str("contact.first_name"), "Augusta Ada");
    assert_eq!(ada.list("contact.tag_list"), [serde_json::json!("vip")]);
    assert_eq!(ada.str("contact.notes.0.content"), "Wants two quotes");
    let engines = app.admin().get(Format::Json, "/contacts/2?include=projects").await;
    assert_eq!(engines.list("contact.projects").len(), 3, "unchanged links stay");
    let total = app.admin().get(Format::Json, "/contacts?limit=1").await.meta("total_count");
    assert_eq!(total, Some(4));
    let notes = app.admin().get(Format::Json, "/contacts/1?include=notes").await;
    assert_eq!(notes.ids("contact.notes"), [1]);
    assert_eq!(app.admin().get(Format::Json, "/deals?status_id=*").await.ids("deals"), [1]);
    let users = app.admin().get(Format::Json, "/users?limit=100").await;
    assert_eq!(users.meta("total_count"), Some(2), "admin and ann are active: {}", users.text);
    let locked = app.admin().get(Format::Json, "/users?status=3").await;
    assert_eq!(texts(&locked.list("users"), "login"), ["bob"]);
}

#[actix_web::test]
async fn import_redmine_from_sqlite_pro_brings_everything_over() {
    pro_fixture_round_trip(RedmineDb::sqlite(Edition::Pro)).await;
}

#[actix_web::test]
async fn import_redmine_from_mariadb_pro_brings_everything_over() {
    let Some(server) = mysql_server() else {
        eprintln!("skipped: set TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test) to import from MariaDB");
        return;
    };
    pro_fixture_round_trip(RedmineDb::mysql(&server, Edition::Pro)).await;
}

#[actix_web::test]
async fn import_redmine_from_postgres_pro_brings_everything_over() {
    let Some(server) = TestDb::postgres_server() else {
        eprintln!("skipped: set TEST_DATABASE_URL to import from a PostgreSQL Redmine");
        return;
    };
    pro_fixture_round_trip(RedmineDb::postgres(&server, Edition::Pro)).await;
}

async fn light_fixture(source: RedmineDb) {
    let target = TestDb::fresh();
    let out = succeeded(&import(&source, &target.url, &[]));
    assert!(out.contains("edition: no PRO traces"), "{out}");
    let app = TestApp::spawn_on(target, |_| {}).await;
    let admin = Auth::Key(ADMIN_KEY.into());
    for res in both(&app, &admin, "/contacts/1?include=issues").await {
        assert_eq!(res.str("contact.created_on"), "2024-01-02T10:00:00Z", "UTC unless told");
        assert_eq!(res.ids("contact.issues"), [7], "linked through an issue field of format contact (4.3)");
        assert!(res.list("contact.custom_fields").is_empty());
    }
    assert!(app.admin().get(Format::Json, "/deals?status_id=*").await.ids("deals").is_empty());
}

#[actix_web::test]
async fn import_redmine_from_sqlite_light() {
    light_fixture(RedmineDb::sqlite(Edition::Light)).await;
}

#[actix_web::test]
async fn import_redmine_from_mariadb_light() {
    let Some(server) = mysql_server() else {
        eprintln!("skipped: set TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test) to import from MariaDB");
        return;
    };
    light_fixture(RedmineDb::mysql(&server, Edition::Light)).await;
}

#[actix_web::test]
async fn import_redmine_dry_run_lists_tables_and_problems_and_writes_nothing() {
    let source = RedmineDb::sqlite(Edition::Pro);
    let dir = tempfile::tempdir().unwrap();
    let target = format!("sqlite://{}", dir.path().join("never.db").display());
    let out = succeeded(&import(&source, &target, &["--dry-run"]));
    for expected in [
        "would write",
        "users",
        "contacts",
        "deals",
        "notes",
        "avatars",
        "file missing",
        "platinum",
        "dry run: nothing was written",
    ] {
        assert!(out.contains(expected), "{expected:?} in:\n{out}");
    }
    assert!(!dir.path().join("never.db").exists(), "the target was not even created");
    // --projects: only sales, and a contact of crm alone stays out.
    let target = TestDb::fresh();
    succeeded(&import(&source, &target.url, &["--projects", "sales"]));
    let app = TestApp::spawn_on(target, |_| {}).await;
    assert_eq!(app.as_key(ADMIN_KEY).get(Format::Json, "/contacts").await.ids("contacts"), [2]);
    assert_eq!(app.as_key(ADMIN_KEY).get(Format::Json, "/projects").await.meta("total_count"), Some(1));
}

#[test]
fn import_redmine_refuses_what_is_not_a_known_redmine_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let target_path = dir.path().join("target.db");
    let target = format!("sqlite://{}", target_path.display());
    let not_redmine = dir.path().join("other.db");
    {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut conn = diesel::SqliteConnection::establish(not_redmine.to_str().unwrap()).unwrap();
        conn.batch_execute("CREATE TABLE things (id INTEGER PRIMARY KEY)").unwrap();
    }
    let newer = RedmineDb::sqlite(Edition::Pro);
    newer.execute("INSERT INTO schema_migrations (version) VALUES ('37-redmine_contacts')");
    let without_plugin = RedmineDb::sqlite(Edition::Light);
    without_plugin.execute("DELETE FROM schema_migrations WHERE version LIKE '%redmine_contacts'");
    let cases = [
        (format!("sqlite://{}", not_redmine.display()), "not a Redmine database"),
        (newer.url.clone(), "unknown Redmine CRM plugin version"),
        (without_plugin.url.clone(), "no Redmine CRM plugin"),
        (format!("sqlite://{}", dir.path().join("missing.db").display()), "no such SQLite file"),
        ("mysql://root:secret-pw@127.0.0.1:1/redmine".to_string(), "cannot connect"),
        ("ftp://example/redmine".to_string(), "--from must be"),
    ];
    for (from, message) in cases {
        let out =
            Command::new(BIN).args(["import-redmine", "--from", &from, "--database-url", &target]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{from}: {stderr}");
        assert!(stderr.contains(message), "{from}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(!stderr.contains("secret-pw"), "never the password: {stderr}");
        assert!(!target_path.exists(), "nothing written for {from}");
    }
    if let Some(server) = mysql_server() {
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b).to_string();
        let wrong = base.replacen("://root@", "://root:wrong-pw@", 1).replacen("://root:@", "://root:wrong-pw@", 1);
        let out = Command::new(BIN)
            .args(["import-redmine", "--from", &format!("{wrong}/redmine"), "--database-url", &target])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(!stderr.contains("wrong-pw"), "{stderr}");
        assert!(!target_path.exists());
    } else {
        eprintln!("skipped the wrong-password case: set TEST_MYSQL_URL to run it against MariaDB");
    }
}
