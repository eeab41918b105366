//! The #app-plans-library panel (`app-plans.library`) per projection:
//!
//! - A partner: figures of their plans by status; a table of their
//!   [`TABLE_ROWS`] latest plans (open, submit, export buttons); the plan
//!   they last opened (else their latest) expanded: its sections, staff's
//!   note, an edit form while it is a draft or has changes requested, and
//!   submit and export buttons; their app-plans activity.
//! - Staff: figures; every partner's plans, submitted first (open,
//!   approve, export buttons); the plan staff last opened (else the first
//!   awaiting review, else the latest) expanded, with a decision form
//!   while it is submitted; the program's activity.

use super::panels::{activity, narrative_label, status_label};
use super::status::{Move, Status};
use super::Plans;
use crate::bus::Projection;
use crate::ids::UserId;
use crate::store::{rfc3339, PlanRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Rows of a partner's plan table.
pub const TABLE_ROWS: i64 = 50;
/// Rows of the staff table.
pub const STAFF_ROWS: i64 = 100;

pub(super) async fn build(
    s: &Plans,
    partner: Option<UserId>,
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let name = |u: UserId| {
        names
            .get(&u)
            .cloned()
            .unwrap_or_else(|| "a former member".into())
    };
    let limit = if partner.is_some() {
        TABLE_ROWS
    } else {
        STAFF_ROWS
    };
    let plans = s
        .store()
        .fetch_plans(s.tenant_id, partner, None, partner.is_none(), limit)
        .await?;
    let counts = s.store().fetch_plan_counts(s.tenant_id, partner).await?;
    let n = |st: Status| {
        counts
            .iter()
            .filter(|(x, _)| x == st.as_str())
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let figures: Vec<Value> = Status::ALL
        .iter()
        .map(|st| json!({ "label": capitalised(st.label()), "value": n(*st) }))
        .collect();
    let mut rows = Vec::new();
    let mut actions = Vec::new();
    for p in &plans {
        let mut row = vec![json!(p.title)];
        if partner.is_none() {
            row.push(json!(name(p.partner_id)));
        }
        row.extend([
            json!(p.client_name),
            json!(p.template_name),
            json!(status_label(&p.status)),
            json!(narrative_label(p)),
            json!(rfc3339(p.updated_at)),
        ]);
        rows.push(Value::Array(row));
        actions.push(Value::Array(row_buttons(p, partner.is_none())));
    }
    let mut columns = vec!["Plan"];
    if partner.is_none() {
        columns.push("Partner");
    }
    columns.extend(["Client", "Template", "Status", "Narrative", "Updated"]);
    let projection = partner.map_or(Projection::Program, Projection::Partner);
    let focused = focused(s, projection, partner, &plans).await?;
    let mut blocks = vec![json!({ "type": "figures", "items": figures })];
    if plans.is_empty() {
        blocks.push(json!({ "type": "text", "text": match partner {
            Some(_) => "No plans yet: build one in #app-plans-create.",
            None => "No plans yet.",
        }}));
    } else {
        blocks.push(json!({ "type": "table", "columns": columns, "rows": rows, "row_actions": actions, "filter": true }));
    }
    if let Some(p) = &focused {
        blocks.extend(expanded(p, partner.is_none(), &name(p.partner_id)));
    }
    blocks.push(activity(s, partner, names).await?);
    let title = if partner.is_some() {
        "Your app plans"
    } else {
        "App plan reviews"
    };
    Ok(json!({ "title": title, "blocks": blocks }))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

/// The buttons a viewer may press on a plan's row.
fn row_buttons(p: &PlanRow, staff: bool) -> Vec<Value> {
    let id = p.id.to_string();
    let st = Status::parse(&p.status).unwrap_or(Status::Draft);
    let ready = p.narrative != "writing";
    let mut b =
        vec![json!({ "label": "Open", "action": "view_plan", "params": { "plan_id": id } })];
    if ready && !staff && st.moves().contains(&Move::Submit) {
        b.push(json!({ "label": "Submit", "action": "submit", "params": { "plan_id": id }, "style": "primary",
                        "confirm": "Submit this plan for review? It is posted in #app-plan-generator." }));
    }
    if ready && staff && st.moves().contains(&Move::Approve) {
        b.push(json!({ "label": "Approve", "action": "approve", "params": { "plan_id": id }, "style": "primary" }));
    }
    b.push(json!({ "label": "Export", "action": "export", "params": { "plan_id": id } }));
    b
}

/// The plan to expand: the one this projection last opened (if still
/// visible to it), else the first of `plans` (staff: the first awaiting
/// review, if any).
async fn focused(
    s: &Plans,
    projection: Projection,
    partner: Option<UserId>,
    plans: &[PlanRow],
) -> Result<Option<PlanRow>, StoreError> {
    if let Some(id) = s.focus.get(&projection) {
        match s.store().fetch_plan(s.tenant_id, *id).await {
            Ok(p) if partner.is_none_or(|u| u == p.partner_id) => return Ok(Some(p)),
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(match partner {
        Some(_) => plans.first().cloned(),
        None => plans
            .iter()
            .find(|p| p.status == "submitted")
            .or(plans.first())
            .cloned(),
    })
}

fn expanded(p: &PlanRow, staff: bool, partner_name: &str) -> Vec<Value> {
    let id = p.id.to_string();
    let st = Status::parse(&p.status).unwrap_or(Status::Draft);
    let mut head = format!(
        "“{}” for {} ({} template): {}, narrative {}",
        p.title,
        p.client_name,
        p.template_name,
        st.label(),
        narrative_label(p)
    );
    if staff {
        head.push_str(&format!(", by {partner_name}"));
    }
    if p.submissions > 0 {
        head.push_str(&format!(", submitted {} time(s)", p.submissions));
    }
    if let Some(note) = p.decision_note.as_deref().filter(|n| !n.is_empty()) {
        head.push_str(&format!(". Staff's note: {note}"));
    }
    let items: Vec<Value> = p
        .sections
        .0
        .iter()
        .map(|sec| {
            let by = match sec.source.as_str() {
                "assistant" => " · written by the assistant",
                "partner" => " · edited",
                _ if p.narrative == "writing" && sec.narrative => " · writing…",
                _ => "",
            };
            json!({ "title": format!("{}{by}", sec.title), "subtitle": sec.body })
        })
        .collect();
    let mut blocks = vec![
        json!({ "type": "text", "text": head }),
        json!({ "type": "list", "items": items }),
    ];
    let ready = p.narrative != "writing";
    if !staff && st.editable() && ready {
        let mut fields = vec![
            json!({ "name": "title", "label": "Title", "input": "text", "required": true,
                                      "max_length": super::input::MAX_TITLE, "value": p.title }),
        ];
        for (i, sec) in p.sections.0.iter().enumerate() {
            fields.push(json!({ "name": format!("section_{i}"), "label": sec.title, "input": "textarea", "required": true,
                                "max_length": super::render::MAX_RENDERED, "value": sec.body }));
        }
        blocks.push(json!({ "type": "form", "id": format!("edit-{id}"), "title": "Edit the plan", "action": "edit_plan",
                            "submit": "Save", "params": { "plan_id": id }, "fields": fields }));
    }
    if staff && ready && st == Status::Submitted {
        blocks.push(json!({
            "type": "form", "id": format!("decide-{id}"), "title": "Decision", "action": "decide", "submit": "Decide",
            "params": { "plan_id": id },
            "fields": [
                { "name": "decision", "label": "Decision", "input": "select", "required": true, "value": "approve",
                  "options": [ { "value": "approve", "label": "Approve" }, { "value": "request_changes", "label": "Request changes" } ] },
                { "name": "note", "label": "Note to the partner (required to request changes)", "input": "textarea",
                  "max_length": super::input::MAX_NOTE },
            ],
        }));
    }
    let mut buttons = Vec::new();
    if !staff && ready && st.moves().contains(&Move::Submit) {
        buttons.push(json!({ "label": "Submit for review", "action": "submit", "params": { "plan_id": id }, "style": "primary",
                             "confirm": "Submit this plan for review? It is posted in #app-plan-generator." }));
    }
    buttons.push(
        json!({ "label": "Export as Markdown", "action": "export", "params": { "plan_id": id } }),
    );
    blocks.push(json!({ "type": "actions", "items": buttons }));
    blocks
}
