//! Group commit of `message.create`: an actor per shard owns a mailbox of
//! pending creates; it takes everything waiting (up to `batch` messages),
//! commits them in one transaction, publishes the committed events in seq
//! order, then answers each sender. Nothing is acknowledged before commit.
//!
//! Channels map to shards by id, so a channel's creates are committed and
//! published in order by one task, and shards never contend for a channel row.

use crate::bus::{Audience, Bus};
use crate::domains::Domains;
use crate::error::store_error;
use crate::store::{NewMessage, Store, StoreError};
use arena_protocol::model::Message;
use arena_protocol::{ErrorBody, ErrorCode, Event};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<Message, ErrorBody>>;

/// Handle to the committer shards.
#[derive(Clone, Debug)]
pub struct Committer {
    shards: Arc<[mpsc::Sender<(NewMessage, Reply)>]>,
}

/// Pending creates a shard's mailbox holds before answering `unavailable`.
const MAILBOX: usize = 8192;

impl Committer {
    /// Starts `shards` committer tasks; they stop when every handle is dropped.
    pub fn start(
        store: Store,
        bus: Arc<dyn Bus>,
        domains: Domains,
        shards: usize,
        batch: usize,
    ) -> Committer {
        let senders: Vec<_> = (0..shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(MAILBOX);
                tokio::spawn(run(
                    store.clone(),
                    Arc::clone(&bus),
                    domains.clone(),
                    rx,
                    batch.max(1),
                ));
                tx
            })
            .collect();
        Committer {
            shards: senders.into(),
        }
    }

    /// Commits one message; resolves after the commit (and the fan-out) with
    /// the stored message, or an error (`unavailable` when Postgres is down or
    /// the mailbox is full).
    pub async fn commit(&self, m: NewMessage) -> Result<Message, ErrorBody> {
        self.submit(m)?.await
    }

    /// Enqueues one message now (so enqueue order is commit order within a
    /// channel) and returns the future of its commit.
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

async fn run(
    store: Store,
    bus: Arc<dyn Bus>,
    domains: Domains,
    mut rx: mpsc::Receiver<(NewMessage, Reply)>,
    batch: usize,
) {
    let mut pending = Vec::with_capacity(batch);
    while rx.recv_many(&mut pending, batch).await > 0 {
        let (msgs, replies): (Vec<NewMessage>, Vec<_>) =
            std::mem::take(&mut pending).into_iter().unzip();
        let tenants: Vec<i64> = msgs.iter().map(|m| m.tenant_id).collect();
        let n = msgs.len();
        let started = std::time::Instant::now();
        let result = store.insert_messages(&msgs).await;
        let result = match result {
            // A bad row (rare: e.g. a deleted author) must not fail its neighbours:
            // retry one by one so each sender gets its own answer.
            Err(StoreError::Other(_) | StoreError::NotFound | StoreError::Conflict(_)) if n > 1 => {
                let mut each = Vec::with_capacity(n);
                for m in msgs {
                    each.push(
                        store
                            .insert_messages(std::slice::from_ref(&m))
                            .await
                            .map(|mut v| v.remove(0))
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
                if m.card.as_ref().is_some_and(|c| c.kind == "deal_win") {
                    domains.refresh(tenant_id, "revenue");
                }
                metrics::counter!("arena_messages_committed_total").increment(1);
                bus.publish(
                    Audience::Channel(m.channel_id.0 as i64),
                    Event::MessageCreate(Box::new(m.clone())),
                );
            }
            let _ = reply.send(r);
        }
    }
}
