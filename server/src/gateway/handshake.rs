//! IDENTIFY and RESUME (PROTOCOL.md §2, §6): verify the token, then open a
//! session and prepare READY, or continue a session from this node's replay
//! buffer or, failing that, from the channel log by the client's cursors.

use super::replay::Plan;
use super::sessions::{self, Attached};
use crate::budget::ReplyBudget;
use crate::hub::Outbound;
use crate::ids::ChannelId;
use crate::registry::ChannelInfo;
use crate::session::Session;
use crate::state::AppState;
use crate::store::StoreError;
use arena_protocol::event::{Ready, Resumed};
use arena_protocol::frame::{Identify, Resume};
use arena_protocol::model::{ReadState, RequestedStatus};
use arena_protocol::{CloseCode, DispatchPrefix, Encoding, Event, Snowflake};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Longest session id a RESUME may carry, bytes (ours are 32 hex digits).
const MAX_SESSION_ID: usize = 64;

/// Highest `seq` a RESUME may carry when this node does not hold the
/// session: 2^53 − 1, the largest integer a JavaScript client holds exactly
/// (no session numbers that many dispatches). A higher one is close 4007,
/// as is one past the held session's last `s` (issue 12 item 12: the
/// client's number never becomes the session's counter unchecked).
pub const MAX_RESUME_SEQ: u64 = (1 << 53) - 1;

fn store_close(e: StoreError) -> CloseCode {
    match e {
        StoreError::NotFound => CloseCode::AuthenticationFailed,
        other => {
            tracing::warn!(error = %other, "handshake store error");
            CloseCode::UnknownError
        }
    }
}

/// The actor of a RESUME token: 4004 when refused, 4000 when it cannot be
/// checked now.
async fn verify(
    state: &AppState,
    token: &str,
) -> Result<(crate::registry::Actor, Option<crate::auth::Grant>), CloseCode> {
    crate::auth::authenticate_grant(&state.tokens, &state.store, token)
        .await
        .map_err(auth_close)
}

fn auth_close(e: crate::auth::AuthError) -> CloseCode {
    match e {
        crate::auth::AuthError::Invalid(_) => CloseCode::AuthenticationFailed,
        crate::auth::AuthError::Unavailable(_) => CloseCode::UnknownError,
    }
}

fn dispatch(enc: Encoding, e: &Event) -> Result<DispatchPrefix, CloseCode> {
    DispatchPrefix::encode(enc, e).map_err(|_| CloseCode::UnknownError)
}

