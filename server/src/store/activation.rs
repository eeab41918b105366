//! The activation domain's tables (migration 0009): checklist ticks,
//! applications, agreement acceptances, compliance documents and the
//! welcome claims. Every change writes its activity entry in the same
//! transaction, and only when something changed.

use super::{NewActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// A stored checklist tick (items ticked by the partner, a signal or an event).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TickRow {
    pub partner_id: UserId,
    pub item_key: String,
    pub done: bool,
    /// `partner`, `signal` or `event`.
    pub source: String,
    pub updated_at: OffsetDateTime,
}

/// A partner's current application.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub partner_id: UserId,
    /// `submitted`, `under_review`, `approved` or `rejected`.
    pub status: String,
    pub company: String,
    pub website: String,
    pub pitch: String,
    /// The staff decision's reason; empty until decided.
    pub reason: String,
    pub decided_by: Option<UserId>,
    pub submitted_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What a partner submits.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub company: String,
    pub website: String,
    pub pitch: String,
}

/// One acceptance of an agreement version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgreementRow {
    pub partner_id: UserId,
    pub version: String,
    pub accepted_at: OffsetDateTime,
}

/// A compliance document: a reference to an uploaded file, with the file's
/// name and size when the file row exists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub partner_id: UserId,
    pub kind: String,
    pub file_id: i64,
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
    pub added_by: UserId,
    pub created_at: OffsetDateTime,
}

/// A partner of the tenant, with when they joined.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartnerRow {
    pub id: UserId,
    pub display_name: String,
    pub created_at: OffsetDateTime,
}

const APPLICATION_COLS: &str =
    "partner_id, status, company, website, pitch, reason, decided_by, submitted_at, updated_at";

const DOCUMENT_SELECT: &str =
    "SELECT d.id, d.partner_id, d.kind, d.file_id, f.name AS file_name, f.size AS file_size,
        d.added_by, d.created_at
 FROM activation_documents d
 LEFT JOIN files f ON f.tenant_id = d.tenant_id AND f.id = d.file_id";

