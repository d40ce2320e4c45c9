//! Throttling of password guesses: failed sign-ins are counted per login and per client
//! address; past the limit within the window the subject is refused (429 with `Retry-After`)
//! for a lockout that doubles each time it comes back, up to a ceiling. A successful sign-in
//! clears its login's count (not its address's). The counts live in the database, so every
//! instance on one PostgreSQL shares them; `contacts-server throttle clear` removes them.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::db::{write_transaction, Conn, DbConnection};
use crate::error::Error;
use crate::store::login_throttles::{self as store, ThrottleRow};

/// The limits; see `--login-max-failures` and its neighbours in the README.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures of one login within `window` that lock it (0: logins are not throttled).
    pub max_failures_per_login: u32,
    /// Failures from one client address within `window` that lock it (0: not throttled).
    pub max_failures_per_address: u32,
    /// How long failures are remembered towards the limit.
    pub window: Duration,
    /// The first lockout; each next one (before a quiet `max_lockout` has passed) is twice
    /// as long.
    pub lockout: Duration,
    pub max_lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            max_failures_per_login: 5,
            max_failures_per_address: 20,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(60),
            max_lockout: Duration::from_secs(15 * 60),
        }
    }
}

pub const SCOPE_LOGIN: &str = "login";
pub const SCOPE_ADDRESS: &str = "ip";

/// Who a sign-in attempt is counted against.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The login, case folded as logins are matched (`Ann` and `ann` are one login).
    pub login: String,
    pub address: String,
}

impl Attempt {
    pub fn new(login: &str, address: &str) -> Attempt {
        Attempt { login: login.to_lowercase(), address: address.to_string() }
    }

