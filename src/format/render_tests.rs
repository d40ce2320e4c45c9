//! The two renderers pinned as Redmine pins its builders (`test/unit/lib/redmine/views/builders/`):
//! one table of (tree, JSON, XML) cases, each rendered by both and compared byte for byte.

use chrono::{NaiveDate, TimeZone, Utc};

use super::tree::{Document, Element, List, Node, Scalar};
use super::{json, xml};

const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

fn element(build: impl FnOnce(&mut Element)) -> Element {
    let mut e = Element::new();
    build(&mut e);
    e
}

fn texts(items: &[&str]) -> Vec<Node> {
    items.iter().map(|t| Node::from(*t)).collect()
}

/// (what the case shows, the tree, its JSON, its XML without the declaration).
fn cases() -> Vec<(&'static str, Document, &'static str, &'static str)> {
    let date = NaiveDate::from_ymd_opt(1980, 10, 21).expect("a date");
    let time = Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).single().expect("a time");
    vec![
        (
            "scalars: text, ints, bools, nil, date, time",
            Document::new(
                "contact",
                element(|e| {
                    e.value("first_name", "Ann")
                        .value("id", 7)
                        .value("offset", -3i64)
                        .value("big", i64::MAX)
                        .value("is_company", true)
                        .value("admin", false)
                        .value("company", None::<&str>)
                        .value("birthday", date)
                        .value("created_on", time)
                        .value("empty", "");
                }),
            ),
            r#"{"contact":{"first_name":"Ann","id":7,"offset":-3,"big":9223372036854775807,"is_company":true,"admin":false,"company":null,"birthday":"1980-10-21","created_on":"2024-01-01T12:00:00Z","empty":""}}"#,
            "<contact><first_name>Ann</first_name><id>7</id><offset>-3</offset><big>9223372036854775807</big>\
             <is_company>true</is_company><admin>false</admin><company/><birthday>1980-10-21</birthday>\
             <created_on>2024-01-01T12:00:00Z</created_on><empty></empty></contact>",
        ),
        (
            "nested objects",
            Document::new(
                "contact",
                element(|e| {
                    e.value("id", 1).child(
                        "address",
                        element(|a| {
                            a.value("city", "London").child(
                                "geo",
                                element(|g| {
                                    g.value("lat", "51.5");
                                }),
                            );
                        }),
                    );
                }),
            ),
            r#"{"contact":{"id":1,"address":{"city":"London","geo":{"lat":"51.5"}}}}"#,
            "<contact><id>1</id><address><city>London</city><geo><lat>51.5</lat></geo></address></contact>",
        ),
        (
            "a reference: attributes only, a self-closed tag",
            Document::new(
                "deal",
                element(|e| {
                    e.reference("author", 4, "K").value("name", "Licences");
                }),
            ),
            r#"{"deal":{"author":{"id":4,"name":"K"},"name":"Licences"}}"#,
            r#"<deal><author id="4" name="K"/><name>Licences</name></deal>"#,
        ),
        (
            "attributes and children: attributes first in JSON, on the tag in XML; a nil attribute",
            Document::new(
                "custom_field",
                element(|e| {
                    e.attr("id", 2).attr("multiple", true).attr("name", None::<&str>).value("value", "gold");
                }),
            ),
            r#"{"custom_field":{"id":2,"multiple":true,"name":null,"value":"gold"}}"#,
            r#"<custom_field id="2" multiple="true" name=""><value>gold</value></custom_field>"#,
        ),
        ("an element with nothing in it", Document::new("avatar", Element::new()), r#"{"avatar":{}}"#, "<avatar/>"),
        (
            "a list of scalars and a list of objects, with type=\"array\"",
            Document::new(
                "contact",
                element(|e| {
                    e.child("permissions", List::new("permission", texts(&["view_contacts", "add_notes"])))
                        .child(
                            "phones",
                            List::new(
                                "phone",
                                ["+1 555", "+44 20"].map(|n| {
                                    Node::from(element(|p| {
                                        p.value("number", n);
                                    }))
                                }),
                            ),
                        )
                        .child(
                            "projects",
                            List::new(
                                "project",
                                [element(|p| {
                                    p.attr("id", 1).attr("name", "CRM");
                                })
                                .into()],
                            ),
                        );
                }),
            ),
            r#"{"contact":{"permissions":["view_contacts","add_notes"],"phones":[{"number":"+1 555"},{"number":"+44 20"}],"projects":[{"id":1,"name":"CRM"}]}}"#,
            r#"<contact><permissions type="array"><permission>view_contacts</permission><permission>add_notes</permission></permissions><phones type="array"><phone><number>+1 555</number></phone><phone><number>+44 20</number></phone></phones><projects type="array"><project id="1" name="CRM"/></projects></contact>"#,
        ),
        (
            "empty lists: [] and an open and closed array element",
            Document::new(
                "contact",
                element(|e| {
                    e.child("notes", List::new("note", Vec::new())).child("tag_list", Node::JoinedText(Vec::new()));
                }),
            ),
            r#"{"contact":{"notes":[],"tag_list":[]}}"#,
            r#"<contact><notes type="array"></notes><tag_list></tag_list></contact>"#,
        ),
        (
            "a root list with meta: sibling keys in JSON, attributes after type=\"array\" in XML",
            Document::new(
                "contacts",
                List::new(
                    "contact",
                    [element(|c| {
                        c.value("id", 3);
                    })
                    .into()],
                )
                .meta("total_count", 30)
                .meta("offset", 25)
                .meta("limit", 25),
            ),
            r#"{"contacts":[{"id":3}],"total_count":30,"offset":25,"limit":25}"#,
            r#"<contacts type="array" total_count="30" offset="25" limit="25"><contact><id>3</id></contact></contacts>"#,
        ),
        (
            "nometa drops the meta",
            Document::new("contacts", List::new("contact", Vec::new()).meta("total_count", 0)).without_meta(),
            r#"{"contacts":[]}"#,
            r#"<contacts type="array"></contacts>"#,
        ),
        (
            "a nested list's meta: keys beside it inside its parent",
            Document::new(
                "project",
                element(|e| {
                    e.child("members", List::new("member", texts(&["ann"])).meta("total_count", 1)).value("id", 9);
                }),
            ),
            r#"{"project":{"members":["ann"],"total_count":1,"id":9}}"#,
            r#"<project><members type="array" total_count="1"><member>ann</member></members><id>9</id></project>"#,
        ),
        (
            "the tag list: an array in JSON, one joined text in XML",
            Document::new(
                "contact",
                element(|e| {
                    e.child("tag_list", Node::JoinedText(vec!["Math".into(), "vip".into(), "été".into()]));
                }),
            ),
            r#"{"contact":{"tag_list":["Math","vip","été"]}}"#,
            "<contact><tag_list>Math, vip, été</tag_list></contact>",
        ),
        (
            "a multiple custom field: a list inside an element with attributes",
            Document::new(
                "custom_fields",
                List::new(
                    "custom_field",
                    [element(|f| {
                        f.attr("id", 2).attr("name", "Segments").attr("multiple", true);
                        f.child("value", List::new("value", texts(&["us", "smb"])));
                    })
                    .into()],
                ),
            ),
            r#"{"custom_fields":[{"id":2,"name":"Segments","multiple":true,"value":["us","smb"]}]}"#,
            r#"<custom_fields type="array"><custom_field id="2" name="Segments" multiple="true"><value type="array"><value>us</value><value>smb</value></value></custom_field></custom_fields>"#,
        ),
        (
            "escaping markup in text and attributes",
            Document::new(
                "note",
                element(|e| {
                    e.attr("name", r#"A "quoted" <b> & 'it'"#).value("content", r#"<&>"'"#);
                }),
            ),
            r#"{"note":{"name":"A \"quoted\" <b> & 'it'","content":"<&>\"'"}}"#,
            r#"<note name="A &quot;quoted&quot; &lt;b&gt; &amp; &apos;it&apos;"><content>&lt;&amp;&gt;&quot;&apos;</content></note>"#,
        ),
        (
            "non-ASCII passes as UTF-8 in both; line breaks and tabs as text in XML, escaped in JSON",
            Document::new(
                "note",
                element(|e| {
                    e.value("content", "Zoë Ünal — 東京 😀\nline two\tend");
                }),
            ),
            r#"{"note":{"content":"Zoë Ünal — 東京 😀\nline two\tend"}}"#,
            "<note><content>Zoë Ünal — 東京 😀\nline two\tend</content></note>",
        ),
        (
            "text XML 1.0 cannot carry becomes U+FFFD in XML; JSON escapes it",
            Document::new(
                "note",
                element(|e| {
                    e.attr("name", "a\u{1}b").value("content", "bell\u{7} nul\u{0} \u{FFFE}");
                }),
            ),
            "{\"note\":{\"name\":\"a\\u0001b\",\"content\":\"bell\\u0007 nul\\u0000 \u{FFFE}\"}}",
            "<note name=\"a\u{FFFD}b\"><content>bell\u{FFFD} nul\u{FFFD} \u{FFFD}</content></note>",
        ),
        (
            "a root scalar and a root nil",
            Document::new("count", Node::Value(Scalar::Int(3))),
            r#"{"count":3}"#,
            "<count>3</count>",
        ),
        ("a root nil", Document::new("nothing", Node::Value(Scalar::Null)), r#"{"nothing":null}"#, "<nothing/>"),
    ]
}

#[test]
fn each_tree_renders_as_its_json_and_its_xml() {
    for (what, doc, expected_json, expected_xml) in cases() {
        let json = String::from_utf8(json::render(&doc)).expect("UTF-8 JSON");
        assert_eq!(json, expected_json, "JSON of {what}");
        let xml = String::from_utf8(xml::render(&doc)).expect("UTF-8 XML");
        assert_eq!(xml, format!("{DECL}{expected_xml}"), "XML of {what}");
    }
}

/// Every XML case parses, so an escaping slip cannot hide behind an expected string written
/// with the same slip.
#[test]
fn each_xml_rendering_is_well_formed() {
    for (what, doc, _, _) in cases() {
        let xml = xml::render(&doc);
        let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
        let mut buf = Vec::new();
        let mut depth = 0i32;
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{what}: {e}: {}", String::from_utf8_lossy(&xml)),
            }
            buf.clear();
        }
        assert_eq!(depth, 0, "{what}");
    }
}
