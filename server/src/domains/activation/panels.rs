//! The activation panels as generic panel data (`{title, blocks}`,
//! docs/protocol.md), per projection: `activation.checklist` here (a
//! partner's checklist with its buttons and progress; for staff everyone's
//! progress and who is stuck) and `activation.forms` in [`super::form_panel`].
//! Each ends with an `activity` block of the viewer's recent entries.

use super::read;
use super::views::{ItemView, ProgressView};
use super::{Activation, NAME};
use crate::bus::Projection;
use crate::ids::UserId;
use crate::store::StoreError;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Activity entries shown in a panel.
const ACTIVITY_SHOWN: i64 = 10;
/// Partners listed in the program's progress table.
const TABLE_ROWS: usize = 200;

/// Builds panel `kind` in `projection`; `None` for a kind without a builder.
pub(super) async fn build(
    a: &Activation,
    kind: &str,
    projection: Projection,
) -> Result<Option<Value>, StoreError> {
    let partner = match projection {
        Projection::Partner(p) => Some(p),
        Projection::Program | Projection::Everyone => None,
    };
    Ok(Some(match (kind, partner) {
        ("activation.checklist", Some(p)) => checklist(a, p).await?,
        ("activation.checklist", None) => progress(a).await?,
        ("activation.forms", Some(p)) => super::form_panel::partner(a, p).await?,
        ("activation.forms", None) => super::form_panel::program(a).await?,
        _ => return Ok(None),
    }))
}

/// The `activity` block: the newest activation entries of `partner` (or of
/// the program), with the actors' names.
pub(super) async fn activity(a: &Activation, partner: Option<UserId>) -> Result<Value, StoreError> {
    let rows = a
        .store
        .fetch_activity(a.tenant_id, partner, Some(NAME), None, ACTIVITY_SHOWN)
        .await?;
    let mut names: HashMap<UserId, String> = HashMap::new();
    for id in rows.iter().filter_map(|r| r.actor_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
            slot.insert(match a.store.fetch_user(a.tenant_id, id).await {
                Ok(u) => u.display_name,
                Err(StoreError::NotFound) => String::new(),
                Err(e) => return Err(e),
            });
        }
    }
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = json!({
                "id": r.id.to_string(),
                "summary": r.summary,
                "created_at": crate::store::rfc3339(r.created_at),
            });
            if let Some(name) = r.actor_id.and_then(|id| names.get(&id)) {
                v["actor"] = json!(name);
            }
            v
        })
        .collect();
    Ok(json!({ "type": "activity", "items": items }))
}

/// The checklist block item of `it`, with its tick button unless it ticks itself.
fn checklist_item(it: &ItemView) -> Value {
    let mut v = json!({ "id": it.key, "label": it.label, "done": it.done, "auto": it.auto });
    if let Some(at) = &it.done_at {
        v["done_at"] = json!(at);
    }
    if let Some(h) = &it.hint {
        v["hint"] = json!(h);
    }
    if !it.auto {
        v["action"] = json!({
            "label": if it.done { "Mark as not done" } else { "Mark as done" },
            "action": "tick",
            "params": { "key": it.key, "done": !it.done },
        });
    }
    v
}

/// The progress block of one partner.
fn progress_block(p: &ProgressView) -> Value {
    json!({ "type": "progress", "items": [
        { "label": format!("{} of {} done", p.done, p.total), "value": p.done, "max": p.total },
    ]})
}

/// A partner's own checklist.
async fn checklist(a: &Activation, partner: UserId) -> Result<Value, StoreError> {
    let view = match read::partner(a, partner).await {
        Ok(v) => v,
        // A bot's or staff member's partner projection: nothing of theirs.
        Err(StoreError::NotFound) => {
            return Ok(json!({ "title": "Onboarding checklist", "blocks": [
                { "type": "text", "text": "Onboarding checklists are kept for partners." },
            ]}))
        }
        Err(e) => return Err(e),
    };
    let items: Vec<Value> = view.items.iter().map(checklist_item).collect();
    let mut blocks = vec![
        progress_block(&view.progress),
        json!({ "type": "checklist", "items": items }),
    ];
    if view.progress.done == view.progress.total && view.progress.total > 0 {
        blocks.push(json!({ "type": "text", "text": "All done: welcome aboard! 🎉" }));
    }
    blocks.push(activity(a, Some(partner)).await?);
    Ok(json!({ "title": "Your onboarding checklist", "blocks": blocks }))
}

/// Everyone's progress for staff: figures, the table (stuck first), the
/// stuck list, and the program's recent activity.
async fn progress(a: &Activation) -> Result<Value, StoreError> {
    let view = read::program(a).await?;
    let all = &view.partners;
    let finished = all
        .iter()
        .filter(|p| p.done == p.total && p.total > 0)
        .count();
    let stuck: Vec<&ProgressView> = all.iter().filter(|p| p.stuck).collect();
    let (done, total) = all
        .iter()
        .fold((0, 0), |(d, t), p| (d + p.done, t + p.total));
    let share = (done * 100).checked_div(total).unwrap_or(0);
    let rows: Vec<Value> = all
        .iter()
        .take(TABLE_ROWS)
        .map(|p| {
            json!([
                p.display_name,
                format!("{}/{}", p.done, p.total),
                p.last_progress_at,
                p.application.as_deref().unwrap_or("none"),
                if p.stuck {
                    "stuck"
                } else if p.done == p.total {
                    "done"
                } else {
                    "in progress"
                },
            ])
        })
        .collect();
    let row_actions: Vec<Value> = all
        .iter()
        .take(TABLE_ROWS)
        .map(|p| json!([{ "label": "Checklist", "action": "view", "params": { "partner_id": p.partner_id } }]))
        .collect();
    let stuck_items: Vec<Value> = stuck
        .iter()
        .take(TABLE_ROWS)
        .map(|p| {
            json!({
                "title": p.display_name,
                "subtitle": format!("{} of {} done; last progress {}", p.done, p.total, p.last_progress_at),
            })
        })
        .collect();
    let mut blocks = vec![
        json!({ "type": "figures", "items": [
            { "label": "Partners", "value": all.len() },
            { "label": "Finished", "value": finished },
            { "label": "Stuck", "value": stuck.len() },
            { "label": "Items done", "value": share, "unit": "%" },
        ]}),
        json!({ "type": "table", "columns": ["Partner", "Done", "Last progress", "Application", "Status"],
                "rows": rows, "row_actions": row_actions, "filter": true }),
    ];
    if !stuck_items.is_empty() {
        blocks.push(json!({ "type": "text", "text": format!(
            "Stuck: unfinished, with no item ticked for {} days or more.", view.stuck_after_days) }));
        blocks.push(json!({ "type": "list", "items": stuck_items }));
    }
    blocks.push(activity(a, None).await?);
    Ok(json!({ "title": "Onboarding progress", "blocks": blocks }))
}
