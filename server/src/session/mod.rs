//! A gateway session: outlives its socket for the resume window. It owns the
//! outbound queue (hub side: [`Outbox`]), the sequence counter `s`, the replay
//! buffer of recent dispatches, and the per-channel floor that drops live
//! events a READY or a log replay already covered.
//!
//! This module is the session's data and its sequencing rules, free of
//! sockets and Postgres; [`crate::gateway::sessions`] owns its life (open,
//! detach, terminate, reap, drain) and [`table`] indexes the live ones.

pub mod table;

pub use table::SessionTable;

use crate::hub::outbox::DISPATCH_TAIL;
use crate::hub::{CloseLatch, Outbound, Outbox, Receiver};
use crate::ids::ChannelId;
use crate::registry::Actor;
use arena_protocol::model::{RequestedStatus, User};
use arena_protocol::DispatchPrefix;
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Mutable session state, behind a short synchronous lock (never held across `.await`).
#[derive(Debug, Default)]
pub struct SessionState {
    /// Last `s` assigned.
    pub seq: u64,
    /// Recent dispatches `(s, prefix)`, oldest first, at most `replay_cap`.
    pub replay: VecDeque<(u64, DispatchPrefix)>,
    /// Channel → highest `channel_seq` the client already has; live events at
    /// or below it are duplicates and are skipped. An entry goes away once a
    /// newer event for the channel is numbered.
    pub floor: Vec<(ChannelId, u64)>,
    /// Channels the session is subscribed to in the hub.
    pub channels: Vec<ChannelId>,
    /// IDENTIFY named a subset of channels: channels the member gains later
    /// are not added to this session's view (lost ones still leave it).
    pub subset: bool,
    /// The socket the session is attached to; RESUME replaces it.
    pub socket: Option<Arc<CloseLatch>>,
    /// The status the client asked for (IDENTIFY or op 3); restored on RESUME.
    pub status: Option<RequestedStatus>,
    /// When the last socket went away; `None` while attached.
    pub detached_at: Option<Instant>,
    /// Out of the hub's fan-out since the socket went away, with where it
    /// left each ring ([`crate::hub::Hub::detach_channel`]); `None` while
    /// subscribed. RESUME rejoins from these positions.
    pub away: Option<Away>,
    /// The access token's expiry and epoch the session runs on (IDENTIFY,
    /// RESUME or `session.reauth` set it); `None` for a bot token. The
    /// token watch ([`crate::auth::watch`]) closes the session with 4004 when
    /// it lapses.
    pub grant: Option<crate::auth::Grant>,
}

/// An item with its `s` decided ([`Session::sequence`]).
enum Sequenced {
    /// A dispatch going out as `s`; `keep`: a live one, kept for replay.
    Dispatch {
        s: u64,
        prefix: DispatchPrefix,
        keep: bool,
    },
    /// A plain frame (no `s`).
    Frame(Bytes),
}

/// Where an away session left the hub: per channel of its view and for its
/// tenant's audience, the ring head it had reached (`None`: no event yet).
#[derive(Debug, Default)]
pub struct Away {
    pub channels: Vec<(ChannelId, Option<u64>)>,
    pub tenant: Option<u64>,
}

/// One session. Shared by the hub (via `outbox`), its socket's tasks and the table.
#[derive(Debug)]
pub struct Session {
    /// The `session_id` sent in READY (random, 128 bits, hex).
    pub id: String,
    pub outbox: Arc<Outbox>,
    /// The member as shown in messages (author).
    pub user: User,
    /// The queue's receiving side; a writer holds the lock for its socket's lifetime,
    /// so a RESUME's writer waits until the old one has let go.
    pub rx: tokio::sync::Mutex<Receiver>,
    state: Mutex<SessionState>,
    /// Dispatches kept for replay (`ARENA_REPLAY_FRAMES`); 0 keeps none.
    replay_cap: usize,
}

