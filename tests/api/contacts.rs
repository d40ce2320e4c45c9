//! `/contacts`: create, show, update, delete, and the shape of a contact in both formats.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;
use crate::web_forms::PNG;

fn full_contact() -> serde_json::Value {
    json!({
        "first_name": "Ada",
        "last_name": "Lovelace",
        "middle_name": "Augusta",
        "company": "Analytical Engines",
        "is_company": false,
        "job_title": "Countess",
        "website": "https://ada.example",
        "skype_name": "ada.l",
        "birthday": "1815-12-10",
        "background": "Wrote the first program <for> the engine & more",
        "phone": "+1 003 322 43 23, +44 20 7946 0000",
        "email": "ada@example.com,countess@example.org",
        "tag_list": "vip,math",
        "assigned_to_id": 1,
        "visibility": 1,
        "address_attributes": {"street1": "12, Street", "street2": "Floor 2", "city": "London", "region": "Greater London", "postcode": "W1", "country_code": "GB"}
    })
}

#[actix_web::test]
async fn post_project_contacts_creates_every_field_and_answers_201_with_location() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for format in Format::API {
        let res = app.admin().post(format, "/projects/crm/contacts", json!({"contact": full_contact()})).await;
        assert_eq!(res.status, 201, "{format:?}: {}", res.text);
        assert_eq!(res.header("content-type").unwrap(), format.content_type());
        let id = res.int("contact.id");
        assert_eq!(res.header("location").unwrap(), app.url(&format!("/contacts/{id}")));
        let shown = app.admin().get(format, &format!("/contacts/{id}")).await;
        for r in [&res, &shown] {
            assert_eq!(r.str("contact.first_name"), "Ada");
            assert_eq!(r.str("contact.last_name"), "Lovelace");
            assert_eq!(r.str("contact.middle_name"), "Augusta");
            assert_eq!(r.str("contact.company"), "Analytical Engines");
            assert_eq!(r.str("contact.is_company"), "false");
            assert_eq!(r.str("contact.job_title"), "Countess");
            assert_eq!(r.str("contact.website"), "https://ada.example");
            assert_eq!(r.str("contact.skype_name"), "ada.l");
            assert_eq!(r.str("contact.birthday"), "1815-12-10");
            assert_eq!(r.str("contact.background"), "Wrote the first program <for> the engine & more");
            assert_eq!(r.str("contact.phones.0.number"), "+1 003 322 43 23");
            assert_eq!(r.str("contact.phones.1.number"), "+44 20 7946 0000");
            assert_eq!(r.str("contact.emails.0.address"), "ada@example.com");
            assert_eq!(r.str("contact.emails.1.address"), "countess@example.org");
            assert_eq!(r.str("contact.author.id"), "1");
            assert_eq!(r.str("contact.author.name"), "Redmine Admin");
            assert_eq!(r.str("contact.assigned_to.name"), "Redmine Admin");
            assert_eq!(r.str("contact.visibility"), "1");
            assert_eq!(r.str("contact.address.street"), "12, Street");
            assert_eq!(r.str("contact.address.city"), "London");
            assert_eq!(r.str("contact.address.region"), "Greater London");
            assert_eq!(r.str("contact.address.postcode"), "W1");
            assert_eq!(r.str("contact.address.country_code"), "GB");
            assert_eq!(r.str("contact.address.country"), "United Kingdom");
            assert_eq!(
                r.str("contact.address.full_address"),
                "12, Street, Floor 2, London, W1, Greater London, United Kingdom"
            );
            assert_eq!(r.str("contact.projects.0.name"), "CRM");
            let created = r.str("contact.created_on");
            assert!(chrono::NaiveDateTime::parse_from_str(&created, "%Y-%m-%dT%H:%M:%SZ").is_ok(), "{created}");
        }
        match format {
            Format::Json => assert_eq!(shown.at("contact.tag_list"), &json!(["math", "vip"])),
            _ => assert_eq!(shown.str("contact.tag_list"), "math, vip"),
        }
    }
}

