//! Exports: `GET /contacts.csv`, `GET /contacts.vcf` and `GET /contacts/:id.vcf`.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::{Actor, TestApp};

/// A raw GET with the actor's credentials: (status, content type, body).
async fn download(actor: &Actor<'_>, path: &str) -> (u16, String, String) {
    let res = actor.raw(reqwest::Method::GET, Format::Html, path, "text/plain", Vec::new()).await;
    (res.status, res.header("content-type").unwrap_or_default(), res.text)
}

/// The CSV body as rows of cells, the header first.
fn rows(csv_text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text.as_bytes());
    reader.records().map(|r| r.expect("a well-formed CSV row").iter().map(str::to_string).collect()).collect()
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[actix_web::test]
async fn csv_export_holds_every_field_of_the_visible_contacts_with_filters_applied() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("hidden", false).await;
    // export_contacts without view_private_contacts: a Reporter who may export.
    app.role("Exporter", "view_contacts,export_contacts");
    let member = app.member("mia", "crm", "Exporter").await;
    let admin = app.admin();
    let field = admin
        .post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Tier", "field_format": "string"}}))
        .await
        .int("custom_field.id");
    let ada = admin
        .create_contact(
            "crm",
            json!({"first_name": "Zoë", "last_name": "O'Brien", "company": "Acme, Inc.", "phone": "+1 555 0100, 020 7946", "email": "zoe@example.com", "background": "Line one\nSaid \"hi\"", "birthday": "1980-02-29", "tag_list": "vip,lead", "address_attributes": {"street1": "1 Main St", "city": "Oslo", "country_code": "NO"}, "custom_fields": [{"id": field, "value": "gold"}]}),
        )
        .await;
    let formula = admin.create_contact("crm", json!({"first_name": "=HYPERLINK(\"x\")", "tag_list": "lead"})).await;
    admin.create_contact("crm", json!({"first_name": "Private", "visibility": 2})).await;
    admin.create_contact("hidden", json!({"first_name": "Elsewhere"})).await;

    let url = app.url("/contacts.csv");
    let (status, content_type, body) = download(&member, "/contacts.csv").await;
    assert_eq!(status, 200, "{url}: {body}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let table = rows(&body);
    let header = &table[0];
    assert_eq!(&header[..4], ["id", "first_name", "middle_name", "last_name"]);
    assert_eq!(header.last().unwrap(), "Tier", "one column per custom field");
    assert_eq!(table.len(), 3, "the header and the two contacts the member can see: {body}");
    let row = table.iter().find(|r| r[0] == ada.to_string()).expect("Zoë is exported");
    let cell = |name: &str| row[column(header, name)].clone();
    assert_eq!(cell("first_name"), "Zoë");
    assert_eq!(cell("last_name"), "O'Brien");
    assert_eq!(cell("company"), "Acme, Inc.");
    assert_eq!(cell("phones"), "+1 555 0100, 020 7946", "a phone's plus sign is kept");
    assert_eq!(cell("emails"), "zoe@example.com");
    assert_eq!(cell("background"), "Line one\nSaid \"hi\"");
    assert_eq!(cell("birthday"), "1980-02-29");
    assert_eq!(cell("tag_list"), "lead, vip");
    assert_eq!(cell("city"), "Oslo");
    assert_eq!(cell("country_code"), "NO");
    assert_eq!(cell("projects"), "crm");
    assert_eq!(cell("Tier"), "gold");
    let formula_row = table.iter().find(|r| r[0] == formula.to_string()).unwrap();
    assert_eq!(formula_row[1], "'=HYPERLINK(\"x\")", "a formula is defused");

    // The list's filters apply, and the project route limits to its project.
    let (_, _, body) = download(&member, "/contacts.csv?tags=vip").await;
    assert_eq!(rows(&body).len(), 2);
    let (_, _, body) = download(&admin, "/projects/hidden/contacts.csv").await;
    assert_eq!(rows(&body)[1][1], "Elsewhere");
    assert_eq!(download(&member, "/projects/hidden/contacts.csv").await.0, 403);
    assert_eq!(download(&app.anonymous(), "/contacts.csv").await.0, 401);
    assert_eq!(download(&member, "/contacts.csv?assigned_to_id=x").await.0, 422);
}

