//! Read models behind domain panels: aggregates over committed messages.

use super::{Store, StoreError};
use crate::ids::{ChannelId, TenantId};

/// One `deal_win` card as committed: who, for whom, how much (minor units), when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DealWinRow {
    pub partner_name: String,
    pub client: String,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: time::OffsetDateTime,
}

/// Message activity of one channel over a window.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChannelActivityRow {
    pub channel_key: String,
    pub messages: i64,
    pub authors: i64,
}

impl Store {
    /// Every live `deal_win` card of the tenant, newest first (at most `limit`).
    pub async fn fetch_deal_wins(
        &self,
        tenant_id: TenantId,
        limit: i64,
    ) -> Result<Vec<DealWinRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT COALESCE(card->'data'->>'partner_name', '?') AS partner_name,
                    COALESCE(card->'data'->>'client', '?') AS client,
                    COALESCE((card->'data'->>'amount_minor')::bigint, 0) AS amount_minor,
                    COALESCE(card->'data'->>'currency', '') AS currency,
                    created_at
             FROM messages
             WHERE tenant_id = $1 AND deleted_at IS NULL AND card->>'type' = 'deal_win'
               AND (card->'data'->>'amount_minor') ~ '^[0-9]{1,15}$'
             ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Messages and distinct authors per channel (of `channel_ids`) in the
    /// last `days` days, busiest first.
    pub async fn fetch_channel_activity(
        &self,
        tenant_id: TenantId,
        days: i32,
        channel_ids: &[ChannelId],
    ) -> Result<Vec<ChannelActivityRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT c.key AS channel_key, count(*) AS messages, count(DISTINCT m.author_id) AS authors
             FROM messages m JOIN channels c ON c.tenant_id = m.tenant_id AND c.id = m.channel_id
             WHERE m.tenant_id = $1 AND m.deleted_at IS NULL AND m.created_at > now() - make_interval(days => $2)
               AND m.channel_id = ANY($3)
             GROUP BY c.key ORDER BY count(*) DESC, c.key",
        )
        .bind(tenant_id)
        .bind(days)
        .bind(channel_ids)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Messages in `channel_ids` per UTC day for the last `days` days: `(YYYY-MM-DD, count)`, oldest first.
    pub async fn fetch_daily_messages(
        &self,
        tenant_id: TenantId,
        days: i32,
        channel_ids: &[ChannelId],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT to_char(d, 'YYYY-MM-DD'), (SELECT count(*) FROM messages m WHERE m.tenant_id = $1 AND m.channel_id = ANY($3)
                    AND m.deleted_at IS NULL AND m.created_at >= d AND m.created_at < d + interval '1 day')
             FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $2 - 1),
                                  date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS d
             ORDER BY d",
        )
        .bind(tenant_id)
        .bind(days)
        .bind(channel_ids)
        .fetch_all(&self.pool)
        .await?)
    }
}
