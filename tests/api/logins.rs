//! Password sign-ins under attack: guesses are throttled per login and per client address
//! (429 with `Retry-After`, in the database, cleared by the CLI), every failure is the same
//! bare 401 at the same cost, argon2 runs without a database connection, and `last_login_on`
//! is written at most once a minute.

use std::time::{Duration, Instant};

use contacts_server::config::Config;
use contacts_server::format::Format;

use crate::support::{Actor, Auth, Res, TestApp, PASSWORD};

/// A one-second first lockout, so that a test can wait for it to pass.
fn short_lockouts(c: &mut Config) {
    c.logins.lockout = Duration::from_secs(1);
    c.logins.max_lockout = Duration::from_secs(4);
}

fn basic<'a>(app: &'a TestApp, login: &str, password: &str) -> Actor<'a> {
    Actor { app, auth: Auth::Basic(login.into(), password.into()), id: 0 }
}

async fn sign_in(app: &TestApp, login: &str, password: &str) -> Res {
    basic(app, login, password).get(Format::Json, "/users/current").await
}

#[track_caller]
fn assert_locked(res: &Res, retry_after: &str) {
    assert_eq!(res.status, 429, "{}", res.text);
    assert_eq!(res.header("retry-after").as_deref(), Some(retry_after), "{}", res.text);
    assert_eq!(res.errors(), vec!["Too many requests, try again later"]);
}

#[actix_web::test]
async fn five_wrong_passwords_lock_the_login_and_a_right_one_after_the_lockout_resets_it() {
    let app = TestApp::spawn_with(|c| {
        short_lockouts(c);
        c.logins.max_failures_per_address = 0;
    })
    .await;
    app.user("mia").await;
    // A right password resets the count: four failures, a success, four more are no lockout.
    for _ in 0..4 {
        assert_eq!(sign_in(&app, "mia", "wrong").await.status, 401);
    }
    assert_eq!(sign_in(&app, "mia", PASSWORD).await.status, 200);
    for _ in 0..4 {
        assert_eq!(sign_in(&app, "mia", "wrong").await.status, 401);
    }
    // The fifth failure in the window is still a 401; from then on the login is locked, even
    // for the right password, in the request's format, and in any case of the login.
    assert_eq!(sign_in(&app, "mia", "wrong").await.status, 401);
    assert_locked(&sign_in(&app, "mia", PASSWORD).await, "1");
    let xml = basic(&app, "MIA", PASSWORD).get(Format::Xml, "/users/current").await;
    assert_eq!(xml.status, 429);
    assert_eq!(xml.header("content-type").as_deref(), Some("application/xml; charset=utf-8"));
    assert_eq!(xml.errors(), vec!["Too many requests, try again later"]);
    // Other logins from the same address, and the user's key, are not locked.
    assert_eq!(sign_in(&app, "admin", PASSWORD).await.status, 200);
    // After the lockout the right password signs in.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(sign_in(&app, "mia", PASSWORD).await.status, 200);
    // A success cleared the count and the doubling: five failures lock for one second again.
    for _ in 0..5 {
        assert_eq!(sign_in(&app, "mia", "wrong").await.status, 401);
    }
    assert_locked(&sign_in(&app, "mia", "wrong").await, "1");
    // Without a success between them, each next lockout is twice as long.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..5 {
        assert_eq!(sign_in(&app, "mia", "wrong").await.status, 401);
    }
    assert_locked(&sign_in(&app, "mia", PASSWORD).await, "2");
}

#[actix_web::test]
async fn failures_from_one_address_lock_that_address_whatever_the_login() {
    let app = TestApp::spawn_with(|c| c.logins.max_failures_per_address = 3).await;
    let mia = app.user("mia").await;
    for login in ["ann", "bob", "cid"] {
        assert_eq!(sign_in(&app, login, "guess").await.status, 401);
    }
    assert_locked(&sign_in(&app, "admin", PASSWORD).await, "60");
    assert_locked(&sign_in(&app, "mia", PASSWORD).await, "60");
    // Keys are not guessed: they still work from that address.
    assert_eq!(mia.get(Format::Json, "/users/current").await.status, 200);
    assert_eq!(app.admin().get(Format::Xml, "/users/current").await.status, 200);
}