#[actix_web::test]
async fn post_contacts_takes_the_project_from_the_body_in_json_xml_and_forms() {
    let app = TestApp::spawn().await;
    let project_id = app.project("crm", false).await;
    for format in Format::API {
        let res = app
            .admin()
            .post(format, "/contacts", json!({"contact": {"first_name": "Body", "project_id": "crm"}}))
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        assert_eq!(res.int("contact.projects.0.id"), project_id);
        if format == Format::Json {
            let res = app
                .admin()
                .post(format, "/contacts", json!({"project_id": project_id, "contact": {"first_name": "Top"}}))
                .await;
            assert_eq!(res.status, 201, "a top-level project_id: {}", res.text);
        }
        let form = "contact[first_name]=Form&contact[project_id]=crm&contact[tag_list]=a,b&contact[address_attributes][city]=Paris";
        let res = app
            .admin()
            .raw(reqwest::Method::POST, format, "/contacts", "application/x-www-form-urlencoded", form.into())
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        assert_eq!(res.str("contact.first_name"), "Form");
        assert_eq!(res.str("contact.address.city"), "Paris");
    }
}

#[actix_web::test]
async fn put_contact_changes_only_the_fields_sent_and_answers_204() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for format in Format::API {
        let id = app.admin().create_contact("crm", full_contact()).await;
        let res = app
            .admin()
            .put(
                format,
                &format!("/contacts/{id}"),
                json!({"contact": {"job_title": "CTO", "address_attributes": {"city": "Berlin"}}}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text);
        assert!(res.text.is_empty());
        let shown = app.admin().get(format, &format!("/contacts/{id}")).await;
        assert_eq!(shown.str("contact.job_title"), "CTO");
        assert_eq!(shown.str("contact.address.city"), "Berlin");
        assert_eq!(shown.str("contact.address.street"), "12, Street");
        assert_eq!(shown.str("contact.first_name"), "Ada");
        assert_eq!(shown.str("contact.birthday"), "1815-12-10");
        assert_eq!(shown.str("contact.phones.0.number"), "+1 003 322 43 23");
        assert_eq!(shown.list("contact.emails").len(), 2);
        // Clearing: an empty value empties the field; tags are replaced whole.
        let res = app
            .admin()
            .put(
                format,
                &format!("/contacts/{id}"),
                json!({"contact": {"middle_name": "", "tag_list": "solo", "phone": ""}}),
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.text);
        let shown = app.admin().get(format, &format!("/contacts/{id}")).await;
        assert_eq!(shown.opt("contact.middle_name"), None);
        assert!(shown.at("contact.phones").is_null(), "phones are omitted when empty: {}", shown.text);
        match format {
            Format::Json => assert_eq!(shown.at("contact.tag_list"), &json!(["solo"])),
            _ => assert_eq!(shown.str("contact.tag_list"), "solo"),
        }
    }
}

#[actix_web::test]
async fn delete_contact_answers_204_and_the_contact_is_gone() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for format in Format::API {
        let id = app.admin().create_contact("crm", json!({"first_name": "Gone", "tag_list": "x"})).await;
        let res = app.admin().delete(format, &format!("/contacts/{id}")).await;
        assert_eq!(res.status, 204);
        assert!(res.text.is_empty());
        assert_eq!(app.admin().get(format, &format!("/contacts/{id}")).await.status, 404);
        assert_eq!(app.admin().delete(format, &format!("/contacts/{id}")).await.status, 404);
    }
}

#[actix_web::test]
async fn renaming_a_company_keeps_its_employees_linked() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let company = app.admin().create_contact("crm", json!({"first_name": "Acme", "is_company": true})).await;
    let person = app.admin().create_contact("crm", json!({"first_name": "Wile", "company": "Acme"})).await;
    let res = app
        .admin()
        .put(Format::Json, &format!("/contacts/{company}"), json!({"contact": {"first_name": "Acme Corp"}}))
        .await;
    assert_eq!(res.status, 204);
    let shown = app.admin().get(Format::Json, &format!("/contacts/{person}")).await;
    assert_eq!(shown.str("contact.company"), "Acme Corp");
}

