//! Invites (issue 13): a staff member or the operator invites an email with
//! a role (and a tier for partners); the invitee accepts once, before
//! `expires_at`, with a display name and a password, which creates the
//! member. Only the SHA-256 of the token is kept. The public lookups name
//! no tenant: they find the row by its token hash as `arena_system`
//! ([`Store::system_tx`]) and scope the rest of the transaction to the
//! row's tenant ([`Store::scope_tx`]).

use super::users::USER_COLS;
use super::{Store, StoreError, UserRow};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// The status of an invite as SQL computes it from its timestamps:
/// `accepted`, `revoked`, `expired` or `pending`.
const STATUS: &str = "CASE WHEN accepted_at IS NOT NULL THEN 'accepted'
                           WHEN revoked_at IS NOT NULL THEN 'revoked'
                           WHEN expires_at <= now() THEN 'expired'
                           ELSE 'pending' END";

/// An invite still usable: neither accepted nor revoked, not expired.
const PENDING: &str = "accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()";

/// A new invite. `email` is stored lower-cased.
#[derive(Debug, Clone)]
pub struct NewInvite<'a> {
    pub id: i64,
    pub email: &'a str,
    /// `partner`, `staff` or `admin`.
    pub role: &'a str,
    /// Partners only: one of the program's tiers.
    pub tier: Option<&'a str>,
    /// A suggested display name for the invitee, if any.
    pub display_name: Option<&'a str>,
    /// SHA-256 (hex) of the token ([`crate::auth::token_hash`]).
    pub token_hash: &'a str,
    /// The inviting member.
    pub created_by: UserId,
    pub expires_at: OffsetDateTime,
    /// Id of the `invite.created` audit entry.
    pub audit_id: i64,
}

/// An invite as listed to staff.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub tier: Option<String>,
    pub display_name: Option<String>,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub status: String,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A pending invite found by its token, with its workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteLookup {
    pub tenant_id: TenantId,
    pub id: i64,
    pub email: String,
    pub role: String,
    pub tier: Option<String>,
    pub display_name: Option<String>,
    pub expires_at: OffsetDateTime,
    pub slug: String,
    pub tenant_name: String,
}

const INVITE_COLS: &str = "id, email, role, tier, display_name, created_by, created_at, expires_at";

