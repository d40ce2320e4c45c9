//! The application: the whole route table on one screen, the middleware around it, and the
//! HTTP server.

use std::net::TcpListener;

use actix_web::middleware::from_fn;
use actix_web::web;
use actix_web::{App, HttpServer};

use crate::api::rate_limit::{self, RateLimiter};
use crate::api::route_table::RouteTable;
use crate::api::state::AppState;
use crate::api::{
    attachments, client_gone, conditional, contact_posts, contacts, custom_fields, deals, docs, exports, issues, notes,
    observe, probes, projects, queries, search, tags, users, web_forms, webhooks,
};
use crate::auth::Logins;
use crate::config::Config;
use crate::db::Db;
use crate::error::Error;
use crate::format::{self, Format};
use crate::store::list_blocks;

/// Every route. Paths carry no suffix: the format middleware has already taken it off. Adding
/// one is a line here and its operation in `openapi::operations` (a test names what is missing).
pub fn routes(r: &mut RouteTable) {
    r.at("/contacts")
        .get_as(Format::Csv, exports::contacts_csv)
        .get_as(Format::Vcf, exports::contacts_vcf)
        .get(contacts::list_contacts)
        .post(contact_posts::post_contact)
        .options(contact_posts::preflight);
    // Before `/contacts/{id}`, which would otherwise take "search" as an id.
    r.at("/contacts/search").post(contacts::search_contacts);
    r.at("/contacts/{id}")
        .get_as(Format::Vcf, exports::contact_vcf)
        .get(contacts::show_contact)
        .put(contacts::update_contact)
        .patch(contacts::update_contact)
        .delete(contacts::delete_contact);
    r.at("/projects/{project}/contacts")
        .get_as(Format::Csv, exports::project_contacts_csv)
        .get_as(Format::Vcf, exports::project_contacts_vcf)
        .get(contacts::list_project_contacts)
        .post(contacts::create_project_contact);
    r.at("/projects/{project}/contacts/{id}").get(contacts::show_project_contact);
    r.at("/contacts/{id}/projects").post(contacts::add_contact_project);
    r.at("/contacts/{id}/employees").get(contacts::list_employees);
    r.at("/contacts/{id}/reports").get(contacts::list_reports);
    r.at("/contacts/{id}/archive").post(contacts::archive_contact);
    r.at("/contacts/{id}/activate").post(contacts::activate_contact);
    r.at("/contacts/{id}/set_primary").post(contacts::set_primary_contact);
    r.at("/projects/{project}/contacts/external/{external_id}").put(contacts::upsert_external_contact);
    r.at("/contacts/{id}/projects/{project}").delete(contacts::remove_contact_project);
    r.at("/contacts/{id}/notes").post(notes::create_contact_note);
    r.at("/contacts/{id}/issues").post(issues::link_issue);
    r.at("/contacts/{id}/issues/{issue}").delete(issues::unlink_issue);
    r.at("/notes").post(notes::create_note);
    r.at("/notes/{id}")
        .get(notes::show_note)
        .put(notes::update_note)
        .patch(notes::update_note)
        .delete(notes::delete_note);
    r.at("/deals").get(deals::list_deals).post(deals::create_deal);
    r.at("/deals/{id}")
        .get(deals::show_deal)
        .put(deals::update_deal)
        .patch(deals::update_deal)
        .delete(deals::delete_deal);
    r.at("/projects/{project}/deals").get(deals::list_project_deals).post(deals::create_project_deal);
    r.at("/deal_statuses").get(deals::list_statuses);
    r.at("/projects/{project}/deal_categories").get(deals::list_categories).post(deals::create_category);
    r.at("/deal_categories/{id}").put(deals::update_category).delete(deals::delete_category);
    r.at("/contacts_tags").get(tags::list_tags);
    // Before `/contacts_tags/{id}`, which would otherwise take "merge" as an id.
    r.at("/contacts_tags/merge").post(tags::merge_tags);
    r.at("/contacts_tags/{id}").put(tags::update_tag).patch(tags::update_tag).delete(tags::delete_tag);
    r.at("/crm_queries").get(queries::list_queries).post(queries::create_query);
    r.at("/crm_queries/{id}").delete(queries::delete_query);
    r.at("/custom_fields").get(custom_fields::list_fields).post(custom_fields::create_field);
    r.at("/custom_fields/{id}")
        .get(custom_fields::show_field)
        .put(custom_fields::update_field)
        .patch(custom_fields::update_field)
        .delete(custom_fields::delete_field);
    r.at("/projects").get(projects::list_projects).post(projects::create_project);
    r.at("/projects/{project}")
        .get(projects::show_project)
        .put(projects::update_project)
        .delete(projects::delete_project);
    r.at("/projects/{project}/memberships").get(projects::list_memberships).post(projects::create_membership);
    r.at("/memberships/{id}")
        .get(projects::show_membership)
        .put(projects::update_membership)
        .delete(projects::delete_membership);
    r.at("/projects/{project}/web_forms").get(web_forms::list_forms).post(web_forms::create_form);
    r.at("/web_forms/{id}").get(web_forms::show_form).put(web_forms::update_form).delete(web_forms::delete_form);
    r.at("/web_forms/{id}/form.html").get(web_forms::form_html);
    r.at("/attachments/{id}").get(attachments::show_attachment);
    r.at("/attachments/download/{id}/{filename}").get(attachments::download);
    r.at("/uploads").post(attachments::upload);
    r.at("/search").get(search::search);
    r.at("/users/current").get(users::current_user);
    r.at("/users").get(users::list_users).post(users::create_user);
    r.at("/users/{id}").get(users::show_user).put(users::update_user).delete(users::delete_user);
    r.at("/roles").get(users::list_roles);
    r.at("/roles/{id}").get(users::show_role);
    r.at("/webhooks").get(webhooks::list_webhooks).post(webhooks::create_webhook);
    r.at("/projects/{project}/webhooks").get(webhooks::list_project_webhooks).post(webhooks::create_project_webhook);
    r.at("/webhooks/{id}")
        .get(webhooks::show_webhook)
        .put(webhooks::update_webhook)
        .patch(webhooks::update_webhook)
        .delete(webhooks::delete_webhook);
    r.at("/webhooks/{id}/test").post(webhooks::test_webhook);
    r.at("/webhooks/{id}/deliveries").get(webhooks::list_deliveries);
    r.at("/webhooks/{id}/deliveries/{delivery}/redeliver").post(webhooks::redeliver);
    r.at("/health").get(probes::health);
    r.at("/ready").get(probes::ready);
    r.at("/metrics").get(probes::metrics);
    // Served as `/openapi.json`: the suffix is taken off like any other.
    r.at("/openapi").get(docs::openapi_json);
    r.at("/docs").get(docs::docs_page);
}

