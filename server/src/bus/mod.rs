//! The bus carries events between nodes; on each node it hands them to
//! [`Delivery`], which decides who gets what. [`LocalBus`] (a single node,
//! the default): publishing is local delivery. [`RedisBus`] (with
//! `ARENA_REDIS_URL`, several nodes): local delivery at publish time, and the
//! event goes through Redis pub/sub to every other node (see [`redis`]).
//!
//! Guarantee: events published by one task for one channel are delivered to
//! each subscriber in publish order. Delivery is at-most-once per node; the
//! channel log in Postgres is the source for anything missed (RESUME, backfill).

mod envelope;
pub mod redis;

pub use self::redis::{BusError, RedisBus};

use crate::delivery::Delivery;
use crate::ids::{ChannelId, TenantId, UserId};
use arena_protocol::Event;

/// Where an event goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every session subscribed to the channel (and allowed its variant).
    Channel {
        tenant_id: TenantId,
        channel_id: ChannelId,
    },
    /// Every session of the tenant (presence, member updates).
    Tenant(TenantId),
    /// The sessions subscribed to a panel channel that see `projection`
    /// (PANEL_UPDATE goes only to the viewers whose view changed).
    Panel {
        tenant_id: TenantId,
        channel_id: ChannelId,
        projection: Projection,
    },
}

/// Whose view of a panel: the unit a panel is built, cached and pushed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Projection {
    /// The same for every reader of the channel.
    Everyone,
    /// The program as staff, admins and bots see it.
    Program,
    /// One partner's own records.
    Partner(UserId),
}

impl Projection {
    /// The projection a viewer gets of a per-viewer panel: a partner their
    /// own, staff and admins the program.
    ///
    /// A bot token sees only its own records (none) unless its domain says
    /// otherwise for a scope it holds (e.g. revenue for `revenue`).
    pub fn of(viewer: &crate::registry::Actor) -> Projection {
        if viewer.role == arena_protocol::model::Role::Partner || viewer.bot.is_some() {
            Projection::Partner(viewer.user_id)
        } else {
            Projection::Program
        }
    }

    /// Does `viewer` see this projection? A `Partner(id)` projection is
    /// that member's own view, whatever their role (a domain may give staff
    /// a per-viewer projection, e.g. the insights dashboard's filters).
    pub fn shown_to(&self, viewer: &crate::registry::Actor) -> bool {
        match self {
            Projection::Everyone => true,
            Projection::Partner(u) => viewer.user_id == *u,
            other => Projection::of(viewer) == *other,
        }
    }
}

/// Publishes events to all nodes.
pub trait Bus: Send + Sync + 'static {
    /// Publishes without waiting; never blocks on a slow subscriber.
    fn publish(&self, audience: Audience, event: Event);
}

/// In-process bus: delivers on this node only.
#[derive(Clone, Debug)]
pub struct LocalBus {
    delivery: Delivery,
}

impl LocalBus {
    /// A bus over this node's delivery.
    pub fn new(delivery: Delivery) -> Self {
        LocalBus { delivery }
    }
}

impl Bus for LocalBus {
    fn publish(&self, audience: Audience, event: Event) {
        self.delivery.deliver(audience, &event);
    }
}
