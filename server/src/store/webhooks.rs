//! Incoming webhooks (PROTOCOL.md §7): created with their bot member in one
//! transaction, listed per channel, looked up by id and token hash when a
//! tool posts, and deleted.

use super::{Store, StoreError};
use crate::ids::{ChannelId, TenantId, UserId};
use time::OffsetDateTime;

/// A webhook as stored (never the token, only its hash's row).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub tenant_id: TenantId,
    pub id: i64,
    pub channel_id: ChannelId,
    /// The webhook's own bot member: the author of what it posts.
    pub user_id: UserId,
    pub name: String,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
}

/// A webhook to create, with its bot member.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    pub tenant_id: TenantId,
    pub id: i64,
    pub channel_id: ChannelId,
    /// The new bot member's id.
    pub user_id: UserId,
    /// The bot member's email (keys the member row; bots have no mailbox).
    pub email: &'a str,
    /// The webhook's name, also the bot member's display name.
    pub name: &'a str,
    /// SHA-256 of the token, hex (`crate::auth::token_hash`).
    pub token_hash: &'a str,
    pub created_by: UserId,
}

const WEBHOOK_COLS: &str = "tenant_id, id, channel_id, user_id, name, created_by, created_at";

impl Store {
    /// Creates the webhook's bot member (role `bot`) and the webhook in one
    /// transaction: either both exist afterwards or neither does.
    pub async fn insert_webhook(&self, w: &NewWebhook<'_>) -> Result<WebhookRow, StoreError> {
        let mut tx = self.tenant_tx(w.tenant_id).await?;
        sqlx::query(
            "INSERT INTO users (tenant_id, id, email, display_name, role) VALUES ($1, $2, $3, $4, 'bot')",
        )
        .bind(w.tenant_id)
        .bind(w.user_id)
        .bind(w.email)
        .bind(w.name)
        .execute(&mut *tx)
        .await?;
        let q = format!(
            "INSERT INTO webhooks (tenant_id, id, channel_id, user_id, name, token_hash, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {WEBHOOK_COLS}"
        );
        let row = sqlx::query_as(&q)
            .bind(w.tenant_id)
            .bind(w.id)
            .bind(w.channel_id)
            .bind(w.user_id)
            .bind(w.name)
            .bind(w.token_hash)
            .bind(w.created_by)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The channel's webhooks, oldest first.
    pub async fn fetch_webhooks(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
    ) -> Result<Vec<WebhookRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {WEBHOOK_COLS} FROM webhooks WHERE tenant_id = $1 AND channel_id = $2 ORDER BY id"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(channel_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One webhook of the tenant, or `NotFound`.
    pub async fn fetch_webhook(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<WebhookRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {WEBHOOK_COLS} FROM webhooks WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The webhook with this id whose token hashes to `token_hash`, or
    /// `NotFound` (unknown id, or the wrong token). The one lookup without a
    /// tenant: the request carries no other credential, and the row names
    /// its tenant (as [`Store::fetch_bot_token`] does for bot tokens).
    pub async fn fetch_webhook_by_token(
        &self,
        id: i64,
        token_hash: &str,
    ) -> Result<WebhookRow, StoreError> {
        let q = format!("SELECT {WEBHOOK_COLS} FROM webhooks WHERE id = $1 AND token_hash = $2");
        let mut tx = self.system_tx().await?;
        let out = sqlx::query_as(&q)
            .bind(id)
            .bind(token_hash)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes a webhook (its token stops working at once); its bot member
    /// stays as the author of what it posted. `NotFound` if there is none.
    pub async fn delete_webhook(&self, tenant_id: TenantId, id: i64) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let r = sqlx::query("DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}
