//! Open connections, counted at accept: at most `max_connections` on the
//! node and `max_connections_per_ip` per peer address (issue 12 item 10).
//! A connection holds a [`ConnGuard`] for as long as its socket lives,
//! through a WebSocket upgrade too ([`Counted`] carries it inside the IO).

use dashmap::DashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Why a connection was refused at accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `max_connections` are open on this node.
    Node,
    /// `max_connections_per_ip` are open from this peer address.
    PerIp,
}

impl Refused {
    /// The metric label (`arena_connections_refused_total{reason}`).
    pub fn label(self) -> &'static str {
        match self {
            Refused::Node => "node",
            Refused::PerIp => "per_ip",
        }
    }
}

/// The node's connection counters; cheap to clone.
#[derive(Clone, Debug)]
pub struct ConnLimits {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    max: usize,
    max_per_ip: usize,
    /// Peers in these networks are proxies: not counted per address.
    trusted: Vec<ipnet::IpNet>,
    open: AtomicUsize,
    per_ip: DashMap<IpAddr, usize>,
}

impl ConnLimits {
    /// Counters for `max` connections in all and `max_per_ip` per peer
    /// address outside `trusted`.
    pub fn new(max: usize, max_per_ip: usize, trusted: Vec<ipnet::IpNet>) -> ConnLimits {
        ConnLimits {
            inner: Arc::new(Inner {
                max,
                max_per_ip,
                trusted,
                open: AtomicUsize::new(0),
                per_ip: DashMap::new(),
            }),
        }
    }

    /// Counts a new connection from `peer`, or says why it is refused.
    pub fn admit(&self, peer: IpAddr) -> Result<ConnGuard, Refused> {
        let i = &self.inner;
        if i.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < i.max).then_some(n + 1)
            })
            .is_err()
        {
            return Err(Refused::Node);
        }
        let per_ip = if i.trusted.iter().any(|n| n.contains(&peer)) {
            None
        } else {
            let mut n = i.per_ip.entry(peer).or_insert(0);
            if *n >= i.max_per_ip {
                drop(n);
                i.open.fetch_sub(1, Ordering::AcqRel);
                return Err(Refused::PerIp);
            }
            *n += 1;
            Some(peer)
        };
        Ok(ConnGuard {
            limits: self.clone(),
            per_ip,
        })
    }

    /// Connections open on this node.
    pub fn open(&self) -> usize {
        self.inner.open.load(Ordering::Acquire)
    }
}

/// One counted connection; dropping it releases its place.
#[derive(Debug)]
pub struct ConnGuard {
    limits: ConnLimits,
    per_ip: Option<IpAddr>,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let i = &self.limits.inner;
        if let Some(ip) = self.per_ip {
            // Remove the entry at zero so the map holds only open peers.
            i.per_ip.remove_if_mut(&ip, |_, n| {
                *n = n.saturating_sub(1);
                *n == 0
            });
        }
        i.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An IO that holds its connection's [`ConnGuard`]: the place is released
/// when the socket is dropped, after an upgrade as before it.
#[derive(Debug)]
pub struct Counted<T> {
    io: T,
    _guard: ConnGuard,
}

impl<T> Counted<T> {
    /// `io`, counted by `guard`.
    pub fn new(io: T, guard: ConnGuard) -> Self {
        Counted { io, _guard: guard }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_counted_and_released() {
        let l = ConnLimits::new(3, 2, vec!["127.0.0.0/8".parse().expect("net")]);
        let a: IpAddr = "203.0.113.1".parse().expect("ip");
        let proxy: IpAddr = "127.0.0.1".parse().expect("ip");
        let g1 = l.admit(a).expect("first");
        let g2 = l.admit(a).expect("second");
        assert_eq!(l.admit(a).err(), Some(Refused::PerIp));
        assert_eq!(l.open(), 2, "a refusal gives its place back");
        let g3 = l.admit(proxy).expect("a proxy is not counted per address");
        assert_eq!(l.admit(proxy).err(), Some(Refused::Node));
        drop(g1);
        let g4 = l.admit(a).expect("a released place is free again");
        drop((g2, g3, g4));
        assert_eq!(l.open(), 0);
        assert!(l.inner.per_ip.is_empty());
    }
}
