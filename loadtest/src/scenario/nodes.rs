//! Several gateway nodes (`--nodes`, issue 11): the node list a run spreads
//! its sessions over, and where each group of sessions goes ([`Placement`]).
//! Arena nodes on one Postgres and one Redis deliver every node's events to
//! their own sessions, so a run over several nodes measures the cluster and a
//! run with publishers and subscribers on different nodes measures the
//! cross-node path (bus publish → Redis → the other node's fan-out).

use crate::sys::{ensure_loopback, parse_ws_url};
use anyhow::{bail, Context, Result};
use std::net::SocketAddr;

/// Most nodes `--nodes` accepts.
pub const MAX_NODES: usize = 64;

/// Parses `--nodes` against the base URL's address `base` (`--url`):
/// - `N` (a number, 1..=64): the N ports after the base port on the base
///   host, e.g. `--url ws://127.0.0.1:8080 --nodes 2` → 8081 and 8082, the
///   layout of `scripts/up --nodes 2`;
/// - a comma-separated list of `host:port` or `ws://host:port` (loopback only).
///
/// Returns `(address, Host header)` per node, in order.
/// Errors: an empty list, a count of 0 or above 64, a port past 65535, an
/// address that is not loopback IP:PORT.
pub fn parse_nodes(spec: &str, base: SocketAddr) -> Result<Vec<(SocketAddr, String)>> {
    let spec = spec.trim();
    if let Ok(n) = spec.parse::<usize>() {
        if n == 0 || n > MAX_NODES {
            bail!("--nodes {n}: give 1 to {MAX_NODES} nodes");
        }
        return (1..=n)
            .map(|k| {
                let port = u16::try_from(usize::from(base.port()) + k)
                    .ok()
                    .with_context(|| {
                        format!("--nodes {n}: port {} + {k} is past 65535", base.port())
                    })?;
                let addr = SocketAddr::new(base.ip(), port);
                ensure_loopback(&addr)?;
                Ok((addr, addr.to_string()))
            })
            .collect();
    }
    let nodes = spec
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let url = if s.starts_with("ws://") {
                s.to_owned()
            } else {
                format!("ws://{s}")
            };
            parse_ws_url(&url).with_context(|| format!("--nodes entry {s:?}"))
        })
        .collect::<Result<Vec<_>>>()?;
    if nodes.is_empty() {
        bail!("--nodes {spec:?}: no node address");
    }
    if nodes.len() > MAX_NODES {
        bail!("--nodes: at most {MAX_NODES} nodes");
    }
    Ok(nodes)
}

/// Which node each session of a group connects to, by session index `i`
/// over `n` nodes (`n ≥ 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Round robin over every node: session `i` on node `i mod n`.
    Spread,
    /// Every session on node `k` (clamped to the last node).
    Only(usize),
    /// Round robin over every node but `k`: the receivers of a cross-node
    /// run. With a single node, that node.
    Except(usize),
}

impl Placement {
    /// The index of the node session `i` connects to, in `0..n`.
    pub fn node(self, i: usize, n: usize) -> usize {
        let n = n.max(1);
        match self {
            Placement::Spread => i % n,
            Placement::Only(k) => k.min(n - 1),
            Placement::Except(_) if n == 1 => 0,
            Placement::Except(k) => {
                let j = i % (n - 1);
                if j >= k {
                    j + 1
                } else {
                    j
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SocketAddr {
        "127.0.0.1:8080".parse().expect("addr")
    }

    #[test]
    fn a_count_names_the_ports_after_the_base() {
        let n = parse_nodes("2", base()).expect("two nodes");
        let ports: Vec<u16> = n.iter().map(|(a, _)| a.port()).collect();
        assert_eq!(ports, vec![8081, 8082]);
        assert_eq!(n[0].1, "127.0.0.1:8081");
        assert!(parse_nodes("0", base()).is_err());
        assert!(parse_nodes("2", "127.0.0.1:65535".parse().expect("addr")).is_err());
    }

    #[test]
    fn a_list_is_taken_in_order_and_loopback_only() {
        let n = parse_nodes("127.0.0.1:9001, ws://127.0.0.1:9000", base()).expect("list");
        let ports: Vec<u16> = n.iter().map(|(a, _)| a.port()).collect();
        assert_eq!(ports, vec![9001, 9000]);
        assert!(parse_nodes("10.0.0.1:9000", base()).is_err());
        assert!(parse_nodes(" , ", base()).is_err());
    }

    #[test]
    fn placements_spread_pin_and_avoid_nodes() {
        let spread: Vec<usize> = (0..6).map(|i| Placement::Spread.node(i, 3)).collect();
        assert_eq!(spread, vec![0, 1, 2, 0, 1, 2]);
        assert!((0..6).all(|i| Placement::Only(0).node(i, 3) == 0));
        let except: Vec<usize> = (0..4).map(|i| Placement::Except(0).node(i, 3)).collect();
        assert_eq!(except, vec![1, 2, 1, 2]);
        let except_mid: Vec<usize> = (0..4).map(|i| Placement::Except(1).node(i, 3)).collect();
        assert_eq!(except_mid, vec![0, 2, 0, 2]);
        assert_eq!(Placement::Except(0).node(5, 1), 0);
    }
}
