//! `cargo bench`: the two renderers on a list page of 25 contacts, and the request-body parsers
//! on a contact as each client sends it (JSON, Rails XML, form fields).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use contacts_server::format::params::{parse_form, parse_json, parse_xml, ParseLimits};
use contacts_server::format::{json, xml, Document, Element, List, Node};

/// A contacts list page shaped as the index view builds it.
fn page() -> Document {
    let items = (1..=25).map(|i| {
        let mut address = Element::new();
        address
            .value("full_address", "12 Street, London, W1, United Kingdom")
            .value("street", "12 Street")
            .value("city", "London")
            .value("region", None::<&str>)
            .value("country", "United Kingdom")
            .value("country_code", "GB")
            .value("postcode", "W1");
        let mut e = Element::new();
        e.value("id", i)
            .value("is_company", false)
            .value("first_name", "Ada")
            .value("last_name", "Lovelace & <Byron>")
            .value("middle_name", None::<&str>)
            .value("company", "Analytical Engines")
            .value("website", None::<&str>)
            .value("skype_name", None::<&str>)
            .value("birthday", chrono::NaiveDate::from_ymd_opt(1815, 12, 10))
            .value("job_title", "Countess")
            .value("background", "Mathematician and writer, known for her work on the Analytical Engine.")
            .reference("author", 1, "Redmine Admin")
            .value("visibility", 0)
            .child("address", address)
            .child(
                "phones",
                List::new("phone", [Node::from(Element::new().value("number", "+44 20 7946 0000").clone())]),
            )
            .child(
                "emails",
                List::new("email", [Node::from(Element::new().value("address", "ada@example.com").clone())]),
            )
            .child("tag_list", Node::JoinedText(vec!["math".into(), "vip".into()]))
            .value("created_on", chrono::NaiveDate::from_ymd_opt(2024, 1, 1).and_then(|d| d.and_hms_opt(12, 0, 0)))
            .value("updated_on", chrono::NaiveDate::from_ymd_opt(2024, 1, 2).and_then(|d| d.and_hms_opt(8, 0, 0)));
        Node::from(e)
    });
    let list = List::new("contact", items).meta("total_count", 1_000_000i64).meta("offset", 0i64).meta("limit", 25i64);
    Document::new("contacts", list)
}

const JSON_BODY: &str = r#"{"contact": {"first_name": "Ada", "last_name": "Lovelace", "company": "Engines", "phone": "+44 20 7946 0000,+44 20 7946 0001", "email": "ada@example.com", "tag_list": "vip,math", "birthday": "1815-12-10", "visibility": 0, "custom_fields": [{"id": 1, "value": "gold"}], "address_attributes": {"street1": "12 Street", "city": "London", "postcode": "W1", "country_code": "GB"}}}"#;
const XML_BODY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><contact><first_name>Ada</first_name><last_name>Lovelace</last_name><company>Engines</company><phone>+44 20 7946 0000,+44 20 7946 0001</phone><email>ada@example.com</email><tag_list>vip,math</tag_list><birthday>1815-12-10</birthday><visibility>0</visibility><custom_fields type="array"><custom_field id="1"><value>gold</value></custom_field></custom_fields><address_attributes><street1>12 Street</street1><city>London</city><postcode>W1</postcode><country_code>GB</country_code></address_attributes></contact>"#;
const FORM_BODY: &str = "key=0123456789abcdef&project_id=crm&contact%5Bfirst_name%5D=Ada&contact%5Blast_name%5D=Lovelace&contact%5Bcompany%5D=Engines&contact%5Bphone%5D=%2B44+20+7946+0000&contact%5Bemail%5D=ada%40example.com&contact%5Btag_list%5D=vip%2Cmath&contact%5Bcustom_fields%5D%5B%5D%5Bid%5D=1&contact%5Bcustom_fields%5D%5B%5D%5Bvalue%5D=gold";

fn renderers(c: &mut Criterion) {
    let doc = page();
    c.bench_function("render 25 contacts as JSON", |b| b.iter(|| json::render(black_box(&doc))));
    c.bench_function("render 25 contacts as XML", |b| b.iter(|| xml::render(black_box(&doc))));
}

fn parsers(c: &mut Criterion) {
    let limits = ParseLimits::default();
    c.bench_function("parse a JSON contact", |b| b.iter(|| parse_json(black_box(JSON_BODY.as_bytes()), limits)));
    c.bench_function("parse an XML contact", |b| b.iter(|| parse_xml(black_box(XML_BODY.as_bytes()), limits)));
    c.bench_function("parse a form contact", |b| b.iter(|| parse_form(black_box(FORM_BODY.as_bytes()), limits)));
}

criterion_group!(benches, renderers, parsers);
criterion_main!(benches);
