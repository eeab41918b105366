//! A session's outbound queue as the hub sees it: bounded in frames and in
//! bytes. Overflow is never buffered: it kills the session with close 4010
//! (slow consumer), as centrifuge's writer does.
//!
//! [`Outbound`] is the one "frame to write" type: the hub and the gateway
//! enqueue it, the session numbers its dispatches, the writer writes it.

use super::close::CloseLatch;
use crate::registry::Actor;
use arena_protocol::{CloseCode, DispatchPrefix, Encoding};
use bytes::Bytes;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

use crate::ids::ChannelId;

/// One frame on its way to a socket.
#[derive(Debug)]
pub enum Outbound {
    /// A live dispatch shared by every recipient of this encoding. The
    /// session numbers it with its next `s` and keeps it for replay, unless
    /// the channel floor says the client already has it. `channel_seq` 0 =
    /// not a channel log event (presence, typing, panels).
    Dispatch {
        prefix: DispatchPrefix,
        channel_id: ChannelId,
        channel_seq: u64,
    },
    /// A dispatch that gets the next `s` but is not kept for replay: READY,
    /// the largest frame a session gets, which a client that missed it
    /// replaces by identifying again.
    Unkept(DispatchPrefix),
    /// A dispatch with its `s` assigned: just numbered, or re-sent on RESUME
    /// with the `s` it had.
    Numbered(u64, DispatchPrefix),
    /// A complete non-dispatch frame (RESPONSE, HEARTBEAT_ACK, RECONNECT …).
    Frame(Bytes),
}

impl Outbound {
    /// What the item counts against the queue's byte budget: a dispatch's
    /// shared prefix plus room for its `s` (up to 20 digits) and the closing brace.
    pub fn bytes(&self) -> usize {
        match self {
            Outbound::Dispatch { prefix, .. }
            | Outbound::Unkept(prefix)
            | Outbound::Numbered(_, prefix) => prefix.len() + 12,
            Outbound::Frame(b) => b.len(),
        }
    }
}

/// The sending side of a session's queue plus what the hub needs to route to it.
#[derive(Debug)]
pub struct Outbox {
    /// Process-unique session key (hub index).
    pub key: u64,
    /// Who the session acts for: routes tenant events and decides per-viewer
    /// variants. Swapped whole when the member's role or tier changes.
    actor: arc_swap::ArcSwap<Actor>,
    /// The session's encoding: which of an event's encodings it gets.
    pub encoding: Encoding,
    tx: mpsc::Sender<Outbound>,
    /// Bytes queued and not yet taken by the writer.
    queued_bytes: AtomicUsize,
    /// Byte budget of the queue (`ARENA_OUTBOUND_QUEUE_BYTES`).
    max_bytes: usize,
    /// Closed when the session must end; its code says why.
    pub kill: CloseLatch,
}

/// Result of an enqueue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Queued,
    /// The queue was full: the session is being closed with 4010.
    Overflow,
    /// The session has ended.
    Gone,
}

impl Outbox {
    /// A new outbox holding at most `max_frames` items and `max_bytes` bytes,
    /// and the receiving side for the session's writer.
    pub fn new(
        key: u64,
        actor: Actor,
        encoding: Encoding,
        max_frames: usize,
        max_bytes: usize,
    ) -> (Outbox, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(max_frames.max(1));
        let o = Outbox {
            key,
            actor: arc_swap::ArcSwap::from_pointee(actor),
            encoding,
            tx,
            queued_bytes: AtomicUsize::new(0),
            max_bytes,
            kill: CloseLatch::default(),
        };
        (o, rx)
    }

    /// The acting member as of now.
    pub fn actor(&self) -> Arc<Actor> {
        self.actor.load_full()
    }

    /// Replaces the acting member (a role or tier change, [`crate::access`]).
    pub fn set_actor(&self, actor: Actor) {
        self.actor.store(Arc::new(actor));
    }

