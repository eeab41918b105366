//! Process-level facts and knobs: the open-file limit, a server's resident
//! memory, loopback source addresses and wall-clock nanoseconds.

use anyhow::{bail, Context, Result};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the new soft limit.
pub fn raise_nofile() -> u64 {
    rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024)
}

/// Resident set size of `pid` in KiB (`VmRSS` of /proc/PID/status).
/// Errors: the process does not exist or the line is missing.
pub fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("read /proc/{pid}/status"))?;
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            let kib = rest.trim().trim_end_matches("kB").trim();
            return kib.parse().with_context(|| format!("VmRSS {kib:?}"));
        }
    }
    bail!("no VmRSS for pid {pid}")
}

/// CPU time (user + system) used so far by `pid` (0 = this process), in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let path = if pid == 0 {
        "/proc/self/stat".to_owned()
    } else {
        format!("/proc/{pid}/stat")
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may contain spaces) start at `state` (field 3).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some((utime + stime) / 100.0)
}

/// Unix time in nanoseconds (the clock embedded in message contents).
pub fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Hands out loopback source addresses 127.0.0.2, 127.0.0.3, … round-robin, so
/// more than ~28,000 client sockets can reach one server port (each source
/// address has its own ephemeral-port range).
#[derive(Debug)]
pub struct SourceAddrs {
    count: usize,
    next: AtomicUsize,
}

impl SourceAddrs {
    /// `count` addresses (at least 1, at most 250) starting at 127.0.0.2.
    pub fn new(count: usize) -> Self {
        SourceAddrs {
            count: count.clamp(1, 250),
            next: AtomicUsize::new(0),
        }
    }

    /// The next source address with port 0 (kernel-chosen port).
    pub fn next(&self) -> SocketAddr {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.count;
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + i as u8)), 0)
    }
}

/// Refuses targets outside loopback: the load generator never sends traffic elsewhere.
pub fn ensure_loopback(addr: &SocketAddr) -> Result<()> {
    if !addr.ip().is_loopback() {
        bail!(
            "{addr} is not a loopback address: the load generator only targets 127.0.0.0/8 or ::1"
        );
    }
    Ok(())
}

/// Parses `ws://HOST:PORT[/…]` into the socket address (loopback only) and the host header.
pub fn parse_ws_url(url: &str) -> Result<(SocketAddr, String)> {
    let rest = url
        .strip_prefix("ws://")
        .with_context(|| format!("{url:?}: only ws:// URLs are supported"))?;
    let host = rest.split('/').next().unwrap_or(rest);
    let host_for_resolve = host.replace("localhost", "127.0.0.1");
    let addr: SocketAddr = host_for_resolve
        .parse()
        .with_context(|| format!("{host:?} is not IP:PORT"))?;
    ensure_loopback(&addr)?;
    Ok((addr, host.to_owned()))
}

/// Basic machine facts for reports: `(nproc, memory, kernel)`.
pub fn machine() -> (usize, String, String) {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.trim_start_matches("MemTotal:").trim().to_owned())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    (nproc, mem, kernel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_loopback() {
        assert!(parse_ws_url("ws://127.0.0.1:8080").is_ok());
        assert!(parse_ws_url("ws://localhost:8080/").is_ok());
        assert!(parse_ws_url("ws://10.0.0.1:8080").is_err());
        assert!(parse_ws_url("http://127.0.0.1:1").is_err());
    }

    #[test]
    fn source_addresses_cycle() {
        let s = SourceAddrs::new(2);
        let a = s.next();
        let b = s.next();
        assert_ne!(a.ip(), b.ip());
        assert_eq!(s.next().ip(), a.ip());
    }
}
