//! A session's outbound queue: many producers (the fan-out on any worker),
//! one consumer (the session's writer), bounded in frames and in bytes, and
//! allocated on first use.
//!
//! Why not `tokio::sync::mpsc`: its bounded channel allocates its first block
//! of 32 slots (≈ 2 KiB of [`Outbound`]s) when it is created, so every idle
//! session paid for a queue it never used (issue 14: ≤ 8 KiB per idle
//! session). Here an empty queue is an empty `VecDeque` (no heap), the
//! writer takes a whole batch under one lock, and an offer tells its caller
//! when the queue went from empty to non-empty, the one time the writer
//! needs waking. The queue holds no waker of its own: the outbox wakes the
//! writer through the slot its kill latch already has, so an idle writer
//! registers one waker for both (issue 14: tokio's `Notify` here took its
//! waiter lock on every wake-up, 2.5 % of the CPU at 10 msgs/s into 10,000).
//!
//! The lock is a short synchronous section (a push or a drain), never held
//! across `.await`.

use super::outbox::Outbound;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

/// A drain of at most this many items that empties the queue frees its
/// storage: a session with light traffic (a heartbeat ACK every 41 s, a few
/// messages a minute) holds no queue between frames, and one that had a
/// burst does not keep its peak while idle; a busy one (larger drains) keeps
/// its buffer instead of freeing and regrowing it on every batch.
const LIGHT: usize = 4;

/// What [`Queue::offer`] did with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// Queued behind others: the writer is already due to take it.
    Queued,
    /// Queued into an empty queue: the caller wakes the writer.
    First,
    /// Over the frame or byte limit: not queued (the caller closes with 4010).
    Full,
    /// The consumer is gone: not queued.
    Closed,
}

/// The queue: see the module docs.
#[derive(Debug)]
pub struct Queue {
    inner: Mutex<Inner>,
    max_frames: usize,
    max_bytes: usize,
}

#[derive(Debug, Default)]
struct Inner {
    items: VecDeque<Outbound>,
    /// Sum of [`Outbound::bytes`] of `items`.
    bytes: usize,
    closed: bool,
}

