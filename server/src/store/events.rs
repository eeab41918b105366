//! The per-channel event log (PROTOCOL.md §3): written inside the transaction
//! that commits each change, read for RESUME and `channel.events`.

use super::{Store, StoreError};
use crate::ids::{ChannelId, MessageId, TenantId};

/// One event of a channel's log.
#[derive(Debug, Clone)]
pub struct LogRow {
    /// Its `channel_seq` (gap-free per channel, from 1).
    pub seq: i64,
    /// The event name, e.g. `MESSAGE_CREATE`.
    pub t: String,
    /// The event as logged: `can_post` in a CHANNEL_UPDATE is nobody's in particular.
    pub d: serde_json::Value,
}
use sqlx::{Postgres, Transaction};

impl Store {
    /// Appends one event at `seq` inside the caller's transaction.
    pub(super) async fn insert_event(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        channel_id: ChannelId,
        seq: i64,
        t: &str,
        d: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO channel_events (tenant_id, channel_id, seq, t, d) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant_id)
            .bind(channel_id)
            .bind(seq)
            .bind(t)
            .bind(d.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// [`Self::insert_event`] for an event carrying a whole message (its
    /// text), tagged with `message_id` so deleting the message can redact it.
    pub(super) async fn insert_message_event(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        channel_id: ChannelId,
        seq: i64,
        t: &str,
        d: &serde_json::Value,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO channel_events (tenant_id, channel_id, seq, t, d, message_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(seq)
        .bind(t)
        .bind(d.to_string())
        .bind(message_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Every channel of the tenant with its log head (last `channel_seq`, 0
    /// for an empty log): what a node compares with what it delivered.
    pub async fn channel_heads(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<(ChannelId, u64)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let rows: Vec<(ChannelId, i64)> =
            sqlx::query_as("SELECT id, last_seq FROM channels WHERE tenant_id = $1")
                .bind(tenant_id)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(c, s)| (c, s.max(0) as u64))
            .collect())
    }

    /// Up to `limit` events after `after_seq`, oldest first.
    pub async fn fetch_events(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<LogRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, t, d FROM channel_events WHERE tenant_id = $1 AND channel_id = $2 AND seq > $3
             ORDER BY seq LIMIT $4",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(seq, t, d)| {
                let d = serde_json::from_str(&d)
                    .map_err(|e| StoreError::Other(format!("log event {seq}: {e}")))?;
                Ok(LogRow { seq, t, d })
            })
            .collect()
    }
}

/// What a channel's log holds after a cursor: how many events, their logged
/// bytes, and the newest `seq` (the head a replay stops at).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSpan {
    pub events: i64,
    pub bytes: i64,
    pub head: i64,
}

impl Store {
    /// Up to `limit` events after `after_seq` and at most `up_to`, oldest
    /// first, ending before the event whose logged text would take the page
    /// past `max_bytes` (the first one always comes): a page never loads
    /// more than about `max_bytes` however large the events are.
    pub async fn fetch_events_page(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        after_seq: i64,
        up_to: i64,
        limit: i64,
        max_bytes: i64,
    ) -> Result<Vec<LogRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, t, d FROM (
                 SELECT seq, t, d, sum(octet_length(d)) OVER (ORDER BY seq) - octet_length(d) AS before
                 FROM (SELECT seq, t, d FROM channel_events
                       WHERE tenant_id = $1 AND channel_id = $2 AND seq > $3 AND seq <= $4
                       ORDER BY seq LIMIT $5) page
             ) sized
             WHERE before = 0 OR before + octet_length(d) <= $6
             ORDER BY seq",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(after_seq)
        .bind(up_to)
        .bind(limit)
        .bind(max_bytes)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(seq, t, d)| {
                let d = serde_json::from_str(&d)
                    .map_err(|e| StoreError::Other(format!("log event {seq}: {e}")))?;
                Ok(LogRow { seq, t, d })
            })
            .collect()
    }

    /// The events after `after_seq` in one channel's log: count, logged bytes
    /// and head (`after_seq` when there are none).
    pub async fn fetch_log_span(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        after_seq: i64,
    ) -> Result<LogSpan, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let (events, bytes, head): (i64, i64, Option<i64>) = sqlx::query_as(
            "SELECT count(*), COALESCE(sum(octet_length(d)), 0)::bigint, max(seq)
             FROM channel_events WHERE tenant_id = $1 AND channel_id = $2 AND seq > $3",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(after_seq)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LogSpan {
            events,
            bytes,
            head: head.unwrap_or(after_seq),
        })
    }
}
