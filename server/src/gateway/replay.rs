//! RESUME from the channel log, streamed (PROTOCOL.md §6; issue 12 item 8):
//! a producer task reads each cursor's channel in bounded pages and sends
//! the events, as this member may see them, through a bounded channel to the
//! socket's writer, which numbers and writes them before the session's queue;
//! then RESUMED. Nothing holds the whole replay: at most [`REPLAY_QUEUE`]
//! frames and one page of rows are in memory at once, and the log is read no
//! faster than the socket takes it.
//!
//! A session that was away on this node replays first from the hub's rings
//! ([`Gap::Ring`]: what it missed since it left the fan-out, issue 14), and
//! from the log only where a ring no longer holds it ([`Gap::Log`]).
//!
//! A channel whose gap is [`RESUME_LOG_LIMIT`] events or more, or whose
//! logged bytes would take the replay past `resume_replay_bytes`, is not
//! replayed at all but named in RESUMED `unrecovered` (the client backfills
//! it with `channel.events`), as is one whose log cannot be read now.

use crate::hub::{Outbound, RingEvent};
use crate::ids::ChannelId;
use crate::session::Session;
use crate::state::AppState;
use arena_protocol::event::Resumed;
use arena_protocol::request::Cursors;
use arena_protocol::{DispatchPrefix, Encoding, Event, Snowflake};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Log events a channel's gap may hold to be replayed; at or past it the
/// channel is `unrecovered`.
pub const RESUME_LOG_LIMIT: i64 = 1000;

/// Frames between the producer and the writer; the producer waits when full.
pub const REPLAY_QUEUE: usize = 64;

/// Events read from Postgres per page.
const PAGE_EVENTS: i64 = 100;

/// Logged bytes read from Postgres per page (beyond its first event).
const PAGE_BYTES: i64 = 256 * 1024;

/// Where one channel's gap is replayed from.
#[derive(Debug)]
pub enum Gap {
    /// The hub's ring holds it: these events, oldest first.
    Ring(ChannelId, Vec<Arc<RingEvent>>),
    /// The log after `after`, up to `upto` (the ring's head when the session
    /// rejoined: later events are in its queue), or, when `None`, up to the
    /// log's head now (the floor then drops live copies of what it sent).
    Log {
        channel: ChannelId,
        after: u64,
        upto: Option<u64>,
    },
    /// Neither the ring nor a position: named in `unrecovered`.
    Lost(ChannelId),
}

/// What a resume replays: `gaps`, then `tenant` events; `replayed` counts
/// frames already sent ahead of it (from the session's own buffer).
#[derive(Debug, Default)]
pub struct Plan {
    pub gaps: Vec<Gap>,
    pub tenant: Vec<Arc<RingEvent>>,
    pub replayed: u32,
}

impl Plan {
    /// The log after each of the client's cursors.
    pub fn from_cursors(cursors: &Cursors) -> Plan {
        let gaps = cursors
            .iter()
            .map(|(&c, &after)| Gap::Log {
                channel: ChannelId::from(c),
                after,
                upto: None,
            })
            .collect();
        Plan {
            gaps,
            ..Plan::default()
        }
    }
}

/// Starts replaying `plan` (readable, subscribed channels only) into the
/// returned channel, then RESUMED; sets the session's floor before RESUMED
/// so queued live copies are not doubled. The writer must drain the
/// channel before the session's queue.
pub fn start(
    state: &AppState,
    enc: Encoding,
    session: &Arc<Session>,
    plan: Plan,
) -> mpsc::Receiver<Outbound> {
    let (tx, rx) = mpsc::channel(REPLAY_QUEUE);
    let (state2, session) = (state.clone(), Arc::clone(session));
    state.tasks.spawn(async move {
        if produce(&state2, enc, &session, plan, &tx).await.is_none() {
            tracing::debug!(session = %session.id, "resume replay ended early: the writer is gone");
        }
    });
    rx
}

/// Sends one replayed dispatch; `None` when the writer is gone.
async fn send(tx: &mpsc::Sender<Outbound>, prefix: DispatchPrefix) -> Option<()> {
    let item = Outbound::Dispatch {
        prefix,
        channel_id: ChannelId(0),
        channel_seq: 0,
    };
    tx.send(item).await.ok()
}

