//! The handle to one domain's actors, one per tenant: it starts an actor on
//! first use, finds it again while it runs, and starts a new one after it
//! retired. Sends never wait: a full mailbox is `unavailable` for a read and
//! a counted drop for a committed event.

use super::actor::{self, Msg};
use super::{Context, Domain};
use crate::ids::TenantId;
use crate::registry::Actor;
use arena_protocol::model::Panel;
use arena_protocol::{ErrorBody, ErrorCode, Event};
use dashmap::DashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Messages an actor's mailbox holds before sends are refused.
pub const MAILBOX: usize = 256;

/// Longest a [`Handle::signal`] waits for room in a full mailbox.
pub const SIGNAL_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A running actor's mailbox; `id` tells a retired actor's entry from its successor's.
struct Mailbox<C> {
    id: u64,
    tx: mpsc::Sender<Msg<C>>,
}

/// Cheap-clone handle to the actors of domain `D`, one per tenant on this node.
pub struct Handle<D: Domain> {
    ctx: Context,
    mailboxes: Arc<DashMap<TenantId, Mailbox<D::Command>>>,
    next_id: Arc<AtomicU64>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
    _domain: PhantomData<fn() -> D>,
}

impl<D: Domain> Clone for Handle<D> {
    fn clone(&self) -> Self {
        Handle {
            ctx: self.ctx.clone(),
            mailboxes: Arc::clone(&self.mailboxes),
            next_id: Arc::clone(&self.next_id),
            tasks: self.tasks.clone(),
            shutdown: self.shutdown.clone(),
            _domain: PhantomData,
        }
    }
}

impl<D: Domain> Handle<D> {
    /// No actors yet.
    pub fn new(ctx: Context, tasks: TaskTracker, shutdown: CancellationToken) -> Self {
        Handle {
            ctx,
            mailboxes: Arc::default(),
            next_id: Arc::default(),
            tasks,
            shutdown,
            _domain: PhantomData,
        }
    }

    /// What the domain's actors use (the store, the program …).
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The tenant's actor's sender, starting the actor if none runs.
    fn sender(&self, tenant_id: TenantId) -> mpsc::Sender<Msg<D::Command>> {
        self.mailboxes
            .entry(tenant_id)
            .or_insert_with(|| {
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                let (tx, rx) = mpsc::channel(MAILBOX);
                let mailboxes = Arc::clone(&self.mailboxes);
                let retire = move || {
                    mailboxes.remove_if(&tenant_id, |_, m| m.id == id);
                };
                self.tasks.spawn(actor::run::<D>(
                    self.ctx.clone(),
                    tenant_id,
                    rx,
                    actor::IDLE,
                    retire,
                    self.shutdown.clone(),
                ));
                Mailbox { id, tx }
            })
            .tx
            .clone()
    }

    /// Sends without waiting. An actor that retired between lookup and send
    /// has closed its mailbox: its entry is replaced and the send retried once.
    /// `Err(())` when the mailbox is full (the message is dropped: the
    /// caller answers `unavailable` or counts the drop).
    fn send(&self, tenant_id: TenantId, msg: Msg<D::Command>) -> Result<(), ()> {
        match self.sender(tenant_id).try_send(msg) {
            Err(mpsc::error::TrySendError::Closed(msg)) => {
                self.mailboxes
                    .remove_if(&tenant_id, |_, m| m.tx.is_closed());
                self.sender(tenant_id).try_send(msg).map_err(drop)
            }
            other => other.map_err(drop),
        }
    }

    /// The panel `kind` as `viewer` sees it (`unavailable` on a full mailbox).
    pub async fn panel(&self, viewer: &Actor, kind: &str) -> Result<Panel, ErrorBody> {
        let (reply, rx) = oneshot::channel();
        let msg = Msg::Panel {
            kind: kind.to_owned(),
            viewer: viewer.clone(),
            reply,
        };
        self.send(viewer.tenant_id, msg).map_err(|_| {
            ErrorBody::retry(ErrorCode::Unavailable, "the domain is busy; retry", 200)
        })?;
        rx.await.unwrap_or_else(|_| {
            Err(ErrorBody::new(
                ErrorCode::Internal,
                "the domain actor stopped while answering",
            ))
        })
    }

    /// Sends a command to the tenant's actor (`unavailable` on a full mailbox);
    /// the command answers through its own reply channel.
    pub fn command(&self, tenant_id: TenantId, command: D::Command) -> Result<(), ErrorBody> {
        self.send(tenant_id, Msg::Command(command))
            .map_err(|_| ErrorBody::retry(ErrorCode::Unavailable, "the domain is busy; retry", 200))
    }

    /// Sends the command `make` builds around a reply channel and waits for
    /// the answer (`unavailable` on a full mailbox, `internal` if the actor
    /// stopped before answering).
    pub async fn ask<T>(
        &self,
        tenant_id: TenantId,
        make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> D::Command,
    ) -> Result<T, ErrorBody> {
        let (tx, rx) = oneshot::channel();
        self.command(tenant_id, make(tx))?;
        rx.await.unwrap_or_else(|_| {
            Err(ErrorBody::new(
                ErrorCode::Internal,
                "the domain actor stopped while answering",
            ))
        })
    }

    /// Offers `signal` if the domain wants it, waiting up to [`SIGNAL_WAIT`]
    /// for room in a full mailbox (a signal may tick a record, so it is not
    /// dropped at the first full mailbox); after that it is dropped and
    /// counted in `arena_domain_signals_dropped_total`.
    pub async fn signal(&self, tenant_id: TenantId, signal: &super::Signal) {
        if !D::wants(signal) {
            return;
        }
        let mut msg = Msg::Signal(signal.clone());
        for _ in 0..2 {
            let tx = self.sender(tenant_id);
            match tokio::time::timeout(SIGNAL_WAIT, tx.send(msg)).await {
                Ok(Ok(())) => return,
                // Retired between lookup and send: a fresh actor takes it.
                Ok(Err(mpsc::error::SendError(m))) => {
                    self.mailboxes
                        .remove_if(&tenant_id, |_, m| m.tx.is_closed());
                    msg = m;
                }
                Err(_) => break,
            }
        }
        metrics::counter!("arena_domain_signals_dropped_total", "domain" => D::NAME).increment(1);
        tracing::warn!(domain = D::NAME, tenant = %tenant_id, ?signal, "domain mailbox full; signal dropped");
    }

    /// Hands the tenant's actor a panel another node built (see
    /// [`Msg::Adopt`]) if an actor runs here; otherwise there is no cache to
    /// correct. A full mailbox drops it (the panels' age bound covers it).
    pub fn adopt(&self, tenant_id: TenantId, projection: crate::bus::Projection, panel: Panel) {
        let Some(tx) = self.mailboxes.get(&tenant_id).map(|m| m.tx.clone()) else {
            return;
        };
        let _ = tx.try_send(Msg::Adopt { projection, panel });
    }

    /// Offers a committed event if the domain is interested. A full mailbox
    /// drops it (the panels' age bound covers a missed refresh), counted in
    /// `arena_domain_events_dropped_total`.
    pub fn committed(&self, tenant_id: TenantId, event: &Event) {
        if !D::interested(event) {
            return;
        }
        if self.send(tenant_id, Msg::Committed(event.clone())).is_err() {
            metrics::counter!("arena_domain_events_dropped_total", "domain" => D::NAME)
                .increment(1);
            tracing::warn!(domain = D::NAME, tenant = %tenant_id, event = event.name(), "domain mailbox full; event dropped");
        }
    }
}
