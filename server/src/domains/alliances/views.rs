//! The alliance domain's answer shapes (REST and `panel.action`): ids are
//! decimal strings, times RFC 3339, dates `YYYY-MM-DD`, money minor units of
//! an ISO 4217 currency.

use super::opportunities::{deal_id, moves as opportunity_moves};
use super::status::Status;
use crate::store::{
    rfc3339, AllianceActivityRow, AllianceContactRow, AllianceDocumentRow, AllianceOpportunityRow,
    AllianceRow, AllianceTaskRow,
};
use serde::Serialize;

/// An alliance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllianceView {
    pub id: String,
    pub name: String,
    /// `prospect`, `negotiation`, `active`, `paused` or `closed`.
    pub status: String,
    /// The reason given with the last status change ("" when none).
    pub status_reason: String,
    /// The statuses it may move to now.
    pub moves: Vec<String>,
    pub owner_id: String,
    pub tier: String,
    pub region: String,
    pub industry: String,
    pub website: String,
    pub notes: String,
    pub external_id: Option<String>,
    /// Partner members (decimal ids).
    pub member_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&AllianceRow> for AllianceView {
    fn from(a: &AllianceRow) -> Self {
        AllianceView {
            id: a.id.to_string(),
            name: a.name.clone(),
            status: a.status.clone(),
            status_reason: a.status_reason.clone(),
            moves: Status::parse(&a.status)
                .map(|s| s.moves().iter().map(|m| m.as_str().to_owned()).collect())
                .unwrap_or_default(),
            owner_id: a.owner_id.to_string(),
            tier: a.tier.clone(),
            region: a.region.clone(),
            industry: a.industry.clone(),
            website: a.website.clone(),
            notes: a.notes.clone(),
            external_id: a.external_id.clone(),
            member_ids: a.members.iter().map(i64::to_string).collect(),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

impl From<AllianceRow> for AllianceView {
    fn from(a: AllianceRow) -> Self {
        AllianceView::from(&a)
    }
}

/// A contact at the partner organisation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    pub id: String,
    pub alliance_id: String,
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&AllianceContactRow> for ContactView {
    fn from(c: &AllianceContactRow) -> Self {
        ContactView {
            id: c.id.to_string(),
            alliance_id: c.alliance_id.to_string(),
            name: c.name.clone(),
            role: c.role.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

/// A joint opportunity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpportunityView {
    pub id: String,
    pub alliance_id: String,
    pub title: String,
    /// `deal` or `campaign`.
    pub kind: String,
    /// `prospect`, `proposal`, `negotiation`, `won` or `lost`.
    pub stage: String,
    /// The stages it may move to now.
    pub moves: Vec<String>,
    /// Minor units of `currency`.
    pub value_minor: i64,
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    pub owner_id: String,
    /// The member credited on a win (null: the alliance's first member).
    pub partner_id: Option<String>,
    /// Who was credited, once won.
    pub won_partner_id: Option<String>,
    /// Won and its deal win recorded in revenue (`deal_id`).
    pub deal_recorded: bool,
    pub deal_id: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&AllianceOpportunityRow> for OpportunityView {
    fn from(o: &AllianceOpportunityRow) -> Self {
        OpportunityView {
            id: o.id.to_string(),
            alliance_id: o.alliance_id.to_string(),
            title: o.title.clone(),
            kind: o.kind.clone(),
            stage: o.stage.clone(),
            moves: opportunity_moves(o)
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            value_minor: o.value_minor,
            currency: o.currency.clone(),
            expected_close: o.expected_close.map(|d| d.to_string()),
            owner_id: o.owner_id.to_string(),
            partner_id: o.partner_id.map(|p| p.to_string()),
            won_partner_id: o.won_partner.map(|p| p.to_string()),
            deal_recorded: o.deal_recorded,
            deal_id: deal_id(o.id),
            created_at: rfc3339(o.created_at),
            updated_at: rfc3339(o.updated_at),
        }
    }
}

/// A partner task; `overdue` when open past its due date (UTC).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    pub id: String,
    pub alliance_id: String,
    pub title: String,
    pub due_on: Option<String>,
    /// `open` or `done`.
    pub status: String,
    pub overdue: bool,
    pub assignee_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Is `t` open past its due date, today being `today`?
pub fn overdue(t: &AllianceTaskRow, today: time::Date) -> bool {
    t.status == "open" && t.due_on.is_some_and(|d| d < today)
}

impl From<&AllianceTaskRow> for TaskView {
    fn from(t: &AllianceTaskRow) -> Self {
        TaskView {
            id: t.id.to_string(),
            alliance_id: t.alliance_id.to_string(),
            title: t.title.clone(),
            due_on: t.due_on.map(|d| d.to_string()),
            status: t.status.clone(),
            overdue: overdue(t, time::OffsetDateTime::now_utc().date()),
            assignee_id: t.assignee_id.map(|a| a.to_string()),
            created_by: t.created_by.to_string(),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
        }
    }
}

/// A document: a link (`url`) or an uploaded file (`file_id`, served at `href`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub alliance_id: String,
    pub title: String,
    pub url: Option<String>,
    pub file_id: Option<String>,
    /// Where to open it: the link, or `/api/v1/files/{file_id}`.
    pub href: String,
    pub added_by: String,
    pub created_at: String,
}

impl From<&AllianceDocumentRow> for DocumentView {
    fn from(d: &AllianceDocumentRow) -> Self {
        let href = match (&d.url, d.file_id) {
            (Some(u), _) => u.clone(),
            (None, Some(f)) => format!("/api/v1/files/{f}"),
            (None, None) => String::new(),
        };
        DocumentView {
            id: d.id.to_string(),
            alliance_id: d.alliance_id.to_string(),
            title: d.title.clone(),
            url: d.url.clone(),
            file_id: d.file_id.map(|f| f.to_string()),
            href,
            added_by: d.added_by.to_string(),
            created_at: rfc3339(d.created_at),
        }
    }
}

/// A timeline entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub id: String,
    pub alliance_id: String,
    /// Null: the system.
    pub actor_id: Option<String>,
    /// `call`, `meeting`, `email`, `note` or `system`.
    pub kind: String,
    /// e.g. `alliance.status_changed`.
    pub verb: String,
    pub summary: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: String,
}

impl From<&AllianceActivityRow> for ActivityView {
    fn from(a: &AllianceActivityRow) -> Self {
        ActivityView {
            id: a.id.to_string(),
            alliance_id: a.alliance_id.to_string(),
            actor_id: a.actor_id.map(|x| x.to_string()),
            kind: a.kind.clone(),
            verb: a.verb.clone(),
            summary: a.summary.clone(),
            data: a.data.clone(),
            created_at: rfc3339(a.created_at),
        }
    }
}

/// One row of a bulk status change: `ok` with the alliance, or the error
/// (`{code, message}`) that row got.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulkRow {
    pub id: String,
    pub ok: bool,
    pub alliance: Option<AllianceView>,
    #[schema(value_type = Option<Object>)]
    pub error: Option<arena_protocol::ErrorBody>,
}

/// One row of a CSV import report (`line` counts the header as line 1).
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ImportRowReport {
    pub line: u64,
    pub external_id: String,
    /// `created`, `updated`, `unchanged`, `rejected`, or `not_applied` (a
    /// good row of a file that another row rejected).
    pub result: String,
    pub alliance_id: Option<String>,
    pub reason: Option<String>,
}

/// The report of a CSV import: `applied` false means nothing changed.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub applied: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub rows: Vec<ImportRowReport>,
}
