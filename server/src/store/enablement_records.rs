//! A partner's enablement records (migration 0011): completed modules and
//! courses, certifications and quiz scores, read for panels and profiles.

use super::{CourseRecordRow, ModuleDone, Store, StoreError};
use crate::ids::{TenantId, UserId};

impl Store {
    /// Completed modules of one partner, or of all.
    pub async fn fetch_module_completions(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<ModuleDone>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, course_id, module_id, completed_at FROM module_completions
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Completed courses of one partner, or of all, oldest first.
    pub async fn fetch_course_completions(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<CourseRecordRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, course_id, completed_at AS at, NULL::bigint AS id, NULL::int AS score
             FROM course_completions WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)
             ORDER BY completed_at",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Certifications of one partner, or of all, oldest first.
    pub async fn fetch_certifications(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<CourseRecordRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, course_id, issued_at AS at, id, score
             FROM certifications WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)
             ORDER BY issued_at",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Best quiz scores of one partner, or of all.
    pub async fn fetch_quiz_scores(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<CourseRecordRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, course_id, submitted_at AS at, NULL::bigint AS id, score
             FROM quiz_scores WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
