//! `POST /contacts` from anywhere: API clients, and the public web forms of the plugin (a user's
//! `key` in the body) or of ours (a web form's scoped key). A post from a browser — no suffix,
//! or a `back_url` — is answered for a person: a 303 to a page the form allows, a thank-you
//! page, or an HTML page listing what to correct.

use actix_web::http::header;
use actix_web::web::{self, Data};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder};

use super::input;
use crate::api::state::AppState;
use crate::auth;
use crate::domain::access::Viewer;
use crate::domain::contacts::{self, Includes};
use crate::domain::web_forms::{self, origin_of};
use crate::error::Error;
use crate::format::body::Body;
use crate::format::{own_origin, Document, Element, Format, Reply};
use crate::views::{contacts as views, pages};

/// The field a person never sees (it sits off-screen in the embeddable form) and bots fill in.
const HONEYPOT: &str = "nickname";

pub async fn post_contact(
    req: HttpRequest,
    state: Data<AppState>,
    viewer: Viewer,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    match answer_post(&req, &state, viewer, payload).await {
        Ok(res) => Ok(res),
        // A `fetch()` from a web form's site must be able to read why its post was refused.
        Err(err) => {
            if looks_like_form_post(&req) && !matches!(err, Error::RateLimited { .. }) {
                count_form_post("refused");
            }
            let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
            let allowed = match origin.clone() {
                Some(o) => state.db.run(move |conn| web_forms::origin_allowed(conn, &o)).await.unwrap_or(false),
                None => false,
            };
            Ok(with_cors(HttpResponse::from_error(err), origin.filter(|_| allowed)))
        }
    }
}

async fn answer_post(
    req: &HttpRequest,
    state: &AppState,
    viewer: Viewer,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    // A form post without a key in its headers is counted per client address before its body
    // is read, so a flood of (even broken) bodies costs little. API clients are not limited.
    let form_type =
        req.content_type() == "multipart/form-data" || req.content_type() == "application/x-www-form-urlencoded";
    if matches!(viewer, Viewer::Anonymous) && (form_type || Format::of(req) == Format::Html) {
        let ip = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
        state.limiter.check(&format!("ip:{ip}"), state.forms.per_ip_per_minute).inspect_err(|_| {
            count_form_post("rate_limited");
        })?;
    }
    let body = Body::from_request(req, &mut payload.into_inner()).await?;
    let browser = Format::of(req) == Format::Html || body.text("back_url").is_some();
    if browser {
        // Errors from here on are rendered as a page for a person.
        req.extensions_mut().insert(Format::Html);
    }
    let body_key = body.text("key").map(str::to_string);
    let viewer = match (viewer, &body_key) {
        (Viewer::Anonymous, Some(key)) => auth::viewer_for_key(state, key).await?,
        (viewer, _) => viewer,
    };
    let form_post = body_key.is_some() || browser || matches!(viewer, Viewer::Form(_));
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    match &viewer {
        Viewer::Anonymous => return Err(Error::Unauthenticated { challenge: !browser }),
        // The setting that keeps users' keys out of public HTML: only scoped keys may post.
        Viewer::User(_) if body_key.is_some() && !state.forms.allow_user_keys => return Err(Error::Forbidden),
        Viewer::Form(form) => {
            state.limiter.check(&format!("form:{}", form.id), state.forms.per_form_per_minute).inspect_err(|_| {
                count_form_post("rate_limited");
            })?;
            if let Some(origin) = &origin {
                if form.origins().next().is_some() && !form.allows_origin(origin) {
                    return Err(Error::Forbidden);
                }
            }
        }
        Viewer::User(_) => {}
    }
    let back_url = match body.text("back_url") {
        Some(url) if redirect_allowed(req, &viewer, url) => Some(url.to_string()),
        Some(_) => {
            return Err(Error::BadRequest(
                "back_url points to a site this form may not send you to, or is not a plain URL (visible ASCII, \
                 the rest percent-encoded)"
                    .into(),
            ))
        }
        None => None,
    };
    let redirect = if browser { None } else { success_redirect(req, &viewer, &body)? };
    let mut input = input::contacts::contact(body.section("contact")?, body.0.get("project_id"), state.phone_format);
    input.avatar = input::contacts::avatar(&body).or(input.avatar);
    let success_url = match &viewer {
        Viewer::Form(form) => form.success_url.clone(),
        _ => None,
    };
    let cors = match (&viewer, &origin) {
        (Viewer::Form(form), Some(origin)) if form.allows_origin(origin) => Some(origin.clone()),
        _ => None,
    };

    if form_post && body.text(HONEYPOT).is_some() {
        // A bot: it is told it succeeded, and nothing is stored.
        tracing::info!("a form post filled the honeypot field; ignored");
        count_form_post("honeypot");
        let name = match &input.first_name {
            Some(Some(name)) => name.clone(),
            _ => String::new(),
        };
        let reply = if browser {
            browser_success(back_url.or(success_url), &name)
        } else if let Some(url) = redirect {
            found(&url)
        } else {
            let mut e = Element::new();
            e.value("first_name", name);
            // As a real create answers, so the bot learns nothing.
            let mut res = Reply::ok(Document::new("contact", e)).respond_to(req).map_into_boxed_body();
            *res.status_mut() = actix_web::http::StatusCode::CREATED;
            res
        };
        return Ok(with_cors(reply, cors));
    }

    let contact = state
        .db
        .run(move |conn| match &viewer {
            Viewer::Form(form) => contacts::create_from_form(conn, form, input),
            Viewer::User(user) => contacts::create(conn, user, None, input),
            Viewer::Anonymous => Err(Error::Unauthenticated { challenge: false }),
        })
        .await?;
    if form_post {
        count_form_post("accepted");
    }
    let reply = if browser {
        browser_success(back_url.or(success_url), &contact.row.first_name)
    } else if let Some(url) = redirect {
        found(&url)
    } else {
        let doc = views::show(&contact, &Includes::default());
        Reply::created(doc, format!("/contacts/{}", contact.row.id)).respond_to(req).map_into_boxed_body()
    };
    Ok(with_cors(reply, cors))
}

