//! A session's life on this node: [`open`] (registered and subscribed),
//! [`attach`] to a socket, [`detach`] when the socket goes (resumable for
//! the resume window, out of the fan-out), [`rejoin`] on RESUME,
//! [`terminate`] (out of the hub and the table), the
//! [`reap`]er of expired sessions and the [`drain`] at shutdown.

use super::replay::Gap;
use crate::hub::{CloseLatch, Outbound, Outbox, RingEvent};
use crate::ids::ChannelId;
use crate::registry::Actor;
use crate::session::{Away, Session};
use crate::state::AppState;
use arena_protocol::model::User;
use arena_protocol::{CloseCode, Encoding, ServerFrame};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A session attached to a new socket, and what its writer sends first
/// (READY, or a resume's replay and RESUMED).
pub struct Attached {
    pub session: Arc<Session>,
    pub first: Vec<Outbound>,
    /// A resume's replay from the channel log, streamed by its producer
    /// ([`super::replay`]) after `first` and before the queue.
    pub replay: Option<tokio::sync::mpsc::Receiver<Outbound>>,
    /// This socket's close latch, already the session's current socket.
    pub socket: Arc<CloseLatch>,
}

/// Opens a session `id` for `actor` in `enc`, registered in the table and
/// subscribed to `channels` and to its tenant's audience.
pub fn open(
    state: &AppState,
    enc: Encoding,
    actor: Actor,
    user: User,
    id: String,
    channels: &[ChannelId],
) -> Arc<Session> {
    let key = state.ids.next_id().0;
    let (outbox, rx) = Outbox::new(
        key,
        actor,
        enc,
        state.cfg.outbound_queue_frames,
        state.cfg.outbound_queue_bytes,
    );
    let session = Arc::new(Session::new(id, outbox, rx, user, state.cfg.replay_frames));
    state.sessions.insert(Arc::clone(&session));
    for &c in channels {
        state.hub.subscribe(c, &session.outbox);
    }
    state.hub.join_tenant(&session.outbox);
    session.state().channels = channels.to_vec();
    session
}

/// Keeps the member of a just-opened `session` within `sessions_per_user`
/// on this node (issue 12 item 10): their oldest other sessions (by open
/// order: the outbox key is a snowflake) are closed with 4015 (too many
/// sessions) and, being killed, are not resumable. Called after the new
/// session is in the table, so two concurrent IDENTIFYs both see each other
/// and evict the same oldest ones. In a cluster the cap holds over every
/// node ([`evict_in_cluster`], in the background).
pub fn evict_oldest(state: &AppState, session: &Arc<Session>) {
    let actor = session.actor();
    let limit = state.cfg.sessions_per_user.max(1);
    if let Some(cluster) = state.cluster.clone() {
        let (state, key) = (state.clone(), session.outbox.key);
        state.tasks.clone().spawn(async move {
            evict_in_cluster(&state, &cluster, &actor, key, limit).await;
        });
        return;
    }
    // O(1) while under the cap: no per-IDENTIFY walk of the member's sessions.
    if state.sessions.count_of_user(actor.tenant_id, actor.user_id) <= limit {
        return;
    }
    let mut mine: Vec<Arc<Session>> = state
        .sessions
        .of_user(actor.tenant_id, actor.user_id)
        .into_iter()
        .filter(|s| !s.outbox.kill.is_closed())
        .collect();
    if mine.len() <= limit {
        return;
    }
    mine.sort_by_key(|s| s.outbox.key);
    let excess = mine.len() - limit;
    for old in mine
        .iter()
        .filter(|s| !Arc::ptr_eq(s, session))
        .take(excess)
    {
        metrics::counter!("arena_sessions_evicted_total").increment(1);
        old.outbox.close(CloseCode::TooManySessions);
        // A detached one has no socket to end it: gone now.
        if old.state().socket.is_none() {
            terminate(state, old);
        }
    }
}

