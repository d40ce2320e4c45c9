//! Redmine's operator filters on `GET /contacts` (long and short forms), saved queries that
//! store them, and `POST /contacts/search` with and/or groups.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::{Res, TestApp};

fn ids(res: &Res) -> Vec<i64> {
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.meta("total_count"),
        Some(res.list("contacts").len() as i64),
        "total_count counts the rows: {}",
        res.text
    );
    res.ids("contacts")
}

struct People {
    ada: i64,
    bob: i64,
    acme: i64,
    eve: i64,
}

/// Four contacts in `crm`; custom field "Tier" (a list) on Ada (gold) and Bob (silver).
async fn people(app: &TestApp) -> (People, i64) {
    app.project("crm", false).await;
    let admin = app.admin();
    let tier = admin
        .post(
            Format::Json,
            "/custom_fields",
            json!({"custom_field": {"name": "Tier", "field_format": "list", "possible_values": ["gold", "silver", "bronze"]}}),
        )
        .await
        .int("custom_field.id");
    let ada = admin
        .create_contact(
            "crm",
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@engines.org, countess@lovelace.uk",
                   "job_title": "Countess", "tag_list": "vip,math", "address_attributes": {"city": "London", "country_code": "GB"},
                   "custom_fields": [{"id": tier, "value": "gold"}]}),
        )
        .await;
    let bob = admin
        .create_contact(
            "crm",
            json!({"first_name": "Bob", "last_name": "Babbage", "company": "Engines Ltd", "email": "bob@engines.org",
                   "tag_list": "math", "assigned_to_id": 1, "custom_fields": [{"id": tier, "value": "silver"}]}),
        )
        .await;
    let acme = admin
        .create_contact("crm", json!({"first_name": "ACME 50%", "is_company": true, "phone": "+44 20 7946 0000"}))
        .await;
    let eve = admin.create_contact("crm", json!({"first_name": "Eve", "visibility": 2})).await;
    (People { ada, bob, acme, eve }, tier)
}

