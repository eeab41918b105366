//! Wire shapes of the growth hub's records (REST answers and
//! `panel.action` answers): ids as decimal strings, times RFC 3339, money
//! in minor units with its ISO 4217 currency.

use crate::store::{rfc3339, CampaignRow, CodeRow, LeadRow, PageRow, RunRow, StepRow};
use serde::Serialize;
use serde_json::{json, Value};

/// The public path of a referral code's redirect.
pub fn code_path(code: &str) -> String {
    format!("/r/{code}")
}

/// A code: `{id, partner_id, code, url, qr_url, clicks, created_at}`; `url`
/// and `qr_url` are paths on this server.
pub fn code(c: &CodeRow) -> Value {
    json!({
        "id": c.id.to_string(), "partner_id": c.partner_id.to_string(), "code": c.code,
        "url": code_path(&c.code), "qr_url": format!("{}/qr.svg", code_path(&c.code)),
        "clicks": c.clicks, "created_at": rfc3339(c.created_at),
    })
}

/// A referred lead.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeadView {
    pub id: String,
    pub partner_id: String,
    /// `panel`, `api` or `landing_page`.
    pub source: String,
    pub page_id: Option<String>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub note: String,
    /// `referred`, `contacted`, `qualified`, `won` or `lost`.
    pub stage: String,
    /// The won deal's value, minor units of `currency`.
    pub value_minor: Option<i64>,
    pub currency: Option<String>,
    /// The won deal win is recorded in revenue (deal id `referral-{id}`).
    pub deal_recorded: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&LeadRow> for LeadView {
    fn from(l: &LeadRow) -> Self {
        LeadView {
            id: l.id.to_string(),
            partner_id: l.partner_id.to_string(),
            source: l.source.clone(),
            page_id: l.page_id.map(|p| p.to_string()),
            name: l.name.clone(),
            email: l.email.clone(),
            phone: l.phone.clone(),
            company: l.company.clone(),
            note: l.note.clone(),
            stage: l.stage.clone(),
            value_minor: l.value_minor,
            currency: l.currency.clone(),
            deal_recorded: l.deal_recorded,
            created_at: rfc3339(l.created_at),
            updated_at: rfc3339(l.updated_at),
        }
    }
}

/// A landing page with its figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageView {
    pub id: String,
    pub partner_id: String,
    pub slug: String,
    pub headline: String,
    pub body: String,
    pub cta: String,
    pub fields: Vec<String>,
    pub published: bool,
    pub visits: i64,
    pub submissions: i64,
    pub updated_at: String,
}

impl From<&PageRow> for PageView {
    fn from(p: &PageRow) -> Self {
        PageView {
            id: p.id.to_string(),
            partner_id: p.partner_id.to_string(),
            slug: p.slug.clone(),
            headline: p.headline.clone(),
            body: p.body.clone(),
            cta: p.cta.clone(),
            fields: p.fields.clone(),
            published: p.published,
            visits: p.visits,
            submissions: p.submissions,
            updated_at: rfc3339(p.updated_at),
        }
    }
}

/// A campaign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub created_at: String,
}

impl From<&CampaignRow> for CampaignView {
    fn from(c: &CampaignRow) -> Self {
        CampaignView {
            id: c.id.to_string(),
            owner_id: c.owner_id.to_string(),
            name: c.name.clone(),
            created_at: rfc3339(c.created_at),
        }
    }
}

/// A campaign step.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StepView {
    pub campaign_id: String,
    pub position: i32,
    /// `email` or `sms`.
    pub channel: String,
    pub day_offset: i32,
    pub subject: String,
    pub template: String,
}

impl From<&StepRow> for StepView {
    fn from(s: &StepRow) -> Self {
        StepView {
            campaign_id: s.campaign_id.to_string(),
            position: s.position,
            channel: s.channel.clone(),
            day_offset: s.day_offset,
            subject: s.subject.clone(),
            template: s.template.clone(),
        }
    }
}

/// A scheduled step of an enrolled lead.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub id: String,
    pub campaign_id: String,
    pub lead_id: String,
    pub position: i32,
    /// `pending`, `emitted`, `sent`, `failed` or `cancelled`.
    pub status: String,
    pub detail: String,
    pub due_at: String,
}

impl From<&RunRow> for RunView {
    fn from(r: &RunRow) -> Self {
        RunView {
            id: r.id.to_string(),
            campaign_id: r.campaign_id.to_string(),
            lead_id: r.lead_id.to_string(),
            position: r.position,
            status: r.status.clone(),
            detail: r.detail.clone(),
            due_at: rfc3339(r.due_at),
        }
    }
}