/// The cluster-wide cap ([`crate::cluster::sessions`]): registers the new
/// session `key` and closes (4015) what the cluster holds past `limit`,
/// this node's directly, other nodes' through a bus control. If Redis
/// fails, this node's own sessions are capped as without a cluster.
async fn evict_in_cluster(
    state: &AppState,
    cluster: &crate::cluster::Cluster,
    actor: &crate::registry::Actor,
    key: u64,
    limit: usize,
) {
    let (tenant_id, user_id) = (actor.tenant_id, actor.user_id);
    let popped = match crate::cluster::sessions::register(cluster, tenant_id, user_id, key, limit)
        .await
    {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "sessions: cannot count the member's sessions in Redis; capping this node's");
            let mine = state.sessions.of_user(tenant_id, user_id);
            let mut live: Vec<_> = mine.iter().filter(|s| !s.outbox.kill.is_closed()).collect();
            live.sort_by_key(|s| s.outbox.key);
            let excess = live.len().saturating_sub(limit);
            live.into_iter()
                .filter(|s| s.outbox.key != key)
                .take(excess)
                .map(|s| (cluster.node_id(), s.outbox.key))
                .collect()
        }
    };
    // Collected only when something is to be closed (not on every IDENTIFY).
    let mine = if popped.is_empty() {
        Vec::new()
    } else {
        state.sessions.of_user(tenant_id, user_id)
    };
    for (node, session_key) in popped {
        metrics::counter!("arena_sessions_evicted_total").increment(1);
        if node != cluster.node_id() {
            state.publisher.control(crate::bus::Control::CloseSession {
                tenant_id,
                user_id,
                session_key,
            });
            continue;
        }
        if let Some(old) = mine.iter().find(|s| s.outbox.key == session_key) {
            old.outbox.close(CloseCode::TooManySessions);
            if old.state().socket.is_none() {
                terminate(state, old);
            }
        }
    }
}

/// Makes a new socket the session's current one; `first` goes out before the queue.
pub fn attach(session: Arc<Session>, first: Vec<Outbound>) -> Attached {
    attach_streaming(session, first, None)
}

/// [`attach`] with a replay streamed after `first` (and before the queue).
pub fn attach_streaming(
    session: Arc<Session>,
    first: Vec<Outbound>,
    replay: Option<tokio::sync::mpsc::Receiver<Outbound>>,
) -> Attached {
    let socket = Arc::new(CloseLatch::default());
    let mut st = session.state();
    st.socket = Some(Arc::clone(&socket));
    st.detached_at = None;
    drop(st);
    Attached {
        session,
        first,
        replay,
        socket,
    }
}

/// The socket of `session` ended. The session stays resumable unless it was
/// killed or the client closed normally (1000/1001), in which case it ends now.
pub fn detach(
    state: &AppState,
    session: &Arc<Session>,
    socket: &Arc<CloseLatch>,
    client_closed: bool,
) {
    socket.close_silently();
    state.presence.disconnect(&session.actor());
    if client_closed || session.outbox.kill.is_closed() {
        terminate(state, session);
        return;
    }
    let mut st = session.state();
    // Only if this is still the session's socket: a RESUME that took the
    // session (to a newer socket, or while it attaches one) owns it now.
    if st.socket.as_ref().is_some_and(|s| Arc::ptr_eq(s, socket)) {
        st.socket = None;
        st.detached_at = Some(Instant::now());
        if st.away.is_none() {
            // Out of the fan-out now: what it misses waits in the hub's rings.
            let key = session.outbox.key;
            let channels = st
                .channels
                .iter()
                .map(|&c| (c, state.hub.detach_channel(c, key)))
                .collect();
            let tenant = state.hub.detach_tenant(session.actor().tenant_id, key);
            st.away = Some(Away { channels, tenant });
        }
    }
}

