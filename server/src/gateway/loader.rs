//! Batched IDENTIFY reads (issue 14 "Fast IDENTIFY"): IDENTIFYs arriving
//! together share one Postgres statement per tenant and kind, the way group
//! commit shares a transaction among messages.
//!
//! An IDENTIFY asks twice, in this order: its member's row (role, tier,
//! token epoch) before it subscribes, and READY's heads and read states
//! after it subscribed (so nothing committed in between is missed). Each
//! ask is a [`Job`] in the loader's bounded mailbox ([`MAILBOX`] jobs;
//! full: the IDENTIFY waits, which pushes back on the reconnect storm). The
//! loader task takes everything queued (at most [`MAX_BATCH`]), groups it
//! by tenant and kind, and runs each group as one statement; at most
//! [`BATCHES_IN_FLIGHT`] batches hold a pool connection at once, and while
//! they run the next batch gathers.

use crate::ids::{ChannelId, TenantId, UserId};
use crate::store::{HeadsRequest, MemberRead, ReadyHead, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Jobs waiting for the loader; past it IDENTIFYs wait to be queued.
pub const MAILBOX: usize = 4096;
/// Jobs per batch at most.
pub const MAX_BATCH: usize = 256;
/// Batches running at once, each on one pool connection.
pub const BATCHES_IN_FLIGHT: usize = 2;

/// What one job asks for.
#[derive(Debug)]
enum Ask {
    Member(
        UserId,
        oneshot::Sender<Result<Option<MemberRead>, StoreError>>,
    ),
    Heads(
        HeadsRequest,
        oneshot::Sender<Result<Vec<ReadyHead>, StoreError>>,
    ),
}

#[derive(Debug)]
struct Job {
    tenant_id: TenantId,
    ask: Ask,
}

/// Cheap-clone handle to the loader task.
#[derive(Clone, Debug)]
pub struct Loader {
    tx: mpsc::Sender<Job>,
}

impl Loader {
    /// Starts the loader task on `tasks`; it ends when `stop` is cancelled
    /// (after serving drained: no IDENTIFY is left) or every handle is dropped.
    pub fn start(store: Store, tasks: &TaskTracker, stop: CancellationToken) -> Loader {
        let (tx, rx) = mpsc::channel(MAILBOX);
        let run = run(store, rx, tasks.clone());
        tasks.spawn(async move {
            tokio::select! {
                _ = run => {}
                _ = stop.cancelled() => {}
            }
        });
        Loader { tx }
    }

    async fn ask<T>(
        &self,
        tenant_id: TenantId,
        ask: Ask,
        rx: oneshot::Receiver<Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let gone = || StoreError::Unavailable("the IDENTIFY loader stopped".into());
        self.tx
            .send(Job { tenant_id, ask })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// The member's row and welcome state; `None` when the tenant has no
    /// such member. Errors: the pool or Postgres, for the whole batch.
    pub async fn member(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<Option<MemberRead>, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.ask(tenant_id, Ask::Member(user_id, tx), rx).await
    }

    /// READY's heads and `user_id`'s read states for `channels` (one per
    /// existing channel). Errors: as [`Loader::member`].
    pub async fn heads(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        channels: Vec<ChannelId>,
    ) -> Result<Vec<ReadyHead>, StoreError> {
        let (tx, rx) = oneshot::channel();
        let req = HeadsRequest { user_id, channels };
        self.ask(tenant_id, Ask::Heads(req, tx), rx).await
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>, tasks: TaskTracker) {
    let slots = Arc::new(Semaphore::new(BATCHES_IN_FLIGHT));
    loop {
        // A slot first: while every slot is busy, jobs gather in the mailbox.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let mut jobs = Vec::new();
        if rx.recv_many(&mut jobs, MAX_BATCH).await == 0 {
            return;
        }
        metrics::histogram!("arena_identify_batch_jobs").record(jobs.len() as f64);
        let store = store.clone();
        tasks.spawn(async move {
            execute(&store, jobs).await;
            drop(slot);
        });
    }
}

/// Runs one batch: per tenant, one statement for the member rows and one
/// for the heads; answers every job (an error answers each job of its group).
async fn execute(store: &Store, jobs: Vec<Job>) {
    type MemberReply = oneshot::Sender<Result<Option<MemberRead>, StoreError>>;
    type HeadsReply = oneshot::Sender<Result<Vec<ReadyHead>, StoreError>>;
    let mut members: HashMap<TenantId, Vec<(UserId, MemberReply)>> = HashMap::new();
    let mut heads: HashMap<TenantId, (Vec<HeadsRequest>, Vec<HeadsReply>)> = HashMap::new();
    for job in jobs {
        match job.ask {
            Ask::Member(u, reply) => members.entry(job.tenant_id).or_default().push((u, reply)),
            Ask::Heads(req, reply) => {
                let (reqs, replies) = heads.entry(job.tenant_id).or_default();
                reqs.push(req);
                replies.push(reply);
            }
        }
    }
    for (tenant_id, group) in members {
        let ids: Vec<UserId> = group.iter().map(|(u, _)| *u).collect();
        match store.identify_members(tenant_id, &ids).await {
            Ok(found) => {
                for (u, reply) in group {
                    let _ = reply.send(Ok(found.get(&u).cloned()));
                }
            }
            Err(e) => {
                for (_, reply) in group {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
    for (tenant_id, (reqs, replies)) in heads {
        match store.identify_heads(tenant_id, &reqs).await {
            Ok(found) => {
                for (h, reply) in found.into_iter().zip(replies) {
                    let _ = reply.send(Ok(h));
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
