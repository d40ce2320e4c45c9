//! Who may do what with which contact: the plugin's rules (REDMINE_CRM.md §3.7, issue 21) as
//! one table, checked through every way a contact can be reached. The table is the
//! documentation: README's "Permissions" section links here.
//!
//! Two projects, both private to their members: `alpha`, where the actors are members, and
//! `beta`, where none is. In each, a project contact, a public one and a private one (the
//! private one in `alpha` written by `author` and assigned to `assignee`; the one in `beta`
//! also assigned to `assignee`, who cannot read `beta`). `Acme`, a public company in `alpha`,
//! employs all six; one deal in `alpha` names each of them, and each has a note.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

/// The contacts, by name: where they are and who may see them is in the name.
const CONTACTS: [&str; 7] = ["ProjectIn", "PublicIn", "PrivateIn", "ProjectOut", "PublicOut", "PrivateOut", "Acme"];
/// The contacts of `alpha`.
const IN_ALPHA: [&str; 4] = ["ProjectIn", "PublicIn", "PrivateIn", "Acme"];

/// One actor's row of the table.
struct Rule {
    actor: &'static str,
    /// The contacts shown (200) and listed, counted, searched and included; the rest are 403.
    sees: &'static [&'static str],
    /// The contacts a `PUT` changes (204), a note is added to (201) and a `DELETE` removes
    /// (204, tried on a fresh copy); the rest are 403.
    edits: &'static [&'static str],
    /// The contacts exported alone as a vCard (200); the rest are 403. The export of a list
    /// (`.csv`, `.vcf`) is 200 with the seen contacts when this is not empty, else 403.
    exports: &'static [&'static str],
    /// Whether the actor reads deals in `alpha` (a deal shows its contact only if seen).
    reads_deals: bool,
}

const READER_SEES: &[&str] = &["ProjectIn", "PublicIn", "PublicOut", "Acme"];
const PRIVATE_READER_SEES: &[&str] = &["ProjectIn", "PublicIn", "PrivateIn", "PublicOut", "Acme"];

const RULES: &[Rule] = &[
    // A user in no project reads contacts nowhere: not even the public ones.
    Rule { actor: "non-member", sees: &[], edits: &[], exports: &[], reads_deals: false },
    // Reporter: view_contacts, view_deals. Private contacts are not theirs to see.
    Rule { actor: "reporter", sees: READER_SEES, edits: &[], exports: &[], reads_deals: true },
    // Manager: every permission in alpha, view_private_contacts and export_contacts among them.
    Rule { actor: "manager", sees: PRIVATE_READER_SEES, edits: &IN_ALPHA, exports: &IN_ALPHA, reads_deals: true },
    // view_private_contacts alone: a superset of view_contacts.
    Rule { actor: "private-viewer", sees: PRIVATE_READER_SEES, edits: &[], exports: &[], reads_deals: false },
    // view_contacts and add_contacts: their own private contact too.
    Rule { actor: "author", sees: PRIVATE_READER_SEES, edits: &[], exports: &[], reads_deals: false },
    // A Reporter assigned both private contacts: only the one in a project they read.
    Rule { actor: "assignee", sees: PRIVATE_READER_SEES, edits: &[], exports: &[], reads_deals: true },
    Rule { actor: "admin", sees: &CONTACTS, edits: &CONTACTS, exports: &CONTACTS, reads_deals: true },
];

fn names(ids: &[i64], by_id: &[(String, i64)]) -> Vec<String> {
    let mut out: Vec<String> =
        ids.iter().map(|id| by_id.iter().find(|(_, i)| i == id).map_or(format!("#{id}"), |(n, _)| n.clone())).collect();
    out.sort();
    out
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    out.sort();
    out
}

