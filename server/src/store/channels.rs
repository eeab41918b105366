//! Categories and channels: the registry's durable copy and each channel's log head.

use super::{Store, StoreError};
use crate::ids::{ChannelId, MessageId, TenantId};
use sqlx::FromRow;

/// A category as stored.
#[derive(Debug, Clone, FromRow)]
pub struct CategoryRow {
    pub key: String,
    pub name: String,
    pub position: i32,
}

/// A channel as stored; `read_rule`/`post_rule` are principal strings (see registry).
#[derive(Debug, Clone, FromRow)]
pub struct ChannelRow {
    pub tenant_id: TenantId,
    pub id: ChannelId,
    pub key: String,
    pub name: String,
    pub category: String,
    pub kind: String,
    pub domain: Option<String>,
    pub panel: Option<String>,
    pub topic: Option<String>,
    pub position: i32,
    pub read_rule: Vec<String>,
    pub post_rule: Vec<String>,
    pub slow_mode_s: i32,
    pub locked: bool,
    pub last_seq: i64,
    pub last_message_id: Option<MessageId>,
}

/// A channel's log head: what READY reports as `last_seq` / `last_message_id`.
#[derive(Debug, Clone, Copy, FromRow)]
pub struct ChannelState {
    pub id: ChannelId,
    pub last_seq: i64,
    pub last_message_id: Option<MessageId>,
}

pub(super) const CHANNEL_COLS: &str =
    "tenant_id, id, key, name, category, kind, domain, panel, topic, position, \
     read_rule, post_rule, slow_mode_s, locked, last_seq, last_message_id";

impl Store {
    /// Makes the tenant's categories and channels match the registry file in one
    /// transaction: upserts by key (keeping ids, logs, slow mode and lock, which
    /// staff change at run time) and archives channels no longer in the file.
    ///
    /// Nodes of a cluster that start together each run this: a transaction-scoped
    /// advisory lock per tenant makes them take turns, so the second finds the
    /// first's rows instead of colliding on `categories_pkey`.
    pub async fn update_registry(
        &self,
        tenant_id: TenantId,
        categories: &[CategoryRow],
        channels: &[ChannelRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('arena.registry', $1))")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM categories WHERE tenant_id = $1")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        for c in categories {
            sqlx::query(
                "INSERT INTO categories (tenant_id, key, name, position) VALUES ($1, $2, $3, $4)",
            )
            .bind(tenant_id)
            .bind(&c.key)
            .bind(&c.name)
            .bind(c.position)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE channels SET archived = true WHERE tenant_id = $1 AND kind <> 'dm'")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        for c in channels {
            sqlx::query(
                "INSERT INTO channels (tenant_id, id, key, name, category, kind, domain, panel, topic, position,
                                       read_rule, post_rule, slow_mode_s)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 ON CONFLICT ON CONSTRAINT channels_key_unique DO UPDATE SET
                   name = EXCLUDED.name, category = EXCLUDED.category, kind = EXCLUDED.kind,
                   domain = EXCLUDED.domain, panel = EXCLUDED.panel, topic = EXCLUDED.topic,
                   position = EXCLUDED.position, read_rule = EXCLUDED.read_rule,
                   post_rule = EXCLUDED.post_rule, archived = false",
            )
            .bind(tenant_id)
            .bind(c.id)
            .bind(&c.key)
            .bind(&c.name)
            .bind(&c.category)
            .bind(&c.kind)
            .bind(&c.domain)
            .bind(&c.panel)
            .bind(&c.topic)
            .bind(c.position)
            .bind(&c.read_rule)
            .bind(&c.post_rule)
            .bind(c.slow_mode_s)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's live (not archived) channels in registry order.
    pub async fn fetch_channels(&self, tenant_id: TenantId) -> Result<Vec<ChannelRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {CHANNEL_COLS} FROM channels c WHERE tenant_id = $1 AND NOT archived
             ORDER BY (SELECT position FROM categories k WHERE k.tenant_id = c.tenant_id AND k.key = c.category), position, id"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The tenant's categories in order.
    pub async fn fetch_categories(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<CategoryRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT key, name, position FROM categories WHERE tenant_id = $1 ORDER BY position",
        )
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Log heads of the tenant's channels.
    pub async fn fetch_channel_states(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<ChannelState>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, last_seq, last_message_id FROM channels WHERE tenant_id = $1 AND NOT archived",
        )
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Changes slow mode, lock or topic and logs `CHANNEL_UPDATE` in the same
    /// transaction. `event` builds the logged `d` from the updated row and its seq.
    pub async fn update_channel(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        slow_mode_s: Option<i32>,
        locked: Option<bool>,
        topic: Option<&str>,
        event: impl FnOnce(&ChannelRow, i64) -> serde_json::Value,
    ) -> Result<(ChannelRow, i64), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE channels SET slow_mode_s = COALESCE($3, slow_mode_s), locked = COALESCE($4, locked),
                    topic = COALESCE($5, topic), last_seq = last_seq + 1
             WHERE tenant_id = $1 AND id = $2 AND NOT archived RETURNING {CHANNEL_COLS}"
        );
        let row: ChannelRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(channel_id)
            .bind(slow_mode_s)
            .bind(locked)
            .bind(topic)
            .fetch_one(&mut *tx)
            .await?;
        let seq = row.last_seq;
        let d = event(&row, seq);
        Self::insert_event(&mut tx, tenant_id, channel_id, seq, "CHANNEL_UPDATE", &d).await?;
        tx.commit().await?;
        Ok((row, seq))
    }
}
