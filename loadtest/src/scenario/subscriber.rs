//! A fan-out subscriber: reads its session's frames in place, checks each
//! MESSAGE_CREATE's load mark (`lt:<sent_ns>:<publisher>:<n>`) against a
//! bitset of (publisher, n) seen, so losses and duplicates are exact, records
//! send → delivery latency, and heartbeats. Used by `fanout` and `saturate`;
//! `storm` uses [`Seen`].

use crate::gw::{find_mark, Closed, Session};
use crate::report::{histogram, record_ns};
use crate::sys::unix_nanos;
use crate::ws::opcode;
use arena_protocol::peek::peek_t;
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// Send → delivery latencies of every subscriber of a rig, in a few shared
/// histograms (µs, [`histogram`]). One histogram per subscriber (147 KiB of
/// counts each at 3 significant figures, 1.4 GiB at 10,000 subscribers) cost
/// the load client a cache miss and often a page fault per delivery: 6 % of
/// its CPU at 10 msgs/s into 10,000 (`perf record`, docs/benchmarks.md, ninth
/// pass), CPU the server under test then did not have.
#[derive(Debug)]
pub(crate) struct Latencies {
    shards: Box<[Mutex<Histogram<u64>>]>,
}

/// Shared histograms per rig: few enough to stay in cache, enough that the
/// client's workers rarely wait on one another.
const LATENCY_SHARDS: usize = 16;

impl Latencies {
    pub(crate) fn new() -> Self {
        Latencies {
            shards: (0..LATENCY_SHARDS)
                .map(|_| Mutex::new(histogram()))
                .collect(),
        }
    }

    /// Records latencies in ns into the shard of subscriber `i`.
    fn record(&self, i: usize, ns: impl Iterator<Item = u64>) {
        let shard = &self.shards[i % self.shards.len()];
        let mut h = shard.lock().unwrap_or_else(|e| e.into_inner());
        for ns in ns {
            record_ns(&mut h, ns);
        }
    }

    /// Everything recorded since the last take, merged; the shards start over.
    pub(crate) fn take(&self) -> Histogram<u64> {
        let mut all = histogram();
        for shard in self.shards.iter() {
            let mut h = shard.lock().unwrap_or_else(|e| e.into_inner());
            let _ = all.add(&*h);
            h.reset();
        }
        all
    }
}

/// Counters of one subscriber, read by the coordinator.
#[derive(Debug)]
pub(crate) struct SubStats {
    /// Distinct deliveries seen.
    pub(crate) unique: AtomicU64,
    /// Deliveries seen again.
    pub(crate) dups: AtomicU64,
    /// Unix ns of the latest delivery.
    pub(crate) last_ns: AtomicU64,
    /// Where its delivery latencies go, and its index there.
    latencies: Arc<Latencies>,
    index: usize,
    /// Why the session ended early, if it did.
    pub(crate) ended: Mutex<Option<String>>,
}

impl SubStats {
    /// Subscriber `index` of a rig, recording into `latencies`.
    pub(crate) fn new(latencies: Arc<Latencies>, index: usize) -> Self {
        SubStats {
            unique: AtomicU64::new(0),
            dups: AtomicU64::new(0),
            last_ns: AtomicU64::new(0),
            latencies,
            index,
            ended: Mutex::new(None),
        }
    }

    pub(crate) fn end(&self, why: String) {
        *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }
}

/// A growable bitset of seen message indexes (`n * publishers + publisher`).
#[derive(Debug, Default)]
pub struct Seen(Vec<u64>);

impl Seen {
    /// Marks `i`; false if it was already marked. Indexes past 2^31 are refused (counted as duplicates).
    pub fn insert(&mut self, i: u64) -> bool {
        if i >= 1 << 31 {
            return false;
        }
        let (w, b) = ((i / 64) as usize, i % 64);
        if w >= self.0.len() {
            self.0.resize((w + 1).next_power_of_two(), 0);
        }
        let fresh = self.0[w] & (1 << b) == 0;
        self.0[w] |= 1 << b;
        fresh
    }

    /// Whether `i` was marked.
    pub fn contains(&self, i: u64) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// One subscriber: reads every frame, checks MESSAGE_CREATE markers, heartbeats.
pub(crate) async fn subscriber(
    mut s: Session,
    st: Arc<SubStats>,
    publishers: u64,
    mut stop: watch::Receiver<bool>,
) {
    let enc = s.enc;
    let mut seen = Seen::default();
    let mut lat: Vec<u64> = Vec::with_capacity(256);
    let mut hb = tokio::time::interval_at(Instant::now() + s.heartbeat, s.heartbeat);
    hb.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Made once: a fresh `changed()` per wake-up registered and removed a
    // waiter under the watch's lock for every delivery.
    let stopped = stop.changed();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            r = s.rd.fill() => match r {
                Ok(true) => {}
                Ok(false) => return st.end("connection closed by the server".into()),
                Err(e) => return st.end(format!("read error: {e:#}")),
            },
            _ = hb.tick() => {
                if let Err(e) = s.heartbeat(0).await {
                    return st.end(format!("heartbeat failed: {e:#}"));
                }
                continue;
            }
            _ = &mut stopped => {
                s.wr.close(1000).await;
                return;
            }
        }
        let now = unix_nanos();
        let (mut fresh, mut dup, mut ping) = (0u64, 0u64, false);
        loop {
            match s.rd.next_buffered() {
                Ok(Some(f)) => match f.opcode {
                    opcode::TEXT | opcode::BINARY
                        if peek_t(enc, f.payload) == Some(b"MESSAGE_CREATE".as_slice()) =>
                    {
                        if let Some(m) = find_mark(f.payload) {
                            if seen.insert(m.n * publishers + u64::from(m.publisher)) {
                                fresh += 1;
                                lat.push(now.saturating_sub(m.sent_ns));
                            } else {
                                dup += 1;
                            }
                        }
                    }
                    opcode::CLOSE => return st.end(Closed::of(&f).to_string()),
                    opcode::PING => ping = true,
                    _ => {}
                },
                Ok(None) => break,
                Err(e) => return st.end(format!("bad frame: {e:#}")),
            }
        }
        if ping && s.wr.send(opcode::PONG, b"").await.is_err() {
            return st.end("pong failed".into());
        }
        if fresh > 0 {
            st.unique.fetch_add(fresh, Ordering::Relaxed);
            st.last_ns.store(now, Ordering::Relaxed);
            st.latencies.record(st.index, lat.drain(..));
        }
        if dup > 0 {
            st.dups.fetch_add(dup, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_merge_every_subscriber_and_start_over_after_a_take() {
        let l = Latencies::new();
        // Subscribers 0 and 16 share a shard; 5 has its own.
        l.record(0, [1_000_000u64, 2_000_000].into_iter());
        l.record(16, [3_000_000u64].into_iter());
        l.record(5, [40_000_000u64].into_iter());
        let h = l.take();
        assert_eq!(h.len(), 4);
        assert_eq!(h.min(), 1_000);
        assert!(h.max() >= 40_000 && h.max() < 40_100, "max {}", h.max());
        assert_eq!(l.take().len(), 0, "a take leaves the shards empty");
        l.record(7, [5_000u64].into_iter());
        assert_eq!(l.take().len(), 1);
    }
}