#[actix_web::test]
async fn post_contact_without_first_name_answers_422_in_the_request_format() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for format in Format::API {
        let res = app
            .admin()
            .post(format, "/projects/crm/contacts", json!({"contact": {"first_name": "", "last_name": "X"}}))
            .await;
        assert_eq!(res.status, 422, "{}", res.text);
        assert_eq!(res.header("content-type").unwrap(), format.content_type());
        assert_eq!(res.errors(), vec!["First name cannot be blank"]);
    }
    let xml = app.admin().post(Format::Xml, "/projects/crm/contacts", json!({"contact": {"last_name": "X"}})).await;
    assert_eq!(
        xml.text,
        r#"<?xml version="1.0" encoding="UTF-8"?><errors type="array"><error>First name cannot be blank</error></errors>"#
    );
    let listed = app.admin().get(Format::Json, "/contacts").await;
    assert_eq!(listed.meta("total_count"), Some(0), "nothing was written");
}

#[actix_web::test]
async fn post_contact_with_wrong_types_names_each_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for format in Format::API {
        let body = json!({"contact": {"first_name": "T", "birthday": "tomorrow", "assigned_to_id": "x", "visibility": 7, "project_id": "nope", "email": "not-an-email", "is_company": "maybe"}});
        let res = app.admin().post(format, "/contacts", body).await;
        assert_eq!(res.status, 422, "{}", res.text);
        assert_eq!(
            res.errors(),
            vec![
                "Visibility is not included in the list",
                "Is company is invalid",
                "Birthday is not a valid date",
                "Assigned to is invalid",
                "Email is invalid",
                "Project is invalid",
            ]
        );
        let res =
            app.admin().post(format, "/contacts", json!({"contact": {"first_name": "T", "assigned_to_id": 999}})).await;
        assert_eq!(res.errors(), vec!["Project cannot be blank", "Assigned to is invalid"]);
        let res = app.admin().put(format, "/contacts/1", json!({"contact": {"birthday": "1990-02-31"}})).await;
        assert!(res.status == 404 || res.status == 422);
    }
    let listed = app.admin().get(Format::Json, "/contacts").await;
    assert_eq!(listed.meta("total_count"), Some(0));
}

#[actix_web::test]
async fn contact_json_and_xml_have_redmines_shape_and_order() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let id = app
        .admin()
        .create_contact("crm", json!({"first_name": "Domoway", "is_company": true, "website": "domoway.ru", "email": "d@mail.ru", "tag_list": "main, test", "address_attributes": {"street1": "Yakimanka, 2", "city": "Moscow", "postcode": "103234", "country_code": "RU"}}))
        .await;
    let xml = app.admin().get(Format::Xml, &format!("/contacts/{id}")).await;
    let created = xml.str("contact.created_on");
    let masked = xml.text.replace(&created, "T");
    assert_eq!(
        masked,
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><contact><id>{id}</id><is_company>true</is_company>"#,
                r#"<first_name>Domoway</first_name><last_name/><middle_name/><company/><website>domoway.ru</website>"#,
                r#"<skype_name/><birthday/><job_title/><background/><author id="1" name="Redmine Admin"/><visibility>0</visibility>"#,
                r#"<address><full_address>Yakimanka, 2, Moscow, 103234, Russia</full_address><street>Yakimanka, 2</street>"#,
                r#"<city>Moscow</city><region/><country>Russia</country><country_code>RU</country_code><postcode>103234</postcode></address>"#,
                r#"<emails type="array"><email><address>d@mail.ru</address></email></emails><tag_list>main, test</tag_list>"#,
                r#"<created_on>T</created_on><updated_on>T</updated_on><projects type="array"><project id="1" name="CRM"/></projects></contact>"#
            ),
            id = id
        )
    );
    let json = app.admin().get(Format::Json, &format!("/contacts/{id}")).await;
    let masked = json.text.replace(&created, "T");
    assert_eq!(
        masked,
        format!(
            concat!(
                r#"{{"contact":{{"id":{id},"is_company":true,"first_name":"Domoway","last_name":null,"middle_name":null,"company":null,"#,
                r#""website":"domoway.ru","skype_name":null,"birthday":null,"job_title":null,"background":null,"#,
                r#""author":{{"id":1,"name":"Redmine Admin"}},"visibility":0,"address":{{"full_address":"Yakimanka, 2, Moscow, 103234, Russia","#,
                r#""street":"Yakimanka, 2","city":"Moscow","region":null,"country":"Russia","country_code":"RU","postcode":"103234"}},"#,
                r#""emails":[{{"address":"d@mail.ru"}}],"tag_list":["main","test"],"created_on":"T","updated_on":"T","#,
                r#""projects":[{{"id":1,"name":"CRM"}}]}}}}"#
            ),
            id = id
        )
    );
}

