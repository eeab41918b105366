//! The #growth-campaigns panel (`growth-hub.campaigns`):
//!
//! - A partner: a form to create a campaign; per campaign (their own, at
//!   most 20) its steps as a table (row action Remove), a form to add a
//!   step, its enrolled leads with their next due step (row action
//!   Unenroll) and a form to enroll one of their open leads; their activity.
//! - Staff: every campaign with its owner, steps and enrolled leads (staff
//!   may change any), and the program's activity.

use super::panels::{activity, names};
use super::render::PLACEHOLDERS;
use super::Growth;
use crate::bus::Projection;
use crate::ids::UserId;
use crate::store::{rfc3339, CampaignRow, EnrollmentRow, LeadRow, StepRow, StoreError};
use serde_json::{json, Value};

/// Campaigns shown at most.
const CAMPAIGNS: i64 = 20;
/// Enrollments shown at most (all campaigns).
const ENROLLMENTS: i64 = 200;

fn campaign_blocks(
    c: &CampaignRow,
    owner: &str,
    steps: &[&StepRow],
    enrolled: &[&EnrollmentRow],
    leads: &[LeadRow],
) -> Vec<Value> {
    let id = c.id.to_string();
    let step_rows: Vec<Value> = steps
        .iter()
        .map(|s| {
            json!([
                s.position,
                s.channel,
                format!("day {}", s.day_offset),
                s.subject,
                s.template
            ])
        })
        .collect();
    let step_actions: Vec<Value> = steps
        .iter()
        .map(|s| json!([{ "label": "Remove", "action": "remove_step", "style": "danger", "confirm": "Remove this step? Leads already enrolled keep it.",
                          "params": { "campaign_id": id, "position": s.position } }]))
        .collect();
    let enrolled_rows: Vec<Value> = enrolled
        .iter()
        .map(|e| {
            let next = match (e.next_position, e.next_due_at) {
                (Some(p), Some(d)) => format!("step {p} due {}", rfc3339(d)),
                _ => "none pending".into(),
            };
            json!([
                e.lead_name,
                rfc3339(e.enrolled_at),
                next,
                e.emitted,
                e.sent,
                e.failed
            ])
        })
        .collect();
    let enrolled_actions: Vec<Value> = enrolled
        .iter()
        .map(|e| json!([{ "label": "Unenroll", "action": "unenroll", "confirm": "Cancel this lead's pending steps?",
                          "params": { "campaign_id": id, "lead_id": e.lead_id.to_string() } }]))
        .collect();
    let lead_options: Vec<Value> = leads
        .iter()
        .filter(|l| {
            !matches!(l.stage.as_str(), "won" | "lost")
                && !enrolled.iter().any(|e| e.lead_id == l.id)
        })
        .map(|l| json!({ "value": l.id.to_string(), "label": l.name }))
        .collect();
    vec![
        json!({ "type": "text", "text": format!("Campaign “{}” by {owner}: {} steps, {} leads enrolled.", c.name, steps.len(), enrolled.len()) }),
        json!({ "type": "table", "columns": ["#", "Channel", "When", "Subject", "Script"], "rows": step_rows, "row_actions": step_actions }),
        json!({ "type": "form", "id": format!("add-step-{id}"), "title": format!("Add a step to “{}”", c.name), "action": "add_step",
                "submit": "Add step", "params": { "campaign_id": id },
                "fields": [
                    { "name": "channel", "label": "Channel", "input": "select", "required": true, "value": "email",
                      "options": [{ "value": "email", "label": "Email" }, { "value": "sms", "label": "SMS" }] },
                    { "name": "day_offset", "label": "Days after enrollment", "input": "number", "required": true, "value": 0 },
                    { "name": "subject", "label": "Subject (email)", "input": "text", "max_length": super::input::MAX_SHORT },
                    { "name": "template", "label": format!("Script (placeholders: {})", PLACEHOLDERS.map(|p| format!("{{{{{p}}}}}")).join(" ")),
                      "input": "textarea", "required": true, "max_length": super::input::MAX_LONG },
                ] }),
        json!({ "type": "table", "columns": ["Enrolled lead", "Since", "Next step", "Awaiting tool", "Sent", "Failed"],
                "rows": enrolled_rows, "row_actions": enrolled_actions }),
        json!({ "type": "form", "id": format!("enroll-{id}"), "title": format!("Enroll a lead in “{}”", c.name), "action": "enroll",
                "submit": "Enroll", "params": { "campaign_id": id },
                "fields": [{ "name": "lead_id", "label": "Lead", "input": "select", "required": true, "options": lead_options }] }),
    ]
}

/// Builds the panel in `projection`.
pub(super) async fn build(g: &mut Growth, projection: Projection) -> Result<Value, StoreError> {
    let names = names(g).await?;
    let who: Option<UserId> = match projection {
        Projection::Partner(p) => Some(p),
        _ => None,
    };
    let campaigns = g
        .store
        .fetch_growth_campaigns(g.tenant_id, who, CAMPAIGNS)
        .await?;
    let ids: Vec<_> = campaigns.iter().map(|c| c.id).collect();
    let steps = g.store.fetch_growth_steps(g.tenant_id, &ids).await?;
    let enrolled = g
        .store
        .fetch_growth_enrollments(g.tenant_id, &ids, ENROLLMENTS)
        .await?;
    let leads = g
        .store
        .fetch_growth_leads(g.tenant_id, who, None, 200)
        .await?;
    let mut blocks = vec![
        json!({ "type": "form", "id": "new-campaign", "title": "New campaign", "action": "create_campaign", "submit": "Create",
                "fields": [{ "name": "name", "label": "Name", "input": "text", "required": true, "max_length": super::input::MAX_SHORT }] }),
        json!({ "type": "text", "text": "Due steps go to your mail or SMS tool as campaign.step_due webhook events; the tool reports each one sent or failed." }),
    ];
    for c in &campaigns {
        let s: Vec<&StepRow> = steps.iter().filter(|s| s.campaign_id == c.id).collect();
        let e: Vec<&EnrollmentRow> = enrolled.iter().filter(|e| e.campaign_id == c.id).collect();
        let owner = names.get(&c.owner_id).cloned().unwrap_or_default();
        blocks.extend(campaign_blocks(c, &owner, &s, &e, &leads));
    }
    blocks.push(activity(g, who, &names).await?);
    let title = if who.is_some() {
        "Your campaigns"
    } else {
        "Campaigns"
    };
    Ok(json!({ "title": title, "blocks": blocks }))
}
