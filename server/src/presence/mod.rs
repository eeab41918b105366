//! Presence per tenant: online / idle / dnd / offline, counted per user over
//! their live sockets on this node. A change of what others see is dispatched
//! to the tenant as PRESENCE_UPDATE: on connect, on op 3, on last disconnect.
//!
//! Large tenants: past `fanout_limit` sessions on the node, changes are not
//! broadcast (each would cost one delivery per session, quadratic during a
//! reconnect storm); clients call `presence.list` instead, like Discord's
//! `large_threshold` for big guilds.

use crate::bus::{Audience, Bus};
use crate::hub::Hub;
use crate::ids::{TenantId, UserId};
use crate::registry::Actor;
use crate::store::rfc3339;
use arena_protocol::model::{Presence, RequestedStatus, Status};
use arena_protocol::Event;
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;

#[derive(Debug, Clone)]
struct Entry {
    requested: RequestedStatus,
    since: String,
    sockets: u32,
}

/// Cheap-clone handle to this node's presence table.
#[derive(Clone)]
pub struct PresenceTable {
    tenants: Arc<DashMap<TenantId, HashMap<UserId, Entry>>>,
    hub: Hub,
    bus: Arc<dyn Bus>,
    fanout_limit: usize,
}

impl PresenceTable {
    /// An empty table publishing through `bus`.
    pub fn new(hub: Hub, bus: Arc<dyn Bus>, fanout_limit: usize) -> Self {
        PresenceTable {
            tenants: Arc::default(),
            hub,
            bus,
            fanout_limit,
        }
    }

    fn now() -> String {
        rfc3339(OffsetDateTime::now_utc())
    }

    fn publish(&self, tenant_id: TenantId, user_id: UserId, status: Status, since: String) {
        if self.hub.tenant_sessions(tenant_id) > self.fanout_limit {
            return;
        }
        let p = Presence {
            user_id: user_id.snowflake(),
            status,
            since,
        };
        self.bus
            .publish(Audience::Tenant(tenant_id), Event::PresenceUpdate(p));
    }

    /// A socket of `actor` became live with `requested` status.
    pub fn connect(&self, actor: &Actor, requested: RequestedStatus) {
        let change = {
            let mut t = self.tenants.entry(actor.tenant_id).or_default();
            let e = t.entry(actor.user_id).or_insert_with(|| Entry {
                requested: RequestedStatus::Invisible,
                since: Self::now(),
                sockets: 0,
            });
            e.sockets += 1;
            let before = if e.sockets == 1 {
                Status::Offline
            } else {
                e.requested.visible()
            };
            e.requested = requested;
            if before != requested.visible() {
                e.since = Self::now();
                Some(e.since.clone())
            } else {
                None
            }
        };
        if let Some(since) = change {
            self.publish(actor.tenant_id, actor.user_id, requested.visible(), since);
        }
    }

    /// op 3 PRESENCE_UPDATE.
    pub fn update(&self, actor: &Actor, requested: RequestedStatus) {
        let change = {
            let mut t = self.tenants.entry(actor.tenant_id).or_default();
            let Some(e) = t.get_mut(&actor.user_id) else {
                return;
            };
            let before = e.requested.visible();
            e.requested = requested;
            (before != requested.visible()).then(|| {
                e.since = Self::now();
                e.since.clone()
            })
        };
        if let Some(since) = change {
            self.publish(actor.tenant_id, actor.user_id, requested.visible(), since);
        }
    }

    /// A socket of `actor` went away; the last one makes the user offline.
    pub fn disconnect(&self, actor: &Actor) {
        let gone = {
            let Some(mut t) = self.tenants.get_mut(&actor.tenant_id) else {
                return;
            };
            let Some(e) = t.get_mut(&actor.user_id) else {
                return;
            };
            e.sockets = e.sockets.saturating_sub(1);
            if e.sockets == 0 {
                let was = e.requested.visible();
                t.remove(&actor.user_id);
                was != Status::Offline
            } else {
                false
            }
        };
        self.tenants
            .remove_if(&actor.tenant_id, |_, t| t.is_empty());
        if gone {
            self.publish(actor.tenant_id, actor.user_id, Status::Offline, Self::now());
        }
    }

    /// Visible presences of the tenant (offline and invisible members omitted), at most `limit`.
    pub fn list(&self, tenant_id: TenantId, limit: usize) -> Vec<Presence> {
        let Some(t) = self.tenants.get(&tenant_id) else {
            return Vec::new();
        };
        t.iter()
            .filter(|(_, e)| e.requested.visible() != Status::Offline)
            .take(limit)
            .map(|(u, e)| Presence {
                user_id: u.snowflake(),
                status: e.requested.visible(),
                since: e.since.clone(),
            })
            .collect()
    }

    /// One page of `presence.list`: visible presences with a user id above
    /// `after` (all when `None`), by user id, at most `limit`.
    pub fn page(&self, tenant_id: TenantId, after: Option<UserId>, limit: usize) -> Vec<Presence> {
        let Some(t) = self.tenants.get(&tenant_id) else {
            return Vec::new();
        };
        let floor = after.map_or(i64::MIN, |u| u.0);
        let mut visible: Vec<(UserId, &Entry)> = t
            .iter()
            .filter(|(u, e)| u.0 > floor && e.requested.visible() != Status::Offline)
            .map(|(u, e)| (*u, e))
            .collect();
        visible.sort_unstable_by_key(|(u, _)| u.0);
        visible
            .into_iter()
            .take(limit)
            .map(|(u, e)| Presence {
                user_id: u.snowflake(),
                status: e.requested.visible(),
                since: e.since.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
