//! A fixed-window request counter per key (a client address, a web form), kept in memory.
//! Each instance counts its own requests: behind a load balancer of N instances a client gets
//! up to N times the limit, which still stops a flood from one source.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Error;

pub struct RateLimiter {
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn per_minute() -> RateLimiter {
        RateLimiter { window: Duration::from_secs(60), counts: Mutex::new(HashMap::new()) }
    }

    /// Counts one request for `key`; past `limit` in the current window, a 429 that says when
    /// the window ends. A limit of 0 turns the check off.
    pub fn check(&self, key: &str, limit: u32) -> Result<(), Error> {
        if limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if counts.len() > 100_000 {
            // Forget finished windows so a stream of new addresses cannot grow the map forever.
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(Error::RateLimited { retry_after_secs: left.as_secs().max(1) });
        }
        entry.1 += 1;
        Ok(())
    }
}