#[actix_web::test]
async fn a_contact_without_address_renders_nulls_and_no_country_code() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let id = app.admin().create_contact("crm", json!({"first_name": "Plain"})).await;
    let json = app.admin().get(Format::Json, &format!("/contacts/{id}")).await;
    assert_eq!(
        json.at("contact.address"),
        &json!({"full_address": null, "street": null, "city": null, "region": null, "country": null, "postcode": null})
    );
    assert!(json.at("contact.emails").is_null());
    assert_eq!(json.at("contact.tag_list"), &json!([]));
    let xml = app.admin().get(Format::Xml, &format!("/contacts/{id}")).await;
    assert!(xml.text.contains("<tag_list></tag_list>"), "{}", xml.text);
}

#[actix_web::test]
async fn deleting_a_contact_takes_its_notes_tags_values_and_links_with_it() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("sales", false).await;
    let admin = app.admin();
    let field = admin
        .post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Tier", "field_format": "string"}}))
        .await
        .int("custom_field.id");
    let keep = admin.create_contact("crm", json!({"first_name": "Keep", "tag_list": "shared"})).await;
    let id = admin
        .create_contact("crm", json!({"first_name": "Gone", "tag_list": "shared,only-gone", "custom_fields": [{"id": field, "value": "gold"}]}))
        .await;
    admin.post(Format::Json, &format!("/contacts/{id}/projects"), json!({"project": {"id": "sales"}})).await;
    let note = admin
        .post(Format::Json, &format!("/contacts/{id}/notes"), json!({"note": {"content": "hello"}}))
        .await
        .int("note.id");
    admin.post(Format::Json, &format!("/contacts/{id}/issues"), json!({"issue": {"subject": "Linked"}})).await;
    let counts = || {
        let db = contacts_server::db::Db::open(&contacts_server::config::Config::for_database(&app.db_url()).db)
            .expect("the test database opens");
        let rows = db.run_blocking(|c| Ok(contacts_server::store::copy::table_counts(c)?)).unwrap();
        move |table: &str| rows.iter().find(|(t, _)| *t == table).map(|(_, n)| *n).unwrap()
    };
    let before = counts();
    assert_eq!((before("notes"), before("custom_values"), before("contacts_projects")), (1, 1, 3));
    assert_eq!((before("taggings"), before("contacts_issues")), (3, 1));

    assert_eq!(admin.delete(Format::Xml, &format!("/contacts/{id}")).await.status, 204);
    let after = counts();
    assert_eq!((after("notes"), after("custom_values"), after("contacts_projects")), (0, 0, 1));
    assert_eq!((after("taggings"), after("contacts_issues"), after("issues")), (1, 0, 1));
    assert_eq!(admin.get(Format::Json, &format!("/notes/{note}")).await.status, 404);
    let tags = admin.get(Format::Json, "/contacts_tags").await;
    let names: Vec<String> = tags.list("tags").iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["shared"], "no contact carries only-gone any more");
    assert_eq!(admin.get(Format::Json, &format!("/contacts/{keep}")).await.status, 200);
}

