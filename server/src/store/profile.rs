//! A member's own account (issue 13): profile (name, bio, time zone,
//! avatar), password, last seen, and the tenant's account settings.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};

/// The member's profile as they edit it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProfileRow {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub tier: Option<String>,
    pub bio: String,
    pub timezone: Option<String>,
    pub avatar_file_id: Option<i64>,
    pub mfa_enabled: bool,
    pub allow_partner_dms: bool,
}

/// A change of the profile; `None` fields stay.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    /// `Some(None)` clears the time zone.
    pub timezone: Option<Option<String>>,
}

/// What the tenant's admins decide about accounts.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct AccountSettings {
    /// Staff and admins must sign in with a second factor.
    pub require_staff_mfa: bool,
    /// Partners may see the members directory (names, tiers, bios).
    pub partner_directory: bool,
}

impl Store {
    /// The member's own profile; `NotFound` for no such member.
    pub async fn fetch_profile(
        &self,
        tenant_id: TenantId,
        id: UserId,
    ) -> Result<ProfileRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, email, display_name, role, tier, bio, timezone, avatar_file_id,
                    totp_enabled_at IS NOT NULL AS mfa_enabled, allow_partner_dms
               FROM users WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Applies `p` to the member's profile.
    pub async fn update_profile(
        &self,
        tenant_id: TenantId,
        id: UserId,
        p: &ProfilePatch,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE users SET display_name = COALESCE($3, display_name), bio = COALESCE($4, bio),
                    timezone = CASE WHEN $5 THEN $6 ELSE timezone END
              WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(p.display_name.as_deref())
        .bind(p.bio.as_deref())
        .bind(p.timezone.is_some())
        .bind(p.timezone.clone().flatten())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the member's avatar to the stored file `file_id`.
    pub async fn update_avatar(
        &self,
        tenant_id: TenantId,
        id: UserId,
        file_id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query("UPDATE users SET avatar_file_id = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .bind(file_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password hash, moves the token epoch on and deletes the
    /// refresh tokens (every session ends), audited as `member.password` by
    /// `by`; returns the new epoch.
    pub async fn update_password(
        &self,
        tenant_id: TenantId,
        id: UserId,
        password_hash: &str,
        by: UserId,
        audit_id: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let epoch = sqlx::query_scalar(
            "UPDATE users SET password_hash = $3, token_epoch = token_epoch + 1
              WHERE tenant_id = $1 AND id = $2 RETURNING token_epoch",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(password_hash)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let target = id.to_string();
        Self::insert_audit_tx(&mut tx, tenant_id, audit_id, by, "member.password", &target).await?;
        tx.commit().await?;
        Ok(epoch)
    }

    /// Notes that the member signed in or refreshed a token now.
    pub async fn touch_last_seen(&self, tenant_id: TenantId, id: UserId) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query("UPDATE users SET last_seen_at = now() WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's account settings.
    pub async fn fetch_account_settings(
        &self,
        tenant_id: TenantId,
    ) -> Result<AccountSettings, StoreError> {
        Ok(
            sqlx::query_as(
                "SELECT require_staff_mfa, partner_directory FROM tenants WHERE id = $1",
            )
            .bind(tenant_id)
            .fetch_one(&self.pool)
            .await?,
        )
    }

    /// Changes the tenant's account settings (`None` stays), audited as
    /// `tenant.settings` by `by`; answers them as they now are.
    pub async fn update_account_settings(
        &self,
        tenant_id: TenantId,
        require_staff_mfa: Option<bool>,
        partner_directory: Option<bool>,
        by: UserId,
        audit_id: i64,
    ) -> Result<AccountSettings, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "UPDATE tenants SET require_staff_mfa = COALESCE($2, require_staff_mfa),
                    partner_directory = COALESCE($3, partner_directory)
              WHERE id = $1 RETURNING require_staff_mfa, partner_directory",
        )
        .bind(tenant_id)
        .bind(require_staff_mfa)
        .bind(partner_directory)
        .fetch_one(&mut *tx)
        .await?;
        let target = tenant_id.to_string();
        Self::insert_audit_tx(&mut tx, tenant_id, audit_id, by, "tenant.settings", &target).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The member's notification settings: `(level, muted channel ids)`.
    pub async fn fetch_notifications(
        &self,
        tenant_id: TenantId,
        id: UserId,
    ) -> Result<(String, Vec<i64>), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT notify_level, muted_channels FROM users WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Changes the notification settings (`None` stays): `level` is `all`,
    /// `mentions` or `none` (checked by the caller and the table).
    pub async fn update_notifications(
        &self,
        tenant_id: TenantId,
        id: UserId,
        level: Option<&str>,
        muted: Option<&[i64]>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE users SET notify_level = COALESCE($3, notify_level),
                    muted_channels = COALESCE($4, muted_channels)
              WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(level)
        .bind(muted)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
