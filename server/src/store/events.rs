//! The per-channel event log (PROTOCOL.md §3): written inside the transaction
//! that commits each change, read for RESUME and `channel.events`.

use super::{Store, StoreError};
use sqlx::{Postgres, Transaction};

impl Store {
    /// Appends one event at `seq` inside the caller's transaction.
    pub(super) async fn insert_event(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: i64,
        channel_id: i64,
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

    /// Up to `limit` events after `after_seq`, oldest first: `(seq, t, d)`.
    pub async fn fetch_events(
        &self,
        tenant_id: i64,
        channel_id: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, serde_json::Value)>, StoreError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, t, d FROM channel_events WHERE tenant_id = $1 AND channel_id = $2 AND seq > $3
             ORDER BY seq LIMIT $4",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(seq, t, d)| {
                let d = serde_json::from_str(&d)
                    .map_err(|e| StoreError::Other(format!("log event {seq}: {e}")))?;
                Ok((seq, t, d))
            })
            .collect()
    }
}
