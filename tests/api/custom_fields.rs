//! Custom fields: definitions (API and CLI), values on contacts and deals in both formats,
//! validation by format, search and `cf_<id>` filters.

use contacts_server::format::Format;
use serde_json::{json, Value};

use crate::support::{Actor, TestApp};

async fn define(admin: &Actor<'_>, field: Value) -> i64 {
    let res = admin.post(Format::Json, "/custom_fields", json!({ "custom_field": field })).await;
    assert_eq!(res.status, 201, "defining a field: {}", res.text);
    res.int("custom_field.id")
}

/// The contact's value of field `id` as the response shows it.
fn value_of(contact: &Value, id: i64) -> Value {
    let fields = contact["custom_fields"].as_array().cloned().unwrap_or_default();
    let field = fields.iter().find(|f| f["id"].to_string().trim_matches('"') == id.to_string());
    field.map(|f| f["value"].clone()).unwrap_or(Value::Null)
}

#[actix_web::test]
async fn admins_define_fields_in_both_formats_and_others_cannot() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let member = app.member("mia", "crm", "Manager").await;
    for format in Format::API {
        let name = format!("Segment {format:?}");
        let body = json!({"custom_field": {"name": name, "field_format": "list", "multiple": true, "possible_values": [{"value": "smb"}, {"value": "eu"}], "customized_type": "contact"}});
        let res = app.admin().post(format, "/custom_fields", body.clone()).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("custom_field.id");
        assert_eq!(res.str("custom_field.field_format"), "list");
        assert_eq!(res.str("custom_field.multiple"), "true");
        assert_eq!(res.str("custom_field.possible_values.1.value"), "eu");
        assert_eq!(member.post(format, "/custom_fields", body).await.status, 403);
        let list = app.admin().get(format, "/custom_fields").await;
        assert_eq!(list.status, 200);
        let listed = list.list("custom_fields");
        let entry = listed.iter().find(|f| f["name"] == name.as_str()).expect("the new field is listed");
        assert_eq!(entry["customized_type"], "contact");
        assert_eq!(member.get(format, "/custom_fields").await.status, 403);
        let renamed = format!("Market {format:?}");
        let res =
            app.admin().put(format, &format!("/custom_fields/{id}"), json!({"custom_field": {"name": renamed}})).await;
        assert_eq!(res.status, 204, "{}", res.text);
        assert_eq!(app.admin().get(format, &format!("/custom_fields/{id}")).await.str("custom_field.name"), renamed);
        assert_eq!(app.admin().delete(format, &format!("/custom_fields/{id}")).await.status, 204);
        assert_eq!(app.admin().get(format, &format!("/custom_fields/{id}")).await.status, 404);
    }
}

#[actix_web::test]
async fn bad_definitions_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    define(&admin, json!({"name": "License"})).await;
    for (field, message) in [
        (json!({"name": ""}), "Name cannot be blank"),
        (json!({"name": "License"}), "Name has already been taken"),
        (json!({"name": "X", "field_format": "colour"}), "Format is not included in the list"),
        (json!({"name": "X", "field_format": "list"}), "Possible values cannot be blank"),
        (json!({"name": "X", "regexp": "(unclosed"}), "Regular expression is invalid"),
        (json!({"name": "X", "field_format": "int", "default_value": "ten"}), "Default value is not a number"),
        (json!({"name": "X", "customized_type": "issue"}), "Customized type is not included in the list"),
    ] {
        let res = admin.post(Format::Json, "/custom_fields", json!({ "custom_field": field })).await;
        assert_eq!(res.status, 422, "{field}: {}", res.text);
        assert_eq!(res.errors(), vec![message], "{field}");
    }
    assert_eq!(admin.get(Format::Json, "/custom_fields").await.list("custom_fields").len(), 1);
}

