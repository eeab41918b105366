//! The close latch: how anything ends a session or a socket with a close
//! code. The first code wins (a slow-consumer 4010 is not overwritten by the
//! 1000 of a later shutdown); the token wakes whoever waits on the end, and
//! one lock-free waker slot wakes the socket's writer.
//!
//! A session's writer waits on one slot only, its session's kill latch's
//! (which an outbox also wakes when a frame lands in the empty queue): a
//! socket's latch is told that outbox ([`CloseLatch::also_wake`]) and wakes
//! its slot on close too, so an idle writer registers one waker, not two.

use arena_protocol::CloseCode;
use futures_util::task::AtomicWaker;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Context;
use tokio_util::sync::CancellationToken;

/// A one-way switch from open to closed, remembering the first close code.
#[derive(Debug, Default)]
pub struct CloseLatch {
    token: CancellationToken,
    /// Set before the token is cancelled: [`CloseLatch::is_closed`] is one
    /// atomic load, not the token's mutex (the fan-out asks once per
    /// delivery; it was ~5 % of the server's CPU at 10 msgs/s into 1,000).
    closed: AtomicBool,
    /// The first close code given, 0 while none.
    code: AtomicU16,
    /// The session's writer, waiting on this (kill) latch
    /// ([`CloseLatch::register_writer`]): one compare-and-swap per wait,
    /// where [`CloseLatch::closed`]'s future takes the token's lock and its
    /// notifier's on every poll (2.4 % of the server's CPU at 10 msgs/s into
    /// 10,000, docs/benchmarks.md).
    writer: AtomicWaker,
    /// A socket's latch: the outbox whose writer slot a close also wakes.
    also: OnceLock<Arc<super::Outbox>>,
}

impl CloseLatch {
    /// Closes with `code`; a later code does not replace an earlier one.
    pub fn close(&self, code: CloseCode) {
        let _ = self
            .code
            .compare_exchange(0, code.code(), Ordering::AcqRel, Ordering::Acquire);
        self.closed.store(true, Ordering::Release);
        self.token.cancel();
        self.wake_writers();
    }

    /// Closes without a code: no close frame of ours is sent (the peer went
    /// away, or another socket took the session over).
    pub fn close_silently(&self) {
        self.closed.store(true, Ordering::Release);
        self.token.cancel();
        self.wake_writers();
    }

    fn wake_writers(&self) {
        self.writer.wake();
        if let Some(outbox) = self.also.get() {
            outbox.kill.wake_writer();
        }
    }

    /// Has a close of this (socket's) latch also wake the writer slot of
    /// `outbox`'s kill latch, where the session's writer waits; the first
    /// outbox given is kept (a socket serves one session).
    pub fn also_wake(&self, outbox: &Arc<super::Outbox>) {
        let _ = self.also.set(Arc::clone(outbox));
    }

    /// True once closed, with or without a code.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Resolves when closed.
    pub fn closed(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.token.cancelled()
    }

    /// Registers `cx`'s task in the writer slot without checking the latch
    /// (the outbox shares the slot: [`CloseLatch::wake_writer`]).
    pub fn register_writer(&self, cx: &mut Context<'_>) {
        self.writer.register(cx.waker());
    }

    /// Wakes the task in the writer slot, if one waits, without closing.
    /// The outbox calls it when a frame lands in the session's empty queue,
    /// so the session's writer waits on one slot for frames and for a kill.
    pub fn wake_writer(&self) {
        self.writer.wake();
    }

    /// The first close code given, if any.
    pub fn code(&self) -> Option<CloseCode> {
        CloseCode::from_code(self.code.load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Poll;

    #[test]
    fn first_code_wins() {
        let l = CloseLatch::default();
        assert!(!l.is_closed());
        assert_eq!(l.code(), None);
        l.close(CloseCode::SlowConsumer);
        l.close(CloseCode::UnknownError);
        assert!(l.is_closed());
        assert_eq!(l.code(), Some(CloseCode::SlowConsumer));
    }

    /// Spawns a task that waits as the writer does (`register` puts it in a
    /// writer slot, then it checks `latch`), asserts it waits, runs `close`
    /// and asserts the task is woken.
    async fn assert_close_wakes(
        register: impl Fn(&mut Context<'_>) + Send + Sync + 'static,
        latch: Arc<CloseLatch>,
        close: impl FnOnce(),
    ) {
        let writer = tokio::spawn(async move {
            std::future::poll_fn(|cx| {
                register(cx);
                if latch.is_closed() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
        });
        tokio::task::yield_now().await;
        assert!(!writer.is_finished());
        close();
        tokio::time::timeout(std::time::Duration::from_secs(5), writer)
            .await
            .expect("woken by the close")
            .expect("writer task");
    }

    #[tokio::test]
    async fn the_writer_slot_wakes_on_close_from_another_task() {
        let l = Arc::new(CloseLatch::default());
        let slot = Arc::clone(&l);
        assert_close_wakes(
            move |cx| slot.register_writer(cx),
            Arc::clone(&l),
            || l.close_silently(),
        )
        .await;
    }

    #[tokio::test]
    async fn a_socket_close_wakes_the_writer_waiting_on_its_session() {
        use crate::hub::Outbox;
        use crate::ids::{TenantId, UserId};
        use crate::registry::Actor;
        let actor = Actor::member(
            TenantId(1),
            UserId(2),
            arena_protocol::model::Role::Partner,
            None,
        );
        let (outbox, rx) = Outbox::new(1, actor, arena_protocol::Encoding::Json, 8, 1000);
        let socket = Arc::new(CloseLatch::default());
        socket.also_wake(&outbox);
        // Registered on the session's slot only, as the writer is.
        assert_close_wakes(
            move |cx| rx.register(cx),
            Arc::clone(&socket),
            || socket.close_silently(),
        )
        .await;
    }

    #[test]
    fn silent_close_has_no_code_until_given_one() {
        let l = CloseLatch::default();
        l.close_silently();
        assert!(l.is_closed());
        assert_eq!(l.code(), None);
        l.close(CloseCode::SessionTimedOut);
        assert_eq!(l.code(), Some(CloseCode::SessionTimedOut));
    }
}
