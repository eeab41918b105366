//! The Redis bus: several Arena nodes on one Redis share fan-out (issue 11).
//!
//! Publishing (on any task, never blocking): the event is delivered to this
//! node's sessions at once (so a single node behaves exactly like
//! [`LocalBus`](super::LocalBus)), then handed to a bounded queue of
//! [`PUBLISH_QUEUE`] events. One publisher task drains it in order and
//! `PUBLISH`es an [`Envelope`] (MessagePack: origin node, audience, event) on
//! the tenant's topic `arena:t:{tenant_id}` through a reconnecting
//! [`ConnectionManager`].
//!
//! Queue full policy: the event was already delivered on this node; for the
//! other nodes it is dropped (newest dropped, counted in
//! `arena_bus_publish_queue_full_total`, logged once per full spell). Their
//! clients recover it from the channel log (RESUME, backfill), as after any
//! at-most-once loss. A failed `PUBLISH` (Redis away) is dropped the same way
//! and counted in `arena_bus_publish_errors_total`.
//!
//! Receiving: one task holds a dedicated pub/sub connection subscribed to
//! the topic of each tenant that has sessions on this node, never one per
//! socket: the hub's tenant audience is the reference count, and the hub
//! tells the task when a tenant's first session joins (SUBSCRIBE) or its
//! last leaves (UNSUBSCRIBE); see [`Hub::watch_tenants`]. It decodes each
//! envelope, ignores its own echoes (by the random origin id of this
//! process) and hands the rest to [`Delivery`]. When the connection drops it
//! reconnects with exponential backoff (100 ms doubling to 5 s) and
//! subscribes again to every tenant with sessions, logging both. Events
//! published while a subscription is on its way (a tenant's first session
//! here, a reconnection) are not delivered here: at most once, like any
//! loss, recovered from the channel log.
//!
//! Order: one publisher task on one connection, one receiving connection:
//! events published by one node arrive on every other node in publish order.
//!
//! Metrics: `arena_bus_published_total`, `arena_bus_received_total`,
//! `arena_bus_publish_queue_full_total`, `arena_bus_publish_errors_total`,
//! `arena_bus_decode_errors_total`, `arena_bus_reconnects_total`, and the
//! gauge `arena_bus_tenant_subscriptions`.

use super::envelope::{decode, encode, tenant_of};
use super::{Audience, Bus};
use crate::delivery::Delivery;
use crate::hub::Hub;
use crate::ids::TenantId;
use ::redis::aio::{ConnectionManager, PubSubSink};
use ::redis::AsyncCommands;
use arena_protocol::Event;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Events waiting to be published to Redis, at most; beyond, see the module's policy.
pub const PUBLISH_QUEUE: usize = 8192;

/// First reconnection delay; doubles up to [`BACKOFF_MAX`].
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// Longest delay between reconnection attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Why the Redis bus could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// `ARENA_REDIS_URL` is not a Redis URL (`redis://host:port/db`).
    #[error("redis_url: {0}")]
    Url(#[from] ::redis::RedisError),
    /// The hub's tenant watcher is taken (one bus per hub).
    #[error("the hub already has a bus watching its tenants")]
    Watched,
}

/// The Redis topic of a tenant's events: `arena:t:{tenant_id}`.
pub fn topic(tenant: TenantId) -> String {
    format!("arena:t:{}", tenant.0)
}

/// The Redis bus of one node; see the module documentation.
#[derive(Clone)]
pub struct RedisBus {
    delivery: Delivery,
    origin: u64,
    queue: mpsc::Sender<(Audience, Event)>,
    /// Set while the queue is full, so a full spell is logged once.
    full: Arc<AtomicBool>,
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl RedisBus {
    /// A bus over this node's `delivery` and the Redis at `url`
    /// (`redis://host:port/db`). Spawns the publisher and the receiving task
    /// on `tasks`; both end when `stop` is cancelled. Connections are made
    /// by those tasks (and retried), so a Redis that is down at start only
    /// delays cross-node delivery.
    ///
    /// The receiving task follows `hub`'s tenants (one subscription per
    /// tenant with sessions here).
    ///
    /// Errors: [`BusError::Url`] if `url` is not a Redis URL,
    /// [`BusError::Watched`] if `hub` already serves another bus.
    pub fn start(
        url: &str,
        delivery: Delivery,
        hub: &Hub,
        tasks: &TaskTracker,
        stop: CancellationToken,
    ) -> Result<RedisBus, BusError> {
        let client = ::redis::Client::open(url)?;
        let changes = hub.watch_tenants().ok_or(BusError::Watched)?;
        let origin: u64 = rand::random();
        let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
        tasks.spawn(publisher(client.clone(), origin, rx, stop.clone()));
        tasks.spawn(receiver(
            client,
            origin,
            delivery.clone(),
            hub.clone(),
            changes,
            stop,
        ));
        tracing::info!(origin, "bus: Redis pub/sub");
        Ok(RedisBus {
            delivery,
            origin,
            queue: tx,
            full: Arc::new(AtomicBool::new(false)),
        })
    }

    /// This process's origin id on the bus (random per start).
    pub fn origin(&self) -> u64 {
        self.origin
    }
}

impl Bus for RedisBus {
    fn publish(&self, audience: Audience, event: Event) {
        self.delivery.deliver(audience, &event);
        match self.queue.try_send((audience, event)) {
            Ok(()) => {
                // Read first: no shared write on the common path.
                if self.full.load(Ordering::Relaxed) && self.full.swap(false, Ordering::Relaxed) {
                    tracing::info!("bus: publish queue has room again");
                }
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("arena_bus_publish_queue_full_total").increment(1);
                if !self.full.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        limit = PUBLISH_QUEUE,
                        "bus: publish queue full; events for other nodes are dropped"
                    );
                }
            }
            // The publisher has stopped (shutdown): local delivery is all there is.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// Waits `backoff` (or until `stop`); false if stopped. Doubles `backoff`.
async fn pause(backoff: &mut Duration, stop: &CancellationToken) -> bool {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(BACKOFF_MAX);
    tokio::select! {
        _ = stop.cancelled() => false,
        _ = tokio::time::sleep(wait) => true,
    }
}

/// Drains the publish queue in order into `PUBLISH`es.
async fn publisher(
    client: ::redis::Client,
    origin: u64,
    mut rx: mpsc::Receiver<(Audience, Event)>,
    stop: CancellationToken,
) {
    let mut backoff = BACKOFF_MIN;
    let mut conn: ConnectionManager = loop {
        let connected = tokio::select! {
            _ = stop.cancelled() => return,
            c = client.get_connection_manager() => c,
        };
        match connected {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "bus: cannot connect to Redis to publish");
                if !pause(&mut backoff, &stop).await {
                    return;
                }
            }
        }
    };
    // Set while PUBLISHes fail, so an outage is logged once (and its end).
    let mut failing = false;
    loop {
        let next = tokio::select! {
            _ = stop.cancelled() => return,
            n = rx.recv() => n,
        };
        let Some((audience, event)) = next else {
            return;
        };
        let Some(bytes) = encode(origin, audience, &event) else {
            continue;
        };
        let r: Result<i64, _> = conn.publish(topic(tenant_of(&audience)), bytes).await;
        match r {
            Ok(_) => {
                metrics::counter!("arena_bus_published_total").increment(1);
                if std::mem::take(&mut failing) {
                    tracing::info!("bus: PUBLISH works again");
                }
            }
            Err(e) => {
                metrics::counter!("arena_bus_publish_errors_total").increment(1);
                if !std::mem::replace(&mut failing, true) {
                    tracing::warn!(error = %e, "bus: PUBLISH failed; events are not sent to other nodes until it works again");
                }
            }
        }
    }
}

