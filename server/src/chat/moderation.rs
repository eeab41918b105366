//! Moderation by staff: timeouts (`moderation.timeout`), kicks
//! (`moderation.kick`, close 4014 on every session of the member on this
//! node), only of members of a lower rank, and the audit log every
//! moderation action writes.

use super::{err, Chat};
use crate::bus::Audience;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use arena_protocol::event::MemberUpdate;
use arena_protocol::model::Role;
use arena_protocol::request::{ModerationKick, ModerationTimeout};
use arena_protocol::{CloseCode, ErrorBody, ErrorCode, Event};
use time::OffsetDateTime;

/// Longest timeout, minutes (28 days, Discord's maximum).
const MAX_TIMEOUT_MIN: u32 = 40_320;

impl Chat {
    /// `moderation.timeout`: mutes a member for `minutes` (0 lifts it) with
    /// a reason (stored with the timeout); audited, and MEMBER_UPDATE goes to
    /// the tenant (the reason only to the member). Returns the end, RFC 3339.
    pub async fn timeout(
        &self,
        actor: &Actor,
        p: ModerationTimeout,
    ) -> Result<Option<String>, ErrorBody> {
        if !actor.role.is_staff() {
            return Err(err(ErrorCode::Forbidden, "staff only"));
        }
        if p.minutes > MAX_TIMEOUT_MIN {
            return Err(err(
                ErrorCode::BadRequest,
                "minutes must be 0..40320 (28 days, Discord's maximum)",
            ));
        }
        let target = p.user_id.into();
        self.check_outranks(actor, target).await?;
        let until = (p.minutes > 0)
            .then(|| OffsetDateTime::now_utc() + time::Duration::minutes(i64::from(p.minutes)));
        self.store
            .update_user_muted(actor.tenant_id, target, until, &p.reason)
            .await
            .map_err(store_error)?;
        self.limiter.note_muted(actor.tenant_id, target, until);
        let action = if p.minutes > 0 {
            "moderation.timeout"
        } else {
            "moderation.untimeout"
        };
        self.audit(actor, action, &p.user_id.to_string(), &p.reason)
            .await;
        let muted_until = until.map(crate::store::rfc3339);
        let event = Event::MemberUpdate(MemberUpdate {
            user_id: p.user_id,
            muted_until: muted_until.clone(),
            // Only the member's own sessions get it (crate::delivery).
            muted_reason: until.map(|_| p.reason.clone()),
            role: None,
            tier: None,
            ..Default::default()
        });
        self.publisher
            .committed(actor.tenant_id, Audience::Tenant(actor.tenant_id), event);
        self.publisher.control(crate::bus::Control::MuteChanged {
            tenant_id: actor.tenant_id,
            user_id: target,
        });
        Ok(muted_until)
    }

    /// `moderation.kick`: ends the member's tokens (token epoch bumped,
    /// refresh tokens deleted: they sign in again with their password) and
    /// closes their sessions on this node with 4014 (other nodes: 4004
    /// within `token_check_ms`); audited.
    pub async fn kick(&self, actor: &Actor, p: ModerationKick) -> Result<(), ErrorBody> {
        if !actor.role.is_staff() {
            return Err(err(ErrorCode::Forbidden, "staff only"));
        }
        let target = p.user_id.into();
        self.check_outranks(actor, target).await?;
        self.audit(actor, "moderation.kick", &p.user_id.to_string(), &p.reason)
            .await;
        crate::auth::watch::end_tokens(
            &self.store,
            &self.sessions,
            &self.publisher,
            actor.tenant_id,
            target,
            CloseCode::SessionReplaced,
        )
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// `forbidden` unless the actor outranks the target member (admin >
    /// staff > partner and bot): staff cannot time out or kick an admin or
    /// another staff member, nor anyone themselves (issue 12 item 12;
    /// Discord's role hierarchy works the same way). A member not in the
    /// actor's tenant is `not_found`.
    async fn check_outranks(&self, actor: &Actor, target: UserId) -> Result<(), ErrorBody> {
        let row = self
            .store
            .fetch_user(actor.tenant_id, target)
            .await
            .map_err(store_error)?;
        let theirs = Role::parse(&row.role).unwrap_or(Role::Admin);
        if rank(actor.role) <= rank(theirs) {
            return Err(err(
                ErrorCode::Forbidden,
                "you may not moderate a member of your rank or above",
            ));
        }
        Ok(())
    }

    /// Writes a moderation action to the audit log; a failure is logged, not fatal.
    pub async fn audit(&self, actor: &Actor, action: &str, target: &str, reason: &str) {
        let id = self.ids.next_id().0 as i64;
        if let Err(e) = self
            .store
            .insert_audit(actor.tenant_id, id, actor.user_id, action, target, reason)
            .await
        {
            tracing::error!(error = %e, action, "audit log write failed");
        }
    }
}

/// A role's place in the moderation order: admin 3, staff 2, others 1.
fn rank(role: Role) -> u8 {
    match role {
        Role::Admin => 3,
        Role::Staff => 2,
        Role::Partner | Role::Bot => 1,
    }
}

impl Chat {
    /// `forbidden` (with `retry_after_ms`) while the actor is timed out:
    /// from the limiter's cache when fresh, else read from Postgres and
    /// cached. Checked by every write a timeout forbids (create, edit, react),
    /// whichever path the session came by (IDENTIFY, RESUME, REST).
    pub(super) async fn check_not_muted(&self, actor: &Actor) -> Result<(), ErrorBody> {
        let until = match self.limiter.cached_mute(actor, std::time::Instant::now()) {
            Some(until) => until,
            None => {
                let row = self
                    .store
                    .fetch_user(actor.tenant_id, actor.user_id)
                    .await
                    .map_err(store_error)?;
                self.limiter
                    .note_muted(actor.tenant_id, actor.user_id, row.muted_until);
                row.muted_until
            }
        };
        super::limits::Limiter::verdict(until, OffsetDateTime::now_utc())
    }
}
