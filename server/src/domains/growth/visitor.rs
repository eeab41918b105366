//! Who is visiting a public page: bot detection from the User-Agent and the
//! salted hash of the visitor's address (the address itself is never stored).
//!
//! Bots: no maintained crate fits (the `isbot` crate is a young port with a
//! handful of releases), so this is a short list of substrings that
//! crawlers, link previewers, monitors and HTTP libraries put in their
//! User-Agent, matched case-insensitively; an empty User-Agent is a bot too.

use hmac::Mac;
use std::net::IpAddr;

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
    fn an_address_is_hashed_per_tenant() {
        let ip: Option<IpAddr> = "198.51.100.2".parse().ok();
        let a = hash(b"k", 1, ip);
        assert_eq!(a, hash(b"k", 1, ip));
        assert_ne!(a, hash(b"k", 2, ip));
        assert!(!a.contains("198"));
    }
}
