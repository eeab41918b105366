//! Every session on this node by `session_id`: RESUME finds them here, kicks
//! and shutdown walk them, and the reaper removes the expired.

use super::Session;
use crate::ids::{TenantId, UserId};
use dashmap::DashMap;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Cheap-clone handle to this node's sessions, attached or awaiting resume.
#[derive(Clone, Debug, Default)]
pub struct SessionTable {
    map: Arc<DashMap<String, Arc<Session>>>,
    /// Session ids by member (a session's member never changes): kicks and
    /// the per-member cap look a member up without walking every session,
    /// and adding or removing one of a member's 10,000 sessions costs the
    /// same as one of a single session (issue 14 "Fast IDENTIFY").
    pub(super) by_user: Arc<DashMap<(TenantId, UserId), HashSet<String>>>,
}

impl SessionTable {
    /// Registers a session (replacing one with the same id).
    pub fn insert(&self, s: Arc<Session>) {
        let key = member(&s);
        let id = s.id.clone();
        if let Some(old) = self.map.insert(id.clone(), s) {
            self.unindex(&old);
        }
        self.by_user.entry(key).or_default().insert(id);
    }

    fn unindex(&self, s: &Session) {
        self.by_user.remove_if_mut(&member(s), |_, ids| {
            ids.remove(&s.id);
            ids.is_empty()
        });
    }

    /// A session by id.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.map.get(id).map(|s| Arc::clone(&s))
    }

    /// Forgets a session.
    pub fn remove(&self, id: &str) -> Option<Arc<Session>> {
        let (_, s) = self.map.remove(id)?;
        self.unindex(&s);
        Some(s)
    }

    /// Sessions on this node, attached or awaiting resume.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Sessions of one member (kicks, `sessions_per_user`), from the index,
    /// in no particular order.
    pub fn of_user(&self, tenant_id: TenantId, user_id: UserId) -> Vec<Arc<Session>> {
        let ids: Vec<String> = self
            .by_user
            .get(&(tenant_id, user_id))
            .map(|v| v.iter().cloned().collect())
            .unwrap_or_default();
        ids.iter().filter_map(|id| self.get(id)).collect()
    }

    /// How many sessions of one member this node holds (attached, awaiting
    /// RESUME or killed and not yet removed), without collecting them: the
    /// per-member cap's check on every IDENTIFY, O(1).
    pub fn count_of_user(&self, tenant_id: TenantId, user_id: UserId) -> usize {
        self.by_user
            .get(&(tenant_id, user_id))
            .map_or(0, |v| v.len())
    }

    /// Every session (shutdown).
    pub fn all(&self) -> Vec<Arc<Session>> {
        self.map.iter().map(|s| Arc::clone(&s)).collect()
    }

    /// Sessions detached for `window` or longer at `now`, or killed while detached.
    pub fn expired(&self, window: Duration, now: Instant) -> Vec<Arc<Session>> {
        self.map
            .iter()
            .filter(|s| {
                let st = s.state();
                st.detached_at.is_some_and(|t| {
                    now.saturating_duration_since(t) >= window || s.outbox.kill.is_closed()
                })
            })
            .map(|s| Arc::clone(&s))
            .collect()
    }
}

/// The member a session belongs to.
fn member(s: &Session) -> (TenantId, UserId) {
    let a = s.actor();
    (a.tenant_id, a.user_id)
}