/// IDENTIFY: verifies the token (4004), opens a session subscribed to the
/// requested readable channels, and prepares READY. Postgres is read through
/// the batching [`super::loader`]: the member's row, then, once subscribed,
/// READY's heads and read states, each in one statement shared with the
/// IDENTIFYs arriving at the same time; the channel list comes from the
/// registry and presences from memory. Nothing here is serialised per
/// member: any number of one member's IDENTIFYs run side by side.
pub async fn identify(state: &AppState, enc: Encoding, d: Identify) -> Result<Attached, CloseCode> {
    // The member row is read below anyway: role and tier come from it.
    let (mut actor, grant) = crate::auth::principal(&state.tokens, &state.store, &d.token)
        .await
        .map_err(auth_close)?;
    // Bounded concurrency: a reconnect storm queues here instead of timing
    // out on the Postgres pool (the identify deadline already passed).
    let _permit = state
        .identify_permits
        .acquire()
        .await
        .map_err(|_| CloseCode::UnknownError)?;
    // A tenant loaded on first use reads on its own connection.
    state
        .registry
        .ensure_tenant(&state.store, actor.tenant_id)
        .await
        .map_err(store_close)?;
    let crate::store::MemberRead { user, welcomed } = state
        .loader
        .member(actor.tenant_id, actor.user_id)
        .await
        .map_err(store_close)?
        .ok_or(CloseCode::AuthenticationFailed)?;
    if let Some(g) = grant {
        crate::auth::admit(&mut actor, g, &user).map_err(auth_close)?;
    }
    state
        .chat
        .limiter
        .note_muted(actor.tenant_id, actor.user_id, user.muted_until);
    let registry = state.registry.tenant(actor.tenant_id);
    let tenant = registry
        .tenant
        .clone()
        .ok_or(CloseCode::AuthenticationFailed)?;
    // READY lists the session's channels: every readable one, or the subset
    // asked for in IDENTIFY `channels` (bots and load clients keep READY small).
    let wanted: Option<HashSet<ChannelId>> = d
        .channels
        .map(|v| v.into_iter().map(ChannelId::from).collect());
    let listed: Vec<&ChannelInfo> = registry
        .channels
        .iter()
        .filter(|c| c.can_read(&actor))
        .filter(|c| wanted.as_ref().is_none_or(|w| w.contains(&c.id)))
        .collect();
    let subscribed: Vec<ChannelId> = listed.iter().map(|c| c.id).collect();

    // Subscribed before the heads are read: nothing committed in between is
    // missed, and the floor drops what READY's heads already cover.
    let session = sessions::open(
        state,
        enc,
        actor.clone(),
        user.to_user(),
        crate::auth::random_token()[..32].to_owned(),
        &subscribed,
    );
    session.state().subset = wanted.is_some();
    session.state().grant = grant;
    sessions::evict_oldest(state, &session);
    let heads = match state
        .loader
        .heads(actor.tenant_id, actor.user_id, subscribed)
        .await
    {
        Ok(h) => h,
        Err(e) => {
            sessions::terminate(state, &session);
            return Err(store_close(e));
        }
    };
    let by_id: HashMap<ChannelId, &crate::store::ReadyHead> =
        heads.iter().map(|h| (h.id, h)).collect();
    let channels = listed
        .iter()
        .map(|c| {
            let h = by_id.get(&c.id);
            c.to_wire(
                &actor,
                h.map_or(0, |h| h.last_seq as u64),
                h.and_then(|h| h.last_message_id),
            )
        })
        .collect();
    let requested = d.presence.map_or(RequestedStatus::Online, |p| p.status);
    let floor: Vec<(ChannelId, u64)> = heads.iter().map(|h| (h.id, h.last_seq as u64)).collect();
    state.bus.seed(actor.tenant_id, &floor);
    {
        let mut st = session.state();
        st.floor = floor;
        st.status = Some(requested);
    }
    state.presence.connect(&actor, requested);
    let mut ready = Ready {
        session_id: session.id.clone(),
        user: session.user.clone(),
        tenant,
        categories: registry.categories.clone(),
        channels,
        presences: Vec::new(),
        presences_partial: false,
        read_states: heads
            .iter()
            .map(|h| ReadState {
                channel_id: h.id.snowflake(),
                last_read_id: h.last_read_id.map(|l| l.snowflake()),
                unread: h.unread as u32,
                mention_count: h.mentions as u32,
            })
            .collect(),
        muted_until: None,
        muted_reason: None,
        node_id: state.node_name.clone(),
    };
    // The member's own running timeout, so the client shows why and until when.
    if let Some(until) = user
        .muted_until
        .filter(|t| *t > time::OffsetDateTime::now_utc())
    {
        ready.muted_until = Some(crate::store::rfc3339(until));
        ready.muted_reason = user.muted_reason.clone();
    }
    fit_presences(state, enc, actor.tenant_id, &mut ready).await;
    // READY is never replayed (a client that missed it identifies again), so it
    // is not kept in the replay buffer: it is the largest frame a session gets.
    let ready = dispatch(enc, &Event::Ready(Box::new(ready)))?;
    if ready.len() > state.cfg.max_server_frame_bytes {
        // Channels and read states alone pass the hard cap: a registry too big.
        tracing::error!(bytes = ready.len(), "READY over max_server_frame_bytes");
        sessions::terminate(state, &session);
        return Err(CloseCode::UnknownError);
    }
    // A partner's first connection ever is welcomed in #welcome (not
    // awaited); members already welcomed cost the activation actor nothing.
    if !welcomed {
        crate::domains::activation::on_identified(&state.domains, &actor);
    }
    Ok(sessions::attach(session, vec![Outbound::Unkept(ready)]))
}