impl Session {
    /// A new session with an empty state.
    pub fn new(
        id: String,
        outbox: Arc<Outbox>,
        rx: Receiver,
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

    /// The acting member as of now (a role or tier change swaps it).
    pub fn actor(&self) -> Arc<Actor> {
        self.outbox.actor()
    }

    /// Locks the state for a short synchronous section.
    pub fn state(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives a dispatch its `s`: a live dispatch gets the next one and is kept
    /// for replay (or is dropped, `None`, when the floor says the client
    /// already has it); READY gets the next one without being kept; a
    /// numbered dispatch and a plain frame pass unchanged.
    pub fn number(&self, item: Outbound) -> Option<Outbound> {
        self.number_in(&mut self.state(), item)
    }

    /// [`Session::number`] for a whole batch, under one lock (a resume's
    /// replay batches: all numbered before any is written).
    pub fn number_many(&self, items: Vec<Outbound>) -> Vec<Outbound> {
        let mut st = self.state();
        items
            .into_iter()
            .filter_map(|item| self.number_in(&mut st, item))
            .collect()
    }

    /// Numbers every item of a writer's round (as [`Session::number`]) and
    /// builds its frame under one lock: a dispatch's prefix and its `s` are
    /// copied into one buffer for the whole round, and the prefix is then
    /// moved into the replay buffer, not cloned (one reference-count update
    /// less per delivery on bytes that every recipient shares: clone and drop
    /// were 5.5 % of the CPU at saturation, docs/benchmarks.md). Plain frames
    /// pass as they are; dispatches the floor drops are left out.
    pub fn build(&self, items: Vec<Outbound>) -> Vec<Bytes> {
        let mut buf = BytesMut::with_capacity(items.iter().map(Outbound::room).sum());
        let mut st = self.state();
        items
            .into_iter()
            .filter_map(|item| self.build_in(&mut st, item, &mut buf))
            .collect()
    }

    /// [`Session::build`] for a round of one item (no `Vec`).
    pub fn build_one(&self, item: Outbound) -> Option<Bytes> {
        let mut buf = BytesMut::with_capacity(item.room());
        self.build_in(&mut self.state(), item, &mut buf)
    }

    fn build_in(&self, st: &mut SessionState, item: Outbound, buf: &mut BytesMut) -> Option<Bytes> {
        match self.sequence(st, item)? {
            Sequenced::Dispatch { s, prefix, keep } => {
                buf.reserve(prefix.len() + DISPATCH_TAIL);
                prefix.finish_into_buf(s, buf);
                let bytes = buf.split().freeze();
                if keep {
                    self.keep(st, s, prefix);
                }
                Some(bytes)
            }
            Sequenced::Frame(bytes) => Some(bytes),
        }
    }

    fn number_in(&self, st: &mut SessionState, item: Outbound) -> Option<Outbound> {
        match self.sequence(st, item)? {
            Sequenced::Dispatch { s, prefix, keep } => {
                if keep {
                    self.keep(st, s, prefix.clone());
                }
                Some(Outbound::Numbered(s, prefix))
            }
            Sequenced::Frame(bytes) => Some(Outbound::Frame(bytes)),
        }
    }

    /// The `s` an item goes out with: a live dispatch gets the next one (and
    /// is to be kept for replay) unless the floor drops it (`None`); READY
    /// gets the next one and empties the replay buffer, which no longer
    /// covers everything after its oldest entry; a numbered dispatch keeps its own.
    fn sequence(&self, st: &mut SessionState, item: Outbound) -> Option<Sequenced> {
        Some(match item {
            Outbound::Dispatch {
                prefix,
                channel_id,
                channel_seq,
            } => Sequenced::Dispatch {
                s: self.assign(st, channel_id, channel_seq)?,
                prefix,
                keep: true,
            },
            Outbound::Unkept(prefix) => {
                st.seq += 1;
                st.replay.clear();
                Sequenced::Dispatch {
                    s: st.seq,
                    prefix,
                    keep: false,
                }
            }
            Outbound::Numbered(s, prefix) => Sequenced::Dispatch {
                s,
                prefix,
                keep: false,
            },
            Outbound::Frame(bytes) => Sequenced::Frame(bytes),
        })
    }

    /// Assigns the next `s` to a dispatch and returns it; `None` when the
    /// floor says the client already has this channel event.
    fn assign(
        &self,
        st: &mut SessionState,
        channel_id: ChannelId,
        channel_seq: u64,
    ) -> Option<u64> {
        if channel_seq > 0 {
            if let Some(i) = st.floor.iter().position(|(c, _)| *c == channel_id) {
                if channel_seq <= st.floor[i].1 {
                    return None;
                }
                st.floor.swap_remove(i);
            }
        }
        st.seq += 1;
        Some(st.seq)
    }

    /// Keeps dispatch `s` for replay, evicting the oldest past `replay_cap`.
    fn keep(&self, st: &mut SessionState, s: u64, prefix: DispatchPrefix) {
        if self.replay_cap > 0 {
            if st.replay.len() == self.replay_cap {
                st.replay.pop_front();
            }
            st.replay.push_back((s, prefix));
        }
    }

    /// Numbers every queued dispatch into the replay buffer (dropping queued
    /// non-dispatch frames, which answered the old socket). Called on RESUME
    /// with the queue's lock held, so nothing is written meanwhile.
    pub fn absorb_queue(&self, rx: &mut Receiver) {
        while let Ok(item) = rx.try_recv() {
            if matches!(item, Outbound::Dispatch { .. }) {
                self.number(item);
            }
        }
    }

    /// Frames with `s` greater than `after`, if the buffer still holds all of
    /// them; `None` when some were evicted (the caller falls back to the log).
    pub fn replay_after(&self, after: u64) -> Option<Vec<Outbound>> {
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
                .map(|(s, p)| Outbound::Numbered(*s, p.clone()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests;
