//! A session's outbound queue as the hub sees it: bounded in frames and in
//! bytes. Overflow is never buffered: it kills the session with close 4010
//! (slow consumer), as centrifuge's writer does.
//!
//! [`Outbound`] is the one "frame to write" type: the hub and the gateway
//! enqueue it, the session numbers its dispatches, the writer writes it.
//! The queue itself is [`super::queue::Queue`] (allocated on first use).

use super::close::CloseLatch;
use super::queue::{Offer, Queue};
use crate::registry::Actor;
use arena_protocol::{CloseCode, DispatchPrefix, Encoding};
use bytes::Bytes;
use std::sync::Arc;

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

/// Bytes a dispatch's frame adds to its prefix: `s` (up to 20 digits) and
/// the closing byte.
pub const DISPATCH_TAIL: usize = 21;

impl Outbound {
    /// Bytes its frame is built in when written ([`crate::session::Session::build`]):
    /// a dispatch's prefix plus [`DISPATCH_TAIL`]; 0 for a complete frame.
    pub fn room(&self) -> usize {
        match self {
            Outbound::Dispatch { prefix, .. }
            | Outbound::Unkept(prefix)
            | Outbound::Numbered(_, prefix) => prefix.len() + DISPATCH_TAIL,
            Outbound::Frame(_) => 0,
        }
    }

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
    /// Frames waiting for the writer, bounded by `ARENA_OUTBOUND_QUEUE_FRAMES`
    /// and `ARENA_OUTBOUND_QUEUE_BYTES`.
    queue: Queue,
    /// Closed when the session must end; its code says why. Its writer slot
    /// is also woken when a frame lands in the empty queue ([`Receiver::register`]).
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
    /// and the receiving side for the session's writer (dropping it closes
    /// the queue: later pushes answer [`Push::Gone`]).
    pub fn new(
        key: u64,
        actor: Actor,
        encoding: Encoding,
        max_frames: usize,
        max_bytes: usize,
    ) -> (Arc<Outbox>, Receiver) {
        let o = Arc::new(Outbox {
            key,
            actor: arc_swap::ArcSwap::from_pointee(actor),
            encoding,
            queue: Queue::new(max_frames, max_bytes),
            kill: CloseLatch::default(),
        });
        let rx = Receiver {
            outbox: Arc::clone(&o),
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
        match self.queue.offer(item) {
            Offer::First => {
                self.kill.wake_writer();
                Push::Queued
            }
            Offer::Queued => Push::Queued,
            Offer::Full => self.overflow(),
            Offer::Closed => Push::Gone,
        }
    }

    fn overflow(&self) -> Push {
        self.kill.close(CloseCode::SlowConsumer);
        metrics::counter!("arena_queue_full_closes_total").increment(1);
        Push::Overflow
    }

    /// Bytes queued and not yet taken.
    pub fn queued_bytes(&self) -> usize {
        self.queue.bytes()
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

/// The writer's end of a session's queue (one per session). Dropping it
/// closes the queue and drops what it held.
#[derive(Debug)]
pub struct Receiver {
    outbox: Arc<Outbox>,
}

/// [`Receiver::try_recv`] found nothing queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Empty;

impl Receiver {
    /// Takes up to `limit` queued frames needing at most `budget` bytes to
    /// build (at least one) without waiting: the oldest is returned, the
    /// others appended to `rest`; `None` when nothing is queued.
    pub fn take(
        &mut self,
        rest: &mut Vec<Outbound>,
        limit: usize,
        budget: usize,
    ) -> Option<Outbound> {
        self.outbox.queue.take(rest, limit, budget)
    }

    /// Has `cx`'s task woken when a frame lands in the empty queue or the
    /// session is killed (one slot for both: the kill latch's). The caller
    /// registers, then takes again, so a frame queued in between is not missed.
    pub fn register(&self, cx: &mut std::task::Context<'_>) {
        self.outbox.kill.register_writer(cx);
    }

    /// The oldest queued frame, without waiting.
    pub fn try_recv(&mut self) -> Result<Outbound, Empty> {
        self.outbox.queue.pop().ok_or(Empty)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.outbox.queue.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TenantId, UserId};
    use arena_protocol::model::Role;

    fn outbox(frames: usize, bytes: usize) -> (Arc<Outbox>, Receiver) {
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
        rx.try_recv().expect("queued");
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
