//! #enablement-checklists and #enablement-badges as panel data per
//! projection. Checklists: a partner sees one `checklist` block per client
//! (items tick and untick by pressing them) and the form to start a board;
//! staff see every partner's boards with their progress. Badges: a partner
//! sees the badges earned and those still to earn with their rule; staff
//! see who earned what.

use super::panels::{activity, names};
use super::Enablement;
use crate::bus::Projection;
use crate::ids::UserId;
use crate::store::{SopClientRow, SopTickRow, StoreError};
use serde_json::{json, Value};

/// The checklists panel of `projection`.
pub(super) async fn checklists(
    e: &Enablement,
    projection: Projection,
) -> Result<Value, StoreError> {
    let partner = match projection {
        Projection::Partner(p) => Some(p),
        Projection::Program | Projection::Everyone => None,
    };
    let (s, t) = (e.store(), e.tenant_id);
    let clients = s.fetch_sop_clients(t, partner).await?;
    let ticks = s.fetch_sop_ticks(t, partner).await?;
    let names = names(e).await?;
    let sops = &e.config().sop;
    let mut blocks = Vec::new();
    if sops.is_empty() {
        blocks.push(json!({ "type": "text", "text": "The program defines no SOP boards yet." }));
    }
    match partner {
        Some(p) => {
            if clients.is_empty() && !sops.is_empty() {
                blocks.push(json!({ "type": "text", "text": "Start a board for a client to follow its standard operating procedure step by step." }));
            }
            for c in &clients {
                blocks.extend(board(e, c, &ticks));
            }
            if !sops.is_empty() {
                let options: Vec<Value> = sops
                    .iter()
                    .map(|(k, s)| json!({"value": k, "label": s.title.as_deref().unwrap_or(k)}))
                    .collect();
                blocks.push(json!({
                    "type": "form", "id": "add-client", "title": "Start a board for a client",
                    "action": "add_client", "submit": "Start board",
                    "fields": [
                        { "name": "client", "label": "Client name", "input": "text", "required": true, "max_length": super::rules::MAX_CLIENT },
                        { "name": "client_type", "label": "Client type", "input": "select", "required": true, "options": options },
                    ],
                }));
            }
            blocks.push(activity(e, Some(p), &["checklist."], &names).await?);
            Ok(json!({ "title": "Your SOP boards", "blocks": blocks }))
        }
        None => {
            let mut rows = Vec::new();
            let mut progress = Vec::new();
            for c in &clients {
                let (done, total) = counts(e, c, &ticks);
                let who = names.get(&c.partner_id).cloned().unwrap_or_default();
                rows.push(json!([who, c.client, c.client_type, done, total]));
                progress.push(json!({ "label": format!("{who}: {} ({})", c.client, c.client_type), "value": done, "max": total.max(1) }));
            }
            blocks.push(json!({ "type": "figures", "items": [
                { "label": "Boards", "value": clients.len() },
                { "label": "Complete", "value": clients.iter().filter(|c| { let (d, n) = counts(e, c, &ticks); n > 0 && d >= n }).count() },
                { "label": "Client types", "value": sops.len() },
            ]}));
            blocks.push(json!({ "type": "table", "columns": ["Partner", "Client", "Type", "Done", "Items"], "rows": rows, "filter": true }));
            if !progress.is_empty() {
                blocks.push(json!({ "type": "progress", "items": progress }));
            }
            blocks.push(activity(e, None, &["checklist."], &names).await?);
            Ok(json!({ "title": "SOP boards", "blocks": blocks }))
        }
    }
}

/// (ticked, total) items of a client's board.
fn counts(e: &Enablement, c: &SopClientRow, ticks: &[SopTickRow]) -> (usize, usize) {
    let Some(sop) = e.config().sop(&c.client_type) else {
        return (0, 0);
    };
    let done = sop
        .items()
        .filter(|(id, _)| {
            ticks
                .iter()
                .any(|t| t.partner_id == c.partner_id && t.client == c.client && &t.item == id)
        })
        .count();
    (done, sop.items.len())
}

