//! IDENTIFY and RESUME (PROTOCOL.md §2, §6), and what happens when a socket
//! goes away: detach (resumable for the resume window) or terminate.

use super::session::Session;
use super::writer::{First, SocketClose};
use crate::hub::Outbox;
use crate::registry::{Actor, ChannelInfo};
use crate::state::AppState;
use crate::store::StoreError;
use arena_protocol::event::{Ready, Resumed};
use arena_protocol::frame::{Identify, Resume};
use arena_protocol::model::{ReadState, RequestedStatus};
use arena_protocol::{CloseCode, DispatchPrefix, Encoding, Event, Snowflake};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

/// A session ready to run: what its writer sends first.
pub struct Handshake {
    pub session: Arc<Session>,
    pub first: Vec<First>,
    /// This socket's close handle, already attached to the session.
    pub socket: Arc<SocketClose>,
}

impl Handshake {
    fn attach(session: Arc<Session>, first: Vec<First>) -> Handshake {
        let socket = Arc::new(SocketClose::default());
        let mut st = session.state();
        st.socket = Some(Arc::clone(&socket));
        st.detached_at = None;
        drop(st);
        Handshake {
            session,
            first,
            socket,
        }
    }
}

/// Most log events replayed per channel on RESUME; past it the channel is `unrecovered`.
const RESUME_LOG_LIMIT: i64 = 1000;

fn store_close(e: StoreError) -> CloseCode {
    match e {
        StoreError::NotFound => CloseCode::AuthenticationFailed,
        other => {
            tracing::warn!(error = %other, "handshake store error");
            CloseCode::UnknownError
        }
    }
}

fn new_session(
    state: &AppState,
    enc: Encoding,
    actor: Actor,
    user: arena_protocol::model::User,
    id: String,
) -> Arc<Session> {
    let key = state.ids.next_id().0;
    let (outbox, rx) = Outbox::new(
        key,
        actor,
        enc,
        state.cfg.outbound_queue_frames,
        state.cfg.outbound_queue_bytes,
    );
    let session = Arc::new(Session::new(
        id,
        Arc::new(outbox),
        rx,
        user,
        state.cfg.replay_frames,
    ));
    state.sessions.insert(Arc::clone(&session));
    session
}

fn subscribe(state: &AppState, session: &Arc<Session>, channels: &[i64]) {
    for &c in channels {
        state.hub.subscribe(c, &session.outbox);
    }
    state.hub.join_tenant(&session.outbox);
    session.state().channels = channels.to_vec();
}

/// IDENTIFY: verifies the token (4004), opens a session subscribed to the
/// requested readable channels, and prepares READY.
pub async fn identify(
    state: &AppState,
    enc: Encoding,
    d: Identify,
) -> Result<Handshake, CloseCode> {
    let actor = state
        .tokens
        .verify(&d.token)
        .map_err(|_| CloseCode::AuthenticationFailed)?;
    // Bounded concurrency: a reconnect storm queues here instead of timing
    // out on the Postgres pool (the identify deadline already passed).
    let _permit = state
        .identify_permits
        .acquire()
        .await
        .map_err(|_| CloseCode::UnknownError)?;
    let user = state
        .store
        .fetch_user(actor.tenant_id, actor.user_id)
        .await
        .map_err(store_close)?;
    state
        .chat
        .note_muted(actor.tenant_id, actor.user_id, user.muted_until);
    state
        .registry
        .ensure_tenant(&state.store, actor.tenant_id)
        .await
        .map_err(store_close)?;
    let registry = state.registry.tenant(actor.tenant_id);
    let tenant = registry
        .tenant
        .clone()
        .ok_or(CloseCode::AuthenticationFailed)?;
    // READY lists the session's channels: every readable one, or the subset
    // asked for in IDENTIFY `channels` (bots and load clients keep READY small).
    let wanted: Option<HashSet<u64>> = d.channels.map(|v| v.into_iter().map(|s| s.0).collect());
    let listed: Vec<&ChannelInfo> = registry
        .channels
        .iter()
        .filter(|c| c.can_read(&actor))
        .filter(|c| wanted.as_ref().is_none_or(|w| w.contains(&(c.id as u64))))
        .collect();
    let subscribed: Vec<i64> = listed.iter().map(|c| c.id).collect();

    let session = new_session(
        state,
        enc,
        actor.clone(),
        user.to_user(),
        crate::auth::random_token()[..32].to_owned(),
    );
    // Subscribed before the heads are read: nothing committed in between is
    // missed, and the floor drops what READY's heads already cover.
    subscribe(state, &session, &subscribed);
    let heads = match state
        .store
        .fetch_ready_heads(actor.tenant_id, actor.user_id, &subscribed)
        .await
    {
        Ok(h) => h,
        Err(e) => {
            terminate(state, &session);
            return Err(store_close(e));
        }
    };
    let head = |id: i64| heads.iter().find(|h| h.0 == id);
    let channels = listed
        .iter()
        .map(|c| {
            let h = head(c.id);
            c.to_wire(&actor, h.map_or(0, |h| h.1 as u64), h.and_then(|h| h.2))
        })
        .collect();
    session.state().floor = heads.iter().map(|h| (h.0, h.1 as u64)).collect();
    let requested = d.presence.map_or(RequestedStatus::Online, |p| p.status);
    session.state().status = Some(requested);
    state.presence.connect(&actor, requested);
    let ready = Ready {
        session_id: session.id.clone(),
        user: session.user.clone(),
        tenant,
        categories: registry.categories.clone(),
        channels,
        presences: state
            .presence
            .list(actor.tenant_id, state.cfg.ready_presence_limit),
        read_states: heads
            .iter()
            .map(|h| ReadState {
                channel_id: Snowflake(h.0 as u64),
                last_read_id: h.3.map(|l| Snowflake(l as u64)),
                unread: h.4 as u32,
            })
            .collect(),
        node_id: state.node_name.clone(),
    };
    let prefix = DispatchPrefix::encode(enc, &Event::Ready(Box::new(ready)))
        .map_err(|_| CloseCode::UnknownError)?;
    // READY is never replayed (a client that missed it identifies again), so it
    // is not kept in the replay buffer: it is the largest frame a session gets.
    Ok(Handshake::attach(session, vec![First::Unkept(prefix)]))
}

