//! Per-channel order and gap repair on a node of a cluster (issue 11).
//!
//! Redis pub/sub is the fast path between nodes and Postgres is the log, so
//! a node delivers every channel event (one carrying a `channel_seq`) through
//! a [`Sequencer`]: per channel it remembers the last `channel_seq` it
//! delivered here and
//!
//! - drops an event at or below it (a duplicate: this node's own publish and
//!   a catch-up read both carried it; counted in `arena_bus_duplicates_total`);
//! - delivers the next one at once, then any held events that now follow;
//! - holds an event past a gap (at most [`PENDING_MAX`] per channel; beyond,
//!   the newest is dropped here and read back from the log) and, after
//!   [`GAP_GRACE`] (a reordering between two nodes' publishes usually closes
//!   by itself), reads the missing range from the channel log in Postgres
//!   and delivers it in order (`arena_bus_gaps_total`,
//!   `arena_bus_catchup_events_total`).
//!
//! A gap with no later event to reveal it (Redis away while the last events
//! of a channel were committed) is found by the sweep: every [`SWEEP_EVERY`],
//! and at once after the bus (re)subscribes to a tenant, the channels' log
//! heads are read from Postgres and each channel behind is caught up. Events
//! committed while Redis was down therefore reach this node's sessions within
//! one sweep, in order, exactly once.
//!
//! Where a channel starts: a session's IDENTIFY reads the channel heads its
//! READY reports and seeds them here ([`Sequencer::seed`]); a channel first
//! seen through an event starts just before it. Tracks are kept per channel
//! while the tenant has sessions on the node and forgotten with its last one.

use crate::bus::Audience;
use crate::delivery::Delivery;
use crate::ids::{ChannelId, TenantId};
use crate::store::{Store, StoreError};
use arena_protocol::Event;
use dashmap::DashMap;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Events held past a gap per channel, at most; the newest beyond it is
/// dropped (it is read back from the log when the gap is filled).
pub const PENDING_MAX: usize = 1024;
/// How long a gap may close by itself before the log is read.
pub const GAP_GRACE: Duration = Duration::from_millis(50);
/// Events read from the log per query while filling a gap.
pub const FILL_PAGE: i64 = 256;
/// How often the log heads of every followed channel are compared with
/// what this node delivered.
pub const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// Wait before reading the log again after Postgres failed.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// One channel's position on this node.
#[derive(Debug)]
struct Track {
    tenant: TenantId,
    /// The last `channel_seq` delivered on this node.
    last: u64,
    /// The highest `channel_seq` known to be committed (seen or a log head).
    known: u64,
    /// Events past a gap, by `channel_seq`.
    pending: BTreeMap<u64, Event>,
    /// A fill task runs for this channel.
    filling: bool,
}

/// Cheap-clone handle; see the module documentation.
#[derive(Clone)]
pub struct Sequencer {
    inner: Arc<Inner>,
}

struct Inner {
    delivery: Delivery,
    store: Store,
    tracks: DashMap<ChannelId, Arc<Mutex<Track>>>,
    tasks: TaskTracker,
    stop: CancellationToken,
}

impl std::fmt::Debug for Sequencer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequencer")
            .field("channels", &self.inner.tracks.len())
            .finish_non_exhaustive()
    }
}

fn lock(track: &Mutex<Track>) -> MutexGuard<'_, Track> {
    // A panic while holding it cannot leave the track half-written in a way
    // that matters more than stopping delivery: keep going.
    track.lock().unwrap_or_else(|p| p.into_inner())
}

impl Sequencer {
    /// A sequencer delivering through `delivery`, reading gaps from `store`;
    /// spawns the sweep on `tasks` (it ends when `stop` is cancelled).
    pub fn start(
        delivery: Delivery,
        store: Store,
        tasks: &TaskTracker,
        stop: CancellationToken,
    ) -> Sequencer {
        let s = Sequencer {
            inner: Arc::new(Inner {
                delivery,
                store,
                tracks: DashMap::new(),
                tasks: tasks.clone(),
                stop,
            }),
        };
        tasks.spawn(s.clone().sweep_forever());
        s
    }

    /// Delivers `event` for `audience` here: through the channel's order if
    /// it is a channel-log event, directly otherwise.
    pub fn deliver(&self, audience: Audience, event: &Event) {
        match (audience, event.channel_seq()) {
            (
                Audience::Channel {
                    tenant_id,
                    channel_id,
                },
                Some(seq),
            ) if seq > 0 => self.offer(tenant_id, channel_id, seq, event),
            _ => {
                self.inner.delivery.deliver(audience, event);
            }
        }
    }

    fn track(&self, tenant: TenantId, channel: ChannelId, last: u64) -> Arc<Mutex<Track>> {
        // A read lock on the common path; the entry (a write lock) only for a new channel.
        if let Some(t) = self.inner.tracks.get(&channel) {
            return Arc::clone(&t);
        }
        Arc::clone(&self.inner.tracks.entry(channel).or_insert_with(|| {
            Arc::new(Mutex::new(Track {
                tenant,
                last,
                known: last,
                pending: BTreeMap::new(),
                filling: false,
            }))
        }))
    }

