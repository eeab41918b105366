//! Group commit of `message.create`: an actor per shard owns a mailbox of
//! pending creates; it takes everything waiting (up to `batch` messages),
//! commits them in one transaction, publishes the committed events in seq
//! order, then answers each sender. Nothing is acknowledged before commit.
//!
//! Channels map to shards by id, so a channel's creates are committed and
//! published in order by one task, and shards never contend for a channel row.
//! On shutdown a shard closes its mailbox and commits what is already in it.

use crate::bus::Audience;
use crate::error::store_error;
use crate::publish::Publisher;
use crate::store::{NewMessage, Store, StoreError};
use arena_protocol::model::Message;
use arena_protocol::{ErrorBody, ErrorCode, Event};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

type Reply = oneshot::Sender<Result<Message, ErrorBody>>;

/// Handle to the committer shards.
#[derive(Clone, Debug)]
pub struct Committer {
    shards: Arc<[mpsc::Sender<(NewMessage, Reply)>]>,
}

/// Pending creates a shard's mailbox holds before answering `unavailable`.
const MAILBOX: usize = 8192;

impl Committer {
    /// Starts `shards` committer tasks on `tasks`, each committing up to
    /// `batch` messages per transaction; they drain and stop on `shutdown`.
    pub fn start(
        store: Store,
        publisher: Publisher,
        shards: usize,
        batch: usize,
        tasks: &TaskTracker,
        shutdown: CancellationToken,
    ) -> Committer {
        let senders: Vec<_> = (0..shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(MAILBOX);
                let shard = Shard {
                    store: store.clone(),
                    conn: None,
                    publisher: publisher.clone(),
                    batch: batch.max(1),
                };
                tasks.spawn(shard.run(rx, shutdown.clone()));
                tx
            })
            .collect();
        Committer {
            shards: senders.into(),
        }
    }

    /// Enqueues one message now (so enqueue order is commit order within a
    /// channel) and returns the future of its commit: the stored message, or
    /// `unavailable` (Postgres down, or the mailbox full) / `internal`.
    pub fn submit(
        &self,
        m: NewMessage,
    ) -> Result<impl std::future::Future<Output = Result<Message, ErrorBody>>, ErrorBody> {
        let shard = (m.message.channel_id.0 % self.shards.len() as u64) as usize;
        let (tx, rx) = oneshot::channel();
        self.shards[shard].try_send((m, tx)).map_err(|_| {
            ErrorBody::retry(
                ErrorCode::Unavailable,
                "too many messages being committed; retry",
                100,
            )
        })?;
        Ok(async move {
            rx.await
                .unwrap_or_else(|_| Err(ErrorBody::new(ErrorCode::Internal, "committer stopped")))
        })
    }
}

/// One committer shard's task state.
struct Shard {
    store: Store,
    /// The shard's own connection ([`Store::dedicated`]), taken on first
    /// use and dropped after an error that may have broken it.
    conn: Option<sqlx::PgConnection>,
    publisher: Publisher,
    batch: usize,
}

impl Shard {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<(NewMessage, Reply)>,
        shutdown: CancellationToken,
    ) {
        let mut pending = Vec::with_capacity(self.batch);
        loop {
            let n = tokio::select! {
                n = rx.recv_many(&mut pending, self.batch) => n,
                _ = shutdown.cancelled() => break,
            };
            if n == 0 {
                return;
            }
            self.commit(std::mem::take(&mut pending)).await;
        }
        // Shutting down: refuse new creates, commit and answer what is queued.
        rx.close();
        while rx.recv_many(&mut pending, self.batch).await > 0 {
            self.commit(std::mem::take(&mut pending)).await;
        }
        if let Some(conn) = self.conn.take() {
            let _ = sqlx::Connection::close(conn).await;
        }
    }

    /// Inserts `msgs` on the shard's connection (taking one if it has none).
    async fn insert(&mut self, msgs: &[NewMessage]) -> Result<Vec<Message>, StoreError> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(self.store.dedicated().await?),
        };
        let result = Store::insert_messages_on(conn, msgs).await;
        // Postgres refused a row (NotFound, Conflict): the connection is fine.
        // Anything else may have left it broken or mid-protocol.
        if matches!(
            result,
            Err(StoreError::Unavailable(_) | StoreError::Other(_))
        ) {
            self.conn = None;
        }
        result
    }

    async fn commit(&mut self, pending: Vec<(NewMessage, Reply)>) {
        let (msgs, replies): (Vec<NewMessage>, Vec<_>) = pending.into_iter().unzip();
        let tenants: Vec<_> = msgs.iter().map(|m| m.tenant_id).collect();
        let n = msgs.len();
        let started = std::time::Instant::now();
        let result = match self.insert(&msgs).await {
            // A bad row (rare: e.g. a deleted author) must not fail its neighbours:
            // retry one by one so each sender gets its own answer.
            Err(StoreError::Other(_) | StoreError::NotFound | StoreError::Conflict(_)) if n > 1 => {
                let mut each = Vec::with_capacity(n);
                for m in msgs {
                    each.push(
                        self.insert(std::slice::from_ref(&m))
                            .await
                            .and_then(|v| v.into_iter().next().ok_or(StoreError::NotFound))
                            .map_err(store_error),
                    );
                }
                each
            }
            Ok(committed) => committed.into_iter().map(Ok).collect(),
            Err(e) => {
                let body = store_error(e);
                (0..n).map(|_| Err(body.clone())).collect()
            }
        };
        metrics::histogram!("arena_commit_batch_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("arena_commit_batch_size").record(n as f64);
        for ((r, reply), tenant_id) in result.into_iter().zip(replies).zip(tenants) {
            if let Ok(m) = &r {
                metrics::counter!("arena_messages_committed_total").increment(1);
                let audience = Audience::Channel {
                    tenant_id,
                    channel_id: m.channel_id.into(),
                };
                self.publisher.committed(
                    tenant_id,
                    audience,
                    Event::MessageCreate(Box::new(m.clone())),
                );
            }
            let _ = reply.send(r);
        }
    }
}
