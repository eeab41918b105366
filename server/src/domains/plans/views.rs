//! The wire shapes of plans and templates (REST answers and `panel.action`
//! results), and the Markdown export of a plan.

use super::render::{self, MarkdownHead};
use super::status::Status;
use super::templates::sections_text;
use crate::ids::TenantId;
use crate::store::{rfc3339, PlanRow, PlanSection, PlanTemplateRow, Store, StoreError};
use serde::Serialize;

/// One section of a plan or template.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SectionView {
    pub title: String,
    /// Plain text (a template's carries `{{placeholders}}`).
    pub body: String,
    /// May the language model rewrite it?
    pub narrative: bool,
    /// In a plan: `template`, `assistant` or `partner` (who wrote the body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl From<&PlanSection> for SectionView {
    fn from(s: &PlanSection) -> Self {
        SectionView {
            title: s.title.clone(),
            body: s.body.clone(),
            narrative: s.narrative,
            source: (!s.source.is_empty()).then(|| s.source.clone()),
        }
    }
}

/// A plan. Ids are decimal strings, times RFC 3339.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: String,
    /// The partner who owns it.
    pub partner_id: String,
    pub title: String,
    pub client_name: String,
    pub template_key: String,
    pub template_name: String,
    /// `draft`, `submitted`, `approved` or `changes_requested`.
    pub status: String,
    /// The narrative sections' writer: `template` (no model configured),
    /// `writing` (in progress), `written` or `failed` (template text kept).
    pub narrative: String,
    /// Why writing failed.
    pub narrative_note: Option<String>,
    /// Times submitted.
    pub submissions: i32,
    /// Staff's note with the last decision.
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub submitted_at: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The wizard's answers `{client_name, template, goals, audience,
    /// logo_file, colors, tone, features, features_other}`.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    /// In order (a single plan only; lists leave them out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<SectionView>>,
}

impl PlanView {
    /// The plan, with its sections when `sections`.
    pub fn of(p: &PlanRow, sections: bool) -> PlanView {
        PlanView {
            id: p.id.to_string(),
            partner_id: p.partner_id.to_string(),
            title: p.title.clone(),
            client_name: p.client_name.clone(),
            template_key: p.template_key.clone(),
            template_name: p.template_name.clone(),
            status: p.status.clone(),
            narrative: p.narrative.clone(),
            narrative_note: p.narrative_note.clone(),
            submissions: p.submissions,
            decision_note: p.decision_note.clone(),
            decided_by: p.decided_by.map(|u| u.to_string()),
            submitted_at: p.submitted_at.map(rfc3339),
            decided_at: p.decided_at.map(rfc3339),
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            answers: p.answers.clone(),
            sections: sections.then(|| p.sections.0.iter().map(SectionView::from).collect()),
        }
    }
}

/// A plan template.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub key: String,
    pub name: String,
    pub vertical: String,
    pub description: String,
    pub sections: Vec<SectionView>,
    /// The sections in the staff text form (`## Title [narrative]` lines).
    pub sections_text: String,
    /// No longer offered in the wizard.
    pub retired: bool,
    /// From the curated list (not made by staff).
    pub seeded: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&PlanTemplateRow> for TemplateView {
    fn from(t: &PlanTemplateRow) -> Self {
        TemplateView {
            key: t.key.clone(),
            name: t.name.clone(),
            vertical: t.vertical.clone(),
            description: t.description.clone(),
            sections: t.sections.0.iter().map(SectionView::from).collect(),
            sections_text: sections_text(&t.sections.0),
            retired: t.retired_at.is_some(),
            seeded: t.created_by.is_none(),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
        }
    }
}

/// The Markdown export of `plan`: `(file name, document)`.
pub async fn markdown(
    store: &Store,
    tenant_id: TenantId,
    plan: &PlanRow,
) -> Result<(String, String), StoreError> {
    let partner = match store.fetch_user(tenant_id, plan.partner_id).await {
        Ok(u) => u.display_name,
        Err(StoreError::NotFound) => "a former member".into(),
        Err(e) => return Err(e),
    };
    let status: &str = match Status::parse(&plan.status) {
        Some(s) => s.label(),
        None => &plan.status,
    };
    let head = MarkdownHead {
        title: &plan.title,
        client: &plan.client_name,
        template: &plan.template_name,
        status,
        partner: &partner,
    };
    Ok((
        render::markdown_filename(&plan.client_name),
        render::markdown(&head, &plan.sections.0),
    ))
}
