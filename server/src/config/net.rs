//! The network settings' defaults and checks: connection limits, the
//! gateway's origin allowlist, where `/metrics` is served, and the proxies
//! whose `X-Forwarded-For` is believed (issue 12 items 10 and 12).

use super::{Config, ConfigError};

/// Shortest `metrics_token`, bytes.
pub const MIN_METRICS_TOKEN_BYTES: usize = 16;

/// Loopback and private networks (RFC 1918, RFC 4193): where the proxies in
/// front of the nodes usually are.
pub fn default_trusted_proxies() -> Vec<ipnet::IpNet> {
    [
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::1/128",
        "fc00::/7",
    ]
    .iter()
    .filter_map(|n| n.parse().ok())
    .collect()
}

/// `scheme://host[:port]` of an `http(s)` URL with nothing after the
/// authority but an optional `/`: how a browser spells `Origin` (RFC 6454
/// §6.1), lower case, the default port left out. `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https")
        || u.host_str().is_none()
        || !matches!(u.path(), "" | "/")
        || u.query().is_some()
        || u.fragment().is_some()
        || !u.username().is_empty()
    {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

impl Config {
    /// The public base URL without a trailing slash: `public_url`, or
    /// `http://<addr>` when none is set.
    pub fn public_base(&self) -> String {
        match self.public_url.as_deref() {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    /// Checks the network settings (called by [`Config::validate`]).
    pub(super) fn validate_net(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        if let Some(u) = self.public_url.as_deref() {
            let ok = url::Url::parse(u)
                .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some());
            if !ok {
                return invalid(
                    "public_url",
                    "must be an http(s) URL such as https://partners.example.com",
                );
            }
        }
        if self.header_read_timeout_ms < 100 {
            return invalid("header_read_timeout_ms", "must be at least 100");
        }
        if self.request_timeout_ms < 100 {
            return invalid("request_timeout_ms", "must be at least 100");
        }
        if self.max_connections == 0 {
            return invalid("max_connections", "must be at least 1");
        }
        if self.max_connections_per_ip == 0 {
            return invalid("max_connections_per_ip", "must be at least 1");
        }
        if self.sessions_per_user == 0 {
            return invalid("sessions_per_user", "must be at least 1");
        }
        if self.allowed_origins.iter().any(|o| origin_of(o).is_none()) {
            return invalid(
                "allowed_origins",
                "each must be an origin such as https://partners.example.com or http://localhost:5173",
            );
        }
        if self
            .metrics_token
            .as_deref()
            .is_some_and(|t| t.len() < MIN_METRICS_TOKEN_BYTES || t.trim() != t)
        {
            return invalid(
                "metrics_token",
                "must be at least 16 bytes without surrounding spaces (leave it unset for none)",
            );
        }
        if self.metrics_addr.is_some_and(|a| a == self.addr) {
            return invalid("metrics_addr", "must differ from addr");
        }
        Ok(())
    }

    /// The origins the gateway accepts besides same-host ones: `public_url`'s
    /// and `allowed_origins`, as browsers spell them.
    pub fn gateway_origins(&self) -> Vec<String> {
        self.public_url
            .iter()
            .chain(self.allowed_origins.iter())
            .filter_map(|u| origin_of(u))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_spelled_as_browsers_send_them() {
        assert_eq!(
            origin_of("https://Partners.Example.com/").as_deref(),
            Some("https://partners.example.com")
        );
        assert_eq!(
            origin_of("http://localhost:5173").as_deref(),
            Some("http://localhost:5173")
        );
        assert_eq!(
            origin_of("https://a.example:443").as_deref(),
            Some("https://a.example")
        );
        for bad in ["ftp://a.example", "https://a.example/path", "a.example", ""] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn network_settings_are_checked() {
        let base = Config {
            jwt_secret: "test-secret-abcdefghijklmnop".into(),
            ..Config::default()
        };
        assert!(base.validate().is_ok());
        for bad in [
            Config {
                sessions_per_user: 0,
                ..base.clone()
            },
            Config {
                max_connections_per_ip: 0,
                ..base.clone()
            },
            Config {
                allowed_origins: vec!["evil".into()],
                ..base.clone()
            },
            Config {
                metrics_token: Some("short".into()),
                ..base.clone()
            },
            Config {
                header_read_timeout_ms: 0,
                ..base.clone()
            },
        ] {
            assert!(bad.validate().is_err());
        }
    }
}
