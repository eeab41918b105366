//! The members directory and account administration (issue 13): search
//! and filters over a tenant's members, role changes and deactivation,
//! each audited in the transaction that makes it.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// One member as the directory shows them to staff.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub tier: Option<String>,
    pub bio: String,
    pub deactivated_at: Option<OffsetDateTime>,
    pub last_seen_at: Option<OffsetDateTime>,
    pub muted_until: Option<OffsetDateTime>,
    pub mfa_enabled: bool,
}

/// The directory's filters; `None` is "any".
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Words matched against name and email (case-insensitive, substring).
    pub q: Option<String>,
    pub role: Option<String>,
    pub tier: Option<String>,
    /// `Some(true)` deactivated only, `Some(false)` active only.
    pub deactivated: Option<bool>,
    /// Members after this one in (display name, id) order; see [`MemberRow`].
    pub after: Option<(String, UserId)>,
    pub limit: i64,
}

const MEMBER_COLS: &str = "id, email, display_name, role, tier, bio, deactivated_at, last_seen_at,
     muted_until, totp_enabled_at IS NOT NULL AS mfa_enabled";

impl Store {
    /// One page of the directory, by display name then id; bots and the
    /// system member are left out.
    pub async fn fetch_directory(
        &self,
        tenant_id: TenantId,
        f: &MemberFilter,
    ) -> Result<Vec<MemberRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let pattern = f.q.as_deref().map(|q| {
            let escaped = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        let q = format!(
            "SELECT {MEMBER_COLS} FROM users
              WHERE tenant_id = $1 AND role <> 'bot'
                AND ($2::text IS NULL OR display_name ILIKE $2 OR email ILIKE $2)
                AND ($3::text IS NULL OR role = $3)
                AND ($4::text IS NULL OR tier = $4)
                AND ($5::bool IS NULL OR (deactivated_at IS NOT NULL) = $5)
                AND ($6::text IS NULL OR (display_name, id) > ($6, $7))
              ORDER BY display_name, id LIMIT $8"
        );
        let (after_name, after_id) = match &f.after {
            Some((n, id)) => (Some(n.as_str()), id.0),
            None => (None, 0),
        };
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(pattern)
            .bind(f.role.as_deref())
            .bind(f.tier.as_deref())
            .bind(f.deactivated)
            .bind(after_name)
            .bind(after_id)
            .bind(f.limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One member as the directory shows them; `NotFound` for no such member.
    pub async fn fetch_directory_member(
        &self,
        tenant_id: TenantId,
        id: UserId,
    ) -> Result<MemberRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {MEMBER_COLS} FROM users WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets the member's role (tier cleared for staff and admins, who have
    /// none) and audits `member.role` by `by`; `false` when it already was.
    pub async fn update_member_role(
        &self,
        tenant_id: TenantId,
        id: UserId,
        role: &str,
        by: UserId,
        audit_id: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "UPDATE users SET role = $3, tier = CASE WHEN $3 = 'partner' THEN tier END
              WHERE tenant_id = $1 AND id = $2 AND role <> $3 AND role <> 'bot'",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(role)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let target = id.to_string();
            Self::insert_audit_tx(&mut tx, tenant_id, audit_id, by, "member.role", &target).await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Deactivates (`true`) or reactivates the member, audited as
    /// `member.deactivated` / `member.reactivated`. Deactivation also moves
    /// the token epoch on and deletes the refresh tokens, in the same commit,
    /// so no token of theirs is honoured after it. `false` when nothing changed.
    pub async fn update_member_deactivated(
        &self,
        tenant_id: TenantId,
        id: UserId,
        deactivated: bool,
        by: UserId,
        audit_id: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "UPDATE users
                SET deactivated_at = CASE WHEN $3 THEN now() END,
                    token_epoch = token_epoch + $3::int
              WHERE tenant_id = $1 AND id = $2 AND (deactivated_at IS NOT NULL) <> $3",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(deactivated)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            if deactivated {
                sqlx::query("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2")
                    .bind(tenant_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let action = if deactivated {
                "member.deactivated"
            } else {
                "member.reactivated"
            };
            let target = id.to_string();
            Self::insert_audit_tx(&mut tx, tenant_id, audit_id, by, action, &target).await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }
}
