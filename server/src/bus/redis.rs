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
//! process) and hands the rest to the [`Sequencer`] (per-channel order,
//! duplicates dropped, gaps read from the channel log; it also sweeps each
//! followed tenant's log heads at once after every SUBSCRIBE and every
//! [`super::sequencer::SWEEP_EVERY`]). When the connection drops it
//! reconnects with exponential backoff (100 ms doubling to 5 s) and
//! subscribes again to every tenant with sessions, logging both. Channel
//! events published while a subscription was on its way or Redis was away
//! are read from the channel log by the sequencer's sweep; other events
//! (typing, presence, panels) of that spell are lost, as ephemeral events may be.
//!
//! Health: a probe PINGs Redis every [`super::probe::PROBE_EVERY`] (timeout
//! [`super::probe::PROBE_TIMEOUT`]); [`Bus::ready`] is `Err` once no PING answered for
//! [`READY_WITHIN`], so `/readyz` turns red within 5 s of losing Redis and
//! green at the first answer after.
//!
//! Order: one publisher task on one connection, one receiving connection:
//! events published by one node arrive on every other node in publish order.
//!
//! Metrics: `arena_bus_published_total`, `arena_bus_received_total`,
//! `arena_bus_publish_queue_full_total`, `arena_bus_publish_errors_total`,
//! `arena_bus_decode_errors_total`, `arena_bus_reconnects_total`, the
//! gauge `arena_bus_tenant_subscriptions`, the histogram
//! `arena_redis_rtt_seconds` (each PUBLISH and probe PING), and the
//! sequencer's `arena_bus_catchup_events_total`, `arena_bus_gaps_total`,
//! `arena_bus_duplicates_total`, `arena_bus_pending_dropped_total`.

use super::envelope::{decode, encode, encode_control, tenant_of, Received};
use super::probe::READY_WITHIN;
use super::sequencer::Sequencer;
use super::{Audience, Bus, Control};
use crate::delivery::Delivery;
use crate::hub::Hub;
use crate::ids::{ChannelId, TenantId};
use crate::store::Store;
use ::redis::aio::{ConnectionManager, PubSubSink};
use ::redis::AsyncCommands;
use arena_protocol::Event;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
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

/// What arrived from another node, as the [`RemoteHook`] sees it.
#[derive(Debug, Clone, Copy)]
pub enum Remote<'a> {
    /// An event, just before its delivery here (e.g. the domains cache a
    /// PANEL_UPDATE built elsewhere).
    Event(Audience, &'a Event),
    /// A control to apply to this node's sessions.
    Control(Control),
}

