//! Read states: the last message each member acknowledged per channel.

use super::{Store, StoreError};

impl Store {
    /// Moves the read marker forward (never back).
    pub async fn update_read_state(
        &self,
        tenant_id: i64,
        user_id: i64,
        channel_id: i64,
        message_id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO read_states (tenant_id, user_id, channel_id, last_read_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, user_id, channel_id)
             DO UPDATE SET last_read_id = GREATEST(read_states.last_read_id, EXCLUDED.last_read_id)",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(channel_id)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// What READY needs per channel in one round trip:
    /// `(channel_id, last_seq, last_message_id, last_read_id, unread)`, unread
    /// counting others' messages after the read marker, capped at 100.
    pub async fn fetch_ready_heads(
        &self,
        tenant_id: i64,
        user_id: i64,
        channel_ids: &[i64],
    ) -> Result<Vec<(i64, i64, Option<i64>, Option<i64>, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.last_seq, c.last_message_id, rs.last_read_id,
                    CASE WHEN c.last_message_id IS NULL OR c.last_message_id <= COALESCE(rs.last_read_id, 0) THEN 0
                    ELSE (SELECT count(*) FROM (SELECT 1 FROM messages m
                          WHERE m.tenant_id = $1 AND m.channel_id = c.id AND m.deleted_at IS NULL
                            AND m.author_id <> $2 AND m.id > COALESCE(rs.last_read_id, 0) LIMIT 100) x)
                    END AS unread
             FROM channels c
             LEFT JOIN read_states rs ON rs.tenant_id = $1 AND rs.user_id = $2 AND rs.channel_id = c.id
             WHERE c.tenant_id = $1 AND c.id = ANY($3)",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(channel_ids)
        .fetch_all(&self.pool)
        .await?)
    }
}
