//! Presence per tenant: online / idle / dnd / offline, counted per user over
//! their live sockets on this node. A change of what others see is dispatched
//! to the tenant as PRESENCE_UPDATE: on connect, on op 3, on last disconnect.
//!
//! Large tenants: past `fanout_limit` sessions on the node, changes are not
//! broadcast (each would cost one delivery per session, quadratic during a
//! reconnect storm); clients call `presence.list` instead, like Discord's
//! `large_threshold` for big guilds.
//!
//! With `redis_url` ([`cluster`]): each change is also written to Redis, READY
//! and `presence.list` ([`PresenceTable::cluster_list`]) show the whole
//! cluster merged by [`merge`], a PRESENCE_UPDATE carries the merged status
//! and is sent only when that moved (offline only for a user on no live
//! node), and [`watcher`] turns a dead node's users offline.

pub mod cluster;
pub mod merge;
mod watcher;

use crate::bus::{Audience, Bus};
use crate::hub::{Hub, RingAudience};
use crate::ids::{TenantId, UserId};
use crate::registry::Actor;
use crate::store::rfc3339;
use arena_protocol::model::{Presence, RequestedStatus, Status};
use arena_protocol::Event;
use dashmap::DashMap;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use time::OffsetDateTime;

#[derive(Debug, Clone)]
struct Entry {
    requested: RequestedStatus,
    since: String,
    sockets: u32,
}

/// One tenant's presences on this node: every member with a socket here,
/// and the visible ones (neither offline nor invisible) by id, so READY and
/// `presence.list` walk only those. Without the index every IDENTIFY walked
/// the whole tenant (18,000 invisible load sessions: O(n²) over a ramp).
#[derive(Debug, Default)]
struct Roster {
    members: HashMap<UserId, Entry>,
    visible: BTreeSet<UserId>,
}

impl Roster {
    /// Brings `visible` in step with `user`'s entry after a change to it.
    fn reindex(&mut self, user: UserId) {
        match self.members.get(&user) {
            Some(e) if e.requested.visible() != Status::Offline => {
                self.visible.insert(user);
            }
            _ => {
                self.visible.remove(&user);
            }
        }
    }

    /// Visible members with an id above `after`, by id.
    fn visible_after(&self, after: Option<UserId>) -> impl Iterator<Item = Presence> + '_ {
        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        self.visible
            .range((from, std::ops::Bound::Unbounded))
            .filter_map(|u| {
                let e = self.members.get(u)?;
                Some(Presence {
                    user_id: u.snowflake(),
                    status: e.requested.visible(),
                    since: e.since.clone(),
                })
            })
    }
}

/// Cheap-clone handle to this node's presence table.
#[derive(Clone)]
pub struct PresenceTable {
    tenants: Arc<DashMap<TenantId, Roster>>,
    hub: Hub,
    bus: Arc<dyn Bus>,
    fanout_limit: usize,
    /// With `redis_url`: the queue to Redis and the other nodes' presence.
    cluster: Option<cluster::ClusterLink>,
}

impl PresenceTable {
    /// An empty table publishing through `bus`.
    pub fn new(hub: Hub, bus: Arc<dyn Bus>, fanout_limit: usize) -> Self {
        PresenceTable {
            tenants: Arc::default(),
            hub,
            bus,
            fanout_limit,
            cluster: None,
        }
    }

    /// This table writing through `link` (see [`cluster::start`]).
    fn with_cluster(mut self, link: cluster::ClusterLink) -> Self {
        self.cluster = Some(link);
        self
    }

    fn now() -> String {
        rfc3339(OffsetDateTime::now_utc())
    }

    /// A change of `user`'s visible status on this node from `before` to
    /// `after`: recorded in Redis and published. With a cluster the writer
    /// publishes the user's merged status, and only if it moved (see
    /// [`cluster`]); if the change cannot be queued it is published now.
    fn changed(
        &self,
        tenant: TenantId,
        user: UserId,
        before: Status,
        after: Status,
        since: String,
    ) {
        let now = (after != Status::Offline).then(|| (after, since.clone()));
        let queued = self.cluster.as_ref().is_some_and(|link| {
            link.offer(cluster::Change {
                tenant,
                user,
                before,
                now,
            })
        });
        if queued || (after == Status::Offline && before == Status::Offline) {
            return;
        }
        self.publish(tenant, user, after, since);
    }

    /// PRESENCE_UPDATE to every node (unless the tenant is large here).
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
            let e = t.members.entry(actor.user_id).or_insert_with(|| Entry {
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
            let change = (before != requested.visible()).then(|| {
                e.since = Self::now();
                (before, e.since.clone())
            });
            t.reindex(actor.user_id);
            change
        };
        if let Some((before, since)) = change {
            self.changed(
                actor.tenant_id,
                actor.user_id,
                before,
                requested.visible(),
                since,
            );
        }
    }