/// A heading and the `checklist` block of one client's board.
fn board(e: &Enablement, c: &SopClientRow, ticks: &[SopTickRow]) -> Vec<Value> {
    let Some(sop) = e.config().sop(&c.client_type) else {
        return vec![
            json!({ "type": "text", "text": format!("{}: the client type {} is no longer in the program.", c.client, c.client_type) }),
        ];
    };
    let title = format!(
        "{} · {}",
        c.client,
        sop.title.as_deref().unwrap_or(&c.client_type)
    );
    let items: Vec<Value> = sop
        .items()
        .map(|(id, label)| {
            let t = ticks
                .iter()
                .find(|t| t.partner_id == c.partner_id && t.client == c.client && t.item == id);
            let done = t.is_some();
            json!({
                "id": format!("{}/{id}", c.client),
                "label": label,
                "done": done,
                "done_at": t.map(|t| crate::store::rfc3339(t.ticked_at)),
                "action": {
                    "label": if done { "Untick" } else { "Tick" },
                    "action": "tick",
                    "params": {"client": c.client, "item": id, "done": !done},
                },
            })
        })
        .collect();
    vec![
        json!({ "type": "text", "text": title }),
        json!({ "type": "checklist", "title": title, "items": items }),
    ]
}

/// The badges panel of `projection`.
pub(super) async fn badges(e: &Enablement, projection: Projection) -> Result<Value, StoreError> {
    let partner = match projection {
        Projection::Partner(p) => Some(p),
        Projection::Program | Projection::Everyone => None,
    };
    let awards = e.store().fetch_badge_awards(e.tenant_id, partner).await?;
    let names = names(e).await?;
    let defs = &e.config().badge;
    let mut blocks = Vec::new();
    if defs.is_empty() {
        blocks.push(json!({ "type": "text", "text": "The program defines no badges yet." }));
    }
    match partner {
        Some(p) => {
            let earned: Vec<Value> = defs
                .iter()
                .filter_map(|b| {
                    let a = awards.iter().find(|a| a.badge == b.id)?;
                    Some(json!({ "title": format!("🏅 {}", b.name), "subtitle": format!("Earned {} · {}", crate::store::rfc3339(a.awarded_at), b.rule_text()) }))
                })
                .collect();
            let open: Vec<Value> = defs
                .iter()
                .filter(|b| !awards.iter().any(|a| a.badge == b.id))
                .map(|b| json!({ "title": b.name, "subtitle": b.rule_text() }))
                .collect();
            blocks.push(json!({ "type": "figures", "items": [
                { "label": "Earned", "value": earned.len() },
                { "label": "To earn", "value": open.len() },
            ]}));
            blocks.push(json!({ "type": "text", "text": "Earned" }));
            if earned.is_empty() {
                blocks.push(json!({ "type": "text", "text": "No badges yet: the first is one course or one deal away." }));
            } else {
                blocks.push(json!({ "type": "list", "items": earned }));
            }
            if !open.is_empty() {
                blocks.push(json!({ "type": "text", "text": "Still to earn" }));
                blocks.push(json!({ "type": "list", "items": open }));
            }
            blocks.push(activity(e, Some(p), &["badge."], &names).await?);
            Ok(json!({ "title": "Your badges", "blocks": blocks }))
        }
        None => {
            let rows: Vec<Value> = awards
                .iter()
                .rev()
                .map(|a| {
                    let name = defs
                        .iter()
                        .find(|b| b.id == a.badge)
                        .map_or(a.badge.as_str(), |b| b.name.as_str());
                    json!([
                        name,
                        who(&names, a.partner_id),
                        crate::store::rfc3339(a.awarded_at)
                    ])
                })
                .collect();
            let per: Vec<Value> = defs
                .iter()
                .map(|b| json!({ "label": b.name, "value": awards.iter().filter(|a| a.badge == b.id).count() }))
                .collect();
            blocks.push(json!({ "type": "figures", "items": per }));
            blocks.push(json!({ "type": "table", "columns": ["Badge", "Partner", "Earned"], "rows": rows, "filter": true }));
            let rules: Vec<Value> = defs
                .iter()
                .map(|b| json!({ "title": b.name, "subtitle": b.rule_text() }))
                .collect();
            blocks.push(json!({ "type": "list", "items": rules }));
            Ok(json!({ "title": "Badges", "blocks": blocks }))
        }
    }
}

fn who(names: &std::collections::BTreeMap<UserId, String>, id: UserId) -> String {
    names.get(&id).cloned().unwrap_or_default()
}
