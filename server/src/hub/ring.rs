//! The per-channel (and per-tenant) ring of recent dispatches that a
//! RESUME replays from (issue 14): one copy per event, shared by every
//! session, each encoding made at most once (the live fan-out's bytes are
//! kept), bounded in bytes and in age. A session that loses its socket
//! leaves the fan-out and remembers the ring's head; on RESUME it rejoins
//! and takes what came after from here, or from the Postgres log when the
//! ring no longer holds it (as centrifuge's history and Phoenix's resume
//! read the channel's history, not a per-client copy).
//!
//! A ring is complete from its creation until it first evicts: `after(None)`
//! (a session that joined before any event) is served only while nothing
//! was evicted.

use crate::ids::UserId;
use arena_protocol::{DispatchPrefix, Encoding, Event};
use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How much a ring keeps. Defaults: 256 KiB and 120 s (the resume window).
#[derive(Debug, Clone, Copy)]
pub struct RingLimits {
    /// Estimated bytes per ring (`ARENA_RESUME_RING_BYTES`); 0 keeps nothing.
    pub bytes: usize,
    /// Oldest entry kept (`ARENA_RESUME_WINDOW_S`): older ones are dropped on the next push.
    pub age: Duration,
}

impl Default for RingLimits {
    fn default() -> Self {
        RingLimits {
            bytes: 256 * 1024,
            age: Duration::from_secs(120),
        }
    }
}

/// One event in a ring: the event itself, its encodings made on demand.
#[derive(Debug)]
pub struct RingEvent {
    /// The channel's `channel_seq`, or the tenant ring's own counter.
    pub seq: u64,
    pub event: Event,
    /// For a tenant ring: who gets it (see [`RingAudience`]).
    pub audience: RingAudience,
    json: OnceLock<DispatchPrefix>,
    msgpack: OnceLock<DispatchPrefix>,
    at: Instant,
    bytes: usize,
}

/// Which of a tenant's sessions a tenant event went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingAudience {
    All,
    /// Only this member's sessions.
    Only(UserId),
    /// Everyone but this member's sessions.
    Except(UserId),
}

impl RingAudience {
    /// Does a session of member `user_id` get the event?
    pub fn includes(self, user_id: UserId) -> bool {
        match self {
            RingAudience::All => true,
            RingAudience::Only(u) => u == user_id,
            RingAudience::Except(u) => u != user_id,
        }
    }
}

impl RingEvent {
    /// The shared dispatch bytes in `enc`, encoded once. `None` if encoding
    /// failed (logged; never for a well-formed [`Event`]).
    pub fn prefix(&self, enc: Encoding) -> Option<DispatchPrefix> {
        let cell = match enc {
            Encoding::Json => &self.json,
            Encoding::MsgPack => &self.msgpack,
        };
        if let Some(p) = cell.get() {
            return Some(p.clone());
        }
        match DispatchPrefix::encode(enc, &self.event) {
            Ok(p) => Some(cell.get_or_init(|| p).clone()),
            Err(e) => {
                tracing::error!(error = %e, "ring event encode failed");
                None
            }
        }
    }
}

/// A bounded ring of [`RingEvent`]s, oldest first.
#[derive(Debug, Default)]
pub struct Ring {
    events: VecDeque<Arc<RingEvent>>,
    bytes: usize,
    /// Seq of the newest event pushed (kept after eviction).
    head: Option<u64>,
    /// Something was dropped: the ring no longer holds everything since its creation.
    evicted: bool,
}

impl Ring {
    /// The newest seq pushed, `None` before the first.
    pub fn head(&self) -> Option<u64> {
        self.head
    }

    /// Records `event` as `seq` (greater than the head; a repeat, such as a
    /// second variant of one CHANNEL_UPDATE, is ignored), with the
    /// encodings the live fan-out already made, and drops from the front
    /// what exceeds `limits`. Unless `keep` (no session is away, so nobody
    /// will ask), only the head moves and what the ring held is let go.
    /// The size is estimated as twice the JSON encoding (the other
    /// encoding and the event itself) plus 64 bytes.
    pub fn push(
        &mut self,
        limits: &RingLimits,
        seq: u64,
        event: &Event,
        audience: RingAudience,
        made: [Option<DispatchPrefix>; 2],
        keep: bool,
    ) {
        if self.head.is_some_and(|h| seq <= h) {
            return;
        }
        self.head = Some(seq);
        if !keep || limits.bytes == 0 {
            if !self.events.is_empty() {
                self.events.clear();
                self.bytes = 0;
                self.evicted = true;
            }
            return;
        }
        let now = Instant::now();
        let [json, msgpack] = made;
        let entry = RingEvent {
            seq,
            event: event.clone(),
            audience,
            json: OnceLock::new(),
            msgpack: OnceLock::new(),
            at: now,
            bytes: 0,
        };
        if let Some(p) = json {
            let _ = entry.json.set(p);
        }
        if let Some(p) = msgpack {
            let _ = entry.msgpack.set(p);
        }
        // Sized by its JSON, made now if no subscriber needed it.
        let size = entry.prefix(Encoding::Json).map_or(256, |p| p.len()) * 2 + 64;
        let entry = RingEvent {
            bytes: size,
            ..entry
        };
        self.bytes += size;
        self.events.push_back(Arc::new(entry));
        self.trim(limits, now);
    }