fn throttle_clear(app: &TestApp, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_contacts-server"))
        .args(["throttle", "clear", "--database-url", &app.db_url()])
        .args(args)
        .output()
        .expect("run contacts-server throttle clear");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[actix_web::test]
async fn the_cli_lifts_a_lockout_of_a_login_or_an_address() {
    let app = TestApp::spawn_with(|c| c.logins.max_failures_per_address = 6).await;
    app.user("mia").await;
    for _ in 0..5 {
        assert_eq!(sign_in(&app, "mia", "wrong").await.status, 401);
    }
    assert_locked(&sign_in(&app, "mia", PASSWORD).await, "60");
    assert_eq!(throttle_clear(&app, &["--login", "MIA"]).trim(), "cleared 1 failed sign-in counters");
    assert_eq!(sign_in(&app, "mia", PASSWORD).await.status, 200);
    // The address counted all six failures (the five and this one) and is locked now.
    assert_eq!(sign_in(&app, "nobody", "wrong").await.status, 401);
    assert_locked(&sign_in(&app, "admin", PASSWORD).await, "60");
    assert_eq!(throttle_clear(&app, &["--ip", "127.0.0.1"]).trim(), "cleared 1 failed sign-in counters");
    assert_eq!(sign_in(&app, "admin", PASSWORD).await.status, 200);
    // Without arguments, every counter.
    assert_eq!(sign_in(&app, "nobody", "wrong").await.status, 401);
    assert_eq!(throttle_clear(&app, &[]).trim(), "cleared 2 failed sign-in counters");
}

/// For each (login, password), the fastest of `rounds` sign-ins and the last answer. The
/// fastest, not the median: other tests running beside this one only ever add time, so the
/// minimum is the closest to what the check itself costs. The kinds take turns within each
/// round, so a busy moment of the machine slows all of them alike.
async fn timed(app: &TestApp, tries: &[(&str, &str)], rounds: usize) -> Vec<(Duration, Res)> {
    let mut fastest: Vec<Option<(Duration, Res)>> = tries.iter().map(|_| None).collect();
    for _ in 0..rounds {
        for (slot, (login, password)) in fastest.iter_mut().zip(tries) {
            let started = Instant::now();
            let res = sign_in(app, login, password).await;
            let took = started.elapsed();
            let best = slot.as_ref().map_or(took, |(best, _)| took.min(*best));
            *slot = Some((best, res));
        }
    }
    fastest.into_iter().map(|slot| slot.expect("at least one round")).collect()
}

#[actix_web::test]
async fn unknown_and_locked_logins_are_refused_like_a_wrong_password_and_as_slowly() {
    let app = TestApp::spawn_with(|c| {
        c.logins.max_failures_per_login = 0;
        c.logins.max_failures_per_address = 0;
    })
    .await;
    let locked = app.user("lou").await;
    let res = app
        .admin()
        .put(Format::Json, &format!("/users/{}", locked.id), serde_json::json!({"user": {"status": 3}}))
        .await;
    assert_eq!(res.status, 204, "{}", res.text);
    app.user("mia").await;
    let tries = [("mia", "wrong"), ("nobody", "wrong"), ("lou", PASSWORD), ("lou", "wrong")];
    let mut timings = timed(&app, &tries, 7).await.into_iter();
    let (wrong, wrong_res) = timings.next().expect("mia's timing");
    for ((login, password), (took, res)) in tries[1..].iter().zip(timings) {
        assert_eq!((res.status, &res.text), (401, &wrong_res.text), "{login}");
        assert_eq!(res.header("www-authenticate"), None, "{login}");
        // They check a hash too (a dummy one): no faster than half a wrong password.
        assert!(took * 2 >= wrong, "{login}/{password} took {took:?}, a wrong password {wrong:?}");
    }
    assert_eq!(wrong_res.status, 401);
    assert_eq!(wrong_res.header("www-authenticate"), None);
}

/// With one database connection and one password check at a time, a burst of guesses queues
/// for the check while key-authenticated requests pass by it: no connection is held while
/// argon2 runs.
#[actix_web::test]
async fn key_requests_are_answered_while_password_checks_queue() {
    let app = TestApp::spawn_with(|c| {
        c.db.pool_size = 1;
        c.password_checks = Some(1);
        c.logins.max_failures_per_login = 0;
        c.logins.max_failures_per_address = 0;
    })
    .await;
    let mia = app.user("mia").await;
    let guesses = 12;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..guesses {
        let (url, done) = (app.url("/users/current.json"), done.clone());
        let http = app.http.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let res = http.get(url).basic_auth("mia", Some(format!("guess-{i}"))).send().await.expect("a guess");
            assert_eq!(res.status(), 401);
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }));
    }
    // Let the guesses arrive and queue.
    actix_web::rt::time::sleep(Duration::from_millis(30)).await;
    let mut answered_while_queued = 0;
    for _ in 0..5 {
        let res = mia.get(Format::Json, "/users/current").await;
        assert_eq!(res.status, 200, "{}", res.text);
        if done.load(std::sync::atomic::Ordering::SeqCst) < guesses {
            answered_while_queued += 1;
        }
    }
    assert!(answered_while_queued >= 3, "key requests waited for the password checks");
    for task in tasks {
        task.await.expect("a guess task");
    }
}

#[actix_web::test]
async fn last_login_on_is_written_at_most_once_a_minute() {
    use contacts_server::db::schema::users;
    use diesel::prelude::*;

    let app = TestApp::spawn().await;
    let mia = app.user("mia").await; // signs in once with the password
    let last_login =
        || async { app.admin().get(Format::Json, &format!("/users/{}", mia.id)).await.opt("user.last_login_on") };
    let first = last_login().await.expect("set by the first sign-in");
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(sign_in(&app, "mia", PASSWORD).await.status, 200);
    assert_eq!(last_login().await.as_deref(), Some(first.as_str()), "not written again within a minute");
    // A minute later (set back in the database), the next sign-in writes it.
    let id = mia.id as i32;
    let long_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::seconds(61);
    app.db
        .run_blocking(move |c| {
            Ok(diesel::update(users::table.find(id)).set(users::last_login_on.eq(long_ago)).execute(c)?)
        })
        .expect("set last_login_on back");
    let stale = last_login().await.expect("set");
    assert_ne!(stale, first);
    assert_eq!(sign_in(&app, "mia", PASSWORD).await.status, 200);
    let now = last_login().await.expect("set");
    assert_ne!(now, stale, "written again after a minute");
    // A key-authenticated request never writes it.
    assert_eq!(mia.get(Format::Json, "/users/current").await.status, 200);
    assert_eq!(last_login().await, Some(now));
}