/// READY's presences: at most `ready_presence_limit`, and no more than keep
/// READY within `reply_budget_bytes` (issue 12 item 1); `presences_partial`
/// when some were left out (the client pages `presence.list`, as Discord's
/// `large` guilds request members).
async fn fit_presences(
    state: &AppState,
    enc: Encoding,
    tenant: crate::ids::TenantId,
    ready: &mut Ready,
) {
    let limit = state.cfg.ready_presence_limit;
    // The whole cluster's presences (with Redis), by user id.
    let mut presences = state
        .presence
        .cluster_list(tenant, limit.saturating_add(1))
        .await;
    let mut partial = presences.len() > limit;
    presences.truncate(limit);
    let mut budget = ReplyBudget::new(enc, state.cfg.reply_budget_bytes);
    budget.reserve(&*ready);
    partial |= budget.fit(&mut presences);
    ready.presences = presences;
    ready.presences_partial = partial;
}

/// RESUME: from this node's replay buffer when it covers the gap, else from
/// the channel log by the client's cursors (any node, after a restart too).
/// `Ok(None)` means neither can serve: INVALID_SESSION.
pub async fn resume(
    state: &AppState,
    enc: Encoding,
    mut d: Resume,
) -> Result<Option<Attached>, CloseCode> {
    let panels = d.panels.take().unwrap_or_default();
    let attached = resume_session(state, enc, d).await?;
    if let Some(a) = &attached {
        if !panels.is_empty() {
            let session = Arc::clone(&a.session);
            let state2 = state.clone();
            state
                .tasks
                .spawn(async move { resend_panels(&state2, &session, panels).await });
        }
    }
    Ok(attached)
}

/// Sends PANEL_UPDATE for each panel the client holds (`channel id →
/// version`, from RESUME `panels`) whose version moved while it was away;
/// at most [`arena_protocol::frame::MAX_RESUME_PANELS`], only channels of
/// the session's view. Queued after the replay and RESUMED.
async fn resend_panels(
    state: &AppState,
    session: &Arc<Session>,
    panels: std::collections::HashMap<arena_protocol::Snowflake, u64>,
) {
    let actor = session.actor();
    let reg = state.registry.tenant(actor.tenant_id);
    let subscribed = session.state().channels.clone();
    for (id, version) in panels
        .into_iter()
        .take(arena_protocol::frame::MAX_RESUME_PANELS)
    {
        let cid = ChannelId::from(id);
        let Some(channel) = reg.get(cid).filter(|_| subscribed.contains(&cid)) else {
            continue;
        };
        if channel.panel.is_none() {
            continue;
        }
        if let Ok(panel) = state.domains.panel(&actor, channel).await {
            if panel.version > version {
                let e = Event::PanelUpdate(arena_protocol::event::PanelUpdate {
                    channel_id: id,
                    panel,
                });
                state.hub.send_to(&session.outbox, cid, &e);
            }
        }
    }
}

/// RESUME proper: which session, and from where its gap is filled.
async fn resume_session(
    state: &AppState,
    enc: Encoding,
    d: Resume,
) -> Result<Option<Attached>, CloseCode> {
    let (actor, grant) = verify(state, &d.token).await?;
    let attached = resume_verified(state, enc, actor, d).await?;
    if let Some(a) = &attached {
        a.session.state().grant = grant;
    }
    Ok(attached)
}

/// RESUME with a verified token.
async fn resume_verified(
    state: &AppState,
    enc: Encoding,
    actor: crate::registry::Actor,
    d: Resume,
) -> Result<Option<Attached>, CloseCode> {
    let found = state.sessions.get(&d.session_id);
    if found
        .as_ref()
        .is_some_and(|s| !s.actor().same_principal(&actor))
    {
        // Another member's session id: refuse, and leave that session alone.
        return Ok(None);
    }
    match found {
        Some(s) if s.outbox.encoding == enc && !s.outbox.kill.is_closed() => {
            resume_here(state, enc, s, d).await
        }
        other => {
            if let Some(stale) = other {
                // The same member's session in another encoding, or killed: it ends
                // here, so a new one may take its id without leaving it subscribed.
                sessions::terminate(state, &stale);
            }
            resume_elsewhere(state, enc, actor, d).await
        }
    }
}

