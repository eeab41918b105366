//! The token watch (issue 12, item 4): a session lives only as long as the
//! access token it was opened (or last re-authenticated) with. Every
//! `token_check_ms` (default 5 s) this node closes with 4004 each of its
//! sessions whose token expired (`exp`, RFC 7519 §4.1.4, no leeway) or whose
//! member's token epoch moved on, unless `session.reauth` gave it a fresh
//! token before. Revocations made on this node (logout, kick) close its
//! sessions at once; another node closes its sessions of that member within
//! `token_check_ms`.
//!
//! Epochs are read from Postgres two ways: between full reads, only the
//! members whose epoch changed since the previous read (`users.epoch_changed_at`,
//! migration 0030; an index range, whatever the number of sessions), and every
//! [`FULL_EVERY`] passes (and the first) every attached member's epoch, one
//! query per 1,000 members, which also catches a member who no longer exists.

use super::{authenticate_grant, AuthError, Grant};
use crate::ids::{TenantId, UserId};
use crate::session::{Session, SessionTable};
use crate::state::AppState;
use crate::store::{Store, StoreError};
use arena_protocol::{CloseCode, ErrorBody, ErrorCode};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A member: tenant and user.
type Member = (TenantId, UserId);

/// Members whose epochs one query reads at most.
const EPOCH_BATCH: usize = 1000;

/// Passes from one full read of every attached member's epoch to the next:
/// one minute at the default `token_check_ms` of 5 s. The passes between
/// read only the changed epochs (issue 14: a full read costs ~5 ms of
/// Postgres per 1,000 attached members; the changes, an index range).
const FULL_EVERY: u64 = 12;

/// How far before the previous read's start a read of changes reaches, so a
/// change stamped before that read began and committed after it is still
/// seen. Re-reading a change is harmless: only sessions whose epoch differs
/// from the member's current one are closed.
const LOOKBACK: time::Duration = time::Duration::seconds(60);

/// Runs the watch until shutdown (spawned on `AppState::tasks`).
pub async fn run(state: AppState) {
    let every = Duration::from_millis(state.cfg.token_check_ms.max(10));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The database's time at the start of the last successful read.
    let mut read_at: Option<time::OffsetDateTime> = None;
    let mut pass: u64 = 0;
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let expired = close_expired(&state.sessions, super::jwt::now_s());
        let full = pass.is_multiple_of(FULL_EVERY);
        pass += 1;
        let revoked = match revocations(&state.store, &state.sessions, &mut read_at, full).await {
            Ok(n) => n,
            Err(e) => {
                // Expiry still holds; revocations wait for Postgres.
                tracing::warn!(error = %e, "token epochs unavailable");
                0
            }
        };
        if expired + revoked > 0 {
            metrics::counter!("arena_sessions_token_closed_total").increment(expired + revoked);
        }
    }
}

/// The grant an attached session runs on; `None` for a bot token (which
/// lives until revoked) and for a session without a socket: it sends
/// nothing while away, and RESUME verifies the token it brings, so checking
/// it would only cost (10,000 dropped sessions were 10 epoch queries per
/// pass during the resume window: issue 14's dropped-sessions scenario).
fn grant_of(s: &Session) -> Option<Grant> {
    let st = s.state();
    st.grant.filter(|_| st.detached_at.is_none())
}

/// Closes with 4004 every session whose token's `exp` is at or before `now`
/// (Unix seconds); returns how many.
pub fn close_expired(sessions: &SessionTable, now: u64) -> u64 {
    let mut n = 0;
    for s in sessions.all() {
        if grant_of(&s).is_some_and(|g| g.exp <= now) && !s.outbox.kill.is_closed() {
            s.outbox.close(CloseCode::AuthenticationFailed);
            n += 1;
        }
    }
    n
}

/// One pass over revocations: a full read when `full` or when there was
/// no successful read yet, else the changes since `read_at` minus
/// [`LOOKBACK`]. On success `read_at` moves to this read's start, taken
/// before the epochs are read, so nothing committed during a full read is
/// missed by the next pass. Returns the sessions closed.
async fn revocations(
    store: &Store,
    sessions: &SessionTable,
    read_at: &mut Option<time::OffsetDateTime>,
    full: bool,
) -> Result<u64, StoreError> {
    match *read_at {
        Some(at) if !full => {
            let (now, changed) = store.fetch_token_epoch_changes(at - LOOKBACK).await?;
            *read_at = Some(now);
            Ok(close_changed(sessions, &changed))
        }
        _ => {
            let now = store.database_now().await?;
            let n = close_revoked(store, sessions).await?;
            *read_at = Some(now);
            Ok(n)
        }
    }
}

/// Closes with 4004 the attached sessions of each `(tenant, user, epoch)`
/// whose token carries another epoch; returns how many.
fn close_changed(sessions: &SessionTable, changed: &[(TenantId, UserId, i64)]) -> u64 {
    let mut n = 0;
    for &(tenant_id, user_id, epoch) in changed {
        for s in sessions.of_user(tenant_id, user_id) {
            if s.outbox.kill.is_closed() {
                continue;
            }
            if grant_of(&s).is_some_and(|g| g.epoch != epoch) {
                s.outbox.close(CloseCode::AuthenticationFailed);
                n += 1;
            }
        }
    }
    n
}