#[actix_web::test]
async fn values_round_trip_on_contacts_in_both_formats() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let license = define(&admin, json!({"name": "License", "regexp": "^[A-Z]-\\d+$"})).await;
    let seats = define(&admin, json!({"name": "Seats", "field_format": "int"})).await;
    let segments = define(
        &admin,
        json!({"name": "Segments", "field_format": "list", "multiple": true, "possible_values": ["smb", "eu", "us"]}),
    )
    .await;
    let renewal = define(&admin, json!({"name": "Renewal", "field_format": "date"})).await;
    let active = define(&admin, json!({"name": "Active", "field_format": "bool", "default_value": "1"})).await;
    for format in Format::API {
        let body = json!({"contact": {"project_id": "crm", "first_name": "Ada", "custom_fields": [
            {"id": license, "value": "L-77"},
            {"id": seats, "value": 12},
            {"id": segments, "value": ["smb", "eu"]},
            {"id": renewal, "value": "2030-01-31"}
        ]}});
        let res = admin.post(format, "/contacts", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("contact.id");
        let shown = admin.get(format, &format!("/contacts/{id}")).await;
        let contact = shown.at("contact");
        assert_eq!(value_of(contact, license), "L-77");
        assert_eq!(value_of(contact, seats), "12");
        assert_eq!(value_of(contact, segments), json!(["smb", "eu"]));
        assert_eq!(value_of(contact, renewal), "2030-01-31");
        assert_eq!(value_of(contact, active), "1", "the default fills an unsent field");
        let multiple = contact["custom_fields"].as_array().unwrap().iter().find(|f| f["name"] == "Segments").cloned();
        assert_eq!(multiple.unwrap()["multiple"].to_string().trim_matches('"'), "true");
        if format == Format::Xml {
            // Redmine's shape: id and name as attributes, a multiple field's values in an array.
            shown.assert_xml_at(
                "custom_fields",
                &format!(
                    r#"<custom_fields type="array">
                        <custom_field id="{license}" name="License"><value>L-77</value></custom_field>
                        <custom_field id="{seats}" name="Seats"><value>12</value></custom_field>
                        <custom_field id="{segments}" name="Segments" multiple="true">
                            <value type="array"><value>smb</value><value>eu</value></value>
                        </custom_field>
                        <custom_field id="{renewal}" name="Renewal"><value>2030-01-31</value></custom_field>
                        <custom_field id="{active}" name="Active"><value>1</value></custom_field>
                    </custom_fields>"#
                ),
            );
        }
        // A partial update changes the fields sent and leaves the others.
        let res = admin
            .put(
                format,
                &format!("/contacts/{id}"),
                json!({"contact": {"custom_fields": [{"id": seats, "value": "15"}, {"id": segments, "value": ["us"]}]}}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text);
        let contact = admin.get(format, &format!("/contacts/{id}")).await.at("contact").clone();
        assert_eq!(value_of(&contact, seats), "15");
        assert_eq!(value_of(&contact, segments), json!(["us"]));
        assert_eq!(value_of(&contact, license), "L-77");
        // The list shows them too.
        let listed = admin.get(format, "/contacts?search=ada").await;
        assert_eq!(value_of(&listed.list("contacts")[0], license), "L-77");
    }
}

#[actix_web::test]
async fn redmine_xml_with_id_attributes_and_form_pairs_are_read() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let license = define(&admin, json!({"name": "License"})).await;
    let xml = format!(
        r#"<?xml version="1.0"?><contact><project_id>crm</project_id><first_name>Xml</first_name><custom_fields type="array"><custom_field id="{license}"><value>GPL</value></custom_field></custom_fields></contact>"#
    );
    let res = admin.raw(reqwest::Method::POST, Format::Xml, "/contacts", "application/xml", xml.into_bytes()).await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert!(
        res.text.contains(&format!(r#"<custom_field id="{license}" name="License"><value>GPL</value>"#)),
        "{}",
        res.text
    );
    let form = format!(
        "contact[project_id]=crm&contact[first_name]=Form&contact[custom_fields][][id]={license}&contact[custom_fields][][value]=MIT"
    );
    let res = admin
        .raw(reqwest::Method::POST, Format::Json, "/contacts", "application/x-www-form-urlencoded", form.into_bytes())
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(value_of(res.at("contact"), license), "MIT");
    // `custom_field_values: {"id": value}` is taken too.
    let res = admin
        .post(
            Format::Json,
            "/contacts",
            json!({"contact": {"project_id": "crm", "first_name": "Hash", "custom_field_values": {license.to_string(): "BSD"}}}),
        )
        .await;
    assert_eq!(value_of(res.at("contact"), license), "BSD");
}

#[actix_web::test]
async fn bad_values_are_refused_naming_the_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let seats = define(&admin, json!({"name": "Seats", "field_format": "int"})).await;
    let tier =
        define(&admin, json!({"name": "Tier", "field_format": "list", "possible_values": ["gold", "silver"]})).await;
    let site = define(&admin, json!({"name": "Site", "field_format": "link"})).await;
    let code = define(&admin, json!({"name": "Code", "min_length": 3, "max_length": 5})).await;
    let vat = define(&admin, json!({"name": "VAT", "is_required": true, "default_value": "none"})).await;
    let fields = |id: i64, value: Value| json!({"contact": {"project_id": "crm", "first_name": "Bad", "custom_fields": [{"id": id, "value": value}]}});
    for format in Format::API {
        for (body, message) in [
            (fields(seats, json!("many")), "Seats is not a number"),
            (fields(tier, json!("bronze")), "Tier is not included in the list"),
            (fields(tier, json!(["gold", "silver"])), "Tier is invalid"),
            (fields(site, json!("javascript:alert(1)")), "Site is invalid"),
            (fields(code, json!("ab")), "Code is too short (minimum is 3 characters)"),
            (fields(code, json!("abcdef")), "Code is too long (maximum is 5 characters)"),
            (fields(vat, json!("")), "VAT cannot be blank"),
            (fields(999, json!("x")), "Custom field 999 does not exist"),
        ] {
            let res = admin.post(format, "/contacts", body.clone()).await;
            assert_eq!(res.status, 422, "{body}: {}", res.text);
            assert_eq!(res.errors(), vec![message], "{body}");
        }
        assert_eq!(admin.get(format, "/contacts").await.meta("total_count"), Some(0), "nothing was written");
    }
    // An update with a bad value leaves the contact as it was.
    let id = admin
        .create_contact("crm", json!({"first_name": "Good", "custom_fields": [{"id": seats, "value": "3"}]}))
        .await;
    let res = admin
        .put(
            Format::Json,
            &format!("/contacts/{id}"),
            json!({"contact": {"last_name": "Changed", "custom_fields": [{"id": seats, "value": "x"}]}}),
        )
        .await;
    assert_eq!(res.status, 422);
    let contact = admin.get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(contact.opt("contact.last_name"), None);
    assert_eq!(value_of(contact.at("contact"), seats), "3");
    assert_eq!(value_of(contact.at("contact"), vat), "none");
}

#[actix_web::test]
async fn searchable_values_are_searched_and_cf_filters_apply() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let license = define(&admin, json!({"name": "License", "searchable": true})).await;
    let secret = define(&admin, json!({"name": "Secret"})).await;
    let tier =
        define(&admin, json!({"name": "Tier", "field_format": "list", "possible_values": ["gold", "silver"]})).await;
    let value = |id: i64, v: &str| json!({"id": id, "value": v});
    let a = admin
        .create_contact(
            "crm",
            json!({"first_name": "Alpha", "custom_fields": [value(license, "Apache-2.0"), value(tier, "gold"), value(secret, "hidden-word")]}),
        )
        .await;
    let b = admin
        .create_contact(
            "crm",
            json!({"first_name": "Beta", "custom_fields": [value(license, "MIT"), value(tier, "silver")]}),
        )
        .await;
    for format in Format::API {
        let ids = |res: &crate::support::Res| res.ids("contacts");
        assert_eq!(ids(&admin.get(format, "/contacts?search=apache").await), vec![a]);
        assert_eq!(ids(&admin.get(format, "/contacts?search=hidden-word").await), Vec::<i64>::new(), "not searchable");
        assert_eq!(ids(&admin.get(format, &format!("/contacts?cf_{tier}=silver")).await), vec![b]);
        assert_eq!(ids(&admin.get(format, &format!("/contacts?cf_{license}=~apa")).await), vec![a]);
        let both = admin.get(format, &format!("/contacts?cf_{tier}=gold&search=alpha")).await;
        assert_eq!(both.meta("total_count"), Some(1));
        let unknown = admin.get(format, "/contacts?cf_4242=x").await;
        assert_eq!(unknown.status, 422);
        assert_eq!(unknown.errors(), vec!["Custom field 4242 does not exist"]);
    }
    // Deleting a field deletes its values: the filter is gone and the contact no longer shows it.
    assert_eq!(admin.delete(Format::Json, &format!("/custom_fields/{tier}")).await.status, 204);
    let contact = admin.get(Format::Json, &format!("/contacts/{a}")).await;
    let names: Vec<Value> = contact.list("contact.custom_fields").iter().map(|f| f["name"].clone()).collect();
    assert_eq!(names, vec![json!("License"), json!("Secret")], "{}", contact.text);
    assert_eq!(admin.get(Format::Json, &format!("/contacts?cf_{tier}=gold")).await.status, 422);
}

