//! `GET /contacts`: paging, filters, sorting, and a query count that does not grow with the page.

use std::time::Duration;

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

fn ids(res: &crate::support::Res) -> Vec<i64> {
    res.ids("contacts")
}

#[actix_web::test]
async fn get_contacts_pages_with_redmine_offset_limit_and_total_count() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    for i in 0..30 {
        app.admin().create_contact("crm", json!({"first_name": format!("P{i:02}")})).await;
    }
    for format in Format::API {
        let res = app.admin().get(format, "/contacts").await;
        assert_eq!(res.status, 200);
        assert_eq!((res.meta("total_count"), res.meta("offset"), res.meta("limit")), (Some(30), Some(0), Some(25)));
        assert_eq!(res.list("contacts").len(), 25);
        let cases = [
            ("limit=1000", 0, 100, 30),
            ("limit=0", 0, 25, 25),
            ("limit=-3&offset=-5", 0, 25, 25),
            ("page=3&limit=10", 20, 10, 10),
            ("offset=28&limit=5", 28, 5, 2),
            ("limit=junk", 0, 25, 25),
        ];
        for (query, offset, limit, len) in cases {
            let res = app.admin().get(format, &format!("/contacts?{query}")).await;
            assert_eq!((res.meta("offset"), res.meta("limit")), (Some(offset), Some(limit)), "{query}");
            assert_eq!(res.list("contacts").len(), len, "{query}");
            assert_eq!(res.meta("total_count"), Some(30));
        }
        let res = app.admin().get(format, "/contacts?nometa=1&limit=2").await;
        assert_eq!(res.meta("total_count"), None);
        assert_eq!(res.list("contacts").len(), 2);
        if format == Format::Json {
            assert_eq!(res.body.as_object().unwrap().len(), 1, "only the list: {}", res.text);
        } else {
            assert!(res.text.contains(r#"<contacts type="array">"#), "{}", res.text);
        }
    }
    let xml = app.admin().get(Format::Xml, "/contacts?limit=1").await;
    assert!(xml.text.contains(r#"<contacts type="array" total_count="30" offset="0" limit="1">"#), "{}", xml.text);
}

#[actix_web::test]
async fn get_contacts_lists_newest_first_and_sorts_on_request() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let b = app.admin().create_contact("crm", json!({"first_name": "Bob", "last_name": "Zed"})).await;
    let a = app.admin().create_contact("crm", json!({"first_name": "alice", "last_name": "Young"})).await;
    let c = app.admin().create_contact("crm", json!({"first_name": "Carl", "last_name": "Xu"})).await;
    for format in Format::API {
        assert_eq!(ids(&app.admin().get(format, "/contacts").await), vec![c, a, b]);
        assert_eq!(ids(&app.admin().get(format, "/contacts?sort=name").await), vec![a, b, c]);
        assert_eq!(ids(&app.admin().get(format, "/contacts?sort=name:desc").await), vec![c, b, a]);
        assert_eq!(ids(&app.admin().get(format, "/contacts?sort=last_name").await), vec![c, a, b]);
        assert_eq!(ids(&app.admin().get(format, "/contacts?sort=created_on").await), vec![b, a, c]);
        assert_eq!(ids(&app.admin().get(format, "/contacts?sort=bogus").await), vec![c, a, b]);
    }
}

#[actix_web::test]
async fn get_contacts_filters_by_project_assignee_search_tags_and_company() {
    let app = TestApp::spawn().await;
    let crm = app.project("crm", false).await;
    app.project("sales", false).await;
    let rita = app.member("rita", "crm", "Manager").await;
    let ada = app.admin().create_contact("crm", json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@engines.org", "tag_list": "vip,math", "assigned_to_id": rita.id})).await;
    let acme = app
        .admin()
        .create_contact(
            "sales",
            json!({"first_name": "ACME", "is_company": true, "phone": "+1 (555) 123-4567", "tag_list": "vip"}),
        )
        .await;
    let bob =
        app.admin().create_contact("crm", json!({"first_name": "Bob", "company": "Acme", "tag_list": "math"})).await;
    for format in Format::API {
        let get = |q: &'static str| {
            let admin = app.admin();
            async move { ids(&admin.get(format, &format!("/contacts?{q}")).await) }
        };
        assert_eq!(get("project_id=crm").await, vec![bob, ada]);
        assert_eq!(ids(&app.admin().get(format, &format!("/contacts?project_id={crm}")).await), vec![bob, ada]);
        assert_eq!(ids(&app.admin().get(format, "/projects/sales/contacts").await), vec![acme]);
        assert_eq!(
            ids(&app.admin().get(format, &format!("/projects/{crm}/contacts?project_id=crm")).await),
            vec![bob, ada]
        );
        assert_eq!(ids(&app.admin().get(format, &format!("/contacts?assigned_to_id={}", rita.id)).await), vec![ada]);
        assert_eq!(ids(&rita.get(format, "/contacts?assigned_to_id=me").await), vec![ada]);
        assert_eq!(get("search=acme").await, vec![bob, acme], "company and name, any case");
        assert_eq!(get("search=ENGINES").await, vec![ada], "emails");
        assert_eq!(get("search=5551234").await, vec![acme], "phone digits");
        assert_eq!(get("search=555) 123").await, vec![acme], "phone text");
        assert_eq!(get("search=ada%20love").await, vec![ada], "every word must match");
        assert_eq!(get("search=100%25").await, Vec::<i64>::new(), "wildcards are literal");
        assert_eq!(get("tags=vip").await, vec![acme, ada]);
        assert_eq!(get("tags=vip%2Cmath").await, vec![ada], "all listed tags");
        assert_eq!(get("tags=VIP,math").await, vec![ada]);
        assert_eq!(get("tags=nope").await, Vec::<i64>::new(), "a tag no one has matches nothing");
        assert_eq!(get("tags=vip,nope").await, Vec::<i64>::new(), "one unknown tag of two matches nothing");
        assert_eq!(get("is_company=1").await, vec![acme]);
        assert_eq!(get("is_company=false").await, vec![bob, ada]);
        assert_eq!(
            get("resource=contact&contacts=True&whatever=1").await,
            vec![bob, acme, ada],
            "unknown parameters are ignored"
        );
        assert_eq!(app.admin().get(format, "/contacts?project_id=nope").await.status, 404);
        assert_eq!(app.admin().get(format, "/contacts?assigned_to_id=x").await.status, 422);
    }
}

/// A tag's page is read from the tag's own taggings, newest first (migration 10): under many
/// newer untagged contacts, with the reader's visibility, a second tag, paging, and after a
/// contact's tags are rewritten (its taggings keep the contact's own created_on).
#[actix_web::test]
async fn a_tag_lists_its_contacts_newest_first_under_newer_untagged_ones() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let member = app.member("m", "crm", "Reporter").await;
    let older = app.admin().create_contact("crm", json!({"first_name": "Older", "tag_list": "lead"})).await;
    let newer = app.admin().create_contact("crm", json!({"first_name": "Newer", "tag_list": "lead,hot"})).await;
    let hidden =
        app.admin().create_contact("crm", json!({"first_name": "Hidden", "tag_list": "lead", "visibility": 2})).await;
    for i in 0..30 {
        app.admin().create_contact("crm", json!({"first_name": format!("Untagged {i}")})).await;
    }
    // Rewritten tags, a second later: a tagging stamped with the time of the rewrite would
    // move `older` to the top (one left unstamped fails PostgreSQL's NOT NULL).
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let retag = json!({"contact": {"tag_list": "lead,cold"}});
    assert_eq!(app.admin().put(Format::Json, &format!("/contacts/{older}"), retag).await.status, 204);
    for format in Format::API {
        let admin = app.admin().get(format, "/contacts?tags=lead").await;
        assert_eq!(ids(&admin), vec![hidden, newer, older]);
        assert_eq!(admin.meta("total_count"), Some(3));
        let seen = member.get(format, "/contacts?tags=lead").await;
        assert_eq!(ids(&seen), vec![newer, older], "a private contact of another stays hidden");
        assert_eq!(seen.meta("total_count"), Some(2));
        assert_eq!(ids(&member.get(format, "/contacts?tags=lead&offset=1&limit=1").await), vec![older]);
        assert_eq!(ids(&member.get(format, "/contacts?tags=lead&sort=created_on:desc").await), vec![newer, older]);
        assert_eq!(ids(&member.get(format, "/contacts?tags=lead&sort=id").await), vec![older, newer]);
        assert_eq!(ids(&member.get(format, "/contacts?tags=LEAD,hot").await), vec![newer], "every tag named");
        assert_eq!(ids(&member.get(format, "/contacts?tags=lead&search=old").await), vec![older]);
    }
}

#[actix_web::test]
async fn get_contacts_runs_the_same_number_of_queries_for_any_page_size() {
    // Uncached: the worst case is what must not grow with the page.
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("sales", true).await;
    let user = app.member("mia", "crm", "Manager").await;
    app.add_member(&user, "sales", "Reporter").await;
    let field = app
        .admin()
        .post(Format::Json, "/custom_fields", json!({"custom_field": {"name": "Tier", "field_format": "string"}}))
        .await
        .int("custom_field.id");
    let mut count_for = Vec::new();
    for total in [2, 40] {
        while app.admin().get(Format::Json, "/contacts?limit=1").await.meta("total_count").unwrap() < total {
            app.admin()
                .create_contact("crm", json!({"first_name": "N", "tag_list": "a,b", "assigned_to_id": user.id, "address_attributes": {"city": "X"}, "custom_fields": [{"id": field, "value": "gold"}]}))
                .await;
        }
        for format in Format::API {
            let before = app.db.query_count();
            let res = user.get(format, "/contacts?limit=100&include=projects").await;
            assert_eq!(res.list("contacts").len() as i64, total);
            count_for.push(app.db.query_count() - before);
        }
    }
    assert!(count_for.iter().all(|n| *n == count_for[0]), "queries per list: {count_for:?}");
    // On PostgreSQL each of a list's three connection checkouts adds a liveness check.
    assert!(count_for[0] <= 15, "queries per list: {count_for:?}");
}

#[actix_web::test]
async fn the_search_index_follows_every_write() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    let id = admin
        .create_contact("crm", json!({"first_name": "Zebulon", "phone": "+1 (555) 010-9999", "company": "50% Off"}))
        .await;
    for format in Format::API {
        let count = |query: &'static str| {
            let admin = app.admin();
            async move { admin.get(format, &format!("/contacts?search={query}")).await.meta("total_count") }
        };
        assert_eq!(count("ebulo").await, Some(1));
        assert_eq!(count("5550109999").await, Some(1), "phone digits without punctuation");
        assert_eq!(count("ze").await, Some(1), "a two-letter word scans");
        assert_eq!(count("50%25").await, Some(1), "a wildcard is taken literally");
        assert_eq!(count("5%25").await, Some(0));
    }
    let put = admin.put(Format::Json, &format!("/contacts/{id}"), json!({"contact": {"first_name": "Quentin"}})).await;
    assert_eq!(put.status, 204);
    assert_eq!(admin.get(Format::Json, "/contacts?search=ebulo").await.meta("total_count"), Some(0));
    assert_eq!(admin.get(Format::Json, "/contacts?search=uenti").await.meta("total_count"), Some(1));
    assert_eq!(admin.delete(Format::Json, &format!("/contacts/{id}")).await.status, 204);
    assert_eq!(admin.get(Format::Json, "/contacts?search=uenti").await.meta("total_count"), Some(0));
}