/// RESUME: from this node's replay buffer when it covers the gap, else from
/// the channel log by the client's cursors (any node, after a restart too).
/// `Ok(None)` means neither can serve: INVALID_SESSION.
pub async fn resume(
    state: &AppState,
    enc: Encoding,
    d: Resume,
) -> Result<Option<Handshake>, CloseCode> {
    let actor = state
        .tokens
        .verify(&d.token)
        .map_err(|_| CloseCode::AuthenticationFailed)?;
    let found = state.sessions.get(&d.session_id);
    if found.as_ref().is_some_and(|s| s.actor() != &actor) {
        // Another member's session id: refuse, and leave that session alone.
        return Ok(None);
    }
    let (existing, stale): (Option<Arc<Session>>, Option<Arc<Session>>) = match found {
        Some(s) if s.outbox.encoding == enc && !s.outbox.kill.is_cancelled() => (Some(s), None),
        other => (None, other),
    };
    if let Some(stale) = stale {
        // The same member's session in another encoding, or killed: it ends here,
        // so a new one may take its id without leaving it subscribed.
        terminate(state, &stale);
    }
    if let Some(session) = existing {
        if d.seq > session.state().seq {
            return Err(CloseCode::InvalidSeq);
        }
        // Take the session off its old socket and wait for that writer to let go.
        let old = session.state().socket.take();
        if let Some(old) = old {
            old.drop_silently();
        }
        {
            // Events that arrived while no socket was attached sit in the queue
            // unsequenced: number them into the replay so they come before RESUMED.
            let mut rx = session.rx.lock().await;
            session.absorb_queue(&mut rx);
        }
        if let Some(frames) = session.replay_after(d.seq) {
            let n = frames.len() as u32;
            let mut first: Vec<First> = frames
                .into_iter()
                .map(|(s, p)| First::Replayed(s, p))
                .collect();
            first.push(resumed(enc, n, Vec::new())?);
            state.presence.connect(
                session.actor(),
                session.state().status.unwrap_or(RequestedStatus::Online),
            );
            return Ok(Some(Handshake::attach(session, first)));
        }
        // The buffer no longer covers the gap: fall back to the log.
        let Some(cursors) = d.cursors else {
            terminate(state, &session);
            return Ok(None);
        };
        let first = replay_log(state, enc, &session, &cursors).await?;
        state.presence.connect(
            session.actor(),
            session.state().status.unwrap_or(RequestedStatus::Online),
        );
        return Ok(Some(Handshake::attach(session, first)));
    }
    let Some(cursors) = d.cursors else {
        return Ok(None);
    };
    if d.session_id.is_empty() || d.session_id.len() > 64 {
        return Ok(None);
    }
    let user = state
        .store
        .fetch_user(actor.tenant_id, actor.user_id)
        .await
        .map_err(store_close)?;
    state
        .registry
        .ensure_tenant(&state.store, actor.tenant_id)
        .await
        .map_err(store_close)?;
    // Same id, continuing `s` from the client's: a resume on a node that never had it.
    let session = new_session(
        state,
        enc,
        actor.clone(),
        user.to_user(),
        d.session_id.clone(),
    );
    session.state().seq = d.seq;
    let readable: Vec<i64> = state
        .registry
        .tenant(actor.tenant_id)
        .channels
        .iter()
        .filter(|c| c.can_read(&actor))
        .map(|c| c.id)
        .collect();
    subscribe(state, &session, &readable);
    let first = match replay_log(state, enc, &session, &cursors).await {
        Ok(f) => f,
        Err(code) => {
            terminate(state, &session);
            return Err(code);
        }
    };
    state.presence.connect(&actor, RequestedStatus::Online);
    Ok(Some(Handshake::attach(session, first)))
}

