//! Local delivery: the one place that decides, per recipient on this node,
//! whether it gets an event and which variant. It is the only caller of the
//! hub's fan-out; the bus calls it for every event it carries, and the log
//! replays (RESUME, `channel.events`) apply the same per-viewer rule through
//! [`personalise`].
//!
//! Rules today: a channel event goes to the channel's subscribers (sessions
//! are subscribed only to channels they may read); a tenant event to the
//! tenant's sessions; a panel's projection to the subscribers who see it
//! (a partner their own, staff the program); CHANNEL_UPDATE carries the viewer's own `can_post`, so
//! it has two variants, each encoded once; a timeout's MEMBER_UPDATE carries
//! `muted_reason` only to the timed-out member's sessions.

use crate::bus::Audience;
use crate::hub::{Hub, RingAudience};
use crate::registry::{Actor, ChannelInfo, Registry};
use arena_protocol::Event;

/// Cheap-clone handle: this node's hub and the registry it checks against.
#[derive(Clone, Debug)]
pub struct Delivery {
    hub: Hub,
    registry: Registry,
    /// Applies role and tier changes to this node's sessions; `None` in
    /// unit tests without sessions.
    access: Option<crate::access::Access>,
}

/// Which variant of an event a viewer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The same bytes for everyone.
    Shared,
    /// CHANNEL_UPDATE with this `can_post`.
    CanPost(bool),
}

fn variant(viewer: &Actor, channel: &ChannelInfo, event: &Event) -> Variant {
    match event {
        Event::ChannelUpdate(_) => Variant::CanPost(channel.can_post(viewer)),
        _ => Variant::Shared,
    }
}

/// Does every viewer get the same bytes of `event`? (No per-viewer
/// variant: what the hub's rings may serve as encoded.)
pub fn is_shared(event: &Event) -> bool {
    !matches!(event, Event::ChannelUpdate(_))
}

fn apply(v: Variant, event: &mut Event) {
    if let (Variant::CanPost(can_post), Event::ChannelUpdate(cu)) = (v, event) {
        cu.channel.can_post = can_post;
    }
}

/// The event as `viewer` should see it (for log replays; live delivery
/// applies the same rule per recipient group).
pub fn personalise(viewer: &Actor, channel: &ChannelInfo, mut event: Event) -> Event {
    apply(variant(viewer, channel, &event), &mut event);
    event
}

impl Delivery {
    /// Delivery over this node's hub.
    pub fn new(hub: Hub, registry: Registry) -> Self {
        Delivery {
            hub,
            registry,
            access: None,
        }
    }

    /// Also applies MEMBER_UPDATE role and tier changes to the member's
    /// sessions before the event is fanned out ([`crate::access`]).
    pub fn with_access(mut self, access: crate::access::Access) -> Self {
        self.access = Some(access);
        self
    }

    /// Pushes `event` to every local recipient of `audience`, in the variant
    /// each may see. Returns the deliveries queued.
    pub fn deliver(&self, audience: Audience, event: &Event) -> usize {
        match audience {
            Audience::Tenant(tenant_id) => {
                if let (Event::MemberUpdate(m), Some(access)) = (event, &self.access) {
                    let role = m
                        .role
                        .as_deref()
                        .and_then(arena_protocol::model::Role::parse);
                    if role.is_some() || m.tier.is_some() {
                        access.member_changed(tenant_id, m.user_id.into(), role, m.tier.as_deref());
                    }
                }
                if let Event::MemberUpdate(m) = event {
                    if m.muted_reason.is_some() {
                        return self.deliver_timeout(tenant_id, m, event);
                    }
                }
                self.hub.fanout_tenant(tenant_id, event, RingAudience::All)
            }
            Audience::Panel {
                channel_id,
                projection,
                ..
            } => self
                .hub
                .fanout_channel(channel_id, event, |o| projection.shown_to(&o.actor())),
            Audience::Channel {
                tenant_id,
                channel_id,
            } => {
                // Borrowed from the tenant's registry (an Arc clone), not copied:
                // this runs once per published event.
                let tenant = self.registry.tenant(tenant_id);
                let Some(channel) = tenant.get(channel_id) else {
                    return 0;
                };
                if !matches!(event, Event::ChannelUpdate(_)) {
                    return self.hub.fanout_channel(channel_id, event, |_| true);
                }
                [Variant::CanPost(true), Variant::CanPost(false)]
                    .into_iter()
                    .map(|v| {
                        let mut e = event.clone();
                        apply(v, &mut e);
                        self.hub.fanout_channel(channel_id, &e, |o| {
                            variant(&o.actor(), channel, event) == v
                        })
                    })
                    .sum()
            }
        }
    }
}

impl Delivery {
    /// A timeout's MEMBER_UPDATE: with `muted_reason` to the member's own
    /// sessions, without it to everyone else (the reason is between the
    /// member and the moderators, as Discord keeps it to the audit log).
    fn deliver_timeout(
        &self,
        tenant_id: crate::ids::TenantId,
        m: &arena_protocol::event::MemberUpdate,
        event: &Event,
    ) -> usize {
        let target: crate::ids::UserId = m.user_id.into();
        let public = Event::MemberUpdate(arena_protocol::event::MemberUpdate {
            muted_reason: None,
            ..m.clone()
        });
        self.hub
            .fanout_tenant(tenant_id, event, RingAudience::Only(target))
            + self
                .hub
                .fanout_tenant(tenant_id, &public, RingAudience::Except(target))
    }
}

#[cfg(test)]
mod tests;