#[actix_web::test]
async fn every_list_counts_again_with_the_same_statements_and_a_write_is_seen_at_once() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let user = app.member("mia", "crm", "Manager").await;
    for i in 0..3 {
        user.create_contact("crm", json!({"first_name": format!("P{i}")})).await;
    }
    let list = || async {
        let before = app.db.query_count();
        let res = user.get(Format::Json, "/contacts?limit=2").await;
        (res.meta("total_count"), app.db.query_count() - before)
    };
    let (total, first) = list().await;
    assert_eq!(total, Some(3));
    let (total, second) = list().await;
    assert_eq!(total, Some(3));
    assert_eq!(second, first, "nothing is remembered between requests");

    user.create_contact("crm", json!({"first_name": "New"})).await;
    let (total, after_write) = list().await;
    assert_eq!(total, Some(4), "a write is seen at once");
    assert_eq!(after_write, first);
}

#[actix_web::test]
async fn a_search_page_is_the_same_whether_rows_are_scanned_or_found_through_the_index() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    for i in 0..30 {
        let name = if i % 10 == 3 { format!("Other{i}") } else { format!("Smithson{i}") };
        admin.create_contact("crm", json!({"first_name": name, "last_name": "X"})).await;
    }
    for format in Format::API {
        // 27 of 30 rows match: small pages are read by scanning in list order, the whole list
        // through the index; both must agree, page by page.
        let whole = app.admin().get(format, "/contacts?search=mithso&limit=100&sort=first_name").await;
        assert_eq!(whole.meta("total_count"), Some(27));
        let mut paged = Vec::new();
        for offset in (0..30).step_by(5) {
            let page = app
                .admin()
                .get(format, &format!("/contacts?search=mithso&limit=5&offset={offset}&sort=first_name"))
                .await;
            assert_eq!(page.meta("total_count"), Some(27));
            paged.extend(ids(&page));
        }
        assert_eq!(paged, ids(&whole));
    }
}

