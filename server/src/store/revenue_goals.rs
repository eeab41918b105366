//! Monthly revenue goals (migration 0005): per partner or for the program.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};

impl Store {
    /// Sets (or replaces) the goal of `month` (its first day) for a partner,
    /// or for the program when `partner` is `None`, with an audit entry.
    pub async fn update_goal(
        &self,
        tenant_id: TenantId,
        month: time::Date,
        partner: Option<UserId>,
        target_minor: i64,
        set_by: UserId,
        audit_id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO revenue_goals (tenant_id, month, partner_id, target_minor, set_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, month, partner_id) DO UPDATE
               SET target_minor = EXCLUDED.target_minor, set_by = EXCLUDED.set_by, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(month)
        .bind(partner.unwrap_or(UserId(0)))
        .bind(target_minor)
        .bind(set_by)
        .execute(&mut *tx)
        .await?;
        let target = partner.map_or("program".to_owned(), |p| p.to_string());
        Self::insert_audit_tx(
            &mut tx,
            tenant_id,
            audit_id,
            set_by,
            "revenue.goal",
            &format!("{month} {target}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The goals of `month`: `(partner or None for the program, target_minor)`.
    pub async fn fetch_goals(
        &self,
        tenant_id: TenantId,
        month: time::Date,
    ) -> Result<Vec<(Option<UserId>, i64)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let rows: Vec<(UserId, i64)> = sqlx::query_as(
            "SELECT partner_id, target_minor FROM revenue_goals WHERE tenant_id = $1 AND month = $2 ORDER BY partner_id",
        )
        .bind(tenant_id)
        .bind(month)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(p, t)| ((p.0 != 0).then_some(p), t))
            .collect())
    }
}