#[actix_web::test]
async fn every_actor_reaches_exactly_the_contacts_the_plugin_allows() {
    let app = TestApp::spawn().await;
    app.project("alpha", false).await;
    app.project("beta", false).await;
    app.role("PrivateViewer", "view_private_contacts");
    app.role("Author", "view_contacts,add_contacts");
    let reporter = app.member("reporter", "alpha", "Reporter").await;
    let manager = app.member("manager", "alpha", "Manager").await;
    let private_viewer = app.member("private-viewer", "alpha", "PrivateViewer").await;
    let author = app.member("author", "alpha", "Author").await;
    let assignee = app.member("assignee", "alpha", "Reporter").await;
    let non_member = app.user("non-member").await;
    let admin = app.admin();

    let contact = |name: &str, visibility: i64| {
        let mut c = json!({"first_name": name, "visibility": visibility, "company": "Acme"});
        if visibility == 2 {
            c["assigned_to_id"] = json!(assignee.id);
        }
        c
    };
    let mut by_id = vec![
        ("ProjectIn".to_string(), admin.create_contact("alpha", contact("ProjectIn", 0)).await),
        ("PublicIn".to_string(), admin.create_contact("alpha", contact("PublicIn", 1)).await),
        ("PrivateIn".to_string(), author.create_contact("alpha", contact("PrivateIn", 2)).await),
        ("ProjectOut".to_string(), admin.create_contact("beta", contact("ProjectOut", 0)).await),
        ("PublicOut".to_string(), admin.create_contact("beta", contact("PublicOut", 1)).await),
        ("PrivateOut".to_string(), admin.create_contact("beta", contact("PrivateOut", 2)).await),
    ];
    let acme = json!({"first_name": "Acme", "is_company": true, "visibility": 1});
    by_id.push(("Acme".to_string(), admin.create_contact("alpha", acme).await));
    let id_of = |name: &str| by_id.iter().find(|(n, _)| n == name).unwrap().1;
    let mut deals = Vec::new();
    for (name, id) in &by_id {
        let body = json!({"deal": {"name": format!("Deal {name}"), "contact_id": id}});
        let res = admin.post(Format::Json, "/projects/alpha/deals", body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        deals.push((name.clone(), res.int("deal.id")));
    }
    let mut notes = Vec::new();
    for (name, id) in &by_id {
        let body = json!({"note": {"content": format!("About {name}")}});
        let res = admin.post(Format::Json, &format!("/contacts/{id}/notes"), body).await;
        assert_eq!(res.status, 201, "{}", res.text);
        notes.push((name.clone(), res.int("note.id")));
    }
    let form = admin.post(Format::Json, "/projects/alpha/web_forms", json!({"web_form": {"name": "Intake"}})).await;
    assert_eq!(form.status, 201, "{}", form.text);
    let form_key = app.as_key(&form.str("web_form.key"));
    let actors = [
        ("non-member", &non_member),
        ("reporter", &reporter),
        ("manager", &manager),
        ("private-viewer", &private_viewer),
        ("author", &author),
        ("assignee", &assignee),
        ("admin", &admin),
    ];

    for rule in RULES {
        let actor = actors.iter().find(|(name, _)| *name == rule.actor).unwrap().1;
        let who = rule.actor;
        let sees = sorted(rule.sees);
        for format in Format::API {
            // Lists, counts, search: reading contacts nowhere is the plugin's 403.
            for path in ["/contacts?limit=100", "/contacts?search=acme&limit=100"] {
                let list = actor.get(format, path).await;
                if sees.is_empty() {
                    assert_eq!(list.status, 403, "{who} {path}");
                    continue;
                }
                assert_eq!(list.status, 200, "{who} {path}: {}", list.text);
                assert_eq!(names(&list.ids("contacts"), &by_id), sees, "{who} {path} {format:?}");
                assert_eq!(list.meta("total_count"), Some(sees.len() as i64), "{who} {path} total");
            }
            let in_alpha = actor.get(format, "/projects/alpha/contacts?limit=100").await;
            if sees.is_empty() {
                assert_eq!(in_alpha.status, 403, "{who} alpha");
            } else {
                let expected: Vec<String> = sees.iter().filter(|n| IN_ALPHA.contains(&n.as_str())).cloned().collect();
                assert_eq!(names(&in_alpha.ids("contacts"), &by_id), expected, "{who} alpha");
                assert_eq!(in_alpha.meta("total_count"), Some(expected.len() as i64), "{who} alpha total");
            }
            let found = actor.get(format, "/search?q=acme&limit=100").await;
            assert_eq!(found.status, 200, "{who} /search: {}", found.text);
            assert_eq!(found.meta("total_count"), Some(sees.len() as i64), "{who} /search total");
            // One contact at a time.
            for (name, id) in &by_id {
                let shown = actor.get(format, &format!("/contacts/{id}")).await;
                let expected = if rule.sees.contains(&name.as_str()) { 200 } else { 403 };
                assert_eq!(shown.status, expected, "{who} shows {name}");
            }
            // A contact's notes, alone and included.
            for (name, note) in &notes {
                let shown = actor.get(format, &format!("/notes/{note}")).await;
                let expected = if rule.sees.contains(&name.as_str()) { 200 } else { 403 };
                assert_eq!(shown.status, expected, "{who} reads the note on {name}");
            }
            let with_notes = actor.get(format, &format!("/contacts/{}?include=notes", id_of("PublicIn"))).await;
            if rule.sees.contains(&"PublicIn") {
                let note = notes.iter().find(|(n, _)| n == "PublicIn").unwrap().1;
                assert!(with_notes.ids("contact.notes").contains(&note), "{who}: {}", with_notes.text);
            }
            // A company's employees.
            let company = actor.get(format, &format!("/contacts/{}?include=contacts", id_of("Acme"))).await;
            if rule.sees.contains(&"Acme") {
                let employees = company.ids("contact.contacts");
                let expected: Vec<String> = sees.iter().filter(|n| *n != "Acme").cloned().collect();
                assert_eq!(names(&employees, &by_id), expected, "{who} Acme's employees");
            }
            // A deal's contact.
            for (name, deal) in &deals {
                let shown = actor.get(format, &format!("/deals/{deal}")).await;
                if !rule.reads_deals {
                    assert_eq!(shown.status, 403, "{who} deal of {name}");
                    continue;
                }
                assert_eq!(shown.status, 200, "{who} deal of {name}: {}", shown.text);
                let contact = shown.at("deal.contact");
                assert_eq!(!contact.is_null(), rule.sees.contains(&name.as_str()), "{who} deal of {name}: {contact}");
            }
        }
        // Exports: a list needs export_contacts, and holds what the actor sees.
        let csv = actor.get(Format::Csv, "/contacts").await;
        let vcf = actor.get(Format::Vcf, "/contacts").await;
        if rule.exports.is_empty() {
            assert_eq!((csv.status, vcf.status), (403, 403), "{who} exports");
        } else {
            assert_eq!((csv.status, vcf.status), (200, 200), "{who} exports");
            let ids: Vec<i64> =
                csv.text.lines().skip(1).filter_map(|line| line.split(',').next()?.parse().ok()).collect();
            assert_eq!(names(&ids, &by_id), sees, "{who} CSV");
            assert_eq!(vcf.text.matches("BEGIN:VCARD").count(), sees.len(), "{who} vCards");
        }
        for (name, id) in &by_id {
            let card = actor.get(Format::Vcf, &format!("/contacts/{id}")).await;
            let expected = if rule.exports.contains(&name.as_str()) { 200 } else { 403 };
            assert_eq!(card.status, expected, "{who} exports {name}");
        }
        // Writes last: a change to a job title alters no one's rights.
        for (name, id) in &by_id {
            let put = actor.put(Format::Json, &format!("/contacts/{id}"), json!({"contact": {"job_title": who}})).await;
            let expected = if rule.edits.contains(&name.as_str()) { 204 } else { 403 };
            assert_eq!(put.status, expected, "{who} edits {name}: {}", put.text);
            // add_notes: Managers and admins, on contacts they may see.
            let note = json!({"note": {"content": format!("By {who}")}});
            let posted = actor.post(Format::Json, &format!("/contacts/{id}/notes"), note).await;
            let expected = if rule.edits.contains(&name.as_str()) { 201 } else { 403 };
            assert_eq!(posted.status, expected, "{who} adds a note to {name}: {}", posted.text);
        }
        // delete_contacts, on a fresh contact of each kind (made by the admin, as the others).
        for (name, project, visibility) in [
            ("ProjectIn", "alpha", 0),
            ("PublicIn", "alpha", 1),
            ("ProjectOut", "beta", 0),
            ("PublicOut", "beta", 1),
            ("PrivateOut", "beta", 2),
        ] {
            let id = admin.create_contact(project, contact(name, visibility)).await;
            let deleted = actor.delete(Format::Json, &format!("/contacts/{id}")).await;
            let expected = if rule.edits.contains(&name) { 204 } else { 403 };
            assert_eq!(deleted.status, expected, "{who} deletes a copy of {name}: {}", deleted.text);
            if deleted.status != 204 {
                assert_eq!(admin.delete(Format::Json, &format!("/contacts/{id}")).await.status, 204);
            }
        }
    }

    // Anonymous: every contact route asks for credentials; a web form's key opens none of them.
    for (actor, status) in [(&app.anonymous(), 401), (&form_key, 403)] {
        for format in Format::API {
            assert_eq!(actor.get(format, "/contacts").await.status, status);
            assert_eq!(actor.get(format, "/projects/alpha/contacts").await.status, status);
            assert_eq!(actor.get(format, "/search?q=acme").await.status, status);
            for (_, id) in &by_id {
                assert_eq!(actor.get(format, &format!("/contacts/{id}")).await.status, status);
            }
        }
        assert_eq!(actor.get(Format::Csv, "/contacts").await.status, status);
        assert_eq!(actor.get(Format::Vcf, &format!("/contacts/{}", id_of("PublicIn"))).await.status, status);
    }
}
