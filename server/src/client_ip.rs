//! Who is on the other end of an HTTP request: the peer address, or, when
//! the peer is a proxy on loopback or a private network (HAProxy or nginx in
//! front of the nodes), the last address it appended to `X-Forwarded-For`
//! (the one that proxy saw; earlier entries are the client's own claims).
//! Used to count a public page's visitors and to throttle logins per address.

use std::net::{IpAddr, SocketAddr};

/// The client's address from the peer and the `X-Forwarded-For` header;
/// `None` only when there is no peer and no parsable header.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_s_forwarded_address_is_used_a_public_peer_s_is_not() {
        let proxy: SocketAddr = "127.0.0.1:9000".parse().expect("addr");
        let public: SocketAddr = "203.0.113.9:9000".parse().expect("addr");
        let ip = client_ip(Some(proxy), Some("198.51.100.1, 198.51.100.2"));
        assert_eq!(ip, "198.51.100.2".parse().ok());
        assert_eq!(
            client_ip(Some(public), Some("198.51.100.1")),
            Some(public.ip())
        );
        assert_eq!(client_ip(Some(proxy), None), Some(proxy.ip()));
    }
}
