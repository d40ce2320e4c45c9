//! `/projects` and memberships.

use contacts_server::format::Format;
use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn a_user_creates_a_project_and_becomes_its_manager() {
    let app = TestApp::spawn().await;
    // Redmine's global add_project: the Manager role grants it, wherever the user holds it.
    app.project("base", false).await;
    let user = app.member("pm", "base", "Manager").await;
    for format in Format::API {
        let ident = if format == Format::Json { "alpha" } else { "beta" };
        let res = user
            .post(
                format,
                "/projects",
                json!({"project": {"name": "Alpha", "identifier": ident, "description": "d", "is_public": false}}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("project.id");
        assert_eq!(res.str("project.identifier"), ident);
        assert_eq!(res.str("project.is_public"), "false");
        for reference in [ident.to_string(), id.to_string()] {
            assert_eq!(user.get(format, &format!("/projects/{reference}")).await.str("project.name"), "Alpha");
        }
        let members = user.get(format, &format!("/projects/{ident}/memberships")).await;
        assert_eq!(members.ids("memberships").len(), 1, "{}", members.text);
        assert_eq!(members.str("memberships.0.user.id"), user.id.to_string());
        assert_eq!(members.str("memberships.0.roles.0.name"), "Manager");
        if format == Format::Xml {
            let membership = members.int("memberships.0.id");
            members.assert_xml_at(
                "",
                &format!(
                    r#"<memberships type="array" total_count="1" offset="0" limit="25">
                        <membership>
                            <id>{membership}</id>
                            <project id="{id}" name="Alpha"/>
                            <user id="{}" name="pm Tester"/>
                            <roles type="array"><role id="1" name="Manager"/></roles>
                        </membership>
                    </memberships>"#,
                    user.id
                ),
            );
        }
        let created =
            user.post(format, &format!("/projects/{ident}/contacts"), json!({"contact": {"first_name": "Mine"}})).await;
        assert_eq!(created.status, 201, "a manager adds contacts");
        assert_eq!(
            user.put(format, &format!("/projects/{ident}"), json!({"project": {"name": "Alpha 2"}})).await.status,
            204
        );
        assert_eq!(user.get(format, &format!("/projects/{id}")).await.str("project.name"), "Alpha 2");
        assert_eq!(user.delete(format, &format!("/projects/{id}")).await.status, 403, "deleting is for admins");
        let bad = user.post(format, "/projects", json!({"project": {"name": "", "identifier": "9bad"}})).await;
        assert_eq!(bad.errors(), vec!["Name cannot be blank", "Identifier is invalid"]);
        let taken = user.post(format, "/projects", json!({"project": {"name": "X", "identifier": ident}})).await;
        assert_eq!(taken.errors(), vec!["Identifier has already been taken"]);
    }
}

#[actix_web::test]
async fn private_projects_are_hidden_from_non_members_and_listed_for_members() {
    let app = TestApp::spawn().await;
    app.project("hidden", false).await;
    app.project("shown", true).await;
    let outsider = app.user("o").await;
    let member = app.member("m", "hidden", "Reporter").await;
    for format in Format::API {
        assert_eq!(outsider.get(format, "/projects/hidden").await.status, 403);
        assert_eq!(outsider.get(format, "/projects/nothing").await.status, 404);
        assert_eq!(outsider.get(format, "/projects").await.meta("total_count"), Some(1));
        assert_eq!(member.get(format, "/projects").await.meta("total_count"), Some(2));
        assert_eq!(app.admin().get(format, "/projects").await.meta("total_count"), Some(2));
    }
}

#[actix_web::test]
async fn memberships_are_added_changed_and_removed() {
    let app = TestApp::spawn().await;
    app.project("crm", false).await;
    let user = app.user("u").await;
    for format in Format::API {
        let res = app
            .admin()
            .post(format, "/projects/crm/memberships", json!({"membership": {"user_id": user.id, "role_ids": [2]}}))
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.int("membership.id");
        assert_eq!(res.str("membership.roles.0.name"), "Reporter");
        assert_eq!(user.get(format, "/projects/crm/contacts").await.status, 200);
        assert_eq!(
            user.post(format, "/projects/crm/contacts", json!({"contact": {"first_name": "N"}})).await.status,
            403
        );
        assert_eq!(
            app.admin()
                .put(format, &format!("/memberships/{id}"), json!({"membership": {"role_ids": [1]}}))
                .await
                .status,
            204
        );
        assert_eq!(
            user.post(format, "/projects/crm/contacts", json!({"contact": {"first_name": "N"}})).await.status,
            201
        );
        assert_eq!(
            app.admin().get(format, &format!("/memberships/{id}")).await.str("membership.roles.0.name"),
            "Manager"
        );
        let dup = app
            .admin()
            .post(format, "/projects/crm/memberships", json!({"membership": {"user_id": user.id, "role_ids": [1]}}))
            .await;
        assert_eq!(dup.status, 422);
        let bad = app
            .admin()
            .post(format, "/projects/crm/memberships", json!({"membership": {"user_id": 999, "role_ids": [1]}}))
            .await;
        assert_eq!(bad.errors(), vec!["User is invalid"]);
        assert_eq!(app.admin().delete(format, &format!("/memberships/{id}")).await.status, 204);
        assert_eq!(user.get(format, "/projects/crm/contacts").await.status, 403);
    }
}

/// Creating a project needs admin or the global add_project (REDMINE_CRM.md §2, Redmine's
/// `authorize_global`): a Reporter, or a user in no project, is refused.
#[actix_web::test]
async fn only_admins_and_holders_of_add_project_create_projects() {
    let app = TestApp::spawn().await;
    app.project("base", false).await;
    let reporter = app.member("rep", "base", "Reporter").await;
    let nobody = app.user("nobody").await;
    app.role("Founder", "add_project");
    let founder = app.member("founder", "base", "Founder").await;
    for format in Format::API {
        for (actor, ident, status) in
            [(&reporter, "by-rep", 403), (&nobody, "by-nobody", 403), (&founder, "by-founder", 201)]
        {
            let body = json!({"project": {"name": ident, "identifier": format!("{ident}-{format:?}").to_lowercase()}});
            let res = actor.post(format, "/projects", body).await;
            assert_eq!(res.status, status, "{ident}: {}", res.text);
        }
    }
    let listed = app.admin().get(Format::Json, "/projects").await;
    assert_eq!(listed.meta("total_count"), Some(3), "base and the founder's two: {}", listed.text);
}

/// Deleting a project keeps its contacts, as Redmine does: those left in no project are the
/// admins' to find (`project_id=none`), read, fix, link to a project again or delete; nobody
/// else sees them unless they are public.
#[actix_web::test]
async fn contacts_of_a_deleted_project_stay_manageable_by_admins() {
    let app = TestApp::spawn().await;
    app.project("gone", false).await;
    app.project("kept", false).await;
    let manager = app.member("man", "kept", "Manager").await;
    app.add_member(&manager, "gone", "Manager").await;
    let admin = app.admin();
    let stranded = admin.create_contact("gone", json!({"first_name": "Stranded"})).await;
    let private = admin.create_contact("gone", json!({"first_name": "Hidden", "visibility": 2})).await;
    let public = admin.create_contact("gone", json!({"first_name": "Open", "visibility": 1})).await;
    let both = admin.create_contact("gone", json!({"first_name": "Both"})).await;
    let linked =
        admin.post(Format::Json, &format!("/contacts/{both}/projects"), json!({"project": {"id": "kept"}})).await;
    assert_eq!(linked.status, 204);
    assert_eq!(admin.delete(Format::Json, "/projects/gone").await.status, 204);
    for format in Format::API {
        let none = admin.get(format, "/contacts?project_id=none").await;
        assert_eq!(none.status, 200, "{}", none.text);
        assert_eq!(none.ids("contacts"), vec![public, private, stranded], "{}", none.text);
        assert_eq!(none.meta("total_count"), Some(3));
        assert_eq!(admin.get(format, &format!("/contacts/{stranded}")).await.status, 200);
        let put = admin.put(format, &format!("/contacts/{private}"), json!({"contact": {"job_title": "Kept"}})).await;
        assert_eq!(put.status, 204, "{}", put.text);
        // The manager of what is left sees the contact still in a project, and the public one.
        assert_eq!(manager.get(format, &format!("/contacts/{both}")).await.status, 200);
        assert_eq!(manager.get(format, &format!("/contacts/{public}")).await.status, 200);
        assert_eq!(manager.get(format, &format!("/contacts/{stranded}")).await.status, 403);
        assert_eq!(manager.get(format, "/contacts?project_id=none").await.meta("total_count"), Some(1));
    }
    let moved =
        admin.post(Format::Json, &format!("/contacts/{stranded}/projects"), json!({"project": {"id": "kept"}})).await;
    assert_eq!(moved.status, 204, "{}", moved.text);
    assert_eq!(manager.get(Format::Json, &format!("/contacts/{stranded}")).await.status, 200);
    assert_eq!(admin.delete(Format::Json, &format!("/contacts/{private}")).await.status, 204);
    assert_eq!(admin.get(Format::Json, "/contacts?project_id=none").await.ids("contacts"), vec![public]);
}
