//! Numbered pages (`page=`, `per_page=`) and cursor paging (`cursor=`, `per_page=`) beside
//! Redmine's offset paging: the page meta, `links` and the `Link` header, stable cursors.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::{Res, TestApp};

/// The path and query of a link (the tests speak to the server by path).
fn path_of(url: &str, format: Format) -> String {
    let suffix = if format == Format::Xml { ".xml" } else { ".json" };
    let path = url.split_once("://").map_or(url, |(_, rest)| &rest[rest.find('/').unwrap_or(0)..]);
    path.replacen(suffix, "", 1)
}

/// The `rel` links of the `Link` header.
fn link_header(res: &Res, rel: &str) -> Option<String> {
    let header = res.headers.get("link")?.to_str().ok()?.to_string();
    header
        .split(", <")
        .find(|part| part.ends_with(&format!("rel=\"{rel}\"")))
        .map(|part| part.trim_start_matches('<').split(">;").next().unwrap_or_default().to_string())
}

async fn contacts(app: &TestApp, n: usize) -> Vec<i64> {
    app.project("crm", false).await;
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.admin().create_contact("crm", json!({"first_name": format!("P{i:02}")})).await);
    }
    ids.reverse(); // newest first
    ids
}

#[actix_web::test]
async fn cursor_pages_walk_the_whole_list_forwards_and_back_with_links_and_a_link_header() {
    let app = TestApp::spawn().await;
    let all = contacts(&app, 7).await;
    let admin = app.admin();
    for format in Format::API {
        let first = admin.get(format, "/contacts?per_page=3").await;
        assert_eq!(first.status, 200, "{}", first.text);
        assert_eq!((first.meta("total_count"), first.meta("per_page"), first.meta("offset")), (Some(7), Some(3), None));
        assert_eq!(first.ids("contacts"), all[..3]);
        assert_eq!(link_header(&first, "prev"), None);
        if format == Format::Json {
            assert!(first.at("links.first").is_string() && first.at("links.previous").is_null(), "{}", first.text);
        } else {
            assert!(!first.text.contains("<links"), "XML carries the links in the header only");
        }
        // Forwards to the end.
        let mut seen = first.ids("contacts");
        let mut next = link_header(&first, "next");
        let mut last_page = first;
        while let Some(url) = next {
            let page = admin.get(format, &path_of(&url, format)).await;
            assert_eq!(page.status, 200, "{}", page.text);
            assert_eq!(page.meta("total_count"), Some(7));
            if format == Format::Json {
                assert_eq!(page.opt("links.next"), link_header(&page, "next"), "the body's links are the header's");
            }
            seen.extend(page.ids("contacts"));
            next = link_header(&page, "next");
            last_page = page;
        }
        assert_eq!(seen, all);
        assert_eq!(last_page.ids("contacts"), all[6..]);
        // Back from the last page.
        let back = admin.get(format, &path_of(&link_header(&last_page, "prev").unwrap(), format)).await;
        assert_eq!(back.ids("contacts"), all[3..6]);
        // The last-page link: the list's last rows, with a previous page and no next.
        let last = admin.get(format, &path_of(&link_header(&back, "last").unwrap(), format)).await;
        assert_eq!(last.ids("contacts"), all[4..]);
        assert_eq!((link_header(&last, "next"), link_header(&last, "prev").is_some()), (None, true));
    }
}

#[actix_web::test]
async fn a_cursor_stays_put_when_rows_are_added_or_deleted_and_a_forged_one_is_a_422() {
    let app = TestApp::spawn().await;
    let mut in_order = contacts(&app, 6).await;
    in_order.reverse();
    let admin = app.admin();
    for format in Format::API {
        let first = admin.get(format, "/contacts?per_page=2&sort=first_name").await;
        assert_eq!(first.ids("contacts"), in_order[..2]);
        let next = path_of(&link_header(&first, "next").unwrap(), format);
        // A contact deleted from the first page and one added before the cursor move nothing.
        assert_eq!(admin.delete(Format::Json, &format!("/contacts/{}", in_order[0])).await.status, 204);
        let added = admin.create_contact("crm", json!({"first_name": "A first"})).await;
        let second = admin.get(format, &next).await;
        assert_eq!(second.ids("contacts"), in_order[2..4]);
        assert_eq!(second.meta("total_count"), Some(6));
        assert_eq!(admin.delete(Format::Json, &format!("/contacts/{added}")).await.status, 204);
        let restored = json!({"first_name": "P00"});
        in_order[0] = admin.create_contact("crm", restored).await;

        let cursor = next.split("cursor=").nth(1).unwrap().split('&').next().unwrap().to_string();
        for forged in ["x", "!!!", "YWJj", &cursor[..cursor.len() - 2]] {
            let res = admin.get(format, &format!("/contacts?per_page=2&sort=first_name&cursor={forged}")).await;
            assert_eq!((res.status, res.errors()), (422, vec!["Cursor is invalid".to_string()]), "{forged}");
        }
        // A cursor of one sort is no cursor of another.
        let res = admin.get(format, &format!("/contacts?per_page=2&cursor={cursor}")).await;
        assert_eq!(res.status, 422);
    }
}

#[actix_web::test]
async fn numbered_pages_answer_total_pages_next_and_previous_and_offset_paging_is_unchanged() {
    let app = TestApp::spawn().await;
    let all = contacts(&app, 5).await;
    let admin = app.admin();
    for format in Format::API {
        let page = admin.get(format, "/contacts?page=2&per_page=2").await;
        assert_eq!(page.ids("contacts"), all[2..4]);
        let meta = ["total_count", "offset", "limit", "page", "per_page", "total_pages", "next_page", "previous_page"];
        let values: Vec<Option<i64>> = meta.iter().map(|m| page.meta(m)).collect();
        assert_eq!(values, [Some(5), Some(2), Some(2), Some(2), Some(2), Some(3), Some(3), Some(1)]);
        let last = admin.get(format, &path_of(&link_header(&page, "last").unwrap(), format)).await;
        assert_eq!((last.ids("contacts"), last.meta("next_page")), (all[4..].to_vec(), None));
        assert!(link_header(&page, "first").unwrap().contains("page=1"));
        // `limit` sizes numbered pages when `per_page` is not given (Redmine's `page`).
        let redmine = admin.get(format, "/contacts?page=2&limit=3").await;
        assert_eq!((redmine.ids("contacts"), redmine.meta("total_pages")), (all[3..].to_vec(), Some(2)));
        // Up to 2,000 a page.
        assert_eq!(admin.get(format, "/contacts?per_page=5000").await.meta("per_page"), Some(2000));
        // Without the new parameters: Redmine's keys only, no links.
        let plain = admin.get(format, "/contacts?offset=1&limit=2").await;
        assert!(plain.headers.get("link").is_none());
        assert_eq!(plain.meta("per_page"), None);
        if format == Format::Json {
            assert_eq!(plain.body.as_object().unwrap().len(), 4, "{}", plain.text);
        }
    }
}
