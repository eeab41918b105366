//! The community-insights tables (migration 0015): daily KPI snapshots
//! (one row per tenant and local day; recomputing replaces), the tenant's
//! time zone and its sharing setting. KPI reads over other domains' tables
//! are in `insights_kpis.rs`, experiments in `insights_experiments.rs`.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::{Date, OffsetDateTime};

/// One stored daily snapshot.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SnapshotRow {
    /// The tenant-local day it covers.
    pub day: Date,
    /// The figures (`domains::insights::kpis::Kpis` as JSON).
    pub kpis: serde_json::Value,
    /// The same with messages and activity counted in the channels every
    /// partner reads: what partners see (`None` for snapshots taken before
    /// migration 0024, shown to staff only).
    pub shared_kpis: Option<serde_json::Value>,
    pub computed_at: OffsetDateTime,
    /// Who asked for it; `None`: the scheduled job at the tenant's midnight.
    pub computed_by: Option<UserId>,
}

impl Store {
    /// Every tenant with its time zone name (the scheduler's list).
    pub async fn fetch_tenant_timezones(&self) -> Result<Vec<(TenantId, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, timezone FROM tenants ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The tenant's time zone name (`UTC` by default).
    pub async fn fetch_timezone(&self, tenant_id: TenantId) -> Result<String, StoreError> {
        // `tenants` has no tenant_id column and no row-level security.
        Ok(
            sqlx::query_scalar("SELECT timezone FROM tenants WHERE id = $1")
                .bind(tenant_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Sets the tenant's time zone (an IANA name the caller validated).
    pub async fn update_timezone(&self, tenant_id: TenantId, tz: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE tenants SET timezone = $2 WHERE id = $1")
            .bind(tenant_id)
            .bind(tz)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores the snapshot of `day`, replacing an earlier one of that day.
    pub async fn upsert_snapshot(
        &self,
        tenant_id: TenantId,
        day: Date,
        kpis: &serde_json::Value,
        shared_kpis: &serde_json::Value,
        computed_at: OffsetDateTime,
        by: Option<UserId>,
    ) -> Result<SnapshotRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "INSERT INTO kpi_snapshots (tenant_id, day, kpis, shared_kpis, computed_at, computed_by)
             VALUES ($1, $2, $3, $6, $4, $5)
             ON CONFLICT (tenant_id, day) DO UPDATE
               SET kpis = EXCLUDED.kpis, shared_kpis = EXCLUDED.shared_kpis,
                   computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by
             RETURNING day, kpis, shared_kpis, computed_at, computed_by",
        )
        .bind(tenant_id)
        .bind(day)
        .bind(kpis)
        .bind(computed_at)
        .bind(by)
        .bind(shared_kpis)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The snapshot of `day`, if one was taken.
    pub async fn fetch_snapshot(
        &self,
        tenant_id: TenantId,
        day: Date,
    ) -> Result<Option<SnapshotRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT day, kpis, shared_kpis, computed_at, computed_by FROM kpi_snapshots
             WHERE tenant_id = $1 AND day = $2",
        )
        .bind(tenant_id)
        .bind(day)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Snapshots of days up to `until` (inclusive), newest first, at most `limit`.
    pub async fn fetch_snapshots(
        &self,
        tenant_id: TenantId,
        until: Date,
        limit: i64,
    ) -> Result<Vec<SnapshotRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT day, kpis, shared_kpis, computed_at, computed_by FROM kpi_snapshots
             WHERE tenant_id = $1 AND day <= $2 ORDER BY day DESC LIMIT $3",
        )
        .bind(tenant_id)
        .bind(until)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Do partners see program-level figures? (`false` until staff allow.)
    pub async fn fetch_share_with_partners(&self, tenant_id: TenantId) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "SELECT share_with_partners FROM insights_settings WHERE tenant_id = $1",
        )
        .bind(tenant_id)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(false);
        tx.commit().await?;
        Ok(out)
    }

    /// Sets whether partners see program-level figures.
    pub async fn update_share_with_partners(
        &self,
        tenant_id: TenantId,
        share: bool,
        by: UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO insights_settings (tenant_id, share_with_partners, updated_by, updated_at)
             VALUES ($1, $2, $3, now())
             ON CONFLICT (tenant_id) DO UPDATE
               SET share_with_partners = EXCLUDED.share_with_partners,
                   updated_by = EXCLUDED.updated_by, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(share)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
