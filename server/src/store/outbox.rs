//! Outgoing webhooks: subscriptions, the durable outbox (rows written inside
//! the transaction of the change they announce, one per matching
//! subscription), claiming due rows for delivery, and the delivery log.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

/// A subscription as listed (the secret is shown once, at creation).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: i64,
    pub url: String,
    pub event_types: Vec<String>,
    pub channels: Vec<String>,
    pub created_at: OffsetDateTime,
    pub disabled_at: Option<OffsetDateTime>,
}

/// A due outbox row with what delivering it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueWebhook {
    pub tenant_id: TenantId,
    pub event_id: i64,
    pub subscription_id: i64,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i32,
    pub created_at: OffsetDateTime,
    pub url: String,
    pub secret: String,
}

/// One delivery attempt as logged.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub event_id: i64,
    pub event_type: String,
    pub attempt: i32,
    /// HTTP status, if the receiver answered.
    pub status: Option<i32>,
    pub error: String,
    pub duration_ms: i32,
    pub at: OffsetDateTime,
}

impl Store {
    /// Queues `event_type` with `payload` (JSON text) for every live
    /// subscription of the tenant to it, inside the caller's transaction.
    pub(super) async fn insert_outbox_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        event_type: &str,
        payload: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO webhook_outbox (tenant_id, event_id, subscription_id, event_type, payload)
             SELECT $1, nextval('webhook_event_ids'), s.id, $2, $3 FROM webhook_subscriptions s
             WHERE s.tenant_id = $1 AND s.disabled_at IS NULL AND $2 = ANY(s.event_types)",
        )
        .bind(tenant_id)
        .bind(event_type)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Stores a subscription.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_webhook_subscription(
        &self,
        tenant_id: TenantId,
        id: i64,
        url: &str,
        secret: &str,
        event_types: &[String],
        channels: &[String],
        created_by: UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO webhook_subscriptions (tenant_id, id, url, secret, event_types, channels, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(url)
        .bind(secret)
        .bind(event_types)
        .bind(channels)
        .bind(created_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's subscriptions, newest first.
    pub async fn fetch_webhook_subscriptions(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<SubscriptionRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, url, event_types, channels, created_at, disabled_at FROM webhook_subscriptions
             WHERE tenant_id = $1 ORDER BY id DESC",
        )
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Disables a live subscription: its queued events are no longer claimed
    /// (they stay for the log); `NotFound` otherwise.
    pub async fn update_webhook_subscription_disabled(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let r = sqlx::query(
            "UPDATE webhook_subscriptions SET disabled_at = now() WHERE tenant_id = $1 AND id = $2 AND disabled_at IS NULL",
        )
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

    /// The newest `limit` delivery attempts of a subscription.
    pub async fn fetch_webhook_deliveries(
        &self,
        tenant_id: TenantId,
        subscription_id: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT d.event_id, o.event_type, d.attempt, d.status, d.error, d.duration_ms, d.at
             FROM webhook_deliveries d JOIN webhook_outbox o ON o.tenant_id = d.tenant_id
                  AND o.event_id = d.event_id AND o.subscription_id = d.subscription_id
             WHERE d.tenant_id = $1 AND d.subscription_id = $2 ORDER BY d.at DESC LIMIT $3",
        )
        .bind(tenant_id)
        .bind(subscription_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes delivered or given-up rows (and their attempt log) older than
    /// `days`; returns how many. The dispatcher runs it now and then.
    pub async fn delete_old_webhook_events(&self, days: i32) -> Result<u64, StoreError> {
        let mut tx = self.system_tx().await?;
        let r = sqlx::query(
            "DELETE FROM webhook_outbox WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL)
               AND created_at < now() - make_interval(days => $1)",
        )
        .bind(days)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(r.rows_affected())
    }

    /// Claims up to `limit` due rows of live subscriptions of every tenant (the dispatcher serves
    /// all; each row names its tenant) by pushing their next attempt `lease_s`
    /// ahead, so another dispatcher does not take them meanwhile.
    pub async fn claim_due_webhooks(
        &self,
        limit: i64,
        lease_s: i64,
    ) -> Result<Vec<DueWebhook>, StoreError> {
        let mut tx = self.system_tx().await?;
        let out = sqlx::query_as(
            "WITH due AS (
                 SELECT o.tenant_id, o.event_id, o.subscription_id FROM webhook_outbox o
                 JOIN webhook_subscriptions ls ON ls.tenant_id = o.tenant_id AND ls.id = o.subscription_id
                      AND ls.disabled_at IS NULL
                 WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= now()
                 ORDER BY o.next_attempt_at LIMIT $1 FOR UPDATE OF o SKIP LOCKED)
             UPDATE webhook_outbox o SET next_attempt_at = now() + make_interval(secs => $2)
             FROM due, webhook_subscriptions s
             WHERE o.tenant_id = due.tenant_id AND o.event_id = due.event_id AND o.subscription_id = due.subscription_id
               AND s.tenant_id = o.tenant_id AND s.id = o.subscription_id
             RETURNING o.tenant_id, o.event_id, o.subscription_id, o.event_type, o.payload, o.attempts,
                       o.created_at, s.url, s.secret",
        )
        .bind(limit)
        .bind(lease_s as f64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records one attempt: delivered, or failed with the next attempt at
    /// `retry_at` (`None`: given up).
    #[allow(clippy::too_many_arguments)]
    pub async fn update_webhook_attempt(
        &self,
        w: &DueWebhook,
        delivered: bool,
        status: Option<i32>,
        error: &str,
        duration_ms: i32,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(w.tenant_id).await?;
        sqlx::query(
            "UPDATE webhook_outbox SET attempts = attempts + 1,
                    delivered_at = CASE WHEN $4 THEN now() END,
                    failed_at = CASE WHEN NOT $4 AND $5::timestamptz IS NULL THEN now() END,
                    next_attempt_at = COALESCE($5, next_attempt_at)
             WHERE tenant_id = $1 AND event_id = $2 AND subscription_id = $3",
        )
        .bind(w.tenant_id)
        .bind(w.event_id)
        .bind(w.subscription_id)
        .bind(delivered)
        .bind(retry_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO webhook_deliveries (tenant_id, event_id, subscription_id, attempt, status, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(w.tenant_id)
        .bind(w.event_id)
        .bind(w.subscription_id)
        .bind(w.attempts + 1)
        .bind(status)
        .bind(error)
        .bind(duration_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