/// Redmine's search API as python-redmine's `search('Ada', resources=['contacts'])` sends it:
/// contacts the caller may see, as results of type "contact", paged like any list.
#[actix_web::test]
async fn the_search_api_finds_contacts_the_caller_may_see() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    app.project("hidden", false).await;
    let member = app.member("mia", "crm", "Reporter").await;
    let admin = app.admin();
    for n in 0..3 {
        let contact = json!({"first_name": "Ada", "last_name": format!("Lovelace {n}"), "background": "Engines"});
        admin.create_contact("crm", contact).await;
    }
    admin.create_contact("hidden", json!({"first_name": "Ada", "last_name": "Elsewhere"})).await;
    admin.create_contact("crm", json!({"first_name": "Grace"})).await;
    for format in Format::API {
        let res = member.get(format, "/search?contacts=True&q=ada&limit=100&offset=0").await;
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(res.meta("total_count"), Some(3), "not the contact of a project the member cannot read");
        let results = res.list("results");
        assert_eq!(results.len(), 3);
        assert_eq!(res.str("results.0.type"), "contact");
        assert_eq!(res.str("results.0.title"), "Ada Lovelace 2", "newest first");
        assert_eq!(res.str("results.0.description"), "Engines");
        let id = res.str("results.0.id");
        assert_eq!(res.str("results.0.url"), app.url(&format!("/contacts/{id}")));
        let contact = member.get(format, &format!("/contacts/{id}")).await;
        assert_eq!(res.str("results.0.datetime"), contact.str("contact.created_on"));
        let page = member.get(format, "/search?q=lovelace&limit=2&offset=2").await;
        assert_eq!((page.meta("total_count"), page.list("results").len()), (Some(3), 1), "{}", page.text);
        for query in ["q=&contacts=1", "q=ada&issues=1"] {
            let none = member.get(format, &format!("/search?{query}")).await;
            assert_eq!((none.status, none.meta("total_count")), (200, Some(0)), "{query}: {}", none.text);
        }
    }
    assert_eq!(app.anonymous().get(Format::Json, "/search?q=ada").await.status, 401);
}

