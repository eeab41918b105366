//! A member's access changes reach their open sessions on this node at
//! once: when a MEMBER_UPDATE carries a new role or tier, each of the
//! member's sessions gets the new acting member (so every later request is
//! checked with it), leaves the channels it may no longer read before any
//! further event of them is fanned out to it (CHANNEL_DELETE tells the
//! client), and joins the channels it gained (CHANNEL_CREATE with the
//! channel's log head), unless IDENTIFY chose a subset of channels.
//!
//! Called by [`crate::delivery`] for the MEMBER_UPDATE the bus carries, so
//! with several nodes each node applies it to its own sessions.

use crate::hub::Hub;
use crate::ids::{ChannelId, TenantId, UserId};
use crate::registry::{Actor, Registry};
use crate::session::{Session, SessionTable};
use crate::store::Store;
use arena_protocol::event::ChannelDelete;
use arena_protocol::model::Role;
use arena_protocol::Event;
use std::sync::Arc;
use tokio_util::task::TaskTracker;

/// What applying an access change needs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Access {
    pub hub: Hub,
    pub registry: Registry,
    pub sessions: SessionTable,
    pub store: Store,
    pub tasks: TaskTracker,
}

impl Access {
    /// Applies a new `role` and/or `tier` of `user_id` to their sessions on
    /// this node. Returns how many sessions it changed.
    pub fn member_changed(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        role: Option<Role>,
        tier: Option<&str>,
    ) -> usize {
        let sessions = self.sessions.of_user(tenant_id, user_id);
        for s in &sessions {
            let mut actor = (*s.actor()).clone();
            if let Some(r) = role {
                actor.role = r;
            }
            if let Some(t) = tier {
                actor.tier = Some(t.to_owned());
            }
            self.apply(s, actor);
        }
        sessions.len()
    }

    /// Reconciles the subscriptions of the member's sessions on this node
    /// with the registry as it is now (a channel created for them, e.g. a
    /// direct message channel, is joined with CHANNEL_CREATE). Returns how
    /// many sessions it looked at.
    pub fn rejoin(&self, tenant_id: TenantId, user_id: UserId) -> usize {
        let sessions = self.sessions.of_user(tenant_id, user_id);
        for s in &sessions {
            self.apply(s, (*s.actor()).clone());
        }
        sessions.len()
    }

    /// Swaps the session's actor and reconciles its subscriptions.
    fn apply(&self, s: &Arc<Session>, actor: Actor) {
        let reg = self.registry.tenant(actor.tenant_id);
        s.outbox.set_actor(actor.clone());
        let (lost, gained) = {
            let mut st = s.state();
            let lost: Vec<ChannelId> = st
                .channels
                .iter()
                .copied()
                .filter(|c| reg.get(*c).is_none_or(|ch| !ch.can_read(&actor)))
                .collect();
            for &c in &lost {
                // An away session is counted, not subscribed (crate::hub).
                match st.away.as_mut() {
                    Some(away) => {
                        away.channels.retain(|(x, _)| *x != c);
                        self.hub.forget_away_channel(c);
                    }
                    None => self.hub.unsubscribe(c, s.outbox.key),
                }
            }
            st.channels.retain(|c| !lost.contains(c));
            let gained: Vec<ChannelId> = if st.subset {
                Vec::new()
            } else {
                reg.channels
                    .iter()
                    .filter(|c| c.can_read(&actor) && !st.channels.contains(&c.id))
                    .map(|c| c.id)
                    .collect()
            };
            for &c in &gained {
                match st.away.as_mut() {
                    Some(away) => away.channels.push((c, self.hub.add_away_channel(c))),
                    None => self.hub.subscribe(c, &s.outbox),
                }
                st.channels.push(c);
            }
            (lost, gained)
        };
        for c in lost {
            let e = Event::ChannelDelete(ChannelDelete { id: c.snowflake() });
            self.hub.send_to(&s.outbox, c, &e);
        }
        if !gained.is_empty() {
            // Subscribed first, then the heads are read: nothing committed
            // in between is missed (the client may see such an event just
            // before the CHANNEL_CREATE that names its channel).
            let this = self.clone();
            let s = Arc::clone(s);
            self.tasks
                .spawn(async move { this.announce(s, actor, gained).await });
        }
    }

    /// Sends CHANNEL_CREATE for each gained channel with its log head.
    async fn announce(&self, s: Arc<Session>, actor: Actor, gained: Vec<ChannelId>) {
        let heads = match self
            .store
            .fetch_ready_heads(actor.tenant_id, actor.user_id, &gained)
            .await
        {
            Ok(h) => h,
            Err(e) => {
                // Still subscribed: the channel's events arrive, and READY
                // after a reconnect lists it.
                tracing::warn!(error = %e, "channel heads for CHANNEL_CREATE unavailable");
                return;
            }
        };
        let reg = self.registry.tenant(actor.tenant_id);
        for h in heads {
            let Some(c) = reg.get(h.id) else { continue };
            let wire = c.to_wire(&actor, h.last_seq.max(0) as u64, h.last_message_id);
            self.hub
                .send_to(&s.outbox, h.id, &Event::ChannelCreate(Box::new(wire)));
        }
    }
}
