//! `panel.action` on the growth panels (PROTOCOL.md §4): the same commands
//! as the REST routes, params validated like requests (`bad_request` naming
//! what is wrong), answered after commit.
//!
//! #growth-referrals (`growth-hub.referrals`):
//! - `new_code {partner_id?, target?}` → `{code}`
//! - `add_lead {name, email?, phone?, company?, note?, partner_id?}` → `{lead}`
//! - `move_lead {id, to, value_minor?, currency?}` (the board) → `{lead}`
//! - `enroll {campaign_id, lead_id}` → `{}`
//!
//! #growth-landing-pages (`growth-hub.landing-pages`):
//! - `save_page {page_id?, slug, headline, body?, cta, published?, fields?,
//!   field_phone?, field_company?, field_message?}` → `{page}`
//! - `view_page {page_id}` → `{page}` (its edit form and preview in the panel)
//! - `share_page {page_id}` → `{page}` (posted in #landing-pages)
//!
//! #growth-campaigns (`growth-hub.campaigns`):
//! - `create_campaign {name}` → `{campaign}`
//! - `add_step {campaign_id, channel, day_offset, subject?, template}` → `{step}`
//! - `remove_step {campaign_id, position}` → `{}`
//! - `enroll {campaign_id, lead_id}` / `unenroll {campaign_id, lead_id}` → `{}`

use super::commands::{Command, LeadInput, PageInput, StepInput};
use super::views;
use super::{Growth, CAMPAIGNS_PANEL, PAGES_PANEL, REFERRALS_PANEL};
use crate::domains::handle::Handle;
use crate::registry::Actor;
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// A number as a form or an API client sends it: a number or a decimal string.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum Num {
    Int(i64),
    Text(String),
}

impl Num {
    /// The integer (`bad_request` naming `field` otherwise).
    pub fn get(&self, field: &str) -> Result<i64, ErrorBody> {
        match self {
            Num::Int(i) => Ok(*i),
            Num::Text(s) => s.trim().parse().map_err(|_| {
                ErrorBody::new(
                    ErrorCode::BadRequest,
                    format!("{field} must be a whole number"),
                )
            }),
        }
    }
}

/// A flag as a checkbox or an API client sends it: a boolean or "true"/"on".
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(untagged)]
pub enum Flag {
    #[default]
    Absent,
    Bool(bool),
    Text(String),
}