/// Subscribes to the topic of every tenant with sessions here and follows
/// the hub's changes (first session in: SUBSCRIBE; last out: UNSUBSCRIBE);
/// delivers other nodes' events here. Reconnects (with backoff) and
/// subscribes again when the connection drops.
async fn receiver(
    client: ::redis::Client,
    origin: u64,
    delivery: Delivery,
    hub: Hub,
    mut changes: mpsc::UnboundedReceiver<TenantId>,
    stop: CancellationToken,
) {
    let mut backoff = BACKOFF_MIN;
    let mut lost = false;
    loop {
        let connected = tokio::select! {
            _ = stop.cancelled() => return,
            r = client.get_async_pubsub() => r,
        };
        match connected {
            Ok(ps) => {
                let (mut sink, mut stream) = ps.split();
                let mut topics = HashSet::new();
                let mut ok = true;
                for t in hub.tenants_with_sessions() {
                    if let Err(e) = follow(&mut sink, &mut topics, &hub, t).await {
                        tracing::warn!(error = %e, "bus: SUBSCRIBE failed");
                        ok = false;
                        break;
                    }
                }
                if ok {
                    if lost {
                        metrics::counter!("arena_bus_reconnects_total").increment(1);
                        tracing::info!(
                            tenants = topics.len(),
                            "bus: reconnected to Redis and subscribed again"
                        );
                    } else {
                        tracing::info!(tenants = topics.len(), "bus: subscribed");
                    }
                    backoff = BACKOFF_MIN;
                    loop {
                        tokio::select! {
                            _ = stop.cancelled() => return,
                            m = stream.next() => {
                                let Some(msg) = m else { break };
                                receive(origin, &delivery, msg.get_payload_bytes());
                            }
                            t = changes.recv() => {
                                // The hub is gone: the node is shutting down.
                                let Some(t) = t else { return };
                                if let Err(e) = follow(&mut sink, &mut topics, &hub, t).await {
                                    tracing::warn!(error = %e, "bus: SUBSCRIBE/UNSUBSCRIBE failed");
                                    break;
                                }
                            }
                        }
                    }
                    tracing::warn!("bus: Redis pub/sub connection lost; reconnecting");
                }
                lost = true;
            }
            Err(e) => {
                lost = true;
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "bus: cannot connect to Redis to subscribe");
            }
        }
        if !pause(&mut backoff, &stop).await {
            return;
        }
    }
}

/// Brings the subscription of tenant `t` in line with the hub: subscribed
/// while it has sessions here, not otherwise. `topics` is what this
/// connection is subscribed to. Errors: Redis refused or the connection dropped.
async fn follow(
    sink: &mut PubSubSink,
    topics: &mut HashSet<TenantId>,
    hub: &Hub,
    t: TenantId,
) -> Result<(), ::redis::RedisError> {
    let want = hub.tenant_sessions(t) > 0;
    if want && !topics.contains(&t) {
        sink.subscribe(topic(t)).await?;
        topics.insert(t);
    } else if !want && topics.contains(&t) {
        sink.unsubscribe(topic(t)).await?;
        topics.remove(&t);
    }
    metrics::gauge!("arena_bus_tenant_subscriptions").set(topics.len() as f64);
    Ok(())
}

/// Delivers one received envelope here unless this process published it.
fn receive(origin: u64, delivery: &Delivery, bytes: &[u8]) {
    match decode(bytes) {
        Ok((from, _, _)) if from == origin => {}
        Ok((_, audience, event)) => {
            metrics::counter!("arena_bus_received_total").increment(1);
            delivery.deliver(audience, &event);
        }
        Err(e) => {
            metrics::counter!("arena_bus_decode_errors_total").increment(1);
            tracing::warn!(error = %e, "bus: undecodable envelope ignored");
        }
    }
}
