//! The bus carries events between nodes; on each node it hands them to
//! [`Delivery`], which decides who gets what. [`LocalBus`] (a single node,
//! the default): publishing is local delivery. [`RedisBus`] (with
//! `ARENA_REDIS_URL`, several nodes): local delivery at publish time, and the
//! event goes through Redis pub/sub to every other node (see [`redis`]).
//!
//! Guarantee: events published by one task for one channel are delivered to
//! each subscriber in publish order. With Redis, channel-log events (those
//! with a `channel_seq`) reach each node exactly once and in `channel_seq`
//! order whatever node committed them: the [`sequencer`] drops duplicates,
//! holds events past a gap and reads what pub/sub lost from the channel log
//! in Postgres. Other events (typing, presence, panels) are at most once.

mod envelope;
mod probe;
pub mod redis;
pub mod sequencer;

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

/// A cluster-wide instruction about one member's sessions, not an event
/// clients see: what the acting node did to its own sessions, for every
/// other node to do to theirs (issue 11: moderation crosses nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Close every session of the member with `code` (a kick: 4014).
    CloseSessions {
        tenant_id: TenantId,
        user_id: UserId,
        code: arena_protocol::CloseCode,
    },
    /// The member's timeout changed: forget any cached copy (the next check
    /// reads Postgres).
    MuteChanged {
        tenant_id: TenantId,
        user_id: UserId,
    },
    /// A channel was created for exactly these members (a direct message
    /// channel, `dm.open`): load it into the registry and subscribe their
    /// sessions (CHANNEL_CREATE).
    ChannelOpened {
        tenant_id: TenantId,
        channel_id: ChannelId,
        members: [UserId; 2],
    },
}

impl Control {
    /// The tenant it concerns (its bus topic).
    pub fn tenant(&self) -> TenantId {
        match self {
            Control::CloseSessions { tenant_id, .. }
            | Control::MuteChanged { tenant_id, .. }
            | Control::ChannelOpened { tenant_id, .. } => *tenant_id,
        }
    }
}

/// Publishes events to all nodes.
pub trait Bus: Send + Sync + 'static {
    /// Publishes without waiting; never blocks on a slow subscriber.
    fn publish(&self, audience: Audience, event: Event);

    /// Tells every OTHER node `control` (the caller has applied it here).
    /// Default: nothing (a single node).
    fn control(&self, control: Control) {
        let _ = control;
    }

    /// A session on this node starts from these channel log heads of
    /// `tenant` (the `last_seq` its READY reports): a bus that repairs gaps
    /// between nodes starts following those channels there. Default: nothing.
    fn seed(&self, tenant: TenantId, heads: &[(ChannelId, u64)]) {
        let _ = (tenant, heads);
    }

    /// Whether the bus can reach the other nodes: `Err` with the reason
    /// (for `/readyz`). Default: always ready (a single node).
    fn ready(&self) -> Result<(), &'static str> {
        Ok(())
    }
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
