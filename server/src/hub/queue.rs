//! A session's outbound queue: many producers (the fan-out on any worker),
//! one consumer (the session's writer), bounded in frames and in bytes, and
//! allocated on first use.
//!
//! Why not `tokio::sync::mpsc`: its bounded channel allocates its first block
//! of 32 slots (≈ 2 KiB of [`Outbound`]s) when it is created, so every idle
//! session paid for a queue it never used (issue 14: ≤ 8 KiB per idle
//! session). Here an empty queue is an empty `VecDeque` (no heap), the
//! writer takes a whole batch under one lock, and a producer wakes the
//! writer only when the queue goes from empty to non-empty.
//!
//! The lock is a short synchronous section (a push or a drain), never held
//! across `.await`.

use super::outbox::Outbound;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::Notify;

/// A drain of at most this many items that empties the queue frees its
/// storage: a session with light traffic (a heartbeat ACK every 41 s, a few
/// messages a minute) holds no queue between frames, and one that had a
/// burst does not keep its peak while idle; a busy one (larger drains) keeps
/// its buffer instead of freeing and regrowing it on every batch.
const LIGHT: usize = 4;

/// What [`Queue::offer`] did with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Queued,
    /// Over the frame or byte limit: not queued (the caller closes with 4010).
    Full,
    /// The consumer is gone: not queued.
    Closed,
}

/// The queue: see the module docs.
#[derive(Debug)]
pub struct Queue {
    inner: Mutex<Inner>,
    /// Woken when the queue goes from empty to non-empty, or is closed.
    ready: Notify,
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
            ready: Notify::new(),
            max_frames: max_frames.max(1),
            max_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends `item` unless the queue is closed or the item would pass a limit.
    pub fn offer(&self, item: Outbound) -> Offer {
        let n = item.bytes();
        let was_empty = {
            let mut q = self.lock();
            if q.closed {
                return Offer::Closed;
            }
            if q.items.len() >= self.max_frames || q.bytes + n > self.max_bytes {
                return Offer::Full;
            }
            q.bytes += n;
            q.items.push_back(item);
            q.items.len() == 1
        };
        if was_empty {
            // One permit is kept if the writer is not waiting yet.
            self.ready.notify_one();
        }
        Offer::Queued
    }

    /// Moves up to `limit` items into `buf` without waiting; how many moved.
    pub fn take(&self, buf: &mut Vec<Outbound>, limit: usize) -> usize {
        let mut q = self.lock();
        let n = q.items.len().min(limit);
        let mut bytes = 0;
        buf.extend(q.items.drain(..n).inspect(|i| bytes += i.bytes()));
        q.bytes -= bytes;
        if q.items.is_empty() && q.items.capacity() > 0 && n <= LIGHT {
            q.items = VecDeque::new();
        }
        n
    }

    /// The oldest queued item, without waiting.
    pub fn pop(&self) -> Option<Outbound> {
        let mut q = self.lock();
        let item = q.items.pop_front()?;
        q.bytes -= item.bytes();
        Some(item)
    }

    /// Waits until items are queued, then moves up to `limit` of them into
    /// `buf`; 0 once the queue is closed and empty. One consumer at a time
    /// (the session's writer lease guarantees it).
    pub async fn recv_many(&self, buf: &mut Vec<Outbound>, limit: usize) -> usize {
        loop {
            let n = self.take(buf, limit);
            if n > 0 || self.lock().closed {
                return n;
            }
            self.ready.notified().await;
        }
    }

    /// Closes the queue: later offers answer [`Offer::Closed`] and what was
    /// queued is dropped.
    pub fn close(&self) {
        let items = {
            let mut q = self.lock();
            q.closed = true;
            q.bytes = 0;
            std::mem::take(&mut q.items)
        };
        drop(items);
        self.ready.notify_one();
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
    use std::sync::Arc;
    use std::time::Duration;

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

    #[test]
    fn a_drained_queue_gives_back_a_large_buffer() {
        let q = Queue::new(1024, 1 << 20);
        for _ in 0..100 {
            q.offer(frame(1));
        }
        let mut buf = Vec::new();
        assert_eq!(q.take(&mut buf, 64), 64);
        assert!(q.lock().items.capacity() >= 36, "still holding the rest");
        assert_eq!(q.take(&mut buf, 64), 36);
        assert!(q.lock().items.capacity() >= 36, "busy: the buffer is kept");
        q.offer(frame(1));
        assert_eq!(q.take(&mut buf, 64), 1);
        assert_eq!(q.lock().items.capacity(), 0, "light again: freed");
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn limits_refuse_without_queueing() {
        let q = Queue::new(2, 100);
        assert_eq!(q.offer(frame(60)), Offer::Queued);
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

    #[tokio::test]
    async fn the_consumer_wakes_for_an_offer_from_another_task() {
        let q = Arc::new(Queue::new(8, 1000));
        let producer = Arc::clone(&q);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            producer.offer(frame(3));
            producer.offer(frame(4));
        });
        let mut buf = Vec::new();
        let mut got = 0;
        while got < 2 {
            got += q.recv_many(&mut buf, 8).await;
        }
        assert_eq!(buf.len(), 2);
        q.close();
        assert_eq!(q.recv_many(&mut buf, 8).await, 0, "closed and empty");
    }
}
