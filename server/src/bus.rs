//! The bus carries committed events to every node's hub. [`LocalBus`] is the
//! single-node implementation (the default): publishing is a direct fan-out.
//! A Redis pub/sub implementation (scale-out) implements the same trait.
//!
//! Guarantee: events published by one task for one channel are delivered to
//! each subscriber in publish order. Delivery is at-most-once per node; the
//! channel log in Postgres is the source for anything missed (RESUME, backfill).

use crate::hub::Hub;
use crate::registry::Registry;
use arena_protocol::event::ChannelUpdate;
use arena_protocol::Event;

/// Where an event goes.
#[derive(Debug, Clone)]
pub enum Audience {
    /// Every session subscribed to the channel.
    Channel(i64),
    /// Every session of the tenant (presence, member updates).
    Tenant(i64),
}

/// Publishes events to all nodes.
pub trait Bus: Send + Sync + 'static {
    /// Publishes without waiting; never blocks on a slow subscriber.
    fn publish(&self, audience: Audience, event: Event);
}

/// In-process bus: fans out on this node only.
#[derive(Clone, Debug)]
pub struct LocalBus {
    hub: Hub,
    registry: Registry,
}

impl LocalBus {
    /// A bus over this node's hub.
    pub fn new(hub: Hub, registry: Registry) -> Self {
        LocalBus { hub, registry }
    }
}

impl Bus for LocalBus {
    fn publish(&self, audience: Audience, event: Event) {
        match audience {
            Audience::Channel(id) => {
                if let Event::ChannelUpdate(cu) = &event {
                    deliver_channel_update(&self.hub, &self.registry, cu);
                } else {
                    self.hub.fanout_channel(id, &event);
                }
            }
            Audience::Tenant(id) => {
                self.hub.fanout_tenant(id, &event);
            }
        }
    }
}

/// CHANNEL_UPDATE differs per recipient only in `can_post`: encode the two
/// variants once each and send each subscriber the one for its rights.
pub fn deliver_channel_update(hub: &Hub, registry: &Registry, cu: &ChannelUpdate) {
    let id = cu.channel.id.0 as i64;
    let subs = hub.channel_outboxes(id);
    let Some(first) = subs.first() else { return };
    let Some(info) = registry.channel(first.actor.tenant_id, id) else {
        return;
    };
    let (posters, readers): (Vec<_>, Vec<_>) = subs.iter().partition(|o| info.can_post(&o.actor));
    for (group, can_post) in [(posters, true), (readers, false)] {
        if group.is_empty() {
            continue;
        }
        let mut c = cu.clone();
        c.channel.can_post = can_post;
        let event = Event::ChannelUpdate(Box::new(c));
        Hub::deliver(group.into_iter(), &event, id, cu.channel_seq);
    }
}
