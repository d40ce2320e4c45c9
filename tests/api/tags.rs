//! `/contacts_tags`: tags with the count of contacts the reader can see.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn tag_counts_only_count_contacts_the_reader_can_see() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let member = app.member("m", "crm", "Reporter").await;
    let outsider = app.user("o").await;
    app.admin().create_contact("crm", json!({"first_name": "A", "tag_list": "vip,main"})).await;
    app.admin().create_contact("crm", json!({"first_name": "B", "tag_list": "vip", "visibility": 1})).await;
    app.admin().create_contact("crm", json!({"first_name": "C", "tag_list": "secret", "visibility": 2})).await;
    for format in Format::API {
        let res = app.admin().get(format, "/contacts_tags").await;
        assert_eq!(res.status, 200);
        let names: Vec<String> = res.list("tags").iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, ["main", "secret", "vip"]);
        assert_eq!(res.meta("total_count"), Some(3));
        assert_eq!(res.str("tags.2.count"), "2");
        assert_eq!(res.str("tags.2.color"), "#766970");
        let res = member.get(format, "/contacts_tags").await;
        let seen: Vec<(String, String)> = res
            .list("tags")
            .iter()
            .map(|t| (t["name"].as_str().unwrap().into(), t["count"].to_string().trim_matches('"').into()))
            .collect();
        assert_eq!(seen, [("main".into(), "1".into()), ("vip".into(), "2".into())], "no private tag");
        let res = outsider.get(format, "/contacts_tags").await;
        let seen: Vec<(String, String)> = res
            .list("tags")
            .iter()
            .map(|t| (t["name"].as_str().unwrap().into(), t["count"].to_string().trim_matches('"').into()))
            .collect();
        assert_eq!(seen, [("vip".into(), "1".into())], "only the public contact");
    }
}