#[actix_web::test]
async fn deals_carry_their_own_fields() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let source = define(
        &admin,
        json!({"name": "Source", "customized_type": "deal", "field_format": "list", "possible_values": ["web", "fair"]}),
    )
    .await;
    let contact_field = define(&admin, json!({"name": "License"})).await;
    for format in Format::API {
        let res = admin
            .post(
                format,
                "/projects/crm/deals",
                json!({"deal": {"name": "Deal", "custom_fields": [{"id": source, "value": "fair"}]}}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        assert_eq!(value_of(res.at("deal"), source), "fair");
        let names: Vec<Value> = res.list("deal.custom_fields").iter().map(|f| f["name"].clone()).collect();
        assert_eq!(names, vec![json!("Source")], "only the deal's own field: {}", res.text);
        let id = res.int("deal.id");
        let res = admin
            .put(
                format,
                &format!("/deals/{id}"),
                json!({"deal": {"custom_fields": [{"id": source, "value": "radio"}]}}),
            )
            .await;
        assert_eq!(res.status, 422);
        assert_eq!(res.errors(), vec!["Source is not included in the list"]);
        // A contact field is not a deal field.
        let res = admin
            .put(
                format,
                &format!("/deals/{id}"),
                json!({"deal": {"custom_fields": [{"id": contact_field, "value": "x"}]}}),
            )
            .await;
        assert_eq!(res.status, 422);
    }
}

#[test]
fn the_cli_defines_a_field_and_prints_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cf.db").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_contacts-server"))
        .args(["custom-field", "create", "--name", "Tier", "--format", "list", "--value", "gold", "--value", "silver"])
        .args(["--filter", "--database-url", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().last().unwrap(), "1");
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_contacts-server"))
        .args(["custom-field", "create", "--name", "Tier", "--database-url", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("Name has already been taken"));
}

/// A custom value is searched without regard to case whatever its letters, on SQLite as on
/// PostgreSQL (SQLite's lower() folds only ASCII, so "ÉCLAIR" was not found even as typed).
#[actix_web::test]
async fn non_ascii_values_are_searched_regardless_of_case_on_both_backends() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let nick = define(&admin, json!({"name": "Nick", "searchable": true})).await;
    let found = admin
        .create_contact("crm", json!({"first_name": "X", "custom_fields": [{"id": nick, "value": "ÉCLAIR Ünal"}]}))
        .await;
    admin.create_contact("crm", json!({"first_name": "Y", "custom_fields": [{"id": nick, "value": "Eclair"}]})).await;
    for format in Format::API {
        for query in ["search=ÉCLAIR", "search=éclair", &format!("cf_{nick}=~Ünal"), &format!("cf_{nick}=~üNAL")] {
            let res = admin.get(format, &format!("/contacts?{query}")).await;
            assert_eq!(res.ids("contacts"), vec![found], "{query}: {}", res.text);
        }
    }
}
