//! The wire shapes of cases (REST answers and `panel.action` results) and
//! the reads behind them, always filtered for the reader: internal notes
//! and files attached to them reach staff only.

use super::sees_all;
use crate::ids::CaseId;
use crate::registry::Actor;
use crate::store::{rfc3339, CaseEntryRow, CaseRow, EvidenceRow, Store, StoreError};
use serde::Serialize;

/// Newest thread entries a case view carries.
pub const THREAD_PAGE: i64 = 100;

/// A case. Ids are decimal strings, times RFC 3339.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: String,
    /// The partner who opened it.
    pub author_id: String,
    pub subject: String,
    pub body: String,
    /// `open`, `pending`, `resolved` or `closed`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub assignee_id: Option<String>,
    pub escalated_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Attached files (with [`CaseView::entries`] only: a single case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<EvidenceView>>,
    /// The thread after the opening body, oldest first (the newest 100);
    /// internal notes for staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryView>>,
}

/// One thread entry: a reply (`internal`: a staff note) or a status change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub id: String,
    /// `reply` or `status`.
    pub kind: String,
    pub author_id: String,
    pub internal: bool,
    /// The new status of a `status` entry.
    pub status: Option<String>,
    /// The reply, or the status change's reason (possibly empty).
    pub body: String,
    pub created_at: String,
}

/// A file attached to a case; download it with `GET /api/v1/files/{id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: String,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub added_by: String,
    pub internal: bool,
}

impl From<&CaseRow> for CaseView {
    fn from(c: &CaseRow) -> Self {
        CaseView {
            id: c.id.to_string(),
            author_id: c.author_id.to_string(),
            subject: c.subject.clone(),
            body: c.body.clone(),
            status: c.status.clone(),
            priority: c.priority.clone(),
            assignee_id: c.assignee_id.map(|a| a.to_string()),
            escalated_at: c.escalated_at.map(rfc3339),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            evidence: None,
            entries: None,
        }
    }
}

impl From<&CaseEntryRow> for EntryView {
    fn from(e: &CaseEntryRow) -> Self {
        EntryView {
            id: e.id.to_string(),
            kind: e.kind.clone(),
            author_id: e.author_id.to_string(),
            internal: e.internal,
            status: e.status.clone(),
            body: e.body.clone(),
            created_at: rfc3339(e.created_at),
        }
    }
}

impl From<&EvidenceRow> for EvidenceView {
    fn from(e: &EvidenceRow) -> Self {
        EvidenceView {
            id: e.file_id.to_string(),
            name: e.name.clone(),
            content_type: e.content_type.clone(),
            size: e.size,
            added_by: e.added_by.to_string(),
            internal: e.internal,
        }
    }
}

/// `case` with its evidence and thread as `by` may see them (the caller
/// checked that `by` sees the case).
pub async fn detail(store: &Store, by: &Actor, case: &CaseRow) -> Result<CaseView, StoreError> {
    let internal = sees_all(by);
    let t = by.tenant_id;
    let entries = store
        .fetch_case_entries(t, case.id, internal, THREAD_PAGE)
        .await?;
    let evidence = store.fetch_case_evidence(t, &[case.id], internal).await?;
    let mut v = CaseView::from(case);
    v.entries = Some(entries.iter().map(EntryView::from).collect());
    v.evidence = Some(evidence.iter().map(EvidenceView::from).collect());
    Ok(v)
}

/// A case id from the wire (decimal string); ids above `i64::MAX` name no case.
pub fn case_id(s: arena_protocol::Snowflake) -> CaseId {
    CaseId::from(s)
}