#[actix_web::test]
async fn a_long_csv_export_is_streamed_in_batches_without_losing_a_row() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for n in 0..520 {
        ids.push(admin.create_contact("crm", json!({"first_name": format!("Person {n}")})).await);
    }
    let (status, _, body) = download(&admin, "/contacts.csv").await;
    assert_eq!(status, 200);
    let exported: Vec<i64> = rows(&body)[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(exported, ids, "every contact once, in id order, across batches of 500");
}

#[actix_web::test]
async fn vcards_for_one_contact_and_for_a_list() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    // export_contacts without view_private_contacts: a Reporter who may export.
    app.role("Exporter", "view_contacts,export_contacts");
    let member = app.member("mia", "crm", "Exporter").await;
    let admin = app.admin();
    let ada = admin
        .create_contact(
            "crm",
            json!({"first_name": "Ada", "last_name": "Lovelace", "company": "Engines; Ltd", "job_title": "Countess", "phone": "+44 20 7946 0000", "email": "ada@example.com", "birthday": "1815-12-10", "background": "A very long background that certainly needs folding because it is longer than seventy-five octets, ünïcödé included.", "address_attributes": {"street1": "12 Street", "city": "London", "postcode": "W1", "country_code": "GB"}, "tag_list": "math"}),
        )
        .await;
    let acme = admin.create_contact("crm", json!({"first_name": "Acme", "is_company": true})).await;
    let private = admin.create_contact("crm", json!({"first_name": "Hidden", "visibility": 2})).await;

    let (status, content_type, card) = download(&member, &format!("/contacts/{ada}.vcf")).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(content_type, "text/vcard; charset=utf-8");
    assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\n"), "{card}");
    assert!(card.ends_with("END:VCARD\r\n"));
    for line in card.split("\r\n") {
        assert!(line.len() <= 75, "a line longer than 75 octets: {line:?}");
    }
    let unfolded = card.replace("\r\n ", "");
    for expected in [
        "N:Lovelace;Ada;;;",
        "FN:Ada Lovelace",
        "ORG:Engines\\; Ltd",
        "TITLE:Countess",
        "TEL;TYPE=WORK,VOICE:+44 20 7946 0000",
        "EMAIL;TYPE=INTERNET:ada@example.com",
        "ADR;TYPE=WORK:;;12 Street;London;;W1;United Kingdom",
        "BDAY:1815-12-10",
        "CATEGORIES:math",
        "NOTE:A very long background that certainly needs folding because it is longer than seventy-five octets\\, ünïcödé included.",
    ] {
        assert!(unfolded.contains(&format!("{expected}\r\n")), "missing {expected:?} in {unfolded}");
    }
    let (_, _, company) = download(&member, &format!("/contacts/{acme}.vcf")).await;
    assert!(company.contains("FN:Acme\r\nORG:Acme\r\n"), "{company}");
    assert_eq!(download(&member, &format!("/contacts/{private}.vcf")).await.0, 403);
    assert_eq!(download(&member, "/contacts/9999.vcf").await.0, 404);

    let (status, content_type, cards) = download(&member, "/contacts.vcf").await;
    assert_eq!((status, content_type.as_str()), (200, "text/vcard; charset=utf-8"));
    assert_eq!(cards.matches("BEGIN:VCARD").count(), 2, "the two contacts the member can see");
    assert_eq!(cards.matches("END:VCARD\r\n").count(), 2);
    let (_, _, one) = download(&member, "/contacts.vcf?is_company=1").await;
    assert_eq!(one.matches("BEGIN:VCARD").count(), 1);
}