    fn offer(&self, tenant: TenantId, channel: ChannelId, seq: u64, event: &Event) {
        let track = self.track(tenant, channel, seq - 1);
        let mut t = lock(&track);
        if seq <= t.last {
            metrics::counter!("arena_bus_duplicates_total").increment(1);
            return;
        }
        t.known = t.known.max(seq);
        if seq == t.last + 1 {
            self.deliver_next(channel, &mut t, event);
            return;
        }
        if t.pending.len() < PENDING_MAX {
            t.pending.insert(seq, event.clone());
        } else {
            metrics::counter!("arena_bus_pending_dropped_total").increment(1);
        }
        self.fill_if_idle(channel, &mut t);
    }

    /// Delivers the event at `last + 1`, then every held event that follows.
    fn deliver_next(&self, channel: ChannelId, t: &mut Track, event: &Event) {
        let audience = Audience::Channel {
            tenant_id: t.tenant,
            channel_id: channel,
        };
        self.inner.delivery.deliver(audience, event);
        t.last += 1;
        while let Some(e) = t.pending.remove(&(t.last + 1)) {
            self.inner.delivery.deliver(audience, &e);
            t.last += 1;
        }
        let last = t.last;
        t.pending.retain(|&s, _| s > last);
    }

    fn fill_if_idle(&self, channel: ChannelId, t: &mut Track) {
        if t.filling || self.inner.stop.is_cancelled() {
            return;
        }
        t.filling = true;
        metrics::counter!("arena_bus_gaps_total").increment(1);
        self.inner.tasks.spawn(self.clone().fill(channel));
    }

    /// A session here starts from `heads` (channel, log head) of `tenant`:
    /// a channel not followed yet starts there; one behind them is caught up.
    pub fn seed(&self, tenant: TenantId, heads: &[(ChannelId, u64)]) {
        for &(channel, head) in heads {
            let track = self.track(tenant, channel, head);
            let mut t = lock(&track);
            if head > t.known {
                t.known = head;
            }
            if t.known > t.last {
                self.fill_if_idle(channel, &mut t);
            }
        }
    }

    /// The tenant has no session left here: its channels are no longer followed.
    pub fn forget(&self, tenant: TenantId) {
        self.inner.tracks.retain(|_, t| lock(t).tenant != tenant);
    }

    /// Reads the gap of `channel` from the log and delivers it, until the
    /// channel has everything known to be committed.
    async fn fill(self, channel: ChannelId) {
        tokio::select! {
            _ = self.inner.stop.cancelled() => return,
            _ = tokio::time::sleep(GAP_GRACE) => {}
        }
        loop {
            let Some(track) = self.inner.tracks.get(&channel).map(|t| Arc::clone(&t)) else {
                return; // forgotten: the tenant left this node
            };
            let (tenant, after) = {
                let mut t = lock(&track);
                if t.last >= t.known {
                    t.filling = false;
                    return;
                }
                (t.tenant, t.last)
            };
            let rows = match self
                .inner
                .store
                .fetch_events(
                    tenant,
                    channel,
                    i64::try_from(after).unwrap_or(i64::MAX),
                    FILL_PAGE,
                )
                .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    if !matches!(e, StoreError::Unavailable(_)) {
                        tracing::warn!(channel = %channel, error = %e, "bus: catch-up read failed");
                    }
                    tokio::select! {
                        _ = self.inner.stop.cancelled() => return,
                        _ = tokio::time::sleep(RETRY_AFTER) => continue,
                    }
                }
            };
            let mut t = lock(&track);
            if rows.is_empty() {
                // Nothing past `after` is committed: what was known is all there.
                t.known = t.last;
                t.filling = false;
                return;
            }
            for row in rows {
                let seq = row.seq as u64;
                if seq <= t.last {
                    continue;
                }
                if seq != t.last + 1 {
                    // The log is gap-free per channel; say so loudly if not.
                    tracing::error!(channel = %channel, expected = t.last + 1, seq, "bus: channel log has a gap");
                    t.last = seq - 1;
                }
                match Event::from_parts(&row.t, row.d) {
                    Ok(event) => {
                        metrics::counter!("arena_bus_catchup_events_total").increment(1);
                        self.deliver_next(channel, &mut t, &event);
                    }
                    Err(e) => {
                        tracing::error!(channel = %channel, seq, error = %e, "bus: unreadable log event skipped");
                        t.last = seq;
                    }
                }
            }
        }
    }

    /// Compares the log heads of `tenant`'s followed channels with what was
    /// delivered here and catches up the ones behind.
    pub async fn sweep(&self, tenant: TenantId) {
        match self.inner.store.channel_heads(tenant).await {
            Ok(heads) => {
                let followed: Vec<(ChannelId, u64)> = heads
                    .into_iter()
                    .filter(|(c, _)| self.inner.tracks.contains_key(c))
                    .collect();
                self.seed(tenant, &followed);
            }
            Err(e) => {
                tracing::debug!(tenant = %tenant, error = %e, "bus: sweep could not read heads")
            }
        }
    }

    /// [`Self::sweep`] on a task of its own (the caller does not wait).
    pub fn sweep_soon(&self, tenant: TenantId) {
        let s = self.clone();
        self.inner.tasks.spawn(async move { s.sweep(tenant).await });
    }

    async fn sweep_forever(self) {
        loop {
            tokio::select! {
                _ = self.inner.stop.cancelled() => return,
                _ = tokio::time::sleep(SWEEP_EVERY) => {}
            }
            let tenants: HashSet<TenantId> = self
                .inner
                .tracks
                .iter()
                .map(|t| lock(t.value()).tenant)
                .collect();
            for tenant in tenants {
                self.sweep(tenant).await;
            }
        }
    }
}