/// Told of everything that arrives from another node.
pub type RemoteHook = Box<dyn Fn(Remote<'_>) + Send + Sync>;

/// What waits in the publish queue.
#[derive(Debug)]
enum Outgoing {
    Event(Audience, Event),
    Control(Control),
}

impl Outgoing {
    fn tenant(&self) -> TenantId {
        match self {
            Outgoing::Event(a, _) => tenant_of(a),
            Outgoing::Control(c) => c.tenant(),
        }
    }

    fn encode(&self, origin: u64) -> Option<Vec<u8>> {
        match self {
            Outgoing::Event(a, e) => encode(origin, *a, e),
            Outgoing::Control(c) => encode_control(origin, *c),
        }
    }
}

/// The Redis bus of one node; see the module documentation.
#[derive(Clone)]
pub struct RedisBus {
    sequencer: Sequencer,
    remote: Arc<std::sync::OnceLock<RemoteHook>>,
    origin: u64,
    /// When a PING last answered, in ms since `started`.
    last_pong: Arc<AtomicU64>,
    started: Instant,
    queue: mpsc::Sender<Outgoing>,
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
    /// (`redis://host:port/db`); gaps are read from `store`'s channel log.
    /// Spawns the publisher, the receiving task, the health probe and the
    /// sequencer's sweep on `tasks`; they end when `stop` is cancelled. Connections are made
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
        store: Store,
        hub: &Hub,
        tasks: &TaskTracker,
        stop: CancellationToken,
    ) -> Result<RedisBus, BusError> {
        let client = ::redis::Client::open(url)?;
        let changes = hub.watch_tenants().ok_or(BusError::Watched)?;
        let origin: u64 = rand::random();
        let sequencer = Sequencer::start(delivery, store, tasks, stop.clone());
        let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
        let started = Instant::now();
        let last_pong = Arc::new(AtomicU64::new(0));
        let remote: Arc<std::sync::OnceLock<RemoteHook>> = Arc::default();
        tasks.spawn(publisher(client.clone(), origin, rx, stop.clone()));
        tasks.spawn(super::probe::run(
            client.clone(),
            started,
            Arc::clone(&last_pong),
            stop.clone(),
        ));
        tasks.spawn(receiver(
            client,
            origin,
            sequencer.clone(),
            Arc::clone(&remote),
            hub.clone(),
            changes,
            stop,
        ));
        tracing::info!(origin, "bus: Redis pub/sub");
        Ok(RedisBus {
            sequencer,
            remote,
            origin,
            last_pong,
            started,
            queue: tx,
            full: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Sets the hook told of every event from another node (once; later
    /// calls are ignored and return false).
    pub fn on_remote(&self, hook: RemoteHook) -> bool {
        self.remote.set(hook).is_ok()
    }

    /// This process's origin id on the bus (random per start).
    pub fn origin(&self) -> u64 {
        self.origin
    }
}

impl Bus for RedisBus {
    fn publish(&self, audience: Audience, event: Event) {
        self.sequencer.deliver(audience, &event);
        self.enqueue(Outgoing::Event(audience, event));
    }

    fn control(&self, control: Control) {
        self.enqueue(Outgoing::Control(control));
    }

    fn seed(&self, tenant: TenantId, heads: &[(ChannelId, u64)]) {
        self.sequencer.seed(tenant, heads);
    }

    fn ready(&self) -> Result<(), &'static str> {
        let pong = self.last_pong.load(Ordering::Relaxed);
        let now = self.started.elapsed().as_millis() as u64;
        if pong > 0 && now.saturating_sub(pong) <= READY_WITHIN.as_millis() as u64 {
            Ok(())
        } else {
            Err("redis unavailable")
        }
    }
}

impl RedisBus {
    /// Queues for Redis without waiting; see the module's full-queue policy.
    fn enqueue(&self, out: Outgoing) {
        match self.queue.try_send(out) {
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
    mut rx: mpsc::Receiver<Outgoing>,
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
        let Some(out) = next else {
            return;
        };
        let Some(bytes) = out.encode(origin) else {
            continue;
        };
        let t0 = Instant::now();
        let r: Result<i64, _> = conn.publish(topic(out.tenant()), bytes).await;
        match r {
            Ok(_) => {
                metrics::histogram!("arena_redis_rtt_seconds").record(t0.elapsed().as_secs_f64());
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
    sequencer: Sequencer,
    remote: Arc<std::sync::OnceLock<RemoteHook>>,
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
                    if let Err(e) = follow(&mut sink, &mut topics, &hub, &sequencer, t).await {
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
                                receive(origin, &sequencer, remote.get(), msg.get_payload_bytes());
                            }
                            t = changes.recv() => {
                                // The hub is gone: the node is shutting down.
                                let Some(t) = t else { return };
                                if let Err(e) = follow(&mut sink, &mut topics, &hub, &sequencer, t).await {
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
/// connection is subscribed to. Once subscribed, the tenant's channels are
/// swept (what was committed before the subscription is read from the log);
/// once unsubscribed, they are forgotten. Errors: Redis refused or the
/// connection dropped.
async fn follow(
    sink: &mut PubSubSink,
    topics: &mut HashSet<TenantId>,
    hub: &Hub,
    sequencer: &Sequencer,
    t: TenantId,
) -> Result<(), ::redis::RedisError> {
    let want = hub.tenant_followed(t);
    if want && !topics.contains(&t) {
        sink.subscribe(topic(t)).await?;
        topics.insert(t);
        sequencer.sweep_soon(t);
    } else if !want && topics.contains(&t) {
        sink.unsubscribe(topic(t)).await?;
        topics.remove(&t);
        sequencer.forget(t);
    }
    metrics::gauge!("arena_bus_tenant_subscriptions").set(topics.len() as f64);
    Ok(())
}

/// Delivers one received envelope here unless this process published it.
fn receive(origin: u64, sequencer: &Sequencer, hook: Option<&RemoteHook>, bytes: &[u8]) {
    match decode(bytes) {
        Ok((from, _)) if from == origin => {}
        Ok((_, Received::Control(c))) => {
            metrics::counter!("arena_bus_received_total").increment(1);
            if let Some(hook) = hook {
                hook(Remote::Control(c));
            }
        }
        Ok((_, Received::Event(audience, event))) => {
            metrics::counter!("arena_bus_received_total").increment(1);
            // The hook first: a client that reacts to the event finds this
            // node already told (e.g. `panel.get` after PANEL_UPDATE).
            if let Some(hook) = hook {
                hook(Remote::Event(audience, &event));
            }
            sequencer.deliver(audience, &event);
        }
        Err(e) => {
            metrics::counter!("arena_bus_decode_errors_total").increment(1);
            tracing::warn!(error = %e, "bus: undecodable envelope ignored");
        }
    }
}
