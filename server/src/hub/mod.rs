//! The hub: which local sessions listen to which channel and tenant, and
//! fan-out of pre-encoded dispatches into their queues. It knows nothing of
//! domains or permissions: sessions are subscribed only to channels they may
//! read, and [`crate::delivery`] (its only fan-out caller) picks recipients
//! and variants.
//!
//! Each event is encoded at most once per encoding ([`DispatchPrefix`]) and
//! the shared bytes are pushed into every chosen subscriber's bounded queue
//! without waiting; the per-socket writer tasks do the I/O in parallel.
//!
//! A session whose socket went away is not a subscriber: it is counted as
//! *away* and the channel's (or tenant's) [`Ring`] keeps what it misses
//! until it comes back ([`Hub::detach_channel`], [`Hub::rejoin_channel`]),
//! so a network blip costs no fan-out work for the lost clients (issue 14).

pub mod close;
pub mod outbox;
pub mod queue;
pub mod ring;

pub use close::CloseLatch;
pub use outbox::{Outbound, Outbox, Push, Receiver};
pub use ring::{Ring, RingAudience, RingEvent, RingLimits};

use crate::ids::{ChannelId, TenantId};
use arena_protocol::{DispatchPrefix, Encoding, Event};
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Session key → outbox.
type Subscribers = HashMap<u64, Arc<Outbox>>;

/// A channel's or tenant's listeners on this node: the attached sessions
/// (fan-out targets), how many are away, and the ring they will replay.
/// The entry lives while either count is non-zero.
#[derive(Debug, Default)]
struct Listeners {
    subs: Subscribers,
    away: usize,
    /// Locked inside the map's read guard by the fan-out; a (re)join or a
    /// detach holds the write guard, so it sees a head no fan-out is past.
    ring: Mutex<Ring>,
}

impl Listeners {
    fn ring(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_empty(&self) -> bool {
        self.subs.is_empty() && self.away == 0
    }
}

/// What a session coming back to a channel or tenant finds.
#[derive(Debug)]
pub struct Rejoined {
    /// The ring's head when it rejoined: later events reach its queue live.
    pub head: Option<u64>,
    /// The events after its position, `None` when the ring no longer holds them.
    pub missed: Option<Vec<Arc<RingEvent>>>,
}

/// Cheap-clone handle to the subscriber indexes (sharded maps: the fan-out path).
#[derive(Clone, Debug, Default)]
pub struct Hub {
    channels: Arc<DashMap<ChannelId, Listeners>>,
    tenants: Arc<DashMap<TenantId, Listeners>>,
    /// Told a tenant's id when its first session here joins or its last leaves.
    tenant_watcher: Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<TenantId>>>,
    limits: RingLimits,
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

