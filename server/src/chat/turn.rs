//! [`Turn`]: keeps one session's `message.create`s in the order it sent
//! them while their checks run concurrently. Each create waits for the
//! previous one to be enqueued for commit (or to fail) before it enqueues.

use tokio::sync::oneshot;

/// A session's place in its sequence of `message.create`s: wait for `prev`
/// (resolved when the previous create was enqueued or failed), then release
/// `next` once this one is enqueued. A turn dropped unused (a request that
/// failed before reaching the committer) still passes the order on.
#[derive(Debug)]
pub struct Turn {
    prev: Option<oneshot::Receiver<()>>,
    next: Option<oneshot::Sender<()>>,
}

impl Turn {
    /// The turn after `prev` (`None` for a session's first create); returns
    /// it and the receiver the following turn waits on.
    pub fn after(prev: Option<oneshot::Receiver<()>>) -> (Turn, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        (
            Turn {
                prev,
                next: Some(tx),
            },
            rx,
        )
    }

    /// Waits until the previous turn has passed.
    pub async fn wait(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = prev.await;
        }
    }
}

impl Drop for Turn {
    /// Passes the order on: at once if this turn was waited for, else as soon
    /// as the previous one passes (so a later create cannot overtake it).
    fn drop(&mut self) {
        let (prev, next) = (self.prev.take(), self.next.take());
        if let (Some(prev), Some(next)) = (prev, next) {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = prev.await;
                    drop(next);
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Three creates whose checks finish in reverse order still enqueue in send order.
    #[tokio::test(start_paused = true)]
    async fn turns_keep_send_order() {
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut last = None;
        let mut tasks = Vec::new();
        for (i, check_ms) in [(1, 30u64), (2, 20), (3, 10)] {
            let (mut turn, rx) = Turn::after(last.take());
            last = Some(rx);
            let order = Arc::clone(&order);
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(check_ms)).await;
                turn.wait().await;
                order.lock().expect("lock").push(i);
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(*order.lock().expect("lock"), vec![1, 2, 3]);
    }

    /// A turn dropped before its predecessor passed still holds the next one back.
    #[tokio::test(start_paused = true)]
    async fn a_dropped_turn_passes_the_order_on_in_order() {
        let (first, rx1) = Turn::after(None);
        let (second, rx2) = Turn::after(Some(rx1));
        let (mut third, _rx3) = Turn::after(Some(rx2));
        drop(second);
        let waiting = tokio::spawn(async move {
            third.wait().await;
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the first turn has not passed");
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("released")
            .expect("task");
    }
}