#[actix_web::test]
async fn concurrent_creates_all_land_without_a_locked_database_error() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    // Each create reads (project, tags) before it writes: on SQLite a deferred transaction
    // would fail with "database is locked" once another create commits in between.
    let creates = (0..40).map(|i| {
        admin.post(
            Format::Json,
            "/projects/crm/contacts",
            json!({"contact": {"first_name": format!("C{i}"), "tag_list": format!("shared, own{i}")}}),
        )
    });
    for res in futures_util::future::join_all(creates).await {
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let listed = admin.get(Format::Json, "/contacts?tags=shared&limit=1").await;
    assert_eq!(listed.meta("total_count"), Some(40));
}

/// The 201 body is built from what the create wrote rather than read back, so it must be, byte
/// for byte, the body a show of the contact gives: tags under their stored names and in shown
/// order, custom values (sent, trimmed and defaulted), the assignee, the avatar; through the
/// API as a member and through a web form.
#[actix_web::test]
async fn a_create_answers_with_the_body_a_show_gives() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let member = app.member("maker", "crm", "Manager").await;
    let mut fields = Vec::new();
    for field in [
        json!({"name": "Seats", "field_format": "int"}),
        json!({"name": "Segments", "field_format": "list", "multiple": true, "possible_values": ["smb", "eu", "us"]}),
        json!({"name": "Active", "field_format": "bool", "default_value": "1"}),
    ] {
        let res = admin.post(Format::Json, "/custom_fields", json!({"custom_field": field})).await;
        assert_eq!(res.status, 201, "{}", res.text);
        fields.push(res.int("custom_field.id"));
    }
    // Tags that exist already, under other cases.
    admin.create_contact("crm", json!({"first_name": "Earlier", "tag_list": "VIP,Zeta"})).await;
    for format in Format::API {
        let upload = member
            .raw(
                reqwest::Method::POST,
                Format::Json,
                "/uploads?filename=face.png",
                "application/octet-stream",
                PNG.to_vec(),
            )
            .await;
        assert_eq!(upload.status, 201, "{}", upload.text);
        let contact = json!({
            "first_name": "Ada", "last_name": "Lovelace", "company": "Engines", "phone": "+1 555 0100, +44 20 7946 0000",
            "email": "ada@example.com", "tag_list": "zeta, vip, été, alpha, Alpha, Éclair", "assigned_to_id": 1,
            "address_attributes": {"city": "London", "country_code": "GB"},
            "custom_fields": [{"id": fields[0], "value": " 12 "}, {"id": fields[1], "value": ["us", "smb"]}],
            "avatar": {"token": upload.str("upload.token")}
        });
        let created = member.post(format, "/projects/crm/contacts", json!({ "contact": contact })).await;
        assert_eq!(created.status, 201, "{format:?} {}", created.text);
        let shown = member.get(format, &format!("/contacts/{}", created.int("contact.id"))).await;
        assert_eq!(created.text, shown.text, "{format:?}");
        // What both show, so that two empty answers cannot pass.
        assert_eq!(shown.str("contact.assigned_to.name"), "Redmine Admin");
        assert_eq!(shown.str("contact.author.name"), "maker Tester");
        assert!(
            shown.text.contains("VIP") && shown.text.contains("Zeta") && !shown.text.contains("vip"),
            "{}",
            shown.text
        );
        assert_eq!(shown.int("contact.avatar.attachment_id"), upload.int("upload.id"), "{}", shown.text);
        if format == Format::Xml {
            // The avatar's id is an attribute; the tags are one text; the address's country
            // code follows its country name.
            let avatar = upload.int("upload.id");
            shown.assert_xml_at("avatar", &format!(r#"<avatar attachment_id="{avatar}"/>"#));
            shown.assert_xml_at("tag_list", "<tag_list>alpha, VIP, Zeta, Éclair, été</tag_list>");
            shown.assert_xml_at(
                "address",
                "<address><full_address>London, United Kingdom</full_address><street/><city>London</city>\
                 <region/><country>United Kingdom</country><country_code>GB</country_code><postcode/></address>",
            );
        }
    }
    let form = admin
        .post(
            Format::Json,
            "/projects/crm/web_forms",
            json!({"web_form": {"name": "Site", "default_tags": "website", "default_assignee_id": member.id}}),
        )
        .await;
    assert_eq!(form.status, 201, "{}", form.text);
    let post = format!("key={}&contact[first_name]=Visitor&contact[tag_list]=hot", form.str("web_form.key"));
    let created = app
        .anonymous()
        .raw(reqwest::Method::POST, Format::Json, "/contacts", "application/x-www-form-urlencoded", post.into_bytes())
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let shown = admin.get(Format::Json, &format!("/contacts/{}", created.int("contact.id"))).await;
    assert_eq!(created.text, shown.text);
    assert_eq!(shown.at("contact.tag_list"), &json!(["hot", "website"]));
    assert_eq!(shown.str("contact.author.name"), "Redmine Admin");
    assert_eq!(shown.str("contact.assigned_to.name"), "maker Tester");
}

/// As in Redmine, a create answers with the contact it made even when the author's role may add
/// contacts but not view them; reading it afterwards is still refused. (Roles are edited in the
/// database: the API has no role editing.)
#[actix_web::test]
async fn a_role_that_may_add_but_not_view_gets_its_201() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let adder = app.member("adder", "crm", "Reporter").await;
    app.db
        .connection()
        .expect("a pooled connection")
        .batch_execute("UPDATE roles SET permissions = 'add_contacts' WHERE name = 'Reporter'")
        .expect("edit the role");
    for format in Format::API {
        let created = adder.post(format, "/projects/crm/contacts", json!({"contact": {"first_name": "Blind"}})).await;
        assert_eq!(created.status, 201, "{format:?} {}", created.text);
        assert_eq!(created.str("contact.first_name"), "Blind");
        let shown = adder.get(format, &format!("/contacts/{}", created.int("contact.id"))).await;
        assert_eq!(shown.status, 403, "{}", shown.text);
    }
}