impl Flag {
    /// Set?
    pub fn on(&self) -> bool {
        match self {
            Flag::Absent => false,
            Flag::Bool(b) => *b,
            Flag::Text(s) => matches!(s.trim(), "true" | "on" | "yes" | "1"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerRef {
    #[serde(default)]
    partner_id: Option<Snowflake>,
    #[serde(default)]
    target: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddLead {
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    partner_id: Option<Snowflake>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveLead {
    id: Snowflake,
    to: String,
    #[serde(default)]
    value_minor: Option<Num>,
    #[serde(default)]
    currency: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Enrollment {
    campaign_id: Snowflake,
    lead_id: Snowflake,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavePage {
    #[serde(default)]
    page_id: Option<String>,
    slug: String,
    headline: String,
    #[serde(default)]
    body: String,
    cta: String,
    #[serde(default)]
    published: Flag,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    field_phone: Flag,
    #[serde(default)]
    field_company: Flag,
    #[serde(default)]
    field_message: Flag,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageRef {
    page_id: Snowflake,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCampaign {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddStep {
    campaign_id: Snowflake,
    channel: String,
    day_offset: Num,
    #[serde(default)]
    subject: String,
    template: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveStep {
    campaign_id: Snowflake,
    position: Num,
}

fn params<T: DeserializeOwned>(action: &str, v: Value) -> Result<T, ErrorBody> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v)
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))
}

fn unknown(kind: &str, action: &str, known: &str) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::BadRequest,
        format!("no action {action:?} on {kind}; it takes {known}"),
    )
}

/// Runs `action` of panel `kind` for `by`.
pub async fn run(
    h: &Handle<Growth>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let who = by.clone();
    match (kind, action) {
        (REFERRALS_PANEL, "new_code") => {
            let r: PartnerRef = params(action, p)?;
            let c = h
                .ask(t, |reply| Command::NewCode {
                    by: who,
                    partner: r.partner_id.map(Into::into),
                    target: r.target,
                    reply,
                })
                .await?;
            Ok(json!({ "code": views::code(&c) }))
        }
        (REFERRALS_PANEL, "add_lead") => {
            let r: AddLead = params(action, p)?;
            let lead = LeadInput {
                name: r.name,
                email: r.email,
                phone: r.phone,
                company: r.company,
                note: r.note,
            };
            let l = h
                .ask(t, |reply| Command::AddLead {
                    by: who,
                    partner: r.partner_id.map(Into::into),
                    lead,
                    reply,
                })
                .await?;
            Ok(json!({ "lead": views::LeadView::from(&l) }))
        }
        (REFERRALS_PANEL, "move_lead") => {
            let r: MoveLead = params(action, p)?;
            let value = match (r.value_minor, r.currency) {
                (Some(v), Some(c)) => Some((v.get("value_minor")?, c)),
                (None, None) => None,
                _ => {
                    return Err(ErrorBody::new(
                        ErrorCode::BadRequest,
                        "value_minor and currency go together",
                    ))
                }
            };
            let l = h
                .ask(t, |reply| Command::MoveLead {
                    by: who,
                    lead_id: r.id.into(),
                    to: r.to,
                    value,
                    reply,
                })
                .await?;
            Ok(json!({ "lead": views::LeadView::from(&l) }))
        }
        (REFERRALS_PANEL | CAMPAIGNS_PANEL, "enroll") => {
            let r: Enrollment = params(action, p)?;
            h.ask(t, |reply| Command::Enroll {
                by: who,
                campaign_id: r.campaign_id.into(),
                lead_id: r.lead_id.into(),
                reply,
            })
            .await?;
            Ok(json!({}))
        }
        (CAMPAIGNS_PANEL, "unenroll") => {
            let r: Enrollment = params(action, p)?;
            h.ask(t, |reply| Command::Unenroll {
                by: who,
                campaign_id: r.campaign_id.into(),
                lead_id: r.lead_id.into(),
                reply,
            })
            .await?;
            Ok(json!({}))
        }
        (PAGES_PANEL, "save_page") => {
            let r: SavePage = params(action, p)?;
            let page_id = match r.page_id.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => Some(crate::ids::LandingPageId(s.parse().map_err(|_| {
                    ErrorBody::new(ErrorCode::BadRequest, "page_id must be a page id")
                })?)),
            };
            let mut fields = r.fields;
            for (f, on) in [
                ("phone", &r.field_phone),
                ("company", &r.field_company),
                ("message", &r.field_message),
            ] {
                if on.on() {
                    fields.push(f.to_owned());
                }
            }
            let page = PageInput {
                slug: r.slug,
                headline: r.headline,
                body: r.body,
                cta: r.cta,
                fields,
                published: r.published.on(),
            };
            let row = h
                .ask(t, |reply| Command::SavePage {
                    by: who,
                    page_id,
                    page,
                    reply,
                })
                .await?;
            Ok(json!({ "page": views::PageView::from(&row) }))
        }
        (PAGES_PANEL, "view_page") => {
            let r: PageRef = params(action, p)?;
            let row = h
                .ask(t, |reply| Command::FocusPage {
                    by: who,
                    page_id: r.page_id.into(),
                    reply,
                })
                .await?;
            Ok(json!({ "page": views::PageView::from(&row) }))
        }
        (PAGES_PANEL, "share_page") => {
            let r: PageRef = params(action, p)?;
            let row = h
                .ask(t, |reply| Command::SharePage {
                    by: who,
                    page_id: r.page_id.into(),
                    reply,
                })
                .await?;
            Ok(json!({ "page": views::PageView::from(&row) }))
        }
        (CAMPAIGNS_PANEL, "create_campaign") => {
            let r: CreateCampaign = params(action, p)?;
            let c = h
                .ask(t, |reply| Command::CreateCampaign {
                    by: who,
                    name: r.name,
                    reply,
                })
                .await?;
            Ok(json!({ "campaign": views::CampaignView::from(&c) }))
        }
        (CAMPAIGNS_PANEL, "add_step") => {
            let r: AddStep = params(action, p)?;
            let step = StepInput {
                channel: r.channel,
                day_offset: r.day_offset.get("day_offset")?,
                subject: r.subject,
                template: r.template,
            };
            let s = h
                .ask(t, |reply| Command::AddStep {
                    by: who,
                    campaign_id: r.campaign_id.into(),
                    step,
                    reply,
                })
                .await?;
            Ok(json!({ "step": views::StepView::from(&s) }))
        }
        (CAMPAIGNS_PANEL, "remove_step") => {
            let r: RemoveStep = params(action, p)?;
            let position = i32::try_from(r.position.get("position")?)
                .map_err(|_| ErrorBody::new(ErrorCode::BadRequest, "position is out of range"))?;
            h.ask(t, |reply| Command::RemoveStep {
                by: who,
                campaign_id: r.campaign_id.into(),
                position,
                reply,
            })
            .await?;
            Ok(json!({}))
        }
        (REFERRALS_PANEL, _) => Err(unknown(
            kind,
            action,
            "new_code, add_lead, move_lead, enroll",
        )),
        (PAGES_PANEL, _) => Err(unknown(kind, action, "save_page, view_page, share_page")),
        (CAMPAIGNS_PANEL, _) => Err(unknown(
            kind,
            action,
            "create_campaign, add_step, remove_step, enroll, unenroll",
        )),
        _ => Err(ErrorBody::new(
            ErrorCode::NotFound,
            format!("{kind} has no actions"),
        )),
    }
}
