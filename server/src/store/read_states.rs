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

    /// What READY needs per channel in one round trip.
    pub async fn fetch_ready_heads(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        channel_ids: &[ChannelId],
    ) -> Result<Vec<ReadyHead>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = ready_heads(&mut tx, tenant_id, user_id, channel_ids).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// [`Store::fetch_ready_heads`] within a transaction already scoped to
/// `tenant_id` (IDENTIFY's, [`super::IdentifyReads`]).
pub(super) async fn ready_heads(
    conn: &mut sqlx::PgConnection,
    tenant_id: TenantId,
    user_id: UserId,
    channel_ids: &[ChannelId],
) -> Result<Vec<ReadyHead>, StoreError> {
    Ok(sqlx::query_as(READY_HEADS)
        .bind(tenant_id)
        .bind(user_id)
        .bind(channel_ids)
        .fetch_all(conn)
        .await?)
}

/// Per channel of `$3`: its head and the member `$2`'s read marker, unread
/// and mention counts (each capped at 100) in tenant `$1`.
const READY_HEADS: &str = "SELECT c.id, c.last_seq, c.last_message_id, rs.last_read_id,
                    CASE WHEN c.last_message_id IS NULL OR c.last_message_id <= COALESCE(rs.last_read_id, 0) THEN 0
                    ELSE (SELECT count(*) FROM (SELECT 1 FROM messages m
                          WHERE m.tenant_id = $1 AND m.channel_id = c.id AND m.deleted_at IS NULL
                            AND m.author_id <> $2 AND m.id > COALESCE(rs.last_read_id, 0) LIMIT 100) x)
                    END AS unread,
                    CASE WHEN c.last_message_id IS NULL OR c.last_message_id <= COALESCE(rs.last_read_id, 0) THEN 0
                    ELSE (SELECT count(*) FROM (SELECT 1 FROM messages m
                          WHERE m.tenant_id = $1 AND m.channel_id = c.id AND m.deleted_at IS NULL
                            AND m.mentions <> '{}' AND m.mentions @> ARRAY[$2::bigint]
                            AND m.author_id <> $2 AND m.id > COALESCE(rs.last_read_id, 0) LIMIT 100) x)
                    END AS mentions
             FROM channels c
             LEFT JOIN read_states rs ON rs.tenant_id = $1 AND rs.user_id = $2 AND rs.channel_id = c.id
             WHERE c.tenant_id = $1 AND c.id = ANY($3)";