    fn trim(&mut self, limits: &RingLimits, now: Instant) {
        while let Some(front) = self.events.front() {
            let old = now.saturating_duration_since(front.at) > limits.age;
            if self.bytes <= limits.bytes && !old {
                break;
            }
            self.bytes -= front.bytes;
            self.events.pop_front();
            self.evicted = true;
        }
    }

    /// Every event after `pos` (the head a session saw when it left; `None`
    /// if it left before the first event), oldest first; `None` when the
    /// ring no longer holds all of them (the caller reads the log).
    pub fn after(&self, pos: Option<u64>) -> Option<Vec<Arc<RingEvent>>> {
        match pos {
            None if self.evicted => None,
            None => Some(self.events.iter().cloned().collect()),
            Some(p) => {
                if self.head.is_none_or(|h| h <= p) {
                    return Some(Vec::new());
                }
                let first = self.events.front()?;
                if first.seq > p + 1 {
                    return None;
                }
                Some(self.events.iter().filter(|e| e.seq > p).cloned().collect())
            }
        }
    }

    /// Estimated bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use arena_protocol::event::TypingStart;
    use arena_protocol::Snowflake;

    fn ev() -> Event {
        Event::TypingStart(TypingStart {
            channel_id: Snowflake(1),
            user_id: Snowflake(2),
            at: "2026-11-26T00:00:00Z".into(),
        })
    }

    fn push(r: &mut Ring, limits: &RingLimits, seq: u64) {
        r.push(limits, seq, &ev(), RingAudience::All, [None, None], true);
    }

    fn seqs(v: Option<Vec<Arc<RingEvent>>>) -> Option<Vec<u64>> {
        v.map(|v| v.iter().map(|e| e.seq).collect())
    }

    #[test]
    fn serves_what_follows_a_position_while_it_holds_it() {
        let limits = RingLimits::default();
        let mut r = Ring::default();
        assert_eq!(seqs(r.after(None)), Some(vec![]));
        for s in 5..=8 {
            push(&mut r, &limits, s);
        }
        push(&mut r, &limits, 8); // a second variant: ignored
        assert_eq!(r.head(), Some(8));
        assert_eq!(seqs(r.after(None)), Some(vec![5, 6, 7, 8]));
        assert_eq!(seqs(r.after(Some(6))), Some(vec![7, 8]));
        assert_eq!(seqs(r.after(Some(4))), Some(vec![5, 6, 7, 8]));
        assert_eq!(seqs(r.after(Some(8))), Some(vec![]));
        assert_eq!(seqs(r.after(Some(3))), None, "seq 4 was never here");
    }

    #[test]
    fn evicts_by_bytes_and_then_refuses_older_positions() {
        let one = {
            let mut r = Ring::default();
            push(&mut r, &RingLimits::default(), 1);
            r.bytes()
        };
        let limits = RingLimits {
            bytes: one * 3,
            age: Duration::from_secs(60),
        };
        let mut r = Ring::default();
        for s in 1..=5 {
            push(&mut r, &limits, s);
        }
        assert!(r.bytes() <= one * 3);
        assert_eq!(seqs(r.after(Some(2))), Some(vec![3, 4, 5]));
        assert_eq!(seqs(r.after(Some(1))), None);
        assert_eq!(
            seqs(r.after(None)),
            None,
            "no longer complete since creation"
        );
    }

    #[test]
    fn keeps_nothing_while_nobody_is_away() {
        let limits = RingLimits::default();
        let mut r = Ring::default();
        push(&mut r, &limits, 1);
        r.push(&limits, 2, &ev(), RingAudience::All, [None, None], false);
        assert_eq!(r.head(), Some(2));
        assert_eq!(r.bytes(), 0);
        assert_eq!(seqs(r.after(Some(2))), Some(vec![]));
        assert_eq!(seqs(r.after(Some(1))), None);
        push(&mut r, &limits, 3);
        assert_eq!(seqs(r.after(Some(2))), Some(vec![3]));
    }

    #[test]
    fn evicts_by_age() {
        let limits = RingLimits {
            bytes: usize::MAX,
            age: Duration::ZERO,
        };
        let mut r = Ring::default();
        push(&mut r, &limits, 1);
        std::thread::sleep(Duration::from_millis(2));
        push(&mut r, &limits, 2);
        assert_eq!(seqs(r.after(Some(1))), Some(vec![2]));
        assert_eq!(seqs(r.after(Some(0))), None);
    }

    #[test]
    fn encodes_once_per_encoding() {
        let mut r = Ring::default();
        push(&mut r, &RingLimits::default(), 1);
        let e = &r.after(None).unwrap()[0];
        let a = e.prefix(Encoding::MsgPack).unwrap();
        assert!(e.msgpack.get().is_some(), "kept after the first use");
        assert_eq!(e.prefix(Encoding::MsgPack).unwrap(), a);
    }
}
