//! Read states: the last message each member acknowledged per channel.

use super::{Store, StoreError};
use crate::ids::{ChannelId, MessageId, TenantId, UserId};

/// One channel's head and the member's place in it, as READY reports them.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ReadyHead {
    /// The channel.
    pub id: ChannelId,
    /// Its log head: the `channel_seq` of its newest event.
    pub last_seq: i64,
    /// Its newest live message, if any.
    pub last_message_id: Option<MessageId>,
    /// The member's read marker, if they ever acknowledged one.
    pub last_read_id: Option<MessageId>,
    /// Others' live messages after the read marker, capped at 100.
    pub unread: i64,
    /// Of those, the ones that mention the member, capped at 100.
    pub mentions: i64,
}

impl Store {
    /// Moves the read marker forward (never back).
    pub async fn update_read_state(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        channel_id: ChannelId,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO read_states (tenant_id, user_id, channel_id, last_read_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, user_id, channel_id)
             DO UPDATE SET last_read_id = GREATEST(read_states.last_read_id, EXCLUDED.last_read_id)",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(channel_id)
        .bind(message_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What READY needs per channel of `channel_ids` for `user_id` (one
    /// statement: [`Store::identify_heads`] with one request).
    pub async fn fetch_ready_heads(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        channel_ids: &[ChannelId],
    ) -> Result<Vec<ReadyHead>, StoreError> {
        let request = super::HeadsRequest {
            user_id,
            channels: channel_ids.to_vec(),
        };
        let mut heads = self.identify_heads(tenant_id, &[request]).await?;
        Ok(heads.pop().unwrap_or_default())
    }
}
