//! Bot tokens: created (hash only), looked up on every bot request,
//! listed, and revoked.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// A live bot token with its bot's role and what it grants.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BotTokenRow {
    pub tenant_id: TenantId,
    pub id: i64,
    pub user_id: UserId,
    pub role: String,
    pub scopes: Vec<String>,
    pub channels: Vec<String>,
}

/// A bot token as listed to admins (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BotTokenInfo {
    pub id: i64,
    pub user_id: UserId,
    pub display_name: String,
    pub scopes: Vec<String>,
    pub channels: Vec<String>,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A new bot token's row.
#[derive(Debug, Clone)]
pub struct NewBotToken<'a> {
    pub tenant_id: TenantId,
    pub id: i64,
    pub user_id: UserId,
    pub token_hash: &'a str,
    pub scopes: &'a [String],
    pub channels: &'a [String],
    pub created_by: Option<UserId>,
}

impl Store {
    /// Stores a bot token's hash and grant.
    pub async fn insert_bot_token(&self, t: &NewBotToken<'_>) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(t.tenant_id).await?;
        sqlx::query(
            "INSERT INTO bot_tokens (tenant_id, id, user_id, token_hash, scopes, channels, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(t.tenant_id)
        .bind(t.id)
        .bind(t.user_id)
        .bind(t.token_hash)
        .bind(t.scopes)
        .bind(t.channels)
        .bind(t.created_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live (not revoked) token with this hash, or `NotFound`.
    pub async fn fetch_bot_token(&self, token_hash: &str) -> Result<BotTokenRow, StoreError> {
        let mut tx = self.system_tx().await?;
        let out = sqlx::query_as(
            "SELECT b.tenant_id, b.id, b.user_id, u.role, b.scopes, b.channels
             FROM bot_tokens b JOIN users u ON u.tenant_id = b.tenant_id AND u.id = b.user_id
             WHERE b.token_hash = $1 AND b.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The tenant's bot tokens, newest first.
    pub async fn fetch_bot_tokens(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<BotTokenInfo>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT b.id, b.user_id, u.display_name, b.scopes, b.channels, b.created_at, b.revoked_at
             FROM bot_tokens b JOIN users u ON u.tenant_id = b.tenant_id AND u.id = b.user_id
             WHERE b.tenant_id = $1 ORDER BY b.id DESC",
        )
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Revokes a live token; returns the bot's user id, or `NotFound`.
    pub async fn update_bot_token_revoked(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<UserId, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "UPDATE bot_tokens SET revoked_at = now()
             WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING user_id",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
