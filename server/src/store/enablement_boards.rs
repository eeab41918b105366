//! The enablement domain's other tables (migration 0011): each partner's
//! sharing setting, SOP boards per client (clients and ticked items) and
//! badge awards (once per partner and badge). Every change writes its
//! activity entry in the same transaction.

use super::{NewActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// A client a partner runs an SOP board for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SopClientRow {
    pub partner_id: UserId,
    pub client: String,
    /// The SOP's key in program.toml `[enablement.sop.<type>]`.
    pub client_type: String,
    pub created_at: OffsetDateTime,
}

/// A ticked item of a client's board.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SopTickRow {
    pub partner_id: UserId,
    pub client: String,
    pub item: String,
    pub ticked_at: OffsetDateTime,
}

/// A badge a partner earned.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BadgeAwardRow {
    pub partner_id: UserId,
    pub badge: String,
    pub awarded_at: OffsetDateTime,
}

impl Store {
    /// Does the partner share completions in #training? (Default: yes.)
    pub async fn fetch_share_completions(
        &self,
        tenant_id: TenantId,
        partner: UserId,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let v: Option<bool> = sqlx::query_scalar(
            "SELECT share_completions FROM enablement_settings WHERE tenant_id = $1 AND partner_id = $2",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(v.unwrap_or(true))
    }

    /// The partners who turned sharing off (everyone else shares).
    pub async fn fetch_not_sharing(&self, tenant_id: TenantId) -> Result<Vec<UserId>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "SELECT partner_id FROM enablement_settings WHERE tenant_id = $1 AND NOT share_completions",
        )
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets the partner's sharing setting; `false` when it already was so
    /// (nothing written), else with its activity entry `activity`.
    pub async fn update_share_completions(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        share: bool,
        activity: &NewActivity<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let before: Option<bool> = sqlx::query_scalar(
            "SELECT share_completions FROM enablement_settings WHERE tenant_id = $1 AND partner_id = $2 FOR UPDATE",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_optional(&mut *tx)
        .await?;
        if before.unwrap_or(true) == share {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO enablement_settings (tenant_id, partner_id, share_completions) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, partner_id) DO UPDATE SET share_completions = $3, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(share)
        .execute(&mut *tx)
        .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// SOP clients of one partner, or of all, in creation order.
    pub async fn fetch_sop_clients(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<SopClientRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, client, client_type, created_at FROM sop_clients
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)
             ORDER BY partner_id, created_at, client",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Ticked items of one partner, or of all.
    pub async fn fetch_sop_ticks(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<SopTickRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, client, item, ticked_at FROM sop_ticks
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Adds a client board for the partner; `Conflict` when the partner has
    /// a client of that name already.
    pub async fn insert_sop_client(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        client: &str,
        client_type: &str,
        activity: &NewActivity<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO sop_clients (tenant_id, partner_id, client, client_type) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(client)
        .bind(client_type)
        .execute(&mut *tx)
        .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ticks (`done`) or unticks an item of a client's board; `false` when
    /// it already was so (nothing written).
    pub async fn update_sop_tick(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        client: &str,
        item: &str,
        done: bool,
        activity: &NewActivity<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = if done {
            "INSERT INTO sop_ticks (tenant_id, partner_id, client, item) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM sop_ticks WHERE tenant_id = $1 AND partner_id = $2 AND client = $3 AND item = $4"
        };
        let n = sqlx::query(q)
            .bind(tenant_id)
            .bind(partner)
            .bind(client)
            .bind(item)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Awards `badge` to the partner unless it was awarded before (`false`:
    /// nothing written; the primary key makes it once, across nodes too).
    pub async fn insert_badge_award(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        badge: &str,
        activity: &NewActivity<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "INSERT INTO badge_awards (tenant_id, partner_id, badge) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(badge)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Badges earned by one partner, or by all, oldest first.
    pub async fn fetch_badge_awards(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<BadgeAwardRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, badge, awarded_at FROM badge_awards
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)
             ORDER BY awarded_at, badge",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The Mondays (UTC) of the ISO weeks since `since` in which the
    /// partner's activity log (any domain) has an entry, newest first.
    pub async fn fetch_active_weeks(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        since: OffsetDateTime,
    ) -> Result<Vec<time::Date>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "SELECT DISTINCT (date_trunc('week', created_at AT TIME ZONE 'UTC'))::date AS week
             FROM activity_log WHERE tenant_id = $1 AND partner_id = $2 AND created_at >= $3
             ORDER BY week DESC",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