/// The table `routes` builds: what the server registers and the OpenAPI document lists.
pub fn route_table() -> RouteTable {
    let mut table = RouteTable::default();
    routes(&mut table);
    table
}

/// Cuts the contact list's blocks that writes made too large (`store::list_blocks`), about once
/// a second, for as long as the server's state lives. Any instance may: each cut is a
/// transaction that holds the contacts' writes.
fn spawn_block_splitter(state: &web::Data<AppState>, rows: i64) {
    let state = std::sync::Arc::downgrade(&state.clone().into_inner());
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            let Some(state) = state.upgrade() else { break };
            let cut = state
                .db
                .run_uncounted(move |conn| {
                    if !list_blocks::needs_split(conn, rows)? {
                        return Ok(0);
                    }
                    Ok(list_blocks::split(conn, rows)?)
                })
                .await;
            if let Err(err) = cut {
                tracing::warn!(error = %err, "cutting the contact list's blocks failed; retrying");
            }
        }
    });
}

/// Starts the HTTP server on `listener` (already bound, so tests can use port 0), and on
/// `config.metrics.bind` when set, a listener serving `/metrics` alone.
pub fn serve(listener: TcpListener, db: Db, config: &Config) -> std::io::Result<actix_web::dev::Server> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let logins = Logins::new(config.logins, config.password_checks.unwrap_or(cores));
    // This instance's webhook delivery worker, on the runtime the server runs on, with a
    // connection of its own (requests keep the whole pool).
    let worker_db = db.beside(1).unwrap_or_else(|e| {
        tracing::warn!("webhook worker: no connection of its own ({e:#}); it shares the pool");
        db.clone()
    });
    actix_web::rt::spawn(crate::webhooks::run(worker_db, config.webhooks));
    let state = web::Data::new(AppState {
        db,
        forms: config.forms,
        limiter: RateLimiter::per_minute(),
        api_limits: config.api_limits,
        api_limiter: RateLimiter::shared(config.api_limits.window),
        phone_format: config.phone_format,
        logins,
        webhooks: config.webhooks,
    });
    rate_limit::spawn_reconcile(&state);
    spawn_block_splitter(&state, config.list_block_rows);
    let body_limits = web::Data::new(config.body);
    let metrics_listener = match &config.metrics.bind {
        Some(bind) => Some(
            TcpListener::bind(bind)
                .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {bind} for /metrics: {e}")))?,
        ),
        None => None,
    };
    let metrics_access = web::Data::new(probes::MetricsAccess {
        token: config.metrics.token.clone(),
        listener: metrics_listener.as_ref().map(|l| l.local_addr()).transpose()?,
    });
    // Installed before the first request, so its counts start at the first.
    crate::telemetry::metrics();
    let docs = web::Data::new(docs::ApiDocs::new(route_table().routes()));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(body_limits.clone())
            .app_data(metrics_access.clone())
            .app_data(docs.clone())
            // A path segment that is not the id it should be means no such resource.
            .app_data(web::PathConfig::default().error_handler(|_, _| Error::NotFound.into()))
            .configure(|cfg| route_table().register(cfg))
            .default_service(web::to(|| async { Err::<actix_web::HttpResponse, Error>(Error::NotFound) }))
            .wrap(from_fn(probes::metrics_listener_apart))
            // Inside `negotiate`: it needs the format, and its 429 gets a body there.
            .wrap(from_fn(rate_limit::limit_api))
            .wrap(from_fn(format::negotiate))
            // Outside `negotiate`, so it tags the body as it goes out, errors rendered.
            .wrap(from_fn(conditional::etag))
            .wrap(from_fn(client_gone::stop_when_gone))
            // Outermost: its id, log line and metrics see every answer as it leaves.
            .wrap(from_fn(observe::observe))
    })
    .on_connect(client_gone::remember_socket)
    // On SIGTERM: stop accepting, let requests in flight finish for this long.
    .shutdown_timeout(config.shutdown_grace.as_secs())
    .listen(listener)?;
    let server = match metrics_listener {
        Some(metrics_listener) => server.listen(metrics_listener)?,
        None => server,
    };
    let workers = config.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // As many blocking threads as there are connections to give them: more would only wait on
    // the pool, each holding a thread and its allocator heap (RSS grew past 250 MB that way).
    let blocking = (config.db.pool_size as usize).div_ceil(workers).max(1);
    Ok(server.workers(workers).worker_max_blocking_threads(blocking).run())
}
