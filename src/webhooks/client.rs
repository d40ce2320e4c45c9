//! The HTTP side of a delivery: where a hook may send (no loopback, link-local or private
//! address unless allowed, checked on the addresses a name resolves to), the client (no
//! redirects, a time limit), the signature, and one attempt.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;

use crate::domain::webhooks::Attempt;

/// How much of a receiver's answer the delivery log keeps.
const KEPT_BODY: usize = 1024;
/// How much of an answer is read, to reuse its connection, before giving up on it.
const DRAINED_BODY: usize = 64 * 1024;

/// Whether a hook may send to `ip` when private addresses are not allowed: not loopback,
/// link-local, private, shared (CGNAT), unspecified, broadcast, multicast or documentation.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

fn refused(host: &str) -> String {
    format!("Url points to a private address ({host}); the server refuses those unless started with --webhooks-allow-private")
}

/// The addresses `host` resolves to that a hook may send to; an error naming the problem.
async fn allowed_addresses(host: &str, port: u16, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("Url's host {host} cannot be resolved"))?
        .collect();
    let allowed: Vec<SocketAddr> = found.into_iter().filter(|a| allow_private || is_public(a.ip())).collect();
    if allowed.is_empty() {
        return Err(refused(host));
    }
    Ok(allowed)
}

/// Checks a hook's URL before it is saved: http(s), and a host that does not resolve to only
/// addresses it may not send to. A name that does not resolve now is accepted (DNS can be down
/// for a while; its deliveries fail and are retried). The message is the 422's.
pub async fn check_destination(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed = crate::domain::webhooks::check_url(url)?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) if !allow_private && !is_public(IpAddr::V4(ip)) => Err(refused(&ip.to_string())),
        Some(url::Host::Ipv6(ip)) if !allow_private && !is_public(IpAddr::V6(ip)) => Err(refused(&ip.to_string())),
        Some(url::Host::Domain(name)) => match tokio::net::lookup_host((name, port)).await {
            Ok(found) => {
                let found: Vec<SocketAddr> = found.collect();
                if allow_private || found.is_empty() || found.iter().any(|a| is_public(a.ip())) {
                    Ok(())
                } else {
                    Err(refused(name))
                }
            }
            Err(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

/// reqwest's resolver, refusing private addresses after resolution: a name that pointed at a
/// public address when the hook was saved and at an internal one now is refused now.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addresses = allowed_addresses(name.as_str(), 0, allow_private).await.map_err(std::io::Error::other)?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// The client every delivery of this instance goes through: redirects are not followed (a
/// redirect to an internal address would escape the check), and a receiver has `timeout`.
pub fn build(allow_private: bool, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .user_agent(concat!("contacts-server-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// `sha256=` and the hex HMAC-SHA256 of `timestamp.body` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// What to send: the signed request's parts.
pub struct Outgoing<'a> {
    pub url: &'a str,
    pub delivery_id: i32,
    pub event: &'a str,
    pub secret: &'a str,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// One attempt: POSTs the body with its headers and reads the status and the first 1 KB of the
/// answer. An IP-literal URL never reaches the resolver, so it is checked here.
pub async fn send(client: &reqwest::Client, out: Outgoing<'_>, allow_private: bool) -> Attempt {
    if let Ok(parsed) = url::Url::parse(out.url) {
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal.filter(|ip| !allow_private && !is_public(*ip)) {
            return Attempt { status: None, detail: refused(&ip.to_string()) };
        }
    }
    let timestamp = chrono::Utc::now().timestamp();
    let request = client
        .post(out.url)
        .header(reqwest::header::CONTENT_TYPE, out.content_type)
        .header("X-Webhook-Id", out.delivery_id.to_string())
        .header("X-Webhook-Event", out.event)
        .header("X-Webhook-Timestamp", timestamp.to_string())
        .header("X-Webhook-Signature", signature(out.secret, timestamp, &out.body))
        .body(out.body);
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(e) => return Attempt { status: None, detail: describe(&e) },
    };
    let status = response.status().as_u16();
    // The answer is read to its end when it is short, so that its connection goes back to the
    // pool for the next delivery (one left half-read is closed); past DRAINED_BODY, closed.
    let mut kept = Vec::new();
    let mut read = 0;
    while read < DRAINED_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len();
                let room = KEPT_BODY.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            _ => break,
        }
    }
    Attempt { status: Some(status), detail: String::from_utf8_lossy(&kept).into_owned() }
}

/// Why a request got no answer, in a line for the delivery log.
fn describe(e: &reqwest::Error) -> String {
    let mut message = if e.is_timeout() {
        "no answer in time".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(internal.parse().expect("an address")), "{internal}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().expect("an address")), "{public}");
        }
    }

    /// The signature is HMAC-SHA256 of `timestamp.body`.
    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        let signed = signature("key", 1700000000, b"{}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"key").expect("any key length");
        mac.update(b"1700000000.{}");
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(signed, format!("sha256={hex}"));
        assert_eq!(signed.len(), "sha256=".len() + 64);
    }
}