/// The producer; `None` when the writer went away (socket closed).
async fn produce(
    state: &AppState,
    enc: Encoding,
    session: &Arc<Session>,
    plan: Plan,
    tx: &mpsc::Sender<Outbound>,
) -> Option<()> {
    let actor = session.actor();
    let subscribed = session.state().channels.clone();
    let budget = i64::try_from(state.cfg.resume_replay_bytes).unwrap_or(i64::MAX);
    let mut used: i64 = 0;
    let mut replayed: u32 = plan.replayed;
    let mut unrecovered: Vec<Snowflake> = Vec::new();
    let mut floor = Vec::new();
    for e in &plan.tenant {
        if let Some(prefix) = e.prefix(enc) {
            send(tx, prefix).await?;
            replayed += 1;
        }
    }
    for gap in plan.gaps {
        let (id, after, upto) = match gap {
            Gap::Lost(c) => {
                unrecovered.push(c.snowflake());
                continue;
            }
            Gap::Ring(c, events) => {
                let Some(info) = state
                    .registry
                    .channel(actor.tenant_id, c)
                    .filter(|i| i.can_read(&actor) && subscribed.contains(&c))
                else {
                    continue;
                };
                for e in events {
                    // Shared bytes unless this viewer gets its own variant.
                    let prefix = if crate::delivery::is_shared(&e.event) {
                        e.prefix(enc)
                    } else {
                        let mine = crate::delivery::personalise(&actor, &info, e.event.clone());
                        DispatchPrefix::encode(enc, &mine).ok()
                    };
                    if let Some(prefix) = prefix {
                        send(tx, prefix).await?;
                        replayed += 1;
                    }
                }
                continue;
            }
            Gap::Log {
                channel,
                after,
                upto,
            } => (channel, after, upto),
        };
        let channel = id.snowflake();
        let Some(info) = state
            .registry
            .channel(actor.tenant_id, id)
            .filter(|c| c.can_read(&actor))
        else {
            continue;
        };
        if !subscribed.contains(&id) {
            continue;
        }
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let span = match state.store.fetch_log_span(actor.tenant_id, id, after).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(channel = %id, error = %e, "resume: log not readable; unrecovered");
                unrecovered.push(channel);
                continue;
            }
        };
        if span.events >= RESUME_LOG_LIMIT || used.saturating_add(span.bytes) > budget {
            unrecovered.push(channel);
            continue;
        }
        used += span.bytes;
        // Up to the ring's head at rejoin, or the log head read above: later
        // events were committed after the session subscribed, so they are in
        // its queue.
        let head = upto
            .and_then(|u| i64::try_from(u).ok())
            .map_or(span.head, |u| u.min(span.head));
        let mut cursor = after;
        while cursor < head {
            let page = state
                .store
                .fetch_events_page(actor.tenant_id, id, cursor, head, PAGE_EVENTS, PAGE_BYTES)
                .await;
            let rows = match page {
                Ok(rows) if !rows.is_empty() => rows,
                Ok(_) => break,
                Err(e) => {
                    // Part of the gap went out: the client backfills the rest
                    // from its own cursor.
                    tracing::warn!(channel = %id, error = %e, "resume: log page failed; unrecovered");
                    unrecovered.push(channel);
                    break;
                }
            };
            for row in rows {
                cursor = row.seq;
                let event = Event::from_parts(&row.t, row.d)
                    .map(|e| crate::delivery::personalise(&actor, &info, e));
                match event
                    .ok()
                    .and_then(|e| DispatchPrefix::encode(enc, &e).ok())
                {
                    Some(prefix) => {
                        send(tx, prefix).await?;
                        replayed += 1;
                    }
                    None => {
                        tracing::error!(channel = %id, seq = row.seq, "unreadable log event skipped")
                    }
                }
            }
        }
        floor.push((id, cursor as u64));
    }
    // A cluster's bus follows these channels from where the replay ended.
    state.bus.seed(actor.tenant_id, &floor);
    session.state().floor = floor;
    let resumed = Event::Resumed(Resumed {
        replayed,
        unrecovered,
    });
    match DispatchPrefix::encode(enc, &resumed) {
        Ok(prefix) => send(tx, prefix).await,
        Err(e) => {
            tracing::error!(error = %e, "RESUMED encode failed");
            session
                .outbox
                .close(arena_protocol::CloseCode::UnknownError);
            None
        }
    }
}
