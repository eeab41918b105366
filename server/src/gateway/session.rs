//! A gateway session: outlives its socket for the resume window. It owns the
//! outbound queue (hub side: [`Outbox`]), the sequence counter `s`, the replay
//! buffer of recent dispatches, and the per-channel floor that drops live
//! events a READY or a log replay already covered.

use super::writer::SocketClose;
use crate::hub::{Outbound, Outbox};
use crate::registry::Actor;
use arena_protocol::model::{RequestedStatus, User};
use arena_protocol::DispatchPrefix;
use dashmap::DashMap;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Mutable session state, behind a short synchronous lock (never held across `.await`).
#[derive(Debug, Default)]
pub struct SessionState {
    /// Last `s` written.
    pub seq: u64,
    /// Recent dispatches `(s, prefix)`, oldest first, at most `replay_cap`.
    pub replay: VecDeque<(u64, DispatchPrefix)>,
    /// Channel → highest `channel_seq` the client already has; live events at
    /// or below it are duplicates and are skipped. An entry goes away once a
    /// newer event for the channel is written.
    pub floor: Vec<(i64, u64)>,
    /// Channels the session is subscribed to in the hub.
    pub channels: Vec<i64>,
    /// The socket the session is attached to; RESUME replaces it.
    pub socket: Option<Arc<SocketClose>>,
    /// The status the client asked for (IDENTIFY or op 3); restored on RESUME.
    pub status: Option<RequestedStatus>,
    /// When the last socket went away; `None` while attached.
    pub detached_at: Option<Instant>,
}

/// One session. Shared by the hub (via `outbox`), its socket's tasks and the registry.
#[derive(Debug)]
pub struct Session {
    /// The `session_id` sent in READY (random, 128 bits, hex).
    pub id: String,
    pub outbox: Arc<Outbox>,
    /// The member as shown in messages (author).
    pub user: User,
    /// The queue's receiving side; a writer holds the lock for its socket's lifetime,
    /// so a RESUME's writer waits until the old one has let go.
    pub rx: tokio::sync::Mutex<mpsc::Receiver<Outbound>>,
    state: Mutex<SessionState>,
    replay_cap: usize,
}

impl Session {
    /// A new, attached session.
    pub fn new(
        id: String,
        outbox: Arc<Outbox>,
        rx: mpsc::Receiver<Outbound>,
        user: User,
        replay_cap: usize,
    ) -> Self {
        Session {
            id,
            outbox,
            user,
            rx: tokio::sync::Mutex::new(rx),
            state: Mutex::new(SessionState::default()),
            replay_cap,
        }
    }

    /// The acting member.
    pub fn actor(&self) -> &Actor {
        &self.outbox.actor
    }

    /// Locks the state for a short synchronous section.
    pub fn state(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Assigns the next `s` to a dispatch, remembers it for replay, and returns `s`;
    /// `None` when the floor says the client already has this channel event.
    pub fn sequence(
        &self,
        prefix: &DispatchPrefix,
        channel_id: i64,
        channel_seq: u64,
    ) -> Option<u64> {
        let mut st = self.state();
        if channel_seq > 0 {
            if let Some(i) = st.floor.iter().position(|(c, _)| *c == channel_id) {
                if channel_seq <= st.floor[i].1 {
                    return None;
                }
                st.floor.swap_remove(i);
            }
        }
        st.seq += 1;
        let s = st.seq;
        if self.replay_cap > 0 {
            if st.replay.len() == self.replay_cap {
                st.replay.pop_front();
            }
            st.replay.push_back((s, prefix.clone()));
        }
        Some(s)
    }

    /// Sequences every queued dispatch into the replay buffer (dropping queued
    /// non-dispatch frames, which answered the old socket). Called on RESUME
    /// with the queue's lock held, so nothing is written meanwhile.
    pub fn absorb_queue(&self, rx: &mut mpsc::Receiver<Outbound>) {
        while let Ok(item) = rx.try_recv() {
            self.outbox.taken(&item);
            if let Outbound::Dispatch {
                prefix,
                channel_id,
                channel_seq,
            } = item
            {
                self.sequence(&prefix, channel_id, channel_seq);
            }
        }
    }

    /// Assigns the next `s` without keeping the frame for replay.
    pub fn next_seq(&self) -> u64 {
        let mut st = self.state();
        st.seq += 1;
        // The buffer no longer covers everything after its oldest entry.
        st.replay.clear();
        st.seq
    }

    /// Frames with `s` greater than `after`, if the buffer still holds all of them.
    pub fn replay_after(&self, after: u64) -> Option<Vec<(u64, DispatchPrefix)>> {
        let st = self.state();
        if after >= st.seq {
            return Some(Vec::new());
        }
        let oldest = st.replay.front().map_or(st.seq + 1, |(s, _)| *s);
        if after + 1 < oldest {
            return None;
        }
        Some(
            st.replay
                .iter()
                .filter(|(s, _)| *s > after)
                .cloned()
                .collect(),
        )
    }
}

/// Every session on this node by `session_id`. Detached sessions are removed
/// by [`Sessions::reap`] after the resume window.
#[derive(Clone, Debug, Default)]
pub struct Sessions {
    map: Arc<DashMap<String, Arc<Session>>>,
}

impl Sessions {
    /// Registers a session.
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

    /// Sessions of one user (for kicks).
    pub fn of_user(&self, tenant_id: i64, user_id: i64) -> Vec<Arc<Session>> {
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

    /// Sessions detached for longer than `window`, or killed while detached.
    pub fn expired(&self, window: Duration) -> Vec<Arc<Session>> {
        let now = Instant::now();
        self.map
            .iter()
            .filter(|s| {
                let st = s.state();
                st.detached_at.is_some_and(|t| {
                    now.duration_since(t) >= window || s.outbox.kill.is_cancelled()
                })
            })
            .map(|s| Arc::clone(&s))
            .collect()
    }
}