/// Closes with 4004 every session whose token epoch is no longer its
/// member's (or whose member is gone); returns how many.
pub async fn close_revoked(store: &Store, sessions: &SessionTable) -> Result<u64, StoreError> {
    let mut by_member: HashMap<Member, Vec<(Arc<Session>, i64)>> = HashMap::new();
    for s in sessions.all() {
        if s.outbox.kill.is_closed() {
            continue;
        }
        if let Some(g) = grant_of(&s) {
            let a = s.actor();
            by_member
                .entry((a.tenant_id, a.user_id))
                .or_default()
                .push((s, g.epoch));
        }
    }
    let members: Vec<Member> = by_member.keys().copied().collect();
    let mut n = 0;
    for chunk in members.chunks(EPOCH_BATCH) {
        let current: HashMap<Member, i64> = store
            .fetch_token_epochs(chunk)
            .await?
            .into_iter()
            .map(|(t, u, e)| ((t, u), e))
            .collect();
        for m in chunk {
            let now = current.get(m).copied();
            for (s, epoch) in by_member.get(m).map(Vec::as_slice).unwrap_or_default() {
                if now != Some(*epoch) {
                    s.outbox.close(CloseCode::AuthenticationFailed);
                    n += 1;
                }
            }
        }
    }
    Ok(n)
}

/// Closes every session of the member on this node with `code`; returns how many.
pub fn close_member(
    sessions: &SessionTable,
    tenant_id: TenantId,
    user_id: UserId,
    code: CloseCode,
) -> usize {
    let of = sessions.of_user(tenant_id, user_id);
    for s in &of {
        s.outbox.close(code);
    }
    of.len()
}

/// Closes every session of the member with `code` on this node at once and,
/// through a bus [`Control`](crate::bus::Control), on every other node.
pub fn close_everywhere(
    sessions: &SessionTable,
    publisher: &crate::publish::Publisher,
    tenant_id: TenantId,
    user_id: UserId,
    code: CloseCode,
) {
    close_member(sessions, tenant_id, user_id, code);
    publisher.control(crate::bus::Control::CloseSessions {
        tenant_id,
        user_id,
        code,
    });
}

/// Ends every token of the member (kick): bumps their token epoch, deletes
/// their refresh tokens, and closes their sessions on every node with `code`.
pub async fn end_tokens(
    store: &Store,
    sessions: &SessionTable,
    publisher: &crate::publish::Publisher,
    tenant_id: TenantId,
    user_id: UserId,
    code: CloseCode,
) -> Result<(), StoreError> {
    store.end_member_tokens(tenant_id, user_id).await?;
    close_everywhere(sessions, publisher, tenant_id, user_id, code);
    Ok(())
}

/// `session.reauth {token}`: swaps a fresh access token of the same member
/// into the session, so it outlives the token it was opened with. The token
/// is checked as at IDENTIFY (signature, `exp`, epoch); a bot token or
/// another member's token is `bad_request`/`forbidden`, a bad one
/// `unauthorized` (the session keeps its old grant). Returns the new `exp`.
pub async fn reauth(state: &AppState, session: &Session, token: &str) -> Result<u64, ErrorBody> {
    let (actor, grant) = authenticate_grant(&state.tokens, &state.store, token)
        .await
        .map_err(|e| match e {
            AuthError::Invalid(_) => ErrorBody::new(ErrorCode::Unauthorized, "invalid token"),
            AuthError::Unavailable(_) => {
                ErrorBody::retry(ErrorCode::Unavailable, "the database is unavailable", 1000)
            }
        })?;
    let Some(grant) = grant else {
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            "session.reauth takes an access token (a bot token does not expire)",
        ));
    };
    let current = session.actor();
    if current.tenant_id != actor.tenant_id || current.user_id != actor.user_id {
        return Err(ErrorBody::new(
            ErrorCode::Forbidden,
            "the token names another member",
        ));
    }
    session.state().grant = Some(grant);
    Ok(grant.exp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::Outbox;
    use crate::registry::Actor;
    use arena_protocol::model::{Role, User};
    use arena_protocol::{Encoding, Snowflake};

    fn session(table: &SessionTable, id: &str, exp: u64) -> Arc<Session> {
        let actor = Actor::member(TenantId(1), UserId(2), Role::Partner, None);
        let (outbox, rx) = Outbox::new(9, actor, Encoding::Json, 8, 1 << 20);
        let user = User {
            id: Snowflake(2),
            display_name: "Ana".into(),
            role: Role::Partner,
            tier: None,
        };
        let s = Arc::new(Session::new(id.into(), outbox, rx, user, 0));
        s.state().grant = Some(Grant { exp, epoch: 1 });
        table.insert(Arc::clone(&s));
        s
    }

    #[test]
    fn expiry_closes_attached_sessions_and_leaves_away_ones_to_resume() {
        let table = SessionTable::default();
        let attached = session(&table, "a", 100);
        let away = session(&table, "b", 100);
        away.state().detached_at = Some(std::time::Instant::now());
        let fresh = session(&table, "c", 500);
        assert_eq!(close_expired(&table, 200), 1);
        assert_eq!(
            attached.outbox.close_code(),
            Some(CloseCode::AuthenticationFailed)
        );
        assert_eq!(away.outbox.close_code(), None, "RESUME checks its token");
        assert_eq!(fresh.outbox.close_code(), None);
    }
}
