//! The application: the whole route table on one screen, the middleware around it, and the
//! HTTP server.

use std::net::TcpListener;

use actix_web::middleware::{from_fn, Logger};
use actix_web::web::{self, delete, get, patch, post, put};
use actix_web::{App, HttpServer};

use crate::api::rate_limit::RateLimiter;
use crate::api::state::AppState;
use crate::api::{
    attachments, client_gone, conditional, contact_posts, contacts, custom_fields, deals, exports, issues, notes,
    projects, queries, search, tags, users, web_forms, webhooks,
};
use crate::auth::Logins;
use crate::config::Config;
use crate::db::Db;
use crate::error::Error;
use crate::format::{self, Format};

/// Routes a request by the format its suffix asked for (`.csv`, `.vcf`).
fn wants(format: Format) -> impl actix_web::guard::Guard {
    actix_web::guard::fn_guard(move |ctx| ctx.req_data().get::<Format>() == Some(&format))
}

/// Every route. Paths carry no suffix: the format middleware has already taken it off.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contacts")
            .route(get().guard(wants(Format::Csv)).to(exports::contacts_csv))
            .route(get().guard(wants(Format::Vcf)).to(exports::contacts_vcf))
            .route(get().to(contacts::list_contacts))
            .route(post().to(contact_posts::post_contact))
            .route(web::route().method(actix_web::http::Method::OPTIONS).to(contact_posts::preflight)),
    )
    // Before `/contacts/{id}`, which would otherwise take "search" as an id.
    .service(web::resource("/contacts/search").route(post().to(contacts::search_contacts)))
    .service(
        web::resource("/contacts/{id}")
            .route(get().guard(wants(Format::Vcf)).to(exports::contact_vcf))
            .route(get().to(contacts::show_contact))
            .route(put().to(contacts::update_contact))
            .route(patch().to(contacts::update_contact))
            .route(delete().to(contacts::delete_contact)),
    )
    .service(
        web::resource("/projects/{project}/contacts")
            .route(get().guard(wants(Format::Csv)).to(exports::project_contacts_csv))
            .route(get().guard(wants(Format::Vcf)).to(exports::project_contacts_vcf))
            .route(get().to(contacts::list_project_contacts))
            .route(post().to(contacts::create_project_contact)),
    )
    .service(web::resource("/contacts/{id}/projects").route(post().to(contacts::add_contact_project)))
    .service(web::resource("/contacts/{id}/employees").route(get().to(contacts::list_employees)))
    .service(web::resource("/contacts/{id}/reports").route(get().to(contacts::list_reports)))
    .service(web::resource("/contacts/{id}/archive").route(post().to(contacts::archive_contact)))
    .service(web::resource("/contacts/{id}/activate").route(post().to(contacts::activate_contact)))
    .service(web::resource("/contacts/{id}/set_primary").route(post().to(contacts::set_primary_contact)))
    .service(
        web::resource("/projects/{project}/contacts/external/{external_id}")
            .route(put().to(contacts::upsert_external_contact)),
    )
    .service(web::resource("/contacts/{id}/projects/{project}").route(delete().to(contacts::remove_contact_project)))
    .service(web::resource("/contacts/{id}/notes").route(post().to(notes::create_contact_note)))
    .service(web::resource("/contacts/{id}/issues").route(post().to(issues::link_issue)))
    .service(web::resource("/contacts/{id}/issues/{issue}").route(delete().to(issues::unlink_issue)))
    .service(web::resource("/notes").route(post().to(notes::create_note)))
    .service(
        web::resource("/notes/{id}")
            .route(get().to(notes::show_note))
            .route(put().to(notes::update_note))
            .route(patch().to(notes::update_note))
            .route(delete().to(notes::delete_note)),
    )
    .service(web::resource("/deals").route(get().to(deals::list_deals)).route(post().to(deals::create_deal)))
    .service(
        web::resource("/deals/{id}")
            .route(get().to(deals::show_deal))
            .route(put().to(deals::update_deal))
            .route(patch().to(deals::update_deal))
            .route(delete().to(deals::delete_deal)),
    )
    .service(
        web::resource("/projects/{project}/deals")
            .route(get().to(deals::list_project_deals))
            .route(post().to(deals::create_project_deal)),
    )
    .service(web::resource("/deal_statuses").route(get().to(deals::list_statuses)))
    .service(
        web::resource("/projects/{project}/deal_categories")
            .route(get().to(deals::list_categories))
            .route(post().to(deals::create_category)),
    )
    .service(
        web::resource("/deal_categories/{id}")
            .route(put().to(deals::update_category))
            .route(delete().to(deals::delete_category)),
    )
    .service(web::resource("/contacts_tags").route(get().to(tags::list_tags)))
    // Before `/contacts_tags/{id}`, which would otherwise take "merge" as an id.
    .service(web::resource("/contacts_tags/merge").route(post().to(tags::merge_tags)))
    .service(
        web::resource("/contacts_tags/{id}")
            .route(put().to(tags::update_tag))
            .route(patch().to(tags::update_tag))
            .route(delete().to(tags::delete_tag)),
    )
    .service(
        web::resource("/crm_queries").route(get().to(queries::list_queries)).route(post().to(queries::create_query)),
    )
    .service(web::resource("/crm_queries/{id}").route(delete().to(queries::delete_query)))
    .service(
        web::resource("/custom_fields")
            .route(get().to(custom_fields::list_fields))
            .route(post().to(custom_fields::create_field)),
    )
    .service(
        web::resource("/custom_fields/{id}")
            .route(get().to(custom_fields::show_field))
            .route(put().to(custom_fields::update_field))
            .route(patch().to(custom_fields::update_field))
            .route(delete().to(custom_fields::delete_field)),
    )
    .service(
        web::resource("/projects").route(get().to(projects::list_projects)).route(post().to(projects::create_project)),
    )
    .service(
        web::resource("/projects/{project}")
            .route(get().to(projects::show_project))
            .route(put().to(projects::update_project))
            .route(delete().to(projects::delete_project)),
    )
    .service(
        web::resource("/projects/{project}/memberships")
            .route(get().to(projects::list_memberships))
            .route(post().to(projects::create_membership)),
    )
    .service(
        web::resource("/memberships/{id}")
            .route(get().to(projects::show_membership))
            .route(put().to(projects::update_membership))
            .route(delete().to(projects::delete_membership)),
    )
    .service(
        web::resource("/projects/{project}/web_forms")
            .route(get().to(web_forms::list_forms))
            .route(post().to(web_forms::create_form)),
    )
    .service(
        web::resource("/web_forms/{id}")
            .route(get().to(web_forms::show_form))
            .route(put().to(web_forms::update_form))
            .route(delete().to(web_forms::delete_form)),
    )
    .service(web::resource("/web_forms/{id}/form.html").route(get().to(web_forms::form_html)))
    .service(web::resource("/attachments/{id}").route(get().to(attachments::show_attachment)))
    .service(web::resource("/attachments/download/{id}/{filename}").route(get().to(attachments::download)))
    .service(web::resource("/uploads").route(post().to(attachments::upload)))
    .service(web::resource("/search").route(get().to(search::search)))
    .service(web::resource("/users/current").route(get().to(users::current_user)))
    .service(web::resource("/users").route(get().to(users::list_users)).route(post().to(users::create_user)))
    .service(
        web::resource("/users/{id}")
            .route(get().to(users::show_user))
            .route(put().to(users::update_user))
            .route(delete().to(users::delete_user)),
    )
    .service(web::resource("/roles").route(get().to(users::list_roles)))
    .service(web::resource("/roles/{id}").route(get().to(users::show_role)))
    .service(
        web::resource("/webhooks").route(get().to(webhooks::list_webhooks)).route(post().to(webhooks::create_webhook)),
    )
    .service(
        web::resource("/projects/{project}/webhooks")
            .route(get().to(webhooks::list_project_webhooks))
            .route(post().to(webhooks::create_project_webhook)),
    )
    .service(
        web::resource("/webhooks/{id}")
            .route(get().to(webhooks::show_webhook))
            .route(put().to(webhooks::update_webhook))
            .route(patch().to(webhooks::update_webhook))
            .route(delete().to(webhooks::delete_webhook)),
    )
    .service(web::resource("/webhooks/{id}/test").route(post().to(webhooks::test_webhook)))
    .service(web::resource("/webhooks/{id}/deliveries").route(get().to(webhooks::list_deliveries)))
    .service(web::resource("/webhooks/{id}/deliveries/{delivery}/redeliver").route(post().to(webhooks::redeliver)));
}