/// RESUME of a session this node holds: the replay buffer, else the log.
async fn resume_here(
    state: &AppState,
    enc: Encoding,
    session: Arc<Session>,
    d: Resume,
) -> Result<Option<Attached>, CloseCode> {
    if d.seq > session.state().seq {
        return Err(CloseCode::InvalidSeq);
    }
    // Take the session off its old socket and wait for that writer to let go.
    let old = session.state().socket.take();
    if let Some(old) = old {
        old.close_silently();
    }
    {
        // Events that arrived before the session left the fan-out sit in the
        // queue unnumbered: number them into the replay so they come first.
        let mut rx = session.rx.lock().await;
        session.absorb_queue(&mut rx);
    }
    // The session's own buffer, else (it no longer covers the gap) the log
    // by the client's cursors, else nothing can fill it: INVALID_SESSION.
    let (first, by_cursors) = match (session.replay_after(d.seq), d.cursors) {
        (Some(first), _) => (first, None),
        (None, Some(cursors)) => (Vec::new(), Some(Plan::from_cursors(&cursors))),
        (None, None) => {
            sessions::terminate(state, &session);
            return Ok(None);
        }
    };
    // Back in the fan-out; what it missed while away comes from the rings.
    let missed = sessions::rejoin(state, &session);
    let status = session.state().status.unwrap_or(RequestedStatus::Online);
    state.presence.connect(&session.actor(), status);
    let tenant = missed.tenant.unwrap_or_default();
    let plan = match by_cursors {
        Some(plan) => Plan { tenant, ..plan },
        None => Plan {
            gaps: missed.gaps,
            tenant,
            replayed: first.len() as u32,
        },
    };
    if plan.gaps.is_empty() && plan.tenant.is_empty() {
        let mut first = first;
        first.push(resumed(enc, plan.replayed, Vec::new())?);
        return Ok(Some(sessions::attach(session, first)));
    }
    let replay = super::replay::start(state, enc, &session, plan);
    Ok(Some(sessions::attach_streaming(
        session,
        first,
        Some(replay),
    )))
}

/// RESUME of a session this node never had (another node's, or this one's
/// before a restart): a new session with the same id and the client's `s`,
/// replayed from the log by the client's cursors.
async fn resume_elsewhere(
    state: &AppState,
    enc: Encoding,
    actor: crate::registry::Actor,
    d: Resume,
) -> Result<Option<Attached>, CloseCode> {
    let Some(cursors) = d.cursors else {
        return Ok(None);
    };
    if d.session_id.is_empty() || d.session_id.len() > MAX_SESSION_ID {
        return Ok(None);
    }
    if d.seq > MAX_RESUME_SEQ {
        return Err(CloseCode::InvalidSeq);
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
    let readable: Vec<ChannelId> = state
        .registry
        .tenant(actor.tenant_id)
        .channels
        .iter()
        .filter(|c| c.can_read(&actor))
        .map(|c| c.id)
        .collect();
    let session = sessions::open(
        state,
        enc,
        actor.clone(),
        user.to_user(),
        d.session_id.clone(),
        &readable,
    );
    session.state().seq = d.seq;
    sessions::evict_oldest(state, &session);
    let replay = super::replay::start(state, enc, &session, Plan::from_cursors(&cursors));
    state.presence.connect(&actor, RequestedStatus::Online);
    Ok(Some(sessions::attach_streaming(
        session,
        Vec::new(),
        Some(replay),
    )))
}

fn resumed(
    enc: Encoding,
    replayed: u32,
    unrecovered: Vec<Snowflake>,
) -> Result<Outbound, CloseCode> {
    let e = Event::Resumed(Resumed {
        replayed,
        unrecovered,
    });
    Ok(Outbound::Dispatch {
        prefix: dispatch(enc, &e)?,
        channel_id: ChannelId(0),
        channel_seq: 0,
    })
}
