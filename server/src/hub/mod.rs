//! The hub: which local sessions listen to which channel and tenant, and
//! fan-out of pre-encoded dispatches into their queues. It knows nothing of
//! domains or permissions: sessions are subscribed only to channels they may
//! read, and [`crate::delivery`] (its only fan-out caller) picks recipients
//! and variants.
//!
//! Each event is encoded at most once per encoding ([`DispatchPrefix`]) and
//! the shared bytes are pushed into every chosen subscriber's bounded queue
//! without waiting; the per-socket writer tasks do the I/O in parallel.

pub mod close;
pub mod outbox;

pub use close::CloseLatch;
pub use outbox::{Outbound, Outbox, Push};

use crate::ids::{ChannelId, TenantId};
use arena_protocol::{DispatchPrefix, Encoding, Event};
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::Arc;

/// Session key → outbox.
type Subscribers = HashMap<u64, Arc<Outbox>>;

/// Cheap-clone handle to the subscriber indexes (sharded maps: the fan-out path).
#[derive(Clone, Debug, Default)]
pub struct Hub {
    channels: Arc<DashMap<ChannelId, Subscribers>>,
    tenants: Arc<DashMap<TenantId, Subscribers>>,
    /// Told a tenant's id when its first session here joins or its last leaves.
    tenant_watcher: Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<TenantId>>>,
}

/// Encodes an event lazily, once per encoding.
struct Encoded<'a> {
    event: &'a Event,
    json: Option<DispatchPrefix>,
    msgpack: Option<DispatchPrefix>,
}

impl<'a> Encoded<'a> {
    fn new(event: &'a Event) -> Self {
        Encoded {
            event,
            json: None,
            msgpack: None,
        }
    }

    fn get(&mut self, enc: Encoding) -> Option<DispatchPrefix> {
        let slot = match enc {
            Encoding::Json => &mut self.json,
            Encoding::MsgPack => &mut self.msgpack,
        };
        if slot.is_none() {
            match DispatchPrefix::encode(enc, self.event) {
                Ok(p) => *slot = Some(p),
                Err(e) => {
                    tracing::error!(error = %e, event = self.event.name(), "dispatch encode failed");
                    return None;
                }
            }
        }
        slot.clone()
    }
}

impl Hub {
    /// Subscribes a session to a channel.
    pub fn subscribe(&self, channel_id: ChannelId, outbox: &Arc<Outbox>) {
        self.channels
            .entry(channel_id)
            .or_default()
            .insert(outbox.key, Arc::clone(outbox));
    }

    /// Removes a session from a channel.
    pub fn unsubscribe(&self, channel_id: ChannelId, key: u64) {
        if let Some(mut subs) = self.channels.get_mut(&channel_id) {
            subs.remove(&key);
        }
        self.channels.remove_if(&channel_id, |_, s| s.is_empty());
    }

    /// Adds a session to its tenant's audience (presence and member events).
    pub fn join_tenant(&self, outbox: &Arc<Outbox>) {
        let tenant_id = outbox.actor().tenant_id;
        let first = {
            let mut subs = self.tenants.entry(tenant_id).or_default();
            subs.insert(outbox.key, Arc::clone(outbox));
            subs.len() == 1
        };
        if first {
            self.tenant_changed(tenant_id);
        }
    }

    /// Removes a session from its tenant's audience.
    pub fn leave_tenant(&self, tenant_id: TenantId, key: u64) {
        if let Some(mut subs) = self.tenants.get_mut(&tenant_id) {
            subs.remove(&key);
        }
        if self
            .tenants
            .remove_if(&tenant_id, |_, s| s.is_empty())
            .is_some()
        {
            self.tenant_changed(tenant_id);
        }
    }

    /// Tells the watcher (if any) that `tenant_id` gained its first or lost its last session.
    fn tenant_changed(&self, tenant_id: TenantId) {
        if let Some(w) = self.tenant_watcher.get() {
            // A closed receiver (the bus stopped at shutdown) needs nothing.
            let _ = w.send(tenant_id);
        }
    }

    /// Starts watching which tenants have sessions on this node: the
    /// receiver gets a tenant's id each time its first session joins or its
    /// last one leaves (compare [`Hub::tenant_sessions`] for the current
    /// state; notices may be coalesced by the reader, never lost). One
    /// watcher per hub: `None` if one was already taken. Unbounded: one
    /// notice per tenant transition.
    pub fn watch_tenants(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<TenantId>> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.tenant_watcher.set(tx).ok().map(|()| rx)
    }

    /// The tenants with at least one session on this node.
    pub fn tenants_with_sessions(&self) -> Vec<TenantId> {
        self.tenants.iter().map(|e| *e.key()).collect()
    }

    /// Sessions of a tenant on this node.
    pub fn tenant_sessions(&self, tenant_id: TenantId) -> usize {
        self.tenants.get(&tenant_id).map_or(0, |s| s.len())
    }

    /// Local subscribers of a channel.
    pub fn channel_subscribers(&self, channel_id: ChannelId) -> usize {
        self.channels.get(&channel_id).map_or(0, |s| s.len())
    }

    /// Pushes `event` to the channel's subscribers that `to` accepts, encoded
    /// once per encoding. Returns the deliveries queued. Called by
    /// [`crate::delivery`] only.
    pub(crate) fn fanout_channel(
        &self,
        channel_id: ChannelId,
        event: &Event,
        to: impl Fn(&Outbox) -> bool,
    ) -> usize {
        let Some(subs) = self.channels.get(&channel_id) else {
            return 0;
        };
        let seq = event.channel_seq().unwrap_or(0);
        push_all(subs.values().filter(|o| to(o)), event, channel_id, seq)
    }

    /// Pushes `event` (of `channel_id`, not a log event) to one session:
    /// CHANNEL_CREATE and CHANNEL_DELETE when that member's view changes.
    pub(crate) fn send_to(
        &self,
        outbox: &Arc<Outbox>,
        channel_id: ChannelId,
        event: &Event,
    ) -> usize {
        push_all(std::iter::once(outbox), event, channel_id, 0)
    }

    /// Pushes a tenant-wide event (presence, member updates) to the tenant's
    /// sessions that `to` accepts. Called by [`crate::delivery`] only.
    pub(crate) fn fanout_tenant(
        &self,
        tenant_id: TenantId,
        event: &Event,
        to: impl Fn(&Outbox) -> bool,
    ) -> usize {
        let Some(subs) = self.tenants.get(&tenant_id) else {
            return 0;
        };
        push_all(subs.values().filter(|o| to(o)), event, ChannelId(0), 0)
    }
}

/// Encodes once per encoding and pushes to each target without waiting.
fn push_all<'a>(
    targets: impl Iterator<Item = &'a Arc<Outbox>>,
    event: &Event,
    channel_id: ChannelId,
    channel_seq: u64,
) -> usize {
    let mut enc = Encoded::new(event);
    let mut n = 0;
    for o in targets {
        let Some(prefix) = enc.get(o.encoding) else {
            break;
        };
        let item = Outbound::Dispatch {
            prefix,
            channel_id,
            channel_seq,
        };
        if o.push(item) == Push::Queued {
            n += 1;
        }
    }
    metrics::counter!("arena_fanout_deliveries_total").increment(n as u64);
    n
}
