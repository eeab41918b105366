//! Members of a tenant.

use super::{Store, StoreError, UserRow};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

pub(super) const USER_COLS: &str =
    "tenant_id, id, email, display_name, role, tier, password_hash, muted_until, muted_reason, token_epoch,
     deactivated_at IS NOT NULL AS deactivated, totp_enabled_at IS NOT NULL AS mfa_enabled";

/// Email of each tenant's system member (`.invalid` never delivers, RFC 2606).
pub const SYSTEM_EMAIL: &str = "system@arena.invalid";

impl Store {
    /// Creates a member, or updates name/role/tier/hash of the one with this email; returns the row.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user(
        &self,
        tenant_id: TenantId,
        id: UserId,
        email: &str,
        display_name: &str,
        role: &str,
        tier: Option<&str>,
        password_hash: Option<&str>,
    ) -> Result<UserRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO users (tenant_id, id, email, display_name, role, tier, password_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT ON CONSTRAINT users_email_unique DO UPDATE
               SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, tier = EXCLUDED.tier,
                   password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash),
                   -- A changed role, tier or password ends the member's tokens.
                   token_epoch = users.token_epoch
                     + (users.role IS DISTINCT FROM EXCLUDED.role
                        OR users.tier IS DISTINCT FROM EXCLUDED.tier
                        OR (EXCLUDED.password_hash IS NOT NULL
                            AND users.password_hash IS DISTINCT FROM EXCLUDED.password_hash))::int
             RETURNING {USER_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(email)
            .bind(display_name)
            .bind(role)
            .bind(tier)
            .bind(password_hash)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The tenant's system member ("Arena", a bot with email
    /// [`SYSTEM_EMAIL`]) that authors the server's own posts (welcomes,
    /// announcements, notices); created on first use, the same row after.
    pub async fn fetch_system_user(
        &self,
        tenant_id: TenantId,
        new_id: UserId,
    ) -> Result<UserRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO users (tenant_id, id, email, display_name, role)
             VALUES ($1, $2, $3, 'Arena', 'bot')
             ON CONFLICT ON CONSTRAINT users_email_unique DO UPDATE SET email = EXCLUDED.email
             RETURNING {USER_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(new_id)
            .bind(SYSTEM_EMAIL)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The member with this email in this tenant, or `NotFound`.
    pub async fn fetch_user_by_email(
        &self,
        tenant_id: TenantId,
        email: &str,
    ) -> Result<UserRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {USER_COLS} FROM users WHERE tenant_id = $1 AND lower(email) = lower($2)"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(email)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The member with this id in this tenant, or `NotFound`.
    pub async fn fetch_user(&self, tenant_id: TenantId, id: UserId) -> Result<UserRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {USER_COLS} FROM users WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Every member of the tenant, by display name.
    pub async fn fetch_members(&self, tenant_id: TenantId) -> Result<Vec<UserRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q =
            format!("SELECT {USER_COLS} FROM users WHERE tenant_id = $1 ORDER BY display_name, id");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Up to `limit` active (not deactivated) members with an id above
    /// `after` (all when `None`), by id: one page of `member.list`.
    pub async fn fetch_members_page(
        &self,
        tenant_id: TenantId,
        after: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<UserRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {USER_COLS} FROM users WHERE tenant_id = $1 AND id > $2 AND deactivated_at IS NULL
             ORDER BY id LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(after.map_or(i64::MIN, |u| u.0))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets or lifts (None) a member's timeout with the moderator's reason
    /// (kept only while the timeout is set).
    pub async fn update_user_muted(
        &self,
        tenant_id: TenantId,
        id: UserId,
        until: Option<OffsetDateTime>,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let r = sqlx::query(
            "UPDATE users SET muted_until = $3,
                    muted_reason = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE $4 END
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(until)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Inserts many members `(id, email, display_name)` with one role and tier;
    /// existing emails are left as they are.
    pub async fn insert_users_bulk(
        &self,
        tenant_id: TenantId,
        users: &[(UserId, String, String)],
        role: &str,
        tier: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO users (tenant_id, id, email, display_name, role, tier)
             SELECT $1, id, email, name, $5, $6 FROM unnest($2::bigint[], $3::text[], $4::text[]) AS v(id, email, name)
             ON CONFLICT ON CONSTRAINT users_email_unique DO NOTHING",
        )
        .bind(tenant_id)
        .bind(users.iter().map(|u| u.0 .0).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.1.clone()).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.2.clone()).collect::<Vec<_>>())
        .bind(role)
        .bind(tier)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
