//! Who is visiting a public page: bot detection from the User-Agent and the
//! salted hash of the visitor's address (the address itself is never stored).
//!
//! Bots: no maintained crate fits (the `isbot` crate is a young port with a
//! handful of releases), so this is a short list of substrings that
//! crawlers, link previewers, monitors and HTTP libraries put in their
//! User-Agent, matched case-insensitively; an empty User-Agent is a bot too.

use hmac::Mac;
use std::net::{IpAddr, SocketAddr};

/// Lower-case substrings of bot User-Agents.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "preview",
    "facebookexternalhit",
    "embedly",
    "whatsapp",
    "telegram",
    "skype",
    "discord",
    "monitor",
    "pingdom",
    "uptime",
    "lighthouse",
    "headless",
    "phantomjs",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "httpclient",
    "axios/",
    "node-fetch",
    "scrapy",
    "feedfetcher",
];

/// Is this User-Agent (absent: `None`) a bot's?
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::trim).filter(|u| !u.is_empty()) else {
        return true;
    };
    let ua = ua.to_ascii_lowercase();
    BOT_MARKERS.iter().any(|m| ua.contains(m))
}

/// The visitor's address: the peer, or, when the peer is a proxy on
/// loopback or a private network, the last address it appended to
/// `X-Forwarded-For` (the one that proxy saw).
pub fn client_ip(peer: Option<SocketAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
    let peer = peer.map(|p| p.ip());
    let behind_proxy = peer.is_none_or(|ip| match ip {
        IpAddr::V4(v) => v.is_loopback() || v.is_private(),
        IpAddr::V6(v) => v.is_loopback() || (v.segments()[0] & 0xfe00) == 0xfc00,
    });
    if behind_proxy {
        if let Some(ip) = forwarded_for
            .and_then(|h| h.rsplit(',').next())
            .and_then(|s| s.trim().parse::<IpAddr>().ok())
        {
            return Some(ip);
        }
    }
    peer
}

/// Hex HMAC-SHA256 of the tenant and the address under `key` (a server
/// secret): the same visitor hashes alike, the address cannot be read back.
pub fn hash(key: &[u8], tenant: i64, ip: Option<IpAddr>) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"arena/growth/visitor\0");
    mac.update(&tenant.to_be_bytes());
    mac.update(ip.map(|i| i.to_string()).unwrap_or_default().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_and_people_are_told_apart() {
        assert!(is_bot(None));
        assert!(is_bot(Some("Mozilla/5.0 (compatible; Googlebot/2.1)")));
        assert!(is_bot(Some("curl/8.5.0")));
        assert!(is_bot(Some("facebookexternalhit/1.1")));
        assert!(!is_bot(Some(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
        )));
    }

    #[test]
    fn a_proxy_s_forwarded_address_is_used_and_hashed() {
        let proxy: SocketAddr = "127.0.0.1:9000".parse().expect("addr");
        let public: SocketAddr = "203.0.113.9:9000".parse().expect("addr");
        let ip = client_ip(Some(proxy), Some("198.51.100.1, 198.51.100.2"));
        assert_eq!(ip, "198.51.100.2".parse().ok());
        assert_eq!(
            client_ip(Some(public), Some("198.51.100.1")),
            Some(public.ip())
        );
        let a = hash(b"k", 1, ip);
        assert_eq!(a, hash(b"k", 1, ip));
        assert_ne!(a, hash(b"k", 2, ip));
        assert!(!a.contains("198"));
    }
}