/// A post from a web form or a browser (a key-less form body, or an HTML answer wanted).
fn looks_like_form_post(req: &HttpRequest) -> bool {
    let form_type =
        req.content_type() == "multipart/form-data" || req.content_type() == "application/x-www-form-urlencoded";
    form_type || Format::of(req) == Format::Html
}

/// `web_form_posts_total{outcome}`.
fn count_form_post(outcome: &'static str) {
    metrics::counter!(crate::telemetry::names::FORM_POSTS, "outcome" => outcome).increment(1);
}

/// The plugin's `redirect_on_success`: an API create answers 302 to it rather than 201 when
/// it is an `http://` or `https://` URL (anything else is ignored, as in the plugin). A web
/// form's key may send a browser only where the form allows, as with `back_url`.
pub fn success_redirect(req: &HttpRequest, viewer: &Viewer, body: &Body) -> Result<Option<String>, Error> {
    let Some(url) = body.text("redirect_on_success") else { return Ok(None) };
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Ok(None);
    }
    let allowed = match viewer {
        Viewer::Form(_) => redirect_allowed(req, viewer, url),
        _ => url.bytes().all(|b| b.is_ascii_graphic()),
    };
    if !allowed {
        return Err(Error::BadRequest(
            "redirect_on_success points to a site this form may not send you to, or is not a plain URL (visible \
             ASCII, the rest percent-encoded)"
                .into(),
        ));
    }
    Ok(Some(url.to_string()))
}

fn found(url: &str) -> HttpResponse {
    HttpResponse::Found().insert_header((header::LOCATION, url)).finish()
}

/// A 303 to where the form says, or the thank-you page.
fn browser_success(redirect: Option<String>, name: &str) -> HttpResponse {
    match redirect {
        Some(url) => HttpResponse::SeeOther().insert_header((header::LOCATION, url)).finish(),
        None => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, Format::Html.content_type()))
            .body(pages::thank_you(name, None)),
    }
}

fn with_cors(mut res: HttpResponse, origin: Option<String>) -> HttpResponse {
    if let Some(origin) = origin.and_then(|o| header::HeaderValue::from_str(&o).ok()) {
        res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        res.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Origin"));
    }
    res
}

/// A web form may send a browser to its success URL's site and its allowed origins; a post with
/// a user's key, to this server or to the site the post came from.
fn redirect_allowed(req: &HttpRequest, viewer: &Viewer, url: &str) -> bool {
    // A Location header holds visible ASCII only: a line break would end it (and begin a
    // header of the sender's choosing).
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    if url.starts_with('/') && !url.starts_with("//") && !url.contains('\\') {
        return true;
    }
    match viewer {
        Viewer::Form(form) => form.allows_redirect_to(url),
        _ => {
            let Some(target) = origin_of(url) else { return false };
            let own = own_origin(req).to_ascii_lowercase();
            let from = [header::ORIGIN, header::REFERER]
                .iter()
                .filter_map(|h| req.headers().get(h).and_then(|v| v.to_str().ok()).and_then(origin_of))
                .next();
            target == own || from.as_deref() == Some(target.as_str())
        }
    }
}

/// A CORS preflight for `fetch()` posts from a web form's site: allowed origins get the go-ahead,
/// others a 403 (and no CORS headers, so the browser refuses too).
pub async fn preflight(req: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, Error> {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string) else {
        return Err(Error::BadRequest("a CORS preflight needs an Origin".into()));
    };
    let checked = origin.clone();
    if !state.db.run(move |conn| web_forms::origin_allowed(conn, &checked)).await? {
        return Err(Error::Forbidden);
    }
    let res = HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type, X-Redmine-API-Key"))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .finish();
    Ok(with_cors(res, Some(origin)))
}