/// Starts the HTTP server on `listener` (already bound, so tests can use port 0).
pub fn serve(listener: TcpListener, db: Db, config: &Config) -> std::io::Result<actix_web::dev::Server> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let logins = Logins::new(config.logins, config.password_checks.unwrap_or(cores));
    // This instance's webhook delivery worker, on the runtime the server runs on.
    actix_web::rt::spawn(crate::webhooks::run(db.clone(), config.webhooks));
    let state = web::Data::new(AppState {
        db,
        forms: config.forms,
        limiter: RateLimiter::per_minute(),
        logins,
        webhooks: config.webhooks,
    });
    let body_limits = web::Data::new(config.body);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(body_limits.clone())
            // A path segment that is not the id it should be means no such resource.
            .app_data(web::PathConfig::default().error_handler(|_, _| Error::NotFound.into()))
            .configure(routes)
            .default_service(web::to(|| async { Err::<actix_web::HttpResponse, Error>(Error::NotFound) }))
            .wrap(from_fn(format::negotiate))
            // Outside `negotiate`, so it tags the body as it goes out, errors rendered.
            .wrap(from_fn(conditional::etag))
            .wrap(from_fn(client_gone::stop_when_gone))
            // The path only (%U): a query string may carry `key=`, which must never reach a log.
            .wrap(
                Logger::new(r#"%{method}xi %U %s %b %Dms"#)
                    .custom_request_replace("method", |req| req.method().to_string()),
            )
    })
    .on_connect(client_gone::remember_socket)
    .listen(listener)?;
    let workers = config.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // As many blocking threads as there are connections to give them: more would only wait on
    // the pool, each holding a thread and its allocator heap (RSS grew past 250 MB that way).
    let blocking = (config.db.pool_size as usize).div_ceil(workers).max(1);
    Ok(server.workers(workers).worker_max_blocking_threads(blocking).run())
}
