//! The syntax of email and web addresses a contact is given. Lenient where the plugin was (a
//! host without a dot, `ada@e`, is an address; so is `domoway.ru` without a scheme), strict
//! where a value cannot be one (spaces, commas, a second `@`, `javascript:`).

/// An email address: the plugin's rule (something, one `@`, something) and a plausible local
/// part and host: no spaces, quotes, brackets, commas or semicolons; no empty dot-separated
/// part; host labels of letters, digits and inner hyphens (or an `[IP]` literal).
pub fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return false;
    }
    let local_ok = !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local.chars().any(|c| c.is_whitespace() || c.is_control() || "(),:;<>[]\\\"".contains(c));
    local_ok && (is_host(domain) || is_ip_literal(domain))
}

/// A web address: `http://` or `https://` and a host, or a bare host (`example.com/about`);
/// any other scheme, a user name before the host, or a space is not one.
pub fn is_web_address(text: &str) -> bool {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let rest = match lower.split_once("://") {
        Some(("http" | "https", rest)) => rest,
        Some(_) => return false,
        None => lower.as_str(),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // A colon after the host (not inside an `[IPv6]`) begins a port.
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    };
    // `javascript:alert(1)`, `mailto:x`: a scheme, not a port.
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return false;
    }
    !authority.contains('@') && (is_host(host) || is_ip_literal(host))
}

/// Dot-separated labels of letters (any script), digits and inner hyphens, 253 characters at most.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

fn is_ip_literal(host: &str) -> bool {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_the_plugin_took_are_kept_and_impossible_ones_refused() {
        for ok in ["ada@e", "jo.ann+crm@example.co.uk", "root@[127.0.0.1]", "иван@почта.рф", "a_b-c@x-y.example"]
        {
            assert!(is_email_address(ok), "{ok}");
        }
        for bad in
            ["not-an-email", "a@b@c", "@x", "x@", "a b@x", "a@b,c", "a@-x.com", "a@x..com", ".a@x", "a..b@x", "<a>@x"]
        {
            assert!(!is_email_address(bad), "{bad}");
        }
    }

    #[test]
    fn web_addresses_need_a_host_and_an_http_scheme_if_any() {
        for ok in [
            "https://example.org/ada",
            "domoway.ru",
            "HTTP://Example.com:8080/a?b#c",
            "www.example1.com/x",
            "[::1]:3000",
        ] {
            assert!(is_web_address(ok), "{ok}");
        }
        for bad in ["javascript:alert(1)", "ftp://x.org", "http://", "http://a b", "https://user@evil.com", "x.org:abc"]
        {
            assert!(!is_web_address(bad), "{bad}");
        }
    }
}