    /// op 3 PRESENCE_UPDATE.
    pub fn update(&self, actor: &Actor, requested: RequestedStatus) {
        let change = {
            let mut t = self.tenants.entry(actor.tenant_id).or_default();
            let Some(e) = t.members.get_mut(&actor.user_id) else {
                return;
            };
            let before = e.requested.visible();
            e.requested = requested;
            let change = (before != requested.visible()).then(|| {
                e.since = Self::now();
                (before, e.since.clone())
            });
            t.reindex(actor.user_id);
            change
        };
        if let Some((before, since)) = change {
            self.changed(
                actor.tenant_id,
                actor.user_id,
                before,
                requested.visible(),
                since,
            );
        }
    }

    /// A socket of `actor` went away; the last one makes the user offline.
    pub fn disconnect(&self, actor: &Actor) {
        let gone = {
            let Some(mut t) = self.tenants.get_mut(&actor.tenant_id) else {
                return;
            };
            let Some(e) = t.members.get_mut(&actor.user_id) else {
                return;
            };
            e.sockets = e.sockets.saturating_sub(1);
            if e.sockets == 0 {
                let was = e.requested.visible();
                t.members.remove(&actor.user_id);
                t.reindex(actor.user_id);
                Some(was).filter(|w| *w != Status::Offline)
            } else {
                None
            }
        };
        self.tenants
            .remove_if(&actor.tenant_id, |_, t| t.members.is_empty());
        if let Some(was) = gone {
            self.changed(
                actor.tenant_id,
                actor.user_id,
                was,
                Status::Offline,
                Self::now(),
            );
        }
    }

    /// Visible presences of the tenant (offline and invisible members omitted), at most `limit`.
    pub fn list(&self, tenant_id: TenantId, limit: usize) -> Vec<Presence> {
        let Some(t) = self.tenants.get(&tenant_id) else {
            return Vec::new();
        };
        t.visible_after(None).take(limit).collect()
    }

    /// The tenant's visible presences on the whole cluster: this node's
    /// and, with a cluster, every other live node's from Redis, merged
    /// ([`merge`]: the most present status wins), at most `limit`. If Redis
    /// fails or is slow ([`cluster::READ_TIMEOUT`]) this node's view is
    /// answered (logged). For READY and `presence.list`.
    pub async fn cluster_list(&self, tenant_id: TenantId, limit: usize) -> Vec<Presence> {
        let Some(link) = &self.cluster else {
            return self.list(tenant_id, limit);
        };
        let here = self.list(tenant_id, usize::MAX);
        match link.others(tenant_id, None).await {
            Ok(others) => merge::merge(here.into_iter().chain(others), limit),
            Err(e) => {
                tracing::warn!(error = %e, "presence: cannot read other nodes; answering this node's view");
                merge::merge(here, limit)
            }
        }
    }

    /// One page of `presence.list` on the whole cluster: visible presences
    /// with a user id above `after` (all when `None`), by user id, at most
    /// `limit` ([`Self::cluster_list`]; [`Self::page`] on a single node).
    pub async fn cluster_page(
        &self,
        tenant_id: TenantId,
        after: Option<UserId>,
        limit: usize,
    ) -> Vec<Presence> {
        if self.cluster.is_none() {
            return self.page(tenant_id, after, limit);
        }
        let floor = after.map(|u| u.snowflake());
        let mut all = self.cluster_list(tenant_id, usize::MAX).await;
        all.retain(|p| floor.is_none_or(|f| p.user_id > f));
        all.truncate(limit);
        all
    }

    /// Is `user` visible (not offline or invisible) on this node?
    fn visible_here(&self, tenant_id: TenantId, user_id: UserId) -> bool {
        self.tenants
            .get(&tenant_id)
            .is_some_and(|t| t.visible.contains(&user_id))
    }

    /// Does the tenant have sessions on this node?
    fn has_sessions(&self, tenant_id: TenantId) -> bool {
        self.hub.tenant_sessions(tenant_id) > 0
    }

    /// PRESENCE_UPDATE to this node's sessions only (a dead node's users;
    /// every node tells its own), unless the tenant is large here.
    fn emit_here(&self, tenant_id: TenantId, user_id: UserId, status: Status, since: String) {
        if self.hub.tenant_sessions(tenant_id) > self.fanout_limit {
            return;
        }
        let p = Presence {
            user_id: user_id.snowflake(),
            status,
            since,
        };
        self.hub
            .fanout_tenant(tenant_id, &Event::PresenceUpdate(p), RingAudience::All);
    }

    /// Every tenant's visible presences on this node (for a resync).
    fn snapshot(&self) -> Vec<(TenantId, Vec<Presence>)> {
        let tenants: Vec<TenantId> = self.tenants.iter().map(|e| *e.key()).collect();
        tenants
            .into_iter()
            .map(|t| (t, self.list(t, usize::MAX)))
            .collect()
    }

    /// One page of `presence.list`: visible presences with a user id above
    /// `after` (all when `None`), by user id, at most `limit`.
    pub fn page(&self, tenant_id: TenantId, after: Option<UserId>, limit: usize) -> Vec<Presence> {
        let Some(t) = self.tenants.get(&tenant_id) else {
            return Vec::new();
        };
        t.visible_after(after).take(limit).collect()
    }
}

#[cfg(test)]
mod tests;