impl Store {
    /// Creates an invite and its `invite.created` audit entry in one
    /// transaction. `Conflict("member")` when the email is already a member
    /// of the tenant, `Conflict("pending_invite")` when it has a pending
    /// invite (creations for one email are serialised by an advisory lock).
    pub async fn insert_invite(
        &self,
        tenant_id: TenantId,
        new: &NewInvite<'_>,
    ) -> Result<InviteRow, StoreError> {
        let email = new.email.to_lowercase();
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 22))")
            .bind(tenant_id.0.to_string())
            .bind(&email)
            .execute(&mut *tx)
            .await?;
        let member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND lower(email) = $2)",
        )
        .bind(tenant_id)
        .bind(&email)
        .fetch_one(&mut *tx)
        .await?;
        if member {
            return Err(StoreError::Conflict("member".into()));
        }
        let pending: bool = sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM invites
                             WHERE tenant_id = $1 AND lower(email) = $2 AND {PENDING})"
        ))
        .bind(tenant_id)
        .bind(&email)
        .fetch_one(&mut *tx)
        .await?;
        if pending {
            return Err(StoreError::Conflict("pending_invite".into()));
        }
        let row: InviteRow = sqlx::query_as(&format!(
            "INSERT INTO invites (tenant_id, id, email, role, tier, display_name, token_hash,
                                  created_by, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             RETURNING {INVITE_COLS}, {STATUS} AS status"
        ))
        .bind(tenant_id)
        .bind(new.id)
        .bind(&email)
        .bind(new.role)
        .bind(new.tier)
        .bind(new.display_name)
        .bind(new.token_hash)
        .bind(new.created_by)
        .bind(new.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let reason = match new.tier {
            Some(t) => format!("{email} as {} ({t})", new.role),
            None => format!("{email} as {}", new.role),
        };
        audit(
            &mut tx,
            tenant_id,
            new.audit_id,
            new.created_by,
            "invite.created",
            new.id,
            &reason,
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The tenant's invites, newest first, of one status or all; at most 500.
    pub async fn fetch_invites(
        &self,
        tenant_id: TenantId,
        status: Option<&str>,
    ) -> Result<Vec<InviteRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(&format!(
            "SELECT * FROM (SELECT {INVITE_COLS}, {STATUS} AS status FROM invites
                             WHERE tenant_id = $1) i
              WHERE $2::text IS NULL OR status = $2
              ORDER BY id DESC LIMIT 500"
        ))
        .bind(tenant_id)
        .bind(status)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Revokes a pending invite, audited `invite.revoked` in the same
    /// transaction. `NotFound` for no such invite, `Conflict("not_pending")`
    /// for one accepted, revoked or expired.
    pub async fn update_invite_revoked(
        &self,
        tenant_id: TenantId,
        id: i64,
        by: UserId,
        audit_id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let email: Option<String> = sqlx::query_scalar(&format!(
            "UPDATE invites SET revoked_at = now()
              WHERE tenant_id = $1 AND id = $2 AND {PENDING} RETURNING email"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(email) = email else {
            let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM invites WHERE tenant_id = $1 AND id = $2)",
            )
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            return Err(if exists {
                StoreError::Conflict("not_pending".into())
            } else {
                StoreError::NotFound
            });
        };
        audit(
            &mut tx,
            tenant_id,
            audit_id,
            by,
            "invite.revoked",
            id,
            &email,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The pending invite with this token hash and its workspace, or
    /// `NotFound` (unknown, accepted, revoked or expired alike).
    pub async fn fetch_invite_by_token(
        &self,
        token_hash: &str,
    ) -> Result<InviteLookup, StoreError> {
        let mut tx = self.system_tx().await?;
        let (tenant_id, id): (TenantId, i64) = sqlx::query_as(&format!(
            "SELECT tenant_id, id FROM invites WHERE token_hash = $1 AND {PENDING}"
        ))
        .bind(token_hash)
        .fetch_one(&mut *tx)
        .await?;
        Self::scope_tx(&mut tx, tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT i.tenant_id, i.id, i.email, i.role, i.tier, i.display_name, i.expires_at,
                    t.slug, t.name AS tenant_name
               FROM invites i JOIN tenants t ON t.id = i.tenant_id
              WHERE i.tenant_id = $1 AND i.id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Accepts the pending invite with this token hash in one transaction:
    /// locks it, inserts the member (its email, role and tier; `user_id`,
    /// `display_name` and the argon2 `password_hash` given), marks the
    /// invite accepted and writes the `invite.accepted` audit entry (actor:
    /// the new member). `NotFound` when the invite is unknown, accepted,
    /// revoked or expired (a second accept too); `Conflict("member")` when
    /// the email became a member meanwhile.
    pub async fn accept_invite(
        &self,
        token_hash: &str,
        user_id: UserId,
        display_name: &str,
        password_hash: &str,
        audit_id: i64,
    ) -> Result<UserRow, StoreError> {
        let mut tx = self.system_tx().await?;
        let (tenant_id, id): (TenantId, i64) = sqlx::query_as(&format!(
            "SELECT tenant_id, id FROM invites WHERE token_hash = $1 AND {PENDING} FOR UPDATE"
        ))
        .bind(token_hash)
        .fetch_one(&mut *tx)
        .await?;
        Self::scope_tx(&mut tx, tenant_id).await?;
        let (email, role, tier): (String, String, Option<String>) = sqlx::query_as(
            "SELECT email, role, tier FROM invites WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND lower(email) = $2)",
        )
        .bind(tenant_id)
        .bind(&email)
        .fetch_one(&mut *tx)
        .await?;
        if member {
            return Err(StoreError::Conflict("member".into()));
        }
        let user: UserRow = sqlx::query_as(&format!(
            "INSERT INTO users (tenant_id, id, email, display_name, role, tier, password_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLS}"
        ))
        .bind(tenant_id)
        .bind(user_id)
        .bind(&email)
        .bind(display_name)
        .bind(&role)
        .bind(&tier)
        .bind(password_hash)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE invites SET accepted_at = now(), accepted_user = $3
              WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            tenant_id,
            audit_id,
            user_id,
            "invite.accepted",
            id,
            &email,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }
}

/// One audit entry inside the caller's transaction: `target` is the row id
/// (an invite's, a password reset's).
pub(super) async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant_id: TenantId,
    id: i64,
    actor: UserId,
    action: &str,
    target: i64,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_id, action, target, reason)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(actor)
    .bind(action)
    .bind(target.to_string())
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