    /// Enqueues without waiting; a full queue (frames or bytes) kills the session with 4010.
    pub fn push(&self, item: Outbound) -> Push {
        if self.kill.is_closed() {
            return Push::Gone;
        }
        let n = item.bytes();
        if self.queued_bytes.fetch_add(n, Ordering::Relaxed) + n > self.max_bytes {
            self.queued_bytes.fetch_sub(n, Ordering::Relaxed);
            return self.overflow();
        }
        match self.tx.try_send(item) {
            Ok(()) => Push::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued_bytes.fetch_sub(n, Ordering::Relaxed);
                self.overflow()
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued_bytes.fetch_sub(n, Ordering::Relaxed);
                Push::Gone
            }
        }
    }

    fn overflow(&self) -> Push {
        self.kill.close(CloseCode::SlowConsumer);
        metrics::counter!("arena_queue_full_closes_total").increment(1);
        Push::Overflow
    }

    /// The writer took an item off the queue.
    pub fn taken(&self, item: &Outbound) {
        self.queued_bytes.fetch_sub(item.bytes(), Ordering::Relaxed);
    }

    /// Bytes queued and not yet taken.
    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes.load(Ordering::Relaxed)
    }

    /// Ends the session with `code` (the first code wins).
    pub fn close(&self, code: CloseCode) {
        self.kill.close(code);
    }

    /// The close code the session was ended with, if any.
    pub fn close_code(&self) -> Option<CloseCode> {
        self.kill.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TenantId, UserId};
    use arena_protocol::model::Role;

    fn outbox(frames: usize, bytes: usize) -> (Outbox, mpsc::Receiver<Outbound>) {
        let actor = Actor::member(TenantId(1), UserId(2), Role::Partner, None);
        Outbox::new(7, actor, Encoding::Json, frames, bytes)
    }

    fn frame(n: usize) -> Outbound {
        Outbound::Frame(Bytes::from(vec![b'x'; n]))
    }

    #[test]
    fn bytes_are_counted_in_and_out() {
        let (o, mut rx) = outbox(8, 1000);
        assert_eq!(o.push(frame(300)), Push::Queued);
        assert_eq!(o.push(frame(200)), Push::Queued);
        assert_eq!(o.queued_bytes(), 500);
        let item = rx.try_recv().expect("queued");
        o.taken(&item);
        assert_eq!(o.queued_bytes(), 200);
    }

    #[test]
    fn byte_budget_overflow_closes_with_4010() {
        let (o, _rx) = outbox(8, 1000);
        assert_eq!(o.push(frame(900)), Push::Queued);
        assert_eq!(o.push(frame(200)), Push::Overflow);
        assert_eq!(o.close_code(), Some(CloseCode::SlowConsumer));
        // The refused item is not on the books, and nothing more is taken.
        assert_eq!(o.queued_bytes(), 900);
        assert_eq!(o.push(frame(1)), Push::Gone);
    }

    #[test]
    fn frame_budget_overflow_closes_with_4010() {
        let (o, _rx) = outbox(2, 1 << 20);
        assert_eq!(o.push(frame(1)), Push::Queued);
        assert_eq!(o.push(frame(1)), Push::Queued);
        assert_eq!(o.push(frame(1)), Push::Overflow);
        assert_eq!(o.close_code(), Some(CloseCode::SlowConsumer));
        assert_eq!(o.queued_bytes(), 2);
    }

    #[test]
    fn a_dropped_writer_means_gone() {
        let (o, rx) = outbox(2, 1000);
        drop(rx);
        assert_eq!(o.push(frame(1)), Push::Gone);
        assert_eq!(o.queued_bytes(), 0);
        assert_eq!(o.close_code(), None);
    }

    #[test]
    fn an_earlier_close_code_is_kept() {
        let (o, _rx) = outbox(1, 1000);
        o.close(CloseCode::RateLimited);
        assert_eq!(o.push(frame(1)), Push::Gone);
        assert_eq!(o.close_code(), Some(CloseCode::RateLimited));
    }
}
