//! The moderation audit log: who did what to whom, why, and when.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};

/// One audit entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub actor_id: UserId,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub created_at: time::OffsetDateTime,
}

impl Store {
    /// Records one moderation action.
    pub async fn insert_audit(
        &self,
        tenant_id: TenantId,
        id: i64,
        actor_id: UserId,
        action: &str,
        target: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, id, actor_id, action, target, reason) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(actor_id)
        .bind(action)
        .bind(target)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an action inside the caller's transaction (with the change it describes).
    pub(super) async fn insert_audit_tx(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        tenant_id: TenantId,
        id: i64,
        actor_id: UserId,
        action: &str,
        target: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, id, actor_id, action, target) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(actor_id)
        .bind(action)
        .bind(target)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The newest `limit` entries.
    pub async fn fetch_audit(
        &self,
        tenant_id: TenantId,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, actor_id, action, target, reason, created_at FROM audit_log WHERE tenant_id = $1
             ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
