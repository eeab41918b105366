//! Who is on the other end of an HTTP request: the peer address, or, when
//! the peer is a trusted proxy (`trusted_proxies`: HAProxy or nginx in front
//! of the nodes), the rightmost `X-Forwarded-For` entry that is not itself a
//! trusted proxy. Entries left of it are the client's own claims.
//!
//! Every `X-Forwarded-For` line counts, in order (RFC 9110 §5.3: several
//! lines of a list field are one comma-separated list): a client that sends
//! its own line ahead of the proxy's cannot take the proxy's place.
//! Used to count a public page's visitors, to throttle logins and HTTP
//! requests per address.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// The client's address from the peer and every `X-Forwarded-For` line of
/// `headers`, walking right to left past the hops in `trusted`; `None` only
/// when there is no peer and no parsable entry. No peer (a request that did
/// not come over TCP) is treated as a trusted hop.
pub fn client_ip(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = peer.map(|p| p.ip());
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(&canonical(ip)));
    if peer.is_some_and(|ip| !is_trusted(ip)) {
        return peer;
    }
    // Every line, in order; a line that is not text ends the trusted chain.
    let mut entries: Vec<&str> = Vec::new();
    for line in headers.get_all("x-forwarded-for") {
        match line.to_str() {
            Ok(s) => entries.extend(s.split(',').map(str::trim)),
            Err(_) => entries.push(""),
        }
    }
    let mut found = peer;
    for entry in entries.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) => {
                found = Some(ip);
                if !is_trusted(ip) {
                    break;
                }
            }
            // Garbage a trusted hop passed on: the last address known stands.
            Err(_) => break,
        }
    }
    found
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, a dual-stack listener's
/// view of an IPv4 peer) as the IPv4 address it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append("x-forwarded-for", HeaderValue::from_str(l).expect("value"));
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn a_proxy_s_forwarded_address_is_used_a_public_peer_s_is_not() {
        let trusted = crate::config::Config::default().trusted_proxies;
        let proxy: SocketAddr = "127.0.0.1:9000".parse().expect("addr");
        let public: SocketAddr = "203.0.113.9:9000".parse().expect("addr");
        let h = xff(&["198.51.100.1, 198.51.100.2"]);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), ip("198.51.100.2"));
        assert_eq!(
            client_ip(Some(public), &xff(&["198.51.100.1"]), &trusted),
            Some(public.ip())
        );
        assert_eq!(
            client_ip(Some(proxy), &xff(&[]), &trusted),
            Some(proxy.ip())
        );
    }

    #[test]
    fn a_client_s_own_line_ahead_of_the_proxy_s_is_not_believed() {
        let trusted = crate::config::Config::default().trusted_proxies;
        let proxy: SocketAddr = "10.0.0.5:9000".parse().expect("addr");
        // The client sent its own line; the proxy added a second line.
        let h = xff(&["1.2.3.4", "203.0.113.77"]);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), ip("203.0.113.77"));
    }

    #[test]
    fn trusted_hops_are_skipped_from_the_right() {
        let trusted = crate::config::Config::default().trusted_proxies;
        let proxy: SocketAddr = "127.0.0.1:9000".parse().expect("addr");
        // client claim, real client, an inner proxy on the private network.
        let h = xff(&["6.6.6.6, 203.0.113.8", "10.1.2.3"]);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), ip("203.0.113.8"));
        // No proxy trusted: the peer is the client, whatever it claims.
        assert_eq!(client_ip(Some(proxy), &h, &[]), Some(proxy.ip()));
        // Garbage after a trusted hop: the last address known.
        let h = xff(&["203.0.113.8, junk"]);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), Some(proxy.ip()));
        // Mapped IPv4 loopback peer is a trusted hop.
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:9000".parse().expect("addr");
        let h = xff(&["203.0.113.9"]);
        assert_eq!(client_ip(Some(mapped), &h, &trusted), ip("203.0.113.9"));
    }
}