#[actix_web::test]
async fn get_contacts_filters_with_redmines_operators_in_long_and_short_form() {
    let app = TestApp::spawn().await;
    let (p, tier) = people(&app).await;
    let admin = app.admin();
    for format in Format::API {
        let get = |query: String| {
            let admin = app.admin();
            async move { ids(&admin.get(format, &format!("/contacts?{query}")).await) }
        };
        let long = |field: &str, op: &str, values: &[&str]| {
            let mut q = format!("set_filter=1&f[]={field}&op[{field}]={}", urlencode(op));
            for v in values {
                q.push_str(&format!("&v[{field}][]={}", urlencode(v)));
            }
            q
        };
        assert_eq!(get(long("first_name", "~", &["ad"])).await, vec![p.ada]);
        assert_eq!(get(long("first_name", "!~", &["ad"])).await, vec![p.eve, p.acme, p.bob]);
        assert_eq!(get(long("first_name", "=", &["ADA", "bob"])).await, vec![p.bob, p.ada], "any of, any case");
        assert_eq!(get(long("first_name", "!", &["ada"])).await, vec![p.eve, p.acme, p.bob]);
        assert_eq!(get(long("last_name", "^", &["lov"])).await, vec![p.ada]);
        assert_eq!(get(long("last_name", "$", &["age"])).await, vec![p.bob]);
        assert_eq!(get(long("company", "*", &[])).await, vec![p.bob]);
        assert_eq!(get(long("company", "!*", &[])).await, vec![p.eve, p.acme, p.ada]);
        assert_eq!(get(long("first_name", "~", &["50%"])).await, vec![p.acme], "LIKE wildcards are literal");
        assert_eq!(get(long("first_name", "~", &["5_"])).await, Vec::<i64>::new());
        // An email list: `=` and `^` test each address.
        assert_eq!(get(long("email", "=", &["countess@lovelace.uk"])).await, vec![p.ada]);
        assert_eq!(get(long("email", "^", &["bob@"])).await, vec![p.bob]);
        assert_eq!(get(long("email", "~", &["engines"])).await, vec![p.bob, p.ada]);
        assert_eq!(get(long("country", "=", &["gb"])).await, vec![p.ada]);
        assert_eq!(get(long("city", "!", &["london"])).await, vec![p.eve, p.acme, p.bob], "blank cities too");
        assert_eq!(get(long("is_company", "=", &["1"])).await, vec![p.acme]);
        assert_eq!(get(long("visibility", "=", &["private"])).await, vec![p.eve]);
        assert_eq!(get(long("tags", "=", &["vip", "math"])).await, vec![p.ada], "every tag named");
        assert_eq!(get(long("tags", "!", &["vip"])).await, vec![p.eve, p.acme, p.bob]);
        assert_eq!(get(long("tags", "!*", &[])).await, vec![p.eve, p.acme]);
        assert_eq!(get(long("assigned_to_id", "=", &["me"])).await, vec![p.bob]);
        assert_eq!(get(long("assigned_to_id", "!*", &[])).await, vec![p.eve, p.acme, p.ada]);
        assert_eq!(get(long("project_id", "=", &["crm"])).await, vec![p.eve, p.acme, p.bob, p.ada]);
        assert_eq!(get(long("ids", "><", &[&p.bob.to_string(), &p.acme.to_string()])).await, vec![p.acme, p.bob]);
        assert_eq!(get(long("created_on", "t", &[])).await, vec![p.eve, p.acme, p.bob, p.ada]);
        assert_eq!(get(long("created_on", ">t-", &["2"])).await.len(), 4);
        assert_eq!(get(long("created_on", "<t-", &["2"])).await, Vec::<i64>::new());
        assert_eq!(get(long("updated_on", "<=", &["2000-01-01"])).await, Vec::<i64>::new());
        assert_eq!(get(long(&format!("cf_{tier}"), "=", &["gold", "silver"])).await, vec![p.bob, p.ada]);
        assert_eq!(get(long(&format!("cf_{tier}"), "!*", &[])).await, vec![p.eve, p.acme]);
        // Several filters: all must hold.
        let both = format!("{}&f[]=tags&op[tags]=%3D&v[tags][]=math", long("email", "~", &["engines"]));
        assert_eq!(get(both).await, vec![p.bob, p.ada]);

        // The short forms.
        assert_eq!(get("first_name=~ada".into()).await, vec![p.ada]);
        assert_eq!(get("first_name=tom".into()).await, Vec::<i64>::new(), "`t` is no operator of a text field");
        assert_eq!(get(format!("cf_{tier}=gold|silver")).await, vec![p.bob, p.ada]);
        assert_eq!(get(format!("cf_{tier}=!gold")).await, vec![p.eve, p.acme, p.bob]);
        assert_eq!(get(format!("cf_{tier}=gold")).await, vec![p.ada], "as before: the value itself");
        assert_eq!(get(format!("ids={},{}", p.ada, p.eve)).await, vec![p.eve, p.ada]);
        assert_eq!(get("assigned_to_id=!me".into()).await, vec![p.eve, p.acme, p.ada]);
        assert_eq!(get("tags=!vip".into()).await, vec![p.eve, p.acme, p.bob]);
        assert_eq!(get("tags=vip,math".into()).await, vec![p.ada], "a plain tag list as before");
        assert_eq!(get("created_on=>t-1&is_company=0".into()).await, vec![p.eve, p.bob, p.ada]);
        // With `f[]`, the short forms are not read (Redmine's rule).
        assert_eq!(get(format!("{}&first_name=Bob", long("first_name", "~", &["a"]))).await, vec![p.acme, p.ada]);

        // Paging and the total agree under a filter.
        let page = admin.get(format, "/contacts?first_name=!~x&limit=2&offset=1").await;
        assert_eq!((page.meta("total_count"), page.ids("contacts")), (Some(4), vec![p.acme, p.bob]));
    }
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[actix_web::test]
async fn an_unknown_field_operator_or_value_is_a_422_naming_it() {
    let app = TestApp::spawn().await;
    let (_, tier) = people(&app).await;
    let admin = app.admin();
    for format in Format::API {
        let cases = [
            ("f[]=shoe_size&op[shoe_size]=%3D&v[shoe_size][]=9", "Filter shoe_size is unknown"),
            ("f[]=first_name&op[first_name]=%3E%3D&v[first_name][]=a", "Operator >= is unknown for filter first_name"),
            ("f[]=first_name&v[first_name][]=a", "Operator of filter first_name cannot be blank"),
            ("f[]=first_name&op[first_name]=%7E", "First name cannot be blank"),
            ("f[]=created_on&op[created_on]=%3E%3C&v[created_on][]=2024-01-01", "Created cannot be blank"),
            ("created_on=>=yesterday", "Created is invalid"),
            ("created_on=>t-x", "Created is invalid"),
            ("assigned_to_id=x", "Assigned to is invalid"),
            ("is_company=maybe", "Is company is invalid"),
            ("ids=1,two", "Contact is invalid"),
            ("cf_999=gold", "Custom field 999 does not exist"),
        ];
        for (query, message) in cases {
            let res = admin.get(format, &format!("/contacts?{query}")).await;
            assert_eq!(res.status, 422, "{query}: {}", res.text);
            assert_eq!(res.errors(), vec![message], "{query}");
        }
        let numbers =
            admin.get(format, &format!("/contacts?f[]=cf_{tier}&op[cf_{tier}]=%3E%3D&v[cf_{tier}][]=3")).await;
        assert_eq!(
            numbers.errors(),
            vec![format!("Operator >= is unknown for filter cf_{tier}")],
            "a list field has no >="
        );
        let many: String = (0..51).map(|i| format!("&f[]=first_name{i}")).collect();
        let res = admin.get(format, &format!("/contacts?set_filter=1{many}")).await;
        assert_eq!(res.status, 422);
        assert_eq!(res.errors(), vec!["Filters is too long (maximum is 50 filters)"]);
        // Parameters that are no filter stay ignored, as Redmine ignores them.
        assert_eq!(admin.get(format, "/contacts?resource=contact&contacts=True").await.status, 200);
    }
}

#[actix_web::test]
async fn a_saved_query_applies_its_operator_filters_and_the_request_overrides_a_field() {
    let app = TestApp::spawn().await;
    let (p, tier) = people(&app).await;
    let admin = app.admin();
    for format in Format::API {
        // The plugin's shape: field → {operator, values}.
        let body = json!({"query": {"name": format!("Engines {format:?}"), "is_public": true, "filters": {
            "email": {"operator": "~", "values": ["engines"]},
            format!("cf_{tier}"): {"operator": "=", "values": ["gold", "silver"]}
        }}});
        let res = admin.post(format, "/crm_queries", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("query.id");
        assert_eq!(ids(&admin.get(format, &format!("/contacts?query_id={id}")).await), vec![p.bob, p.ada]);
        // The request's test of a field replaces the saved one; the others still apply.
        let narrowed = admin.get(format, &format!("/contacts?query_id={id}&cf_{tier}=silver")).await;
        assert_eq!(ids(&narrowed), vec![p.bob]);
        let widened = admin.get(format, &format!("/contacts?query_id={id}&email=*")).await;
        assert_eq!(ids(&widened), vec![p.bob, p.ada]);
        // Saved as Redmine's long form, too.
        let body = json!({"query": {"name": format!("Long {format:?}"), "is_public": true,
            "filters": "set_filter=1&f[]=first_name&op[first_name]=%21~&v[first_name][]=a"}});
        let long = admin.post(format, "/crm_queries", body).await.int("query.id");
        assert_eq!(ids(&admin.get(format, &format!("/contacts?query_id={long}")).await), vec![p.eve, p.bob]);
        let tagged = admin.get(format, &format!("/contacts?query_id={long}&tags=math")).await;
        assert_eq!(ids(&tagged), vec![p.bob], "a plain tag list of the request beside a saved long form");
        // A broken saved filter is the request's 422, not a 500.
        let body = json!({"query": {"name": format!("Broken {format:?}"), "is_public": true,
            "filters": {"bogus": {"operator": "=", "values": ["1"]}}}});
        let broken = admin.post(format, "/crm_queries", body).await.int("query.id");
        let res = admin.get(format, &format!("/contacts?query_id={broken}")).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Filter bogus is unknown".to_string()]));
    }
}

#[actix_web::test]
async fn post_contacts_search_takes_and_or_groups_in_both_formats() {
    let app = TestApp::spawn().await;
    let (p, tier) = people(&app).await;
    let member = app.member("rep", "crm", "Reporter").await;
    for format in Format::API {
        let body = json!({"search": {"filter": {"operator": "or", "subfilters": [
            {"operator": "and", "subfilters": [
                {"field": "email", "operator": "string_contains", "value": "engines"},
                {"field": format!("cf_{tier}"), "operator": "in", "values": ["silver"]}
            ]},
            {"field": "is_company", "operator": "equals", "value": "1"},
            {"field": "first_name", "operator": "=", "values": ["eve"]}
        ]}}});
        let res = app.admin().post(format, "/contacts/search", body.clone()).await;
        assert_eq!(ids(&res), vec![p.eve, p.acme, p.bob], "{format:?}");
        // What the reader may see still decides: Eve is another's private contact.
        assert_eq!(ids(&member.post(format, "/contacts/search", body).await), vec![p.acme, p.bob]);
        let one = json!({"search": {"filter": {"field": "last_name", "operator": "starts_with", "value": "lov"}}});
        assert_eq!(ids(&app.admin().post(format, "/contacts/search", one).await), vec![p.ada]);
        let everything = app.admin().post(format, "/contacts/search", json!({"search": {}})).await;
        assert_eq!(ids(&everything), vec![p.eve, p.acme, p.bob, p.ada]);
        let bad = json!({"search": {"filter": {"operator": "xor", "subfilters": [{"field": "ids", "operator": "=", "value": "1"}]}}});
        let res = app.admin().post(format, "/contacts/search", bad).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Filter group operator xor is unknown".to_string()]));
        let nul = json!({"search": {"filter": {"field": "first_name", "operator": "~", "value": "a\u{0}"}}});
        let res = app.admin().post(format, "/contacts/search", nul).await;
        assert_eq!((res.status, res.errors()), (422, vec!["First name is invalid".to_string()]));
        let unknown = json!({"search": {"filter": {"field": "shoe_size", "operator": "equals", "value": "9"}}});
        let res = app.admin().post(format, "/contacts/search", unknown).await;
        assert_eq!((res.status, res.errors()), (422, vec!["Filter shoe_size is unknown".to_string()]));
    }
    assert_eq!(app.anonymous().post(Format::Json, "/contacts/search", json!({})).await.status, 401);
}

#[actix_web::test]
async fn an_operator_filtered_list_runs_the_same_number_of_queries_whatever_the_filters() {
    let app = TestApp::spawn().await;
    let (_, tier) = people(&app).await;
    let user = app.member("mia", "crm", "Manager").await;
    let count = |query: String| {
        let user = &user;
        let app = &app;
        async move {
            let before = app.db.query_count();
            let res = user.get(Format::Json, &format!("/contacts?{query}")).await;
            assert_eq!(res.status, 200, "{}", res.text);
            app.db.query_count() - before
        }
    };
    // The first request of a user is no list's measure (a sign-in may write).
    count("limit=1".into()).await;
    let few =
        count(format!("tags=!t0&cf_{tier}=gold&email=~e&created_on=>t-3&project_id=crm&search=a&limit=100")).await;
    let tags: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
    let many = count(format!(
        "tags=!{}&cf_{tier}=gold|silver|bronze&email=~e&created_on=>t-3&project_id=crm&search=a&limit=100",
        tags.join("|")
    ))
    .await;
    assert_eq!(few, many, "a lookup per kind of name, not per value");
    let one_tag = count(
        "set_filter=1&f[]=tags&op[tags]=%3D&v[tags][]=t0&f[]=first_name&op[first_name]=%7E&v[first_name][]=a".into(),
    )
    .await;
    let grouped: String = (0..30).map(|i| format!("&v[tags][]=t{i}")).collect();
    let thirty_tags = count(format!(
        "set_filter=1&f[]=tags&op[tags]=%3D{grouped}&f[]=first_name&op[first_name]=%7E&v[first_name][]=a"
    ))
    .await;
    assert_eq!(one_tag, thirty_tags);
}
