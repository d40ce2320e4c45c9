//! `seed` and `import`: deterministic data, and the CSV export read back by the import.

use std::process::Command;

use contacts_server::format::Format;
use serde_json::json;

use crate::support::{Res, TestApp, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_contacts-server");

async fn export(app: &TestApp) -> String {
    let res = app.admin().raw(reqwest::Method::GET, Format::Csv, "/contacts", "text/plain", Vec::new()).await;
    assert_eq!(res.status, 200);
    res.text
}

/// The export's rows without the id column (ids are the new database's own).
fn without_ids(csv_text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().skip(1).map(str::to_string).collect()).collect()
}

#[actix_web::test]
async fn seed_is_deterministic_and_gives_a_member_of_several_projects() {
    let mut exports = Vec::new();
    for _ in 0..2 {
        let db = TestDb::fresh();
        let out = Command::new(BIN)
            .args([
                "seed",
                "--contacts",
                "300",
                "--projects",
                "4",
                "--users",
                "5",
                "--seed",
                "7",
                "--database-url",
                &db.url,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let key = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_string();
        let app = TestApp::spawn_on(db, |_| {}).await;
        assert_eq!(app.admin().get(Format::Json, "/contacts?limit=1").await.meta("total_count"), Some(300));
        let member = app.as_key(&key);
        let current = member.get(Format::Json, "/users/current").await;
        assert_eq!(current.str("user.login"), "user1");
        assert_eq!(current.str("user.admin"), "false");
        let seen = member.get(Format::Json, "/contacts?limit=1").await.meta("total_count").unwrap();
        assert!(seen > 0 && seen < 300, "the member sees some contacts, not all: {seen}");
        let companies = app.admin().get(Format::Json, "/contacts?is_company=1&limit=1").await;
        assert_eq!(companies.meta("total_count"), Some(30));
        let company = companies.list("contacts")[0]["id"].as_i64().unwrap();
        let with = app.admin().get(Format::Json, &format!("/contacts/{company}?include=contacts")).await;
        assert!(!with.list("contact.contacts").is_empty(), "a company has employees");
        assert!(app.admin().get(Format::Json, "/contacts_tags").await.list("tags").len() > 10);
        exports.push(export(&app).await);
    }
    assert_eq!(exports[0], exports[1], "the same seed makes the same data");
}

#[actix_web::test]
async fn importing_an_export_reproduces_its_contacts() {
    let source = TestApp::spawn().await;
    source.project("crm", false).await;
    let admin = source.admin();
    let tier = json!({"custom_field": {"name": "Tier", "field_format": "list", "possible_values": ["gold", "silver"]}});
    let tier = admin.post(Format::Json, "/custom_fields", tier).await.int("custom_field.id");
    admin
        .create_contact("crm", json!({"first_name": "Zoë", "middle_name": "Q", "last_name": "O'Brien", "company": "Acme, Inc.", "job_title": "CTO", "website": "https://acme.example", "skype_name": "zoe", "birthday": "1980-02-29", "background": "Line one\nSaid \"hi\"", "phone": "+1 555 0100, 020 7946", "email": "zoe@example.com, z@example.org", "tag_list": "vip,lead", "visibility": 1, "assigned_to_id": 1, "address_attributes": {"street1": "1 Main St", "street2": "Floor 2", "city": "Oslo", "region": "Oslo", "postcode": "0150", "country_code": "NO"}, "custom_fields": [{"id": tier, "value": "gold"}]}))
        .await;
    admin.create_contact("crm", json!({"first_name": "Acme, Inc.", "is_company": true, "tag_list": "lead"})).await;
    admin.create_contact("crm", json!({"first_name": "=SUM(A1)", "visibility": 2})).await;
    let exported = export(&source).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &exported).unwrap();

    let target = TestApp::spawn().await;
    target.project("crm", false).await;
    let tier = json!({"custom_field": {"name": "Tier", "field_format": "list", "possible_values": ["gold", "silver"]}});
    target.admin().post(Format::Json, "/custom_fields", tier).await;
    let out = Command::new(BIN)
        .args(["import", file.path().to_str().unwrap(), "--project", "crm", "--database-url", &target.db_url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("imported 3 contacts"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let reimported = export(&target).await;
    assert_eq!(without_ids(&reimported), without_ids(&exported), "every field, tag, value and time comes back");
    let res: Res = target.admin().get(Format::Json, "/contacts?search=zoe").await;
    assert_eq!(res.list("contacts")[0]["tag_list"], json!(["lead", "vip"]));
}

#[actix_web::test]
async fn bad_rows_are_reported_by_line_and_all_or_nothing_writes_nothing() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let csv = "first_name,last_name,emails,country_code,birthday\nAda,Lovelace,ada@example.com,GB,1815-12-10\n,Nameless,,,\nBad,Country,,XX,\nGrace,Hopper,not-an-email,,\nLinus,Torvalds,,FI,1969-12-28\n";
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), csv).unwrap();
    let path = file.path().to_str().unwrap();
    let out = Command::new(BIN)
        .args(["import", path, "--project", "crm", "--all-or-nothing", "--database-url", &app.db_url()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3: First name cannot be blank"), "{stderr}");
    assert!(stderr.contains("line 4: Country is not included in the list"), "{stderr}");
    assert!(stderr.contains("line 5: Email is invalid"), "{stderr}");
    assert_eq!(app.admin().get(Format::Json, "/contacts").await.meta("total_count"), Some(0));

    let out =
        Command::new(BIN).args(["import", path, "--project", "crm", "--database-url", &app.db_url()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("imported 2 contacts"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3:"));
    let names: Vec<String> = app
        .admin()
        .get(Format::Json, "/contacts?sort=first_name")
        .await
        .list("contacts")
        .iter()
        .map(|c| c["first_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Ada", "Linus"]);
    let missing = Command::new(BIN)
        .args(["import", path, "--project", "nope", "--database-url", &app.db_url()])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("Project is invalid"));
}

#[actix_web::test]
async fn an_import_of_several_batches_writes_every_row_once() {
    // More rows than one batch (5,000), so on PostgreSQL two writers share the work.
    const ROWS: usize = 12_001;
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let member = app.member("mem", "crm", "Reporter").await;
    let admin = app.admin();
    let tier = json!({"custom_field": {"name": "Tier", "field_format": "list", "possible_values": ["gold", "silver"]}});
    admin.post(Format::Json, "/custom_fields", tier).await;
    let mut csv = String::from("first_name,tag_list,visibility,assigned_to_id,Tier\n");
    for i in 0..ROWS {
        let tier = if i % 2 == 0 { "gold" } else { "silver" };
        let assignee = if i % 5 == 0 { member.id.to_string() } else { String::new() };
        csv.push_str(&format!("Row{i},\"common, tag{}\",{},{assignee},{tier}\n", i % 7, i % 3));
    }
    app.import_csv(&csv, "crm");

    let total = |res: Res| res.meta("total_count").unwrap();
    assert_eq!(total(admin.get(Format::Json, "/contacts?limit=1").await), ROWS as i64);
    // The running tallies the writers moved agree with a count of the rows.
    for reader in [&admin, &member] {
        let tallied = total(reader.get(Format::Json, "/contacts?limit=1").await);
        let counted = total(reader.get(Format::Json, "/contacts?limit=1&updated_since=2000-01-01").await);
        assert_eq!(tallied, counted, "user {}", reader.id);
    }
    // Public and project contacts, and the private ones assigned to the member.
    let private_assigned = (0..ROWS).filter(|i| i % 3 == 2 && i % 5 == 0).count();
    let member_sees = (0..ROWS).filter(|i| i % 3 != 2).count() + private_assigned;
    assert_eq!(total(member.get(Format::Json, "/contacts?limit=1").await), member_sees as i64);
    // Each tag was made once, whichever batch met it first, and links every row naming it.
    assert_eq!(admin.get(Format::Json, "/contacts_tags").await.list("tags").len(), 8);
    assert_eq!(total(admin.get(Format::Json, "/contacts?tags=common&limit=1").await), ROWS as i64);
    let tag3 = (0..ROWS).filter(|i| i % 7 == 3).count();
    assert_eq!(total(admin.get(Format::Json, "/contacts?tags=tag3&limit=1").await), tag3 as i64);
    // The last batch's rows are in the search index, with their own custom values.
    let last = admin.get(Format::Json, &format!("/contacts?search=Row{}", ROWS - 1)).await;
    assert_eq!(last.list("contacts").len(), 1, "{}", last.text);
    let id = last.list("contacts")[0]["id"].as_i64().unwrap();
    let shown = admin.get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(shown.list("contact.custom_fields")[0]["value"], json!("gold"));
    assert_eq!(shown.list("contact.tag_list"), vec![json!("common"), json!(format!("tag{}", (ROWS - 1) % 7))]);
}

#[actix_web::test]
async fn an_import_with_a_single_database_connection_writes_on_it() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let mut csv = String::from("first_name,tag_list\n");
    for i in 0..5_001 {
        csv.push_str(&format!("One{i},solo\n"));
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), csv).unwrap();
    let out = Command::new(BIN)
        .args(["import", file.path().to_str().unwrap(), "--project", "crm", "--database-url", &app.db_url()])
        .args(["--db-pool-size", "1", "--db-timeout-secs", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 5001 contacts"));
    let res = app.admin().get(Format::Json, "/contacts?tags=solo&limit=1").await;
    assert_eq!(res.meta("total_count"), Some(5_001));
}

/// An import folds tag names as the tags' unique index does (ASCII letters only), so it makes
/// the same tags the API makes from the same names.
#[actix_web::test]
async fn an_import_tells_tags_apart_as_the_api_does() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.import_csv("first_name,tag_list\nA,Éclair\nB,éclair\nC,ÉCLAIR\n", "crm");
    let admin = app.admin();
    admin.create_contact("crm", json!({"first_name": "D", "tag_list": "éCLAIR"})).await;
    let tags = admin.get(Format::Json, "/contacts_tags").await;
    let counts: Vec<(String, i64)> = tags
        .list("tags")
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_string(), t["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts, [("Éclair".to_string(), 2), ("éclair".to_string(), 2)], "{}", tags.text);
}
