//! Every session on this node by `session_id`: RESUME finds them here, kicks
//! and shutdown walk them, and the reaper removes the expired.

use super::Session;
use crate::ids::{TenantId, UserId};
use dashmap::DashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Cheap-clone handle to this node's sessions, attached or awaiting resume.
#[derive(Clone, Debug, Default)]
pub struct SessionTable {
    map: Arc<DashMap<String, Arc<Session>>>,
}

impl SessionTable {
    /// Registers a session (replacing one with the same id).
    pub fn insert(&self, s: Arc<Session>) {
        self.map.insert(s.id.clone(), s);
    }

    /// A session by id.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.map.get(id).map(|s| Arc::clone(&s))
    }

    /// Forgets a session.
    pub fn remove(&self, id: &str) -> Option<Arc<Session>> {
        self.map.remove(id).map(|(_, s)| s)
    }

    /// Sessions on this node, attached or awaiting resume.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Sessions of one member (for kicks).
    pub fn of_user(&self, tenant_id: TenantId, user_id: UserId) -> Vec<Arc<Session>> {
        self.map
            .iter()
            .filter(|s| s.actor().tenant_id == tenant_id && s.actor().user_id == user_id)
            .map(|s| Arc::clone(&s))
            .collect()
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
