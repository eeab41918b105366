//! The support domain's tables (migration 0012): cases, their thread
//! entries (replies, internal notes, status changes) and evidence files.
//! Every change commits with its activity entry (when the partner may see
//! it) in one transaction; a status change is conditional on the status it
//! was checked against, so a move made meanwhile elsewhere is a conflict.

use super::activity::NewActivity;
use super::{Store, StoreError};
use crate::ids::{CaseId, TenantId, UserId};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

/// One case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub id: CaseId,
    /// The partner who opened it.
    pub author_id: UserId,
    pub subject: String,
    pub body: String,
    /// `open`, `pending`, `resolved` or `closed`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub assignee_id: Option<UserId>,
    pub escalated_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One entry of a case's thread.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseEntryRow {
    pub id: i64,
    pub case_id: CaseId,
    pub author_id: UserId,
    /// `reply` or `status`.
    pub kind: String,
    /// A staff note the partner never sees.
    pub internal: bool,
    /// For `status` entries: the new status.
    pub status: Option<String>,
    /// The reply's text, or a status change's reason (possibly empty).
    pub body: String,
    pub created_at: OffsetDateTime,
}

/// A file attached to a case, with its metadata.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvidenceRow {
    pub case_id: CaseId,
    pub file_id: i64,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub added_by: UserId,
    pub internal: bool,
    pub created_at: OffsetDateTime,
}

/// Cases per (status, priority, assigned or not), for figures.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseCountRow {
    pub status: String,
    pub priority: String,
    pub assigned: bool,
    pub n: i64,
}

/// A case to open.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub id: CaseId,
    pub author_id: UserId,
    pub subject: &'a str,
    pub body: &'a str,
    pub priority: &'a str,
}

/// A thread entry to append.
#[derive(Debug, Clone)]
pub struct NewCaseEntry<'a> {
    /// A snowflake: orders the thread.
    pub id: i64,
    pub case_id: CaseId,
    pub author_id: UserId,
    /// `reply` or `status`.
    pub kind: &'a str,
    pub internal: bool,
    pub status: Option<&'a str>,
    pub body: &'a str,
}

const CASE_COLS: &str = "id, author_id, subject, body, status, priority, assignee_id, escalated_at, created_at, updated_at";
const ENTRY_COLS: &str = "id, case_id, author_id, kind, internal, status, body, created_at";
/// Priorities as a number, highest first in the queue.
const RANK: &str =
    "CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END";

async fn insert_entry_tx(
    tx: &mut Transaction<'_, Postgres>,
    tenant_id: TenantId,
    e: &NewCaseEntry<'_>,
) -> Result<CaseEntryRow, StoreError> {
    let q = format!(
        "INSERT INTO support_entries (tenant_id, id, case_id, author_id, kind, internal, status, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {ENTRY_COLS}"
    );
    Ok(sqlx::query_as(&q)
        .bind(tenant_id)
        .bind(e.id)
        .bind(e.case_id)
        .bind(e.author_id)
        .bind(e.kind)
        .bind(e.internal)
        .bind(e.status)
        .bind(e.body)
        .fetch_one(&mut **tx)
        .await?)
}