impl Queue {
    /// An empty queue of at most `max_frames` items and `max_bytes` bytes
    /// (counted by [`Outbound::bytes`]); allocates nothing until the first offer.
    pub fn new(max_frames: usize, max_bytes: usize) -> Queue {
        Queue {
            inner: Mutex::new(Inner::default()),
            max_frames: max_frames.max(1),
            max_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends `item` unless the queue is closed or the item would pass a
    /// limit; [`Offer::First`] when the queue was empty.
    pub fn offer(&self, item: Outbound) -> Offer {
        let n = item.bytes();
        let mut q = self.lock();
        if q.closed {
            return Offer::Closed;
        }
        if q.items.len() >= self.max_frames || q.bytes + n > self.max_bytes {
            return Offer::Full;
        }
        q.bytes += n;
        q.items.push_back(item);
        if q.items.len() == 1 {
            Offer::First
        } else {
            Offer::Queued
        }
    }

    /// Takes up to `limit` items, and while they need at most `budget` bytes
    /// to build ([`Outbound::room`]; the first is always taken), without
    /// waiting: the oldest is returned and the others are appended to `rest`
    /// (so a one-frame round, the common case, allocates nothing); `None`
    /// when the queue is empty.
    pub fn take(&self, rest: &mut Vec<Outbound>, limit: usize, budget: usize) -> Option<Outbound> {
        let mut q = self.lock();
        let first = q.items.pop_front()?;
        let (mut room, mut more) = (first.room(), 0);
        for item in q.items.iter().take(limit.saturating_sub(1)) {
            room += item.room();
            if room > budget {
                break;
            }
            more += 1;
        }
        let mut bytes = first.bytes();
        rest.extend(q.items.drain(..more).inspect(|i| bytes += i.bytes()));
        q.bytes -= bytes;
        if q.items.is_empty() && q.items.capacity() > 0 && more < LIGHT {
            q.items = VecDeque::new();
        }
        Some(first)
    }

    /// The oldest queued item, without waiting.
    pub fn pop(&self) -> Option<Outbound> {
        let mut q = self.lock();
        let item = q.items.pop_front()?;
        q.bytes -= item.bytes();
        Some(item)
    }

    /// Closes the queue: later offers answer [`Offer::Closed`] and what was
    /// queued is dropped. Only the consumer's own end closes it, so nobody
    /// waits on it to be woken.
    pub fn close(&self) {
        let items = {
            let mut q = self.lock();
            q.closed = true;
            q.bytes = 0;
            std::mem::take(&mut q.items)
        };
        drop(items);
    }

    /// Bytes queued and not yet taken.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Items queued and not yet taken.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn frame(n: usize) -> Outbound {
        Outbound::Frame(Bytes::from(vec![b'x'; n]))
    }

    #[test]
    fn an_unused_queue_holds_no_storage() {
        let q = Queue::new(1024, 1 << 20);
        assert_eq!(q.lock().items.capacity(), 0);
        q.offer(frame(1));
        assert!(q.lock().items.capacity() > 0);
    }

    /// Items a take moved: the first plus what went into `rest`.
    fn taken(q: &Queue, limit: usize) -> usize {
        let mut rest = Vec::new();
        q.take(&mut rest, limit, usize::MAX)
            .map_or(0, |_| 1 + rest.len())
    }

    #[test]
    fn a_drained_queue_gives_back_a_large_buffer() {
        let q = Queue::new(1024, 1 << 20);
        for _ in 0..100 {
            q.offer(frame(1));
        }
        assert_eq!(taken(&q, 64), 64);
        assert!(q.lock().items.capacity() >= 36, "still holding the rest");
        assert_eq!(taken(&q, 64), 36);
        assert!(q.lock().items.capacity() >= 36, "busy: the buffer is kept");
        q.offer(frame(1));
        assert_eq!(taken(&q, 64), 1);
        assert_eq!(q.lock().items.capacity(), 0, "light again: freed");
        assert_eq!(q.bytes(), 0);
        assert_eq!(taken(&q, 64), 0, "empty");
    }

    #[test]
    fn a_take_stops_at_its_byte_budget_but_takes_at_least_one() {
        use arena_protocol::{DispatchPrefix, Encoding, Event};
        let e = Event::TypingStart(arena_protocol::event::TypingStart {
            channel_id: arena_protocol::Snowflake(5),
            user_id: arena_protocol::Snowflake(2),
            at: "2026-01-01T00:00:00.000Z".into(),
        });
        let prefix = DispatchPrefix::encode(Encoding::Json, &e).expect("encodes");
        let item = || Outbound::Dispatch {
            prefix: prefix.clone(),
            channel_id: crate::ids::ChannelId(5),
            channel_seq: 1,
        };
        let room = item().room();
        let q = Queue::new(64, 1 << 20);
        for _ in 0..10 {
            q.offer(item());
        }
        let mut rest = Vec::new();
        assert!(q.take(&mut rest, 64, 3 * room).is_some());
        assert_eq!(rest.len(), 2, "three fit the budget");
        rest.clear();
        assert!(
            q.take(&mut rest, 64, 1).is_some(),
            "one over the budget still goes"
        );
        assert!(rest.is_empty());
        assert_eq!(q.len(), 6);
    }

    #[test]
    fn only_the_offer_into_an_empty_queue_asks_for_a_wake_up() {
        let q = Queue::new(8, 1000);
        assert_eq!(q.offer(frame(1)), Offer::First);
        assert_eq!(q.offer(frame(1)), Offer::Queued);
        assert_eq!(taken(&q, 8), 2);
        assert_eq!(q.offer(frame(1)), Offer::First);
    }

    #[test]
    fn limits_refuse_without_queueing() {
        let q = Queue::new(2, 100);
        assert_eq!(q.offer(frame(60)), Offer::First);
        assert_eq!(q.offer(frame(50)), Offer::Full, "bytes");
        assert_eq!(q.offer(frame(10)), Offer::Queued);
        assert_eq!(q.offer(frame(1)), Offer::Full, "frames");
        assert_eq!((q.len(), q.bytes()), (2, 70));
    }

    #[test]
    fn a_closed_queue_drops_what_it_held_and_refuses_more() {
        let q = Queue::new(8, 100);
        q.offer(frame(10));
        q.close();
        assert_eq!(q.offer(frame(1)), Offer::Closed);
        assert_eq!((q.len(), q.bytes()), (0, 0));
    }
}