    /// (scope, subject, limit) of each counter this attempt is checked against.
    fn counters(&self, policy: &ThrottlePolicy) -> [(&'static str, &str, u32); 2] {
        [
            (SCOPE_LOGIN, self.login.as_str(), policy.max_failures_per_login),
            (SCOPE_ADDRESS, self.address.as_str(), policy.max_failures_per_address),
        ]
    }
}

fn chrono_duration(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// Whether a login row is there to clear on success (so a success writes nothing otherwise).
pub struct Checked {
    pub login_has_failures: bool,
}

/// Refuses the attempt with a 429 while its login or its address is locked out.
pub fn check(
    conn: &mut DbConnection,
    policy: &ThrottlePolicy,
    attempt: &Attempt,
    now: NaiveDateTime,
) -> Result<Checked, Error> {
    let mut login_has_failures = false;
    let rows = store::find_pair(conn, (SCOPE_LOGIN, &attempt.login), (SCOPE_ADDRESS, &attempt.address))?;
    for (scope, subject, limit) in attempt.counters(policy) {
        if limit == 0 {
            continue;
        }
        let Some(row) = rows.iter().find(|r| r.scope == scope && r.subject == subject) else { continue };
        if let Some(until) = row.locked_until.filter(|until| *until > now) {
            // Rounded up: a client that waits the seconds it is told finds the lock gone.
            let millis = (until - now).num_milliseconds().max(0) as u64;
            return Err(Error::RateLimited { retry_after_secs: millis.div_ceil(1000).max(1) });
        }
        login_has_failures |= scope == SCOPE_LOGIN;
    }
    Ok(Checked { login_has_failures })
}

/// Counts a failed attempt against its login and its address, locking either that reaches
/// its limit. The attempt itself is still answered 401; the next one meets the lock.
pub fn record_failure(
    conn: &mut Conn,
    policy: &ThrottlePolicy,
    attempt: &Attempt,
    now: NaiveDateTime,
) -> Result<(), Error> {
    if attempt.counters(policy).iter().all(|(_, _, limit)| *limit == 0) {
        return Ok(());
    }
    write_transaction(conn, |c| {
        for (scope, subject, limit) in attempt.counters(policy) {
            if limit == 0 {
                continue;
            }
            let fresh = ThrottleRow {
                scope: scope.to_string(),
                subject: subject.to_string(),
                failures: 0,
                window_started_on: now,
                locked_until: None,
                lockouts: 0,
            };
            let row = store::find_for_update(c, &fresh)?;
            store::save(c, &after_failure(row, policy, limit, now))?;
        }
        Ok::<_, Error>(())
    })
}

/// The counter after one more failure.
fn after_failure(mut row: ThrottleRow, policy: &ThrottlePolicy, limit: u32, now: NaiveDateTime) -> ThrottleRow {
    if row.locked_until.is_some_and(|until| until > now) {
        // Counted by a request that passed the check just before the lock was set.
        return row;
    }
    if row.locked_until.is_some_and(|until| now - until >= chrono_duration(policy.max_lockout)) {
        // Quiet long enough since the last lockout: the next one starts short again.
        row.lockouts = 0;
        row.locked_until = None;
    }
    if now - row.window_started_on >= chrono_duration(policy.window) {
        row.failures = 0;
        row.window_started_on = now;
    }
    row.failures += 1;
    if row.failures as u32 >= limit {
        row.locked_until = Some(now + chrono_duration(lockout(policy, row.lockouts)));
        row.lockouts = row.lockouts.saturating_add(1);
        row.failures = 0;
        row.window_started_on = now;
    }
    row
}

/// The `n`th lockout in a row (from 0): `lockout × 2ⁿ`, at most `max_lockout`.
fn lockout(policy: &ThrottlePolicy, n: i32) -> Duration {
    let factor = 1u32.checked_shl(n.clamp(0, 31) as u32).unwrap_or(u32::MAX);
    policy.lockout.saturating_mul(factor).min(policy.max_lockout)
}

/// A successful sign-in clears its login's failures.
pub fn record_success(conn: &mut Conn, attempt: &Attempt) -> Result<(), Error> {
    write_transaction(conn, |c| store::delete(c, SCOPE_LOGIN, &attempt.login))?;
    Ok(())
}

/// What `throttle clear` removes: one login's and/or one address's counters, or every one.
pub fn clear(conn: &mut DbConnection, login: Option<&str>, address: Option<&str>) -> Result<usize, Error> {
    let login = login.map(str::to_lowercase);
    Ok(write_transaction(conn, |c| match (login.as_deref(), address) {
        (None, None) => Ok::<_, diesel::result::Error>(
            store::delete_scope(c, SCOPE_LOGIN, None)? + store::delete_scope(c, SCOPE_ADDRESS, None)?,
        ),
        (login, address) => {
            let mut n = 0;
            if let Some(login) = login {
                n += store::delete_scope(c, SCOPE_LOGIN, Some(login))?;
            }
            if let Some(address) = address {
                n += store::delete_scope(c, SCOPE_ADDRESS, Some(address))?;
            }
            Ok(n)
        }
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).expect("a time").naive_utc()
    }

    fn row() -> ThrottleRow {
        ThrottleRow {
            scope: SCOPE_LOGIN.into(),
            subject: "ann".into(),
            failures: 0,
            window_started_on: at(0),
            locked_until: None,
            lockouts: 0,
        }
    }

    #[test]
    fn the_fifth_failure_locks_and_each_next_lockout_doubles_up_to_the_ceiling() {
        let policy = ThrottlePolicy::default();
        let mut r = row();
        let mut t = 0;
        let mut lockouts = Vec::new();
        for _ in 0..6 {
            for i in 1..=5 {
                r = after_failure(r, &policy, 5, at(t));
                assert_eq!(r.locked_until.is_some_and(|u| u > at(t)), i == 5, "failure {i}");
            }
            let until = r.locked_until.expect("locked");
            lockouts.push((until - at(t)).num_seconds());
            t = (until - at(0)).num_seconds() + 1;
        }
        assert_eq!(lockouts, [60, 120, 240, 480, 900, 900]);
        // Quiet for the ceiling after the last lockout: short again.
        t += 900;
        for _ in 0..5 {
            r = after_failure(r, &policy, 5, at(t));
        }
        assert_eq!((r.locked_until.expect("locked") - at(t)).num_seconds(), 60);
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let policy = ThrottlePolicy::default();
        let mut r = row();
        for _ in 0..4 {
            r = after_failure(r, &policy, 5, at(0));
        }
        r = after_failure(r, &policy, 5, at(15 * 60));
        assert_eq!((r.failures, r.locked_until), (1, None));
    }
}