async fn insert_evidence_tx(
    tx: &mut Transaction<'_, Postgres>,
    tenant_id: TenantId,
    case_id: CaseId,
    files: &[i64],
    added_by: UserId,
    internal: bool,
) -> Result<(), StoreError> {
    for f in files {
        sqlx::query(
            "INSERT INTO support_evidence (tenant_id, case_id, file_id, added_by, internal)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(tenant_id)
        .bind(case_id)
        .bind(*f)
        .bind(added_by)
        .bind(internal)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn touch_tx(
    tx: &mut Transaction<'_, Postgres>,
    tenant_id: TenantId,
    id: CaseId,
    set: &str,
) -> Result<CaseRow, StoreError> {
    let q = format!(
        "UPDATE support_cases SET updated_at = now(){set} WHERE tenant_id = $1 AND id = $2 RETURNING {CASE_COLS}"
    );
    Ok(sqlx::query_as(&q)
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?)
}

impl Store {
    /// Opens a case with its evidence (file ids already checked) and the
    /// author's activity entry, in one transaction.
    pub async fn insert_case(
        &self,
        tenant_id: TenantId,
        c: &NewCase<'_>,
        evidence: &[i64],
        activity: &NewActivity<'_>,
    ) -> Result<CaseRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO support_cases (tenant_id, id, author_id, subject, body, status, priority)
             VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING {CASE_COLS}"
        );
        let row: CaseRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(c.id)
            .bind(c.author_id)
            .bind(c.subject)
            .bind(c.body)
            .bind(c.priority)
            .fetch_one(&mut *tx)
            .await?;
        insert_evidence_tx(&mut tx, tenant_id, c.id, evidence, c.author_id, false).await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The case `id` of this tenant, or `NotFound`.
    pub async fn fetch_case(&self, tenant_id: TenantId, id: CaseId) -> Result<CaseRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {CASE_COLS} FROM support_cases WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Cases most recently updated first, at most `limit`: one author's
    /// when `author` is given, else every case; `status` filters to one.
    pub async fn fetch_cases(
        &self,
        tenant_id: TenantId,
        author: Option<UserId>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {CASE_COLS} FROM support_cases
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR author_id = $2) AND ($3::text IS NULL OR status = $3)
             ORDER BY updated_at DESC, id DESC LIMIT $4"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(author)
            .bind(status)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The staff queue: open and pending cases, highest priority first,
    /// then oldest first; at most `limit`.
    pub async fn fetch_case_queue(
        &self,
        tenant_id: TenantId,
        limit: i64,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {CASE_COLS} FROM support_cases
             WHERE tenant_id = $1 AND status IN ('open', 'pending')
             ORDER BY {RANK} DESC, created_at, id LIMIT $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Case counts per (status, priority, assigned), one author's or all.
    pub async fn fetch_case_counts(
        &self,
        tenant_id: TenantId,
        author: Option<UserId>,
    ) -> Result<Vec<CaseCountRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT status, priority, assignee_id IS NOT NULL AS assigned, count(*) AS n
             FROM support_cases WHERE tenant_id = $1 AND ($2::bigint IS NULL OR author_id = $2)
             GROUP BY 1, 2, 3",
        )
        .bind(tenant_id)
        .bind(author)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Appends a reply or note with its evidence and (unless internal) the
    /// activity entry; the case's `updated_at` moves.
    pub async fn insert_case_entry(
        &self,
        tenant_id: TenantId,
        e: &NewCaseEntry<'_>,
        evidence: &[i64],
        activity: Option<&NewActivity<'_>>,
    ) -> Result<(CaseRow, CaseEntryRow), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let entry = insert_entry_tx(&mut tx, tenant_id, e).await?;
        insert_evidence_tx(
            &mut tx,
            tenant_id,
            e.case_id,
            evidence,
            e.author_id,
            e.internal,
        )
        .await?;
        let case = touch_tx(&mut tx, tenant_id, e.case_id, "").await?;
        if let Some(a) = activity {
            Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        }
        tx.commit().await?;
        Ok((case, entry))
    }

    /// Moves the case from `from` to the entry's status, appending the
    /// entry and the activity entry; `Conflict` when the case is no longer
    /// in `from` (moved meanwhile).
    pub async fn update_case_status(
        &self,
        tenant_id: TenantId,
        from: &str,
        e: &NewCaseEntry<'_>,
        activity: &NewActivity<'_>,
    ) -> Result<CaseRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE support_cases SET status = $4, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 AND status = $3 RETURNING {CASE_COLS}"
        );
        let row: Option<CaseRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(e.case_id)
            .bind(from)
            .bind(e.status)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "case status is no longer {from}"
            )));
        };
        insert_entry_tx(&mut tx, tenant_id, e).await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Sets the assignee (`Some(None)` unassigns) and/or the priority, with
    /// one activity entry per change.
    pub async fn update_case_triage(
        &self,
        tenant_id: TenantId,
        id: CaseId,
        assignee: Option<Option<UserId>>,
        priority: Option<&str>,
        activity: &[NewActivity<'_>],
    ) -> Result<CaseRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE support_cases SET updated_at = now(),
                 assignee_id = CASE WHEN $3 THEN $4 ELSE assignee_id END,
                 priority = COALESCE($5, priority)
             WHERE tenant_id = $1 AND id = $2 RETURNING {CASE_COLS}"
        );
        let row: CaseRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(assignee.is_some())
            .bind(assignee.flatten())
            .bind(priority)
            .fetch_one(&mut *tx)
            .await?;
        for a in activity {
            Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Marks the case escalated (once) with its activity entry; `Conflict`
    /// when it already was.
    pub async fn update_case_escalated(
        &self,
        tenant_id: TenantId,
        id: CaseId,
        activity: &NewActivity<'_>,
    ) -> Result<CaseRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE support_cases SET escalated_at = now(), updated_at = now()
             WHERE tenant_id = $1 AND id = $2 AND escalated_at IS NULL RETURNING {CASE_COLS}"
        );
        let row: Option<CaseRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict("the case is already escalated".into()));
        };
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The newest `limit` entries of a case's thread, oldest first;
    /// internal notes only when `internal`.
    pub async fn fetch_case_entries(
        &self,
        tenant_id: TenantId,
        case_id: CaseId,
        internal: bool,
        limit: i64,
    ) -> Result<Vec<CaseEntryRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {ENTRY_COLS} FROM support_entries
             WHERE tenant_id = $1 AND case_id = $2 AND ($3 OR NOT internal)
             ORDER BY id DESC LIMIT $4"
        );
        let mut rows: Vec<CaseEntryRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(case_id)
            .bind(internal)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        rows.reverse();
        tx.commit().await?;
        Ok(rows)
    }

    /// The files attached to these cases, oldest first; those attached to
    /// internal notes only when `internal`.
    pub async fn fetch_case_evidence(
        &self,
        tenant_id: TenantId,
        case_ids: &[CaseId],
        internal: bool,
    ) -> Result<Vec<EvidenceRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let ids: Vec<i64> = case_ids.iter().map(|c| c.0).collect();
        let out = sqlx::query_as(
            "SELECT e.case_id, e.file_id, f.name, f.content_type, f.size, e.added_by, e.internal, e.created_at
             FROM support_evidence e JOIN files f ON f.tenant_id = e.tenant_id AND f.id = e.file_id
             WHERE e.tenant_id = $1 AND e.case_id = ANY($2) AND ($3 OR NOT e.internal)
             ORDER BY e.created_at, e.file_id",
        )
        .bind(tenant_id)
        .bind(&ids)
        .bind(internal)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// How many files are attached to a case (for its bound).
    pub async fn fetch_case_evidence_count(
        &self,
        tenant_id: TenantId,
        case_id: CaseId,
    ) -> Result<i64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "SELECT count(*) FROM support_evidence WHERE tenant_id = $1 AND case_id = $2",
        )
        .bind(tenant_id)
        .bind(case_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
