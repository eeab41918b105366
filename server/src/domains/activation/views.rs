//! The wire shapes of the activation domain (REST answers and `panel.action`
//! answers): ids as decimal strings, times as RFC 3339.

use crate::store::{rfc3339, ApplicationRow, DocumentRow};
use serde::Serialize;

/// One checklist item as a partner stands with it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ItemView {
    pub key: String,
    pub label: String,
    pub done: bool,
    /// When it was ticked (RFC 3339), if done.
    pub done_at: Option<String>,
    /// Ticked by a fact (application, agreement, payout account, course,
    /// introduction), not by the partner.
    pub auto: bool,
    pub hint: Option<String>,
}

/// A partner's application.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub partner_id: String,
    /// `submitted`, `under_review`, `approved` or `rejected`.
    pub status: String,
    pub company: String,
    pub website: String,
    /// Who the partner sells to and how.
    pub pitch: String,
    /// The staff decision's reason; empty until decided.
    pub reason: String,
    pub submitted_at: String,
    pub updated_at: String,
}

impl From<&ApplicationRow> for ApplicationView {
    fn from(a: &ApplicationRow) -> Self {
        ApplicationView {
            partner_id: a.partner_id.to_string(),
            status: a.status.clone(),
            company: a.company.clone(),
            website: a.website.clone(),
            pitch: a.pitch.clone(),
            reason: a.reason.clone(),
            submitted_at: rfc3339(a.submitted_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

/// A partner's standing with the current agreement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    /// The version offered now (program.toml `onboarding.agreement_version`).
    pub current_version: String,
    pub title: String,
    /// Accepted the current version?
    pub accepted: bool,
    pub accepted_at: Option<String>,
}

/// A compliance document: an uploaded file referenced by the form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub partner_id: String,
    /// A kind of program.toml `[[onboarding.document]]`.
    pub kind: String,
    /// The file (`GET /api/v1/files/{file_id}` for its uploader and staff).
    pub file_id: String,
    pub file_name: Option<String>,
    /// Bytes.
    pub size: Option<i64>,
    pub added_by: String,
    pub created_at: String,
}

impl From<&DocumentRow> for DocumentView {
    fn from(d: &DocumentRow) -> Self {
        DocumentView {
            id: d.id.to_string(),
            partner_id: d.partner_id.to_string(),
            kind: d.kind.clone(),
            file_id: d.file_id.to_string(),
            file_name: d.file_name.clone(),
            size: d.file_size,
            added_by: d.added_by.to_string(),
            created_at: rfc3339(d.created_at),
        }
    }
}

/// Where one partner stands in onboarding.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    pub partner_id: String,
    pub display_name: String,
    /// Items done, of `total`.
    pub done: usize,
    pub total: usize,
    /// The newest tick, or the partner's join time when nothing is ticked.
    pub last_progress_at: String,
    /// Unfinished and no progress for `stuck_after_days` days.
    pub stuck: bool,
    /// The application's status, if they applied.
    pub application: Option<String>,
}

/// `GET /api/v1/onboarding` (a partner) and `/onboarding/{partner_id}`:
/// one partner's whole onboarding.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OnboardingView {
    pub progress: ProgressView,
    pub items: Vec<ItemView>,
    pub application: Option<ApplicationView>,
    pub agreement: AgreementView,
    pub documents: Vec<DocumentView>,
}

/// `GET /api/v1/onboarding` for staff: every partner's progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgramView {
    pub stuck_after_days: u32,
    pub partners: Vec<ProgressView>,
}
