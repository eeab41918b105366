//! The gateway's origin allowlist (issue 12 item 12; OWASP WebSocket
//! Security Cheat Sheet, "Cross-Site WebSocket Hijacking"): a browser
//! always sends `Origin` with a WebSocket handshake (RFC 6455 §4.1), so a
//! page on another site cannot ride a member's session. Requests without
//! `Origin` (bots, servers, the load client) are not from a browser page and
//! pass.

use crate::config::origin_of;
use axum::http::{header, HeaderMap};

/// Whether a gateway upgrade with these headers may go on: no `Origin`;
/// or an `Origin` in `allowed` (as [`crate::config::Config::gateway_origins`]
/// spells them); or a same-host one, whose host and port equal the
/// request's `Host` (the served web client, the Vite dev server's proxy).
/// `Origin: null`, an unparsable one, or another site's is refused.
pub fn allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(origin_of) else {
        return false;
    };
    if allowed.contains(&origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    host.is_some_and(|h| same_host(&origin, h))
}

/// Whether the `Host` header `host` names the origin's host and port (the
/// scheme's default port when either leaves it out).
fn same_host(origin: &str, host: &str) -> bool {
    let Ok(o) = url::Url::parse(origin) else {
        return false;
    };
    let Ok(h) = url::Url::parse(&format!("{}://{host}", o.scheme())) else {
        return false;
    };
    h.path() == "/"
        && h.username().is_empty()
        && h.host_str().is_some()
        && h.host_str() == o.host_str()
        && h.port_or_known_default() == o.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).expect("host"));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).expect("origin"));
        }
        h
    }

    #[test]
    fn same_host_listed_and_absent_origins_pass_others_do_not() {
        let list = vec!["https://partners.example.com".to_owned()];
        let ok = |o: Option<&str>, host: &str| allowed(&headers(o, host), &list);
        assert!(ok(None, "arena.internal:8080"), "no Origin: not a browser");
        assert!(ok(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"));
        assert!(ok(Some("http://localhost:5173"), "localhost:5173"), "Vite");
        assert!(ok(Some("https://a.example"), "a.example:443"));
        assert!(ok(Some("https://partners.example.com"), "10.0.0.7:8080"));
        assert!(!ok(Some("https://evil.example"), "127.0.0.1:8080"));
        assert!(!ok(Some("http://127.0.0.1:8081"), "127.0.0.1:8080"));
        assert!(!ok(Some("null"), "127.0.0.1:8080"));
        assert!(!ok(Some("http://127.0.0.1:8080"), "127.0.0.1:8080/x"));
    }
}
