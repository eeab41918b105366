//! A session's outbound queue as the hub sees it: bounded in frames and in
//! bytes. Overflow is never buffered: it kills the session with close 4010
//! (slow consumer), as centrifuge's writer does.

use crate::registry::Actor;
use arena_protocol::{CloseCode, DispatchPrefix, Encoding};
use bytes::Bytes;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One item of a session's queue.
#[derive(Debug)]
pub enum Outbound {
    /// A DISPATCH shared by every recipient of this encoding; the writer
    /// appends the session's `s`. `channel_seq` 0 = not a log event.
    Dispatch {
        prefix: DispatchPrefix,
        channel_id: i64,
        channel_seq: u64,
    },
    /// A complete non-dispatch frame (RESPONSE, HEARTBEAT_ACK …).
    Frame(Bytes),
}

impl Outbound {
    fn bytes(&self) -> usize {
        match self {
            Outbound::Dispatch { prefix, .. } => prefix.len() + 12,
            Outbound::Frame(b) => b.len(),
        }
    }
}

/// The sending side of a session's queue plus what the hub needs to route to it.
#[derive(Debug)]
pub struct Outbox {
    /// Process-unique session key (hub index).
    pub key: u64,
    /// Who the session acts for: routes tenant events and decides per-user variants.
    pub actor: Actor,
    pub encoding: Encoding,
    tx: mpsc::Sender<Outbound>,
    /// Bytes queued and not yet taken by the writer.
    queued_bytes: AtomicUsize,
    max_bytes: usize,
    /// Cancelled when the session must end; `close_code` says why.
    pub kill: CancellationToken,
    close_code: AtomicU16,
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
    /// A new outbox and the receiving side for the session's writer.
    pub fn new(
        key: u64,
        actor: Actor,
        encoding: Encoding,
        max_frames: usize,
        max_bytes: usize,
    ) -> (Outbox, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(max_frames);
        let o = Outbox {
            key,
            actor,
            encoding,
            tx,
            queued_bytes: AtomicUsize::new(0),
            max_bytes,
            kill: CancellationToken::new(),
            close_code: AtomicU16::new(0),
        };
        (o, rx)
    }

    /// Enqueues without waiting; a full queue (frames or bytes) kills the session with 4010.
    pub fn push(&self, item: Outbound) -> Push {
        if self.kill.is_cancelled() {
            return Push::Gone;
        }
        let n = item.bytes();
        if self.queued_bytes.fetch_add(n, Ordering::Relaxed) + n > self.max_bytes {
            self.queued_bytes.fetch_sub(n, Ordering::Relaxed);
            self.close(CloseCode::SlowConsumer);
            metrics::counter!("arena_queue_full_closes_total").increment(1);
            return Push::Overflow;
        }
        match self.tx.try_send(item) {
            Ok(()) => Push::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued_bytes.fetch_sub(n, Ordering::Relaxed);
                self.close(CloseCode::SlowConsumer);
                metrics::counter!("arena_queue_full_closes_total").increment(1);
                Push::Overflow
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued_bytes.fetch_sub(n, Ordering::Relaxed);
                Push::Gone
            }
        }
    }

    /// The writer took an item off the queue.
    pub fn taken(&self, item: &Outbound) {
        self.queued_bytes.fetch_sub(item.bytes(), Ordering::Relaxed);
    }

    /// Ends the session with `code` (the first code wins).
    pub fn close(&self, code: CloseCode) {
        let _ =
            self.close_code
                .compare_exchange(0, code.code(), Ordering::AcqRel, Ordering::Acquire);
        self.kill.cancel();
    }

    /// The close code the session was ended with, if any.
    pub fn close_code(&self) -> Option<CloseCode> {
        CloseCode::from_code(self.close_code.load(Ordering::Acquire))
    }
}