fn resumed(enc: Encoding, replayed: u32, unrecovered: Vec<Snowflake>) -> Result<First, CloseCode> {
    let e = Event::Resumed(Resumed {
        replayed,
        unrecovered,
    });
    DispatchPrefix::encode(enc, &e)
        .map(First::Dispatch)
        .map_err(|_| CloseCode::UnknownError)
}

/// Replays each cursor's channel log after the cursor (readable, subscribed
/// channels only) and sets the floor so queued live copies are not doubled.
async fn replay_log(
    state: &AppState,
    enc: Encoding,
    session: &Arc<Session>,
    cursors: &arena_protocol::request::Cursors,
) -> Result<Vec<First>, CloseCode> {
    let actor = session.actor().clone();
    let subscribed = session.state().channels.clone();
    let mut first = Vec::new();
    let mut unrecovered = Vec::new();
    let mut floor = Vec::new();
    for (&channel, &after) in cursors {
        let id = channel.0 as i64;
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
        let rows = match state
            .store
            .fetch_events(actor.tenant_id, id, after, RESUME_LOG_LIMIT)
            .await
        {
            Ok(r) => r,
            Err(StoreError::Unavailable(_)) => {
                unrecovered.push(channel);
                continue;
            }
            Err(e) => return Err(store_close(e)),
        };
        if rows.len() as i64 == RESUME_LOG_LIMIT {
            unrecovered.push(channel);
            continue;
        }
        let mut top = after as u64;
        for (seq, t, d) in rows {
            let d = state.chat.personalise(&actor, &info, &t, d);
            match Event::from_parts(&t, d)
                .ok()
                .and_then(|e| DispatchPrefix::encode(enc, &e).ok())
            {
                Some(p) => first.push(First::Dispatch(p)),
                None => tracing::error!(channel = id, seq, "unreadable log event skipped"),
            }
            top = seq as u64;
        }
        floor.push((id, top));
    }
    let n = first.len() as u32;
    session.state().floor = floor;
    first.push(resumed(enc, n, unrecovered)?);
    Ok(first)
}

/// The socket of `session` ended. The session stays resumable unless it was
/// killed or the client closed normally (1000/1001), in which case it ends now.
pub fn detach(
    state: &AppState,
    session: &Arc<Session>,
    socket: &Arc<SocketClose>,
    client_closed: bool,
) {
    socket.drop_silently();
    state.presence.disconnect(session.actor());
    if client_closed || session.outbox.kill.is_cancelled() {
        terminate(state, session);
        return;
    }
    let mut st = session.state();
    // Only if no RESUME has attached the session to a newer socket meanwhile.
    if st.socket.as_ref().is_none_or(|s| Arc::ptr_eq(s, socket)) {
        st.socket = None;
        st.detached_at = Some(Instant::now());
    }
}

/// Ends a session for good: out of the hub and the session table.
pub fn terminate(state: &AppState, session: &Arc<Session>) {
    session.outbox.kill.cancel();
    let channels = std::mem::take(&mut session.state().channels);
    for c in channels {
        state.hub.unsubscribe(c, session.outbox.key);
    }
    state
        .hub
        .leave_tenant(session.actor().tenant_id, session.outbox.key);
    state.sessions.remove(&session.id);
}
