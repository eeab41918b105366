//! Stripe Connect: partners' payout accounts (linked by staff, their status
//! set by `account.updated`) and integration events, each applied once.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// A partner's linked Stripe Connect account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PayoutAccountRow {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// Stripe's `acct_…` id.
    pub stripe_account_id: String,
    /// `pending`, `enabled`, `restricted` or `disabled` (migration 0007).
    pub status: String,
    /// Stripe's `requirements.disabled_reason`, when disabled.
    pub disabled_reason: Option<String>,
    /// Stripe's `created` time of the event that set `status` (None: none yet).
    pub status_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

/// An event received from an integration (`source`, e.g. `stripe`).
#[derive(Debug, Clone)]
pub struct NewIntegrationEvent<'a> {
    pub tenant_id: TenantId,
    pub source: &'a str,
    /// The integration's own event id (Stripe's `evt_…`): the idempotency key.
    pub event_id: &'a str,
    /// The event type, e.g. `account.updated`.
    pub kind: &'a str,
    /// When the integration says the event happened.
    pub created_at: OffsetDateTime,
}

/// What applying an event changes, in the transaction that records it.
#[derive(Debug, Clone)]
pub enum IntegrationEffect<'a> {
    /// Sets the status of the payout account `stripe_account_id` as of the
    /// event's time, unless a newer event already set it (Stripe does not
    /// deliver events in order).
    PayoutAccountStatus {
        stripe_account_id: &'a str,
        status: &'a str,
        disabled_reason: Option<&'a str>,
    },
    /// Writes one audit entry.
    Audit {
        id: i64,
        actor_id: UserId,
        action: &'a str,
        target: &'a str,
        reason: &'a str,
    },
}

const ACCOUNT_COLS: &str =
    "tenant_id, user_id, stripe_account_id, status, disabled_reason, status_at, updated_at";

impl Store {
    /// Links `stripe_account_id` to the partner `user_id`, replacing an earlier
    /// link; a different account starts again as `pending`. `Conflict` when
    /// the account is already linked to another member (of any tenant).
    pub async fn insert_payout_account(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        stripe_account_id: &str,
    ) -> Result<PayoutAccountRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO payout_accounts (tenant_id, user_id, stripe_account_id) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET
               stripe_account_id = EXCLUDED.stripe_account_id,
               status = CASE WHEN payout_accounts.stripe_account_id = EXCLUDED.stripe_account_id
                             THEN payout_accounts.status ELSE 'pending' END,
               disabled_reason = CASE WHEN payout_accounts.stripe_account_id = EXCLUDED.stripe_account_id
                             THEN payout_accounts.disabled_reason END,
               status_at = CASE WHEN payout_accounts.stripe_account_id = EXCLUDED.stripe_account_id
                             THEN payout_accounts.status_at END,
               updated_at = now()
             RETURNING {ACCOUNT_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(user_id)
            .bind(stripe_account_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The partner's payout account, or `NotFound`.
    pub async fn fetch_payout_account(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<PayoutAccountRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {ACCOUNT_COLS} FROM payout_accounts WHERE tenant_id = $1 AND user_id = $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The payout account with this Stripe id, or `NotFound`. The one lookup
    /// without a tenant: a Stripe event names only the connected account,
    /// and the linked row names the tenant.
    pub async fn fetch_payout_account_by_stripe(
        &self,
        stripe_account_id: &str,
    ) -> Result<PayoutAccountRow, StoreError> {
        let q = format!("SELECT {ACCOUNT_COLS} FROM payout_accounts WHERE stripe_account_id = $1");
        let mut tx = self.system_tx().await?;
        let out = sqlx::query_as(&q)
            .bind(stripe_account_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records the event and applies `effect` in one transaction, once:
    /// `false` (and nothing changed) when this event id was recorded before.
    pub async fn insert_integration_event(
        &self,
        e: &NewIntegrationEvent<'_>,
        effect: &IntegrationEffect<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(e.tenant_id).await?;
        let new = sqlx::query(
            "INSERT INTO integration_events (tenant_id, source, event_id, type, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(e.tenant_id)
        .bind(e.source)
        .bind(e.event_id)
        .bind(e.kind)
        .bind(e.created_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !new {
            tx.rollback().await?;
            return Ok(false);
        }
        match effect {
            IntegrationEffect::PayoutAccountStatus {
                stripe_account_id,
                status,
                disabled_reason,
            } => {
                sqlx::query(
                    "UPDATE payout_accounts SET status = $3, disabled_reason = $4, status_at = $5, updated_at = now()
                     WHERE tenant_id = $1 AND stripe_account_id = $2
                       AND (status_at IS NULL OR status_at <= $5)",
                )
                .bind(e.tenant_id)
                .bind(stripe_account_id)
                .bind(status)
                .bind(disabled_reason)
                .bind(e.created_at)
                .execute(&mut *tx)
                .await?;
            }
            IntegrationEffect::Audit {
                id,
                actor_id,
                action,
                target,
                reason,
            } => {
                sqlx::query(
                    "INSERT INTO audit_log (tenant_id, id, actor_id, action, target, reason)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(e.tenant_id)
                .bind(id)
                .bind(actor_id)
                .bind(action)
                .bind(target)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