#[actix_web::test]
async fn get_project_contact_shows_a_contact_of_that_project_only() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("other", false).await;
    let admin = app.admin();
    let id = admin.create_contact("crm", json!({"first_name": "Ada", "tag_list": "vip"})).await;
    for format in Format::API {
        let nested = admin.get(format, &format!("/projects/crm/contacts/{id}?include=notes")).await;
        assert_eq!(nested.status, 200, "{}", nested.text);
        let plain = admin.get(format, &format!("/contacts/{id}?include=notes")).await;
        assert_eq!(nested.text, plain.text, "the same answer as /contacts/:id");
        let project_id = nested.int("contact.projects.0.id");
        assert_eq!(admin.get(format, &format!("/projects/{project_id}/contacts/{id}")).await.status, 200);
        for path in [
            format!("/projects/other/contacts/{id}"),
            format!("/projects/nope/contacts/{id}"),
            "/projects/crm/contacts/999999".to_string(),
            "/projects/crm/contacts/x".to_string(),
        ] {
            assert_eq!(admin.get(format, &path).await.status, 404, "{path}");
        }
    }
    // Hidden from a user who may not see the contact, as /contacts/:id is.
    let outsider = app.user("outsider").await;
    assert_eq!(outsider.get(Format::Json, &format!("/projects/crm/contacts/{id}")).await.status, 403);
}