#[actix_web::test]
async fn a_first_and_last_name_search_finds_the_contacts_with_both_words() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    // "Grant Lace" holds every trigram of "grace" (gra, ace) but not the word: the index only
    // narrows the rows, the word decides.
    let people = [("Grace", "Hopper"), ("Grace", "Kelly"), ("Ada", "Hopper"), ("Gra\"ce", "O'Hop"), ("Grant", "Lace")];
    for (first, last) in people {
        admin.create_contact("crm", json!({"first_name": first, "last_name": last})).await;
    }
    for format in Format::API {
        let names = |res: &crate::support::Res| {
            res.list("contacts")
                .iter()
                .map(|c| c["last_name"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        };
        let both = admin.get(format, "/contacts?search=grace+hopper").await;
        assert_eq!((both.meta("total_count"), names(&both)), (Some(1), vec!["Hopper".to_string()]));
        let reversed = admin.get(format, "/contacts?search=HOPPER+Grace").await;
        assert_eq!(reversed.meta("total_count"), Some(1), "order and case do not matter");
        // A short word beside a long one; a quote inside a word is a character like any other.
        assert_eq!(admin.get(format, "/contacts?search=ad+hopper").await.meta("total_count"), Some(1));
        assert_eq!(admin.get(format, "/contacts?search=ra%22ce+o%27hop").await.meta("total_count"), Some(1));
        assert_eq!(admin.get(format, "/contacts?search=grace+nobody").await.meta("total_count"), Some(0));
        let grace = admin.get(format, "/contacts?search=grace").await;
        assert_eq!(
            (grace.meta("total_count"), names(&grace)),
            (Some(2), vec!["Kelly".to_string(), "Hopper".to_string()])
        );
        assert_eq!(admin.get(format, "/contacts?search=grantlace").await.meta("total_count"), Some(0));
    }
}

#[actix_web::test]
async fn a_search_of_more_than_fifty_words_or_tags_is_refused_and_a_repeated_word_counts_once() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let admin = app.admin();
    admin.create_contact("crm", json!({"first_name": "Ada", "last_name": "Lovelace"})).await;
    let words: Vec<String> = (0..51).map(|i| format!("w{i}")).collect();
    for format in Format::API {
        let many = admin.get(format, &format!("/contacts?search={}", words.join("+"))).await;
        assert_eq!(many.status, 422, "{}", many.text);
        assert_eq!(many.errors(), vec!["Search is too long (maximum is 50 words)"]);
        let tags = admin.get(format, &format!("/contacts?tags={}", words.join(","))).await;
        assert_eq!(tags.status, 422, "{}", tags.text);
        assert_eq!(tags.errors(), vec!["Tags is too long (maximum is 50 tags)"]);
        // The same word a hundred times is one condition, and fifty distinct words are allowed.
        let repeated = admin.get(format, &format!("/contacts?search={}", ["lovelace"; 100].join("+"))).await;
        assert_eq!((repeated.status, repeated.meta("total_count")), (200, Some(1)));
        let fifty = admin.get(format, &format!("/contacts?search={}", words[..50].join("+"))).await;
        assert_eq!((fifty.status, fifty.meta("total_count")), (200, Some(0)));
    }
}