    /// The encodings made so far, `[json, msgpack]`, for the ring.
    fn made(&self) -> [Option<DispatchPrefix>; 2] {
        [self.json.clone(), self.msgpack.clone()]
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
    /// A hub whose rings keep what `limits` allow.
    pub fn with_rings(limits: RingLimits) -> Hub {
        Hub {
            limits,
            ..Hub::default()
        }
    }

    /// Subscribes a session to a channel.
    pub fn subscribe(&self, channel_id: ChannelId, outbox: &Arc<Outbox>) {
        self.channels
            .entry(channel_id)
            .or_default()
            .subs
            .insert(outbox.key, Arc::clone(outbox));
    }

    /// Removes a session from a channel.
    pub fn unsubscribe(&self, channel_id: ChannelId, key: u64) {
        if let Some(mut l) = self.channels.get_mut(&channel_id) {
            l.subs.remove(&key);
        }
        self.channels.remove_if(&channel_id, |_, l| l.is_empty());
    }

    /// A subscriber's socket went away: it leaves the fan-out and is counted
    /// as away. Returns its position, the ring's head: it has every event of
    /// the channel up to it (queued or sent) and none after.
    pub fn detach_channel(&self, channel_id: ChannelId, key: u64) -> Option<u64> {
        let mut l = self.channels.entry(channel_id).or_default();
        l.subs.remove(&key);
        l.away += 1;
        let head = l.ring().head();
        head
    }

    /// An away session gained the channel (a role change while it was
    /// away): counted as away from now on. Returns its position.
    pub fn add_away_channel(&self, channel_id: ChannelId) -> Option<u64> {
        let mut l = self.channels.entry(channel_id).or_default();
        l.away += 1;
        let head = l.ring().head();
        head
    }

    /// An away session comes back (RESUME) from `pos`: subscribed again, with
    /// what it missed. Atomic with respect to fan-out: events after `head`
    /// reach its queue, those up to it are in `missed` (or the log).
    pub fn rejoin_channel(
        &self,
        channel_id: ChannelId,
        outbox: &Arc<Outbox>,
        pos: Option<u64>,
    ) -> Rejoined {
        let mut l = self.channels.entry(channel_id).or_default();
        l.away = l.away.saturating_sub(1);
        l.subs.insert(outbox.key, Arc::clone(outbox));
        let ring = l.ring();
        Rejoined {
            head: ring.head(),
            missed: ring.after(pos),
        }
    }

    /// An away session ended or lost the channel: no longer counted.
    pub fn forget_away_channel(&self, channel_id: ChannelId) {
        if let Some(mut l) = self.channels.get_mut(&channel_id) {
            l.away = l.away.saturating_sub(1);
        }
        self.channels.remove_if(&channel_id, |_, l| l.is_empty());
    }

    /// Adds a session to its tenant's audience (presence and member events).
    pub fn join_tenant(&self, outbox: &Arc<Outbox>) {
        let tenant_id = outbox.actor().tenant_id;
        let first = {
            let mut l = self.tenants.entry(tenant_id).or_default();
            let first = l.is_empty();
            l.subs.insert(outbox.key, Arc::clone(outbox));
            first
        };
        if first {
            self.tenant_changed(tenant_id);
        }
    }

    /// Removes a session from its tenant's audience.
    pub fn leave_tenant(&self, tenant_id: TenantId, key: u64) {
        if let Some(mut l) = self.tenants.get_mut(&tenant_id) {
            l.subs.remove(&key);
        }
        self.drop_tenant_if_empty(tenant_id);
    }

    /// [`Hub::detach_channel`] for the tenant's audience. The tenant stays
    /// followed (its bus subscription kept) while a session is away.
    pub fn detach_tenant(&self, tenant_id: TenantId, key: u64) -> Option<u64> {
        let mut l = self.tenants.entry(tenant_id).or_default();
        l.subs.remove(&key);
        l.away += 1;
        let head = l.ring().head();
        head
    }

    /// [`Hub::rejoin_channel`] for the tenant's audience; `missed` holds
    /// only the events that went to this member's sessions.
    pub fn rejoin_tenant(&self, outbox: &Arc<Outbox>, pos: Option<u64>) -> Rejoined {
        let actor = outbox.actor();
        let mut l = self.tenants.entry(actor.tenant_id).or_default();
        l.away = l.away.saturating_sub(1);
        l.subs.insert(outbox.key, Arc::clone(outbox));
        let ring = l.ring();
        let user = actor.user_id;
        Rejoined {
            head: ring.head(),
            missed: ring.after(pos).map(|v| {
                v.into_iter()
                    .filter(|e| e.audience.includes(user))
                    .collect()
            }),
        }
    }

    /// An away session of the tenant ended: no longer counted.
    pub fn forget_away_tenant(&self, tenant_id: TenantId) {
        if let Some(mut l) = self.tenants.get_mut(&tenant_id) {
            l.away = l.away.saturating_sub(1);
        }
        self.drop_tenant_if_empty(tenant_id);
    }

    fn drop_tenant_if_empty(&self, tenant_id: TenantId) {
        if self
            .tenants
            .remove_if(&tenant_id, |_, l| l.is_empty())
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

    /// The tenants with at least one session on this node, attached or away.
    pub fn tenants_with_sessions(&self) -> Vec<TenantId> {
        self.tenants.iter().map(|e| *e.key()).collect()
    }

    /// Does this node follow the tenant's events (a session attached or away)?
    pub fn tenant_followed(&self, tenant_id: TenantId) -> bool {
        self.tenants.contains_key(&tenant_id)
    }

    /// Attached sessions of a tenant on this node.
    pub fn tenant_sessions(&self, tenant_id: TenantId) -> usize {
        self.tenants.get(&tenant_id).map_or(0, |l| l.subs.len())
    }

    /// Attached subscribers of a channel on this node.
    pub fn channel_subscribers(&self, channel_id: ChannelId) -> usize {
        self.channels.get(&channel_id).map_or(0, |l| l.subs.len())
    }

    /// Estimated bytes held by every ring on this node.
    pub fn ring_bytes(&self) -> usize {
        let channels: usize = self.channels.iter().map(|l| l.ring().bytes()).sum();
        let tenants: usize = self.tenants.iter().map(|l| l.ring().bytes()).sum();
        channels + tenants
    }

    /// Pushes `event` to the channel's subscribers that `to` accepts, encoded
    /// once per encoding, and keeps a log event (`channel_seq` > 0) in the
    /// channel's ring while a session is away. Returns the deliveries
    /// queued. Called by [`crate::delivery`] only.
    pub(crate) fn fanout_channel(
        &self,
        channel_id: ChannelId,
        event: &Event,
        to: impl Fn(&Outbox) -> bool,
    ) -> usize {
        let Some(l) = self.channels.get(&channel_id) else {
            return 0;
        };
        let seq = event.channel_seq().unwrap_or(0);
        let mut enc = Encoded::new(event);
        let n = push_all(&mut enc, l.subs.values().filter(|o| to(o)), channel_id, seq);
        if seq > 0 {
            let keep = l.away > 0;
            l.ring().push(
                &self.limits,
                seq,
                event,
                RingAudience::All,
                enc.made(),
                keep,
            );
        }
        n
    }

    /// Pushes `event` (of `channel_id`, not a log event) to one session:
    /// CHANNEL_CREATE and CHANNEL_DELETE when that member's view changes.
    pub(crate) fn send_to(
        &self,
        outbox: &Arc<Outbox>,
        channel_id: ChannelId,
        event: &Event,
    ) -> usize {
        push_all(
            &mut Encoded::new(event),
            std::iter::once(outbox),
            channel_id,
            0,
        )
    }

    /// Pushes a tenant-wide event (presence, member updates) to the tenant's
    /// sessions of `audience`, and keeps it in the tenant's ring while a
    /// session is away, unless it is lossy by contract (PRESENCE_UPDATE,
    /// TYPING_START: PROTOCOL.md §3). Called by [`crate::delivery`] only.
    pub(crate) fn fanout_tenant(
        &self,
        tenant_id: TenantId,
        event: &Event,
        audience: RingAudience,
    ) -> usize {
        let Some(l) = self.tenants.get(&tenant_id) else {
            return 0;
        };
        let mut enc = Encoded::new(event);
        let to = l
            .subs
            .values()
            .filter(|o| audience.includes(o.actor().user_id));
        let n = push_all(&mut enc, to, ChannelId(0), 0);
        if !matches!(event, Event::PresenceUpdate(_) | Event::TypingStart(_)) {
            let keep = l.away > 0;
            let mut ring = l.ring();
            let seq = ring.head().unwrap_or(0) + 1;
            ring.push(&self.limits, seq, event, audience, enc.made(), keep);
        }
        n
    }
}

/// Encodes once per encoding and pushes to each target without waiting.
fn push_all<'a>(
    enc: &mut Encoded<'_>,
    targets: impl Iterator<Item = &'a Arc<Outbox>>,
    channel_id: ChannelId,
    channel_seq: u64,
) -> usize {
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