impl Store {
    /// The tenant's partners by join time, at most `limit`.
    pub async fn fetch_partners(
        &self,
        tenant_id: TenantId,
        limit: i64,
    ) -> Result<Vec<PartnerRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, display_name, created_at FROM users
             WHERE tenant_id = $1 AND role = 'partner' ORDER BY created_at, id LIMIT $2",
        )
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The partner `id`; `NotFound` for a member who is not a partner.
    pub async fn fetch_partner(
        &self,
        tenant_id: TenantId,
        id: UserId,
    ) -> Result<PartnerRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, display_name, created_at FROM users
             WHERE tenant_id = $1 AND id = $2 AND role = 'partner'",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Stored ticks: one partner's, or every partner's (`None`).
    pub async fn fetch_ticks(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<TickRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, item_key, done, source, updated_at FROM activation_ticks
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets `partner`'s item `key` to `done` from `source`, with `activity`;
    /// answers false (and writes nothing) when it already was.
    pub async fn update_tick(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        key: &str,
        done: bool,
        source: &str,
        activity: &NewActivity<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let changed = if done {
            sqlx::query(
                "INSERT INTO activation_ticks (tenant_id, partner_id, item_key, done, source)
                 VALUES ($1, $2, $3, true, $4)
                 ON CONFLICT (tenant_id, partner_id, item_key) DO UPDATE
                   SET done = true, source = EXCLUDED.source, updated_at = now()
                   WHERE NOT activation_ticks.done",
            )
        } else {
            sqlx::query(
                "UPDATE activation_ticks SET done = false, source = $4, updated_at = now()
                 WHERE tenant_id = $1 AND partner_id = $2 AND item_key = $3 AND done",
            )
        }
        .bind(tenant_id)
        .bind(partner)
        .bind(key)
        .bind(source)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// `partner`'s current application, if any.
    pub async fn fetch_application(
        &self,
        tenant_id: TenantId,
        partner: UserId,
    ) -> Result<Option<ApplicationRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {APPLICATION_COLS} FROM activation_applications WHERE tenant_id = $1 AND partner_id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The newest `limit` applications (by last change).
    pub async fn fetch_applications(
        &self,
        tenant_id: TenantId,
        limit: i64,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {APPLICATION_COLS} FROM activation_applications WHERE tenant_id = $1
             ORDER BY updated_at DESC, partner_id LIMIT $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Submits `partner`'s application: a first one (`from` None) or a
    /// resubmission over one in status `from`. `Conflict` when the stored
    /// status is not `from` any more (moved meanwhile).
    pub async fn update_application_submit(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        from: Option<&str>,
        a: &NewApplication,
        activity: &NewActivity<'_>,
    ) -> Result<ApplicationRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = match from {
            None => format!(
                "INSERT INTO activation_applications (tenant_id, partner_id, status, company, website, pitch)
                 VALUES ($1, $2, 'submitted', $4, $5, $6)
                 ON CONFLICT (tenant_id, partner_id) DO NOTHING
                 RETURNING {APPLICATION_COLS}"
            ),
            Some(_) => format!(
                "UPDATE activation_applications
                 SET status = 'submitted', company = $4, website = $5, pitch = $6, reason = '',
                     decided_by = NULL, submitted_at = now(), updated_at = now()
                 WHERE tenant_id = $1 AND partner_id = $2 AND status = $3
                 RETURNING {APPLICATION_COLS}"
            ),
        };
        let row: Option<ApplicationRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(from.unwrap_or_default())
            .bind(&a.company)
            .bind(&a.website)
            .bind(&a.pitch)
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.ok_or_else(|| StoreError::Conflict("application status".into()))?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves `partner`'s application from `from` to `to` (staff `by`, with
    /// `reason`); `Conflict` when it is not in `from` any more.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_application_status(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        from: &str,
        to: &str,
        reason: &str,
        by: UserId,
        activity: &NewActivity<'_>,
    ) -> Result<ApplicationRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE activation_applications SET status = $4, reason = $5, decided_by = $6, updated_at = now()
             WHERE tenant_id = $1 AND partner_id = $2 AND status = $3
             RETURNING {APPLICATION_COLS}"
        );
        let row: Option<ApplicationRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(from)
            .bind(to)
            .bind(reason)
            .bind(by)
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.ok_or_else(|| StoreError::Conflict("application status".into()))?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Acceptances of agreement `version`: one partner's, or everyone's.
    pub async fn fetch_agreements(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        version: &str,
    ) -> Result<Vec<AgreementRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT partner_id, version, accepted_at FROM activation_agreements
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2) AND version = $3",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(version)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records `partner`'s acceptance of `version` with `activity`; the
    /// acceptance already recorded (and false, nothing written) when it was.
    pub async fn insert_agreement(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        version: &str,
        activity: &NewActivity<'_>,
    ) -> Result<(AgreementRow, bool), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let new: Option<AgreementRow> = sqlx::query_as(
            "INSERT INTO activation_agreements (tenant_id, partner_id, version) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING partner_id, version, accepted_at",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = new {
            Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
            tx.commit().await?;
            return Ok((row, true));
        }
        // Already accepted: read the first acceptance in the same transaction.
        let row = sqlx::query_as(
            "SELECT partner_id, version, accepted_at FROM activation_agreements
             WHERE tenant_id = $1 AND partner_id = $2 AND version = $3",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(version)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((row, false))
    }

    /// The newest `limit` documents: one partner's, or everyone's.
    pub async fn fetch_documents(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<DocumentRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "{DOCUMENT_SELECT} WHERE d.tenant_id = $1 AND ($2::bigint IS NULL OR d.partner_id = $2)
             ORDER BY d.id DESC LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Attaches file `file_id` as a `kind` document of `partner`, with
    /// `activity`. `Conflict` when that file is already attached for them.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_document(
        &self,
        tenant_id: TenantId,
        id: i64,
        partner: UserId,
        kind: &str,
        file_id: i64,
        by: UserId,
        activity: &NewActivity<'_>,
    ) -> Result<DocumentRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO activation_documents (tenant_id, id, partner_id, kind, file_id, added_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(partner)
        .bind(kind)
        .bind(file_id)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        let q = format!("{DOCUMENT_SELECT} WHERE d.tenant_id = $1 AND d.id = $2");
        let row = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }
}
