//! Alliance view state (migration 0028): the last CSV import's report per
//! tenant (table `alliance_imports`) and each staff viewer's open alliance
//! page (`alliance_page_views`), so both survive a restart of the alliance
//! actor or the server and every node of a cluster builds the same panels.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use serde_json::Value;

impl Store {
    /// Replaces the tenant's last import report with `report` (the JSON of
    /// the domain's `ImportReport`), run by `by`.
    pub async fn save_alliance_import(
        &self,
        tenant_id: TenantId,
        by: UserId,
        report: &Value,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO alliance_imports (tenant_id, by_user, report) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id) DO UPDATE
               SET by_user = EXCLUDED.by_user, report = EXCLUDED.report, created_at = now()",
        )
        .bind(tenant_id)
        .bind(by)
        .bind(report)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's last import report and who ran it; `None` before the
    /// first import.
    pub async fn fetch_alliance_import(
        &self,
        tenant_id: TenantId,
    ) -> Result<Option<(UserId, Value)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let row: Option<(i64, Value)> =
            sqlx::query_as("SELECT by_user, report FROM alliance_imports WHERE tenant_id = $1")
                .bind(tenant_id)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(row.map(|(u, r)| (UserId(u), r)))
    }
}

impl Store {
    /// Sets what `viewer` has open on their alliance page (`Some((alliance,
    /// before))`, `before` a timeline entry id) or closes it (`None`).
    pub async fn set_alliance_page(
        &self,
        tenant_id: TenantId,
        viewer: UserId,
        open: Option<(i64, Option<i64>)>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        match open {
            Some((alliance, before)) => {
                sqlx::query(
                    "INSERT INTO alliance_page_views (tenant_id, viewer_id, alliance_id, before_id)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (tenant_id, viewer_id) DO UPDATE
                       SET alliance_id = EXCLUDED.alliance_id, before_id = EXCLUDED.before_id",
                )
                .bind(tenant_id)
                .bind(viewer)
                .bind(alliance)
                .bind(before)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "DELETE FROM alliance_page_views WHERE tenant_id = $1 AND viewer_id = $2",
                )
                .bind(tenant_id)
                .bind(viewer)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// What `viewer` has open: `(alliance, before)`, or `None`.
    pub async fn fetch_alliance_page(
        &self,
        tenant_id: TenantId,
        viewer: UserId,
    ) -> Result<Option<(i64, Option<i64>)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT alliance_id, before_id FROM alliance_page_views WHERE tenant_id = $1 AND viewer_id = $2",
        )
        .bind(tenant_id)
        .bind(viewer)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }
}