/// What an away session missed, for its RESUME: per channel where to
/// replay from ([`Gap`]), and the tenant events that went to its member.
#[derive(Debug, Default)]
pub struct Missed {
    pub gaps: Vec<Gap>,
    /// `None`: the tenant ring no longer holds them (logged; tenant events
    /// other than presence are rare: member and role changes).
    pub tenant: Option<Vec<Arc<RingEvent>>>,
}

/// Brings an away session back into the hub (RESUME): subscribed again to
/// its channels and tenant, atomically with the fan-out, and returns what it
/// missed meanwhile. A session that was never away missed nothing.
pub fn rejoin(state: &AppState, session: &Arc<Session>) -> Missed {
    let mut st = session.state();
    let Some(away) = st.away.take() else {
        return Missed {
            gaps: Vec::new(),
            tenant: Some(Vec::new()),
        };
    };
    let gaps = away
        .channels
        .into_iter()
        .filter_map(|(c, pos)| {
            let r = state.hub.rejoin_channel(c, &session.outbox, pos);
            match (r.missed, pos) {
                (Some(events), _) if events.is_empty() => None,
                (Some(events), _) => Some(Gap::Ring(c, events)),
                (None, Some(after)) => Some(Gap::Log {
                    channel: c,
                    after,
                    upto: r.head,
                }),
                (None, None) => Some(Gap::Lost(c)),
            }
        })
        .collect();
    let tenant = state.hub.rejoin_tenant(&session.outbox, away.tenant).missed;
    if tenant.is_none() {
        metrics::counter!("arena_resume_tenant_events_lost_total").increment(1);
        tracing::debug!(session = %session.id, "resume: the tenant ring no longer holds what this session missed");
    }
    Missed { gaps, tenant }
}

/// Ends a session for good: killed, out of the hub and the session table.
pub fn terminate(state: &AppState, session: &Arc<Session>) {
    session.outbox.kill.close_silently();
    let (channels, away) = {
        let mut st = session.state();
        (std::mem::take(&mut st.channels), st.away.take())
    };
    let tenant_id = session.actor().tenant_id;
    match away {
        Some(away) => {
            for (c, _) in away.channels {
                state.hub.forget_away_channel(c);
            }
            state.hub.forget_away_tenant(tenant_id);
        }
        None => {
            for c in channels {
                state.hub.unsubscribe(c, session.outbox.key);
            }
            state.hub.leave_tenant(tenant_id, session.outbox.key);
        }
    }
    state.sessions.remove(&session.id);
    if let Some(cluster) = state.cluster.clone() {
        let (actor, key) = (session.actor(), session.outbox.key);
        state.tasks.spawn(async move {
            if let Err(e) =
                crate::cluster::sessions::unregister(&cluster, actor.tenant_id, actor.user_id, key)
                    .await
            {
                tracing::debug!(error = %e, "sessions: an ended session stays counted until pruned");
            }
        });
    }
}

/// How often the reaper looks for expired sessions.
const REAP_EVERY: Duration = Duration::from_secs(2);

/// Ends sessions whose resume window (`ARENA_RESUME_WINDOW_S`) has passed,
/// every [`REAP_EVERY`], until shutdown.
pub async fn reap(state: AppState) {
    let window = Duration::from_secs(state.cfg.resume_window_s);
    let mut tick = tokio::time::interval(REAP_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = state.shutdown.cancelled() => return,
        }
        for s in state.sessions.expired(window, Instant::now()) {
            terminate(&state, &s);
        }
    }
}

/// Shutdown: sends RECONNECT (op 7) to every session and closes it, so
/// clients reconnect elsewhere (or here once restarted) and resume.
pub fn drain(state: &AppState) {
    for s in state.sessions.all() {
        if let Ok(b) = ServerFrame::Reconnect.encode(s.outbox.encoding) {
            s.outbox.push(Outbound::Frame(b.into()));
        }
        s.outbox.close(CloseCode::UnknownError);
    }
}
