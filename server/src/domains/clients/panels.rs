//! #clients-roster and #clients-opportunities as panel data (`{title,
//! blocks}`, docs/protocol.md), per projection: a partner's own clients,
//! notes and opportunities, or the program's for staff. Staff share the
//! program view, so it carries the notes written by staff (never a
//! partner's); a partner's view carries only that partner's notes.

use super::commands::{NOTES_LIMIT, ROSTER_LIMIT};
use super::input::{CLIENT_STAGES, STATUSES};
use super::pipeline::{moves, PIPELINE_LIMIT};
use super::stages::STAGES;
use super::ClientExchange;
use crate::domains::money::money;
use crate::domains::Domain;
use crate::ids::UserId;
use crate::store::{ClientRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Activity entries shown per panel.
const ACTIVITY_ITEMS: i64 = 10;

pub(super) async fn names(
    ce: &ClientExchange,
) -> Result<BTreeMap<UserId, (String, String)>, StoreError> {
    Ok(ce
        .store()
        .fetch_members(ce.tenant_id)
        .await?
        .into_iter()
        .map(|u| (u.id, (u.display_name, u.role)))
        .collect())
}

fn options(values: &[&str]) -> Vec<Value> {
    values
        .iter()
        .map(|v| json!({"value": v, "label": v}))
        .collect()
}

pub(super) fn client_options(clients: &[ClientRow]) -> Vec<Value> {
    clients
        .iter()
        .map(|c| json!({"value": c.id.to_string(), "label": c.name}))
        .collect()
}

fn currency_options(ce: &ClientExchange) -> Vec<Value> {
    let codes: Vec<&str> = ce
        .ctx
        .program
        .rates_ppm
        .keys()
        .map(String::as_str)
        .collect();
    options(&codes)
}

/// The viewer's recent entries of this domain, as an `activity` block.
pub(super) async fn activity(
    ce: &ClientExchange,
    partner: Option<UserId>,
) -> Result<Value, StoreError> {
    let rows = ce
        .store()
        .fetch_activity(
            ce.tenant_id,
            partner,
            Some(ClientExchange::NAME),
            None,
            ACTIVITY_ITEMS,
        )
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|a| json!({"id": a.id.to_string(), "actor": a.actor_id.map(|x| x.to_string()), "summary": a.summary, "created_at": crate::store::rfc3339(a.created_at)}))
        .collect();
    Ok(json!({"type": "activity", "items": items}))
}

fn client_fields(ce: &ClientExchange, required: bool) -> Vec<Value> {
    let cur = &ce.ctx.program.currency;
    vec![
        json!({"name": "name", "label": "Name", "input": "text", "required": required, "max_length": super::input::MAX_NAME}),
        json!({"name": "industry", "label": "Industry", "input": "text", "required": required, "max_length": super::input::MAX_INDUSTRY}),
        json!({"name": "status", "label": "Status", "input": "select", "options": options(&STATUSES)}),
        json!({"name": "stage", "label": "Stage", "input": "select", "options": options(&CLIENT_STAGES)}),
        json!({"name": "value_minor", "label": "Value", "input": "money", "currency": cur}),
        json!({"name": "currency", "label": "Currency", "input": "select", "options": currency_options(ce)}),
        json!({"name": "next_step", "label": "Next step", "input": "text", "max_length": super::input::MAX_NEXT_STEP}),
    ]
}

/// #clients-roster.
pub(super) async fn roster(
    ce: &ClientExchange,
    partner: Option<UserId>,
) -> Result<Value, StoreError> {
    let t = ce.tenant_id;
    let clients = ce.store().fetch_clients(t, partner, ROSTER_LIMIT).await?;
    let names = names(ce).await?;
    let notes = match partner {
        Some(p) => {
            ce.store()
                .fetch_client_notes(t, Some(p), None, None, NOTES_LIMIT)
                .await?
        }
        None => {
            ce.store()
                .fetch_client_notes(t, None, Some(&["staff", "admin"]), None, NOTES_LIMIT)
                .await?
        }
    };
    let name_of = |u: Option<UserId>| {
        u.and_then(|u| names.get(&u))
            .map_or("—".to_owned(), |n| n.0.clone())
    };
    let mut columns = vec![
        "Client",
        "Industry",
        "Status",
        "Stage",
        "Value",
        "Next step",
    ];
    if partner.is_none() {
        columns.push("Partner");
    }
    let mut rows = Vec::new();
    let mut row_actions = Vec::new();
    for c in &clients {
        let mut row = vec![
            json!(c.name),
            json!(c.industry),
            json!(c.status),
            json!(c.stage),
            json!(money(c.value_minor, &c.currency)),
            json!(c.next_step),
        ];
        if partner.is_none() {
            row.push(json!(name_of(c.owner_id)));
        }
        rows.push(Value::Array(row));
        let buttons: Vec<Value> = STATUSES
            .iter()
            .filter(|s| **s != c.status)
            .map(|s| {
                let mut b = json!({"label": format!("Mark {s}"), "action": "set_status", "params": {"client_id": c.id.to_string(), "status": s}});
                if *s == "churned" {
                    b["style"] = json!("danger");
                    b["confirm"] = json!(format!("Mark {} as churned?", c.name));
                }
                b
            })
            .collect();
        row_actions.push(Value::Array(buttons));
    }
    let active = clients.iter().filter(|c| c.status == "active").count();
    let value: i64 = clients
        .iter()
        .filter(|c| c.status != "churned")
        .map(|c| {
            ce.ctx
                .program
                .to_reporting(c.value_minor, &c.currency)
                .unwrap_or(0)
        })
        .sum();
    let client_name: BTreeMap<i64, &str> =
        clients.iter().map(|c| (c.id, c.name.as_str())).collect();
    let note_items: Vec<Value> = notes
        .iter()
        .filter_map(|n| {
            let client = client_name.get(&n.client_id)?;
            let by = if partner.is_none() { format!(" · {}", name_of(Some(n.author_id))) } else { String::new() };
            Some(json!({"title": client, "subtitle": format!("{}{by} · {}", n.body, crate::store::rfc3339(n.created_at))}))
        })
        .collect();
    let mut add_fields = client_fields(ce, true);
    let mut blocks = vec![
        json!({"type": "figures", "items": [
            {"label": "Clients", "value": clients.len()},
            {"label": "Active", "value": active},
            {"label": "Roster value (not churned)", "value": money(value, &ce.ctx.program.currency)},
        ]}),
        json!({"type": "table", "columns": columns, "rows": rows, "filter": true, "row_actions": row_actions}),
    ];
    let choices = client_options(&clients);
    if partner.is_none() {
        let partners: Vec<Value> = names
            .iter()
            .filter(|(_, (_, role))| role == "partner")
            .map(|(id, (n, _))| json!({"value": id.to_string(), "label": n}))
            .collect();
        add_fields.push(json!({"name": "partner_id", "label": "Partner (empty: unassigned)", "input": "select", "options": partners}));
        blocks.push(json!({"type": "form", "id": "assign", "title": "Assign a client to a partner", "action": "assign", "submit": "Assign",
            "fields": [
                {"name": "client_id", "label": "Client", "input": "select", "required": true, "options": choices},
                {"name": "partner_id", "label": "Partner", "input": "select", "required": true, "options": partners},
            ]}));
    }
    blocks.push(json!({"type": "form", "id": "add_client", "title": "Add a client", "action": "add_client", "submit": "Add client", "fields": add_fields}));
    let mut edit_fields = vec![
        json!({"name": "client_id", "label": "Client", "input": "select", "required": true, "options": choices}),
    ];
    edit_fields.extend(client_fields(ce, false));
    blocks.push(json!({"type": "form", "id": "edit_client", "title": "Edit a client (empty fields stay as they are)", "action": "edit_client", "submit": "Save", "fields": edit_fields}));
    blocks.push(json!({"type": "form", "id": "add_note", "title": "Add a private note", "action": "add_note", "submit": "Add note", "fields": [
        {"name": "client_id", "label": "Client", "input": "select", "required": true, "options": choices},
        {"name": "body", "label": "Note (only you see it)", "input": "textarea", "required": true, "max_length": super::input::MAX_NOTE},
    ]}));
    let notes_title = if partner.is_some() {
        "Your notes (only you see them)"
    } else {
        "Staff notes"
    };
    blocks.push(json!({"type": "text", "text": notes_title}));
    blocks.push(json!({"type": "list", "items": note_items}));
    blocks.push(activity(ce, partner).await?);
    Ok(json!({
        "title": if partner.is_some() { "Your clients" } else { "Program clients" },
        "blocks": blocks,
    }))
}

/// #clients-opportunities: the pipeline board.
pub(super) async fn opportunities(
    ce: &ClientExchange,
    partner: Option<UserId>,
) -> Result<Value, StoreError> {
    let t = ce.tenant_id;
    let opps = ce
        .store()
        .fetch_opportunities(t, partner, PIPELINE_LIMIT)
        .await?;
    let names = if partner.is_none() {
        names(ce).await?
    } else {
        BTreeMap::new()
    };
    let program = &ce.ctx.program;
    let columns: Vec<Value> = STAGES
        .iter()
        .map(|stage| {
            let cards: Vec<Value> = opps
                .iter()
                .filter(|o| o.stage == stage.as_str())
                .map(|o| {
                    let mut subtitle = o.client_name.clone();
                    if partner.is_none() {
                        let who = o.owner_id.and_then(|p| names.get(&p)).map_or("unassigned", |n| n.0.as_str());
                        subtitle = format!("{subtitle} · {who}");
                    }
                    let moves: Vec<&str> = moves(o).iter().map(|s| s.as_str()).collect();
                    json!({"id": o.id.to_string(), "title": o.title, "subtitle": subtitle,
                           "fields": [{"label": "Amount", "value": o.amount_minor, "currency": o.currency}],
                           "moves": moves})
                })
                .collect();
            json!({"id": stage.as_str(), "title": stage.title(), "cards": cards})
        })
        .collect();
    let open: Vec<_> = opps
        .iter()
        .filter(|o| o.stage != "won" && o.stage != "lost")
        .collect();
    let pipeline: i64 = open
        .iter()
        .map(|o| {
            program
                .to_reporting(o.amount_minor, &o.currency)
                .unwrap_or(0)
        })
        .sum();
    let won = opps.iter().filter(|o| o.stage == "won").count();
    let lost = opps.iter().filter(|o| o.stage == "lost").count();
    let clients = ce.store().fetch_clients(t, partner, ROSTER_LIMIT).await?;
    let cur = &program.currency;
    Ok(json!({
        "title": if partner.is_some() { "Your pipeline" } else { "Program pipeline" },
        "blocks": [
            {"type": "figures", "items": [
                {"label": "Open", "value": open.len()},
                {"label": "Pipeline value", "value": money(pipeline, cur)},
                {"label": "Won", "value": won},
                {"label": "Win rate", "value": super::industries::win_rate(won, lost)},
            ]},
            {"type": "board", "action": "move", "columns": columns},
            {"type": "text", "text": "Opportunities move forward one stage at a time; any open one may be lost, a lost one reopened as a prospect; won is final and records the deal win in #deal-wins."},
            {"type": "form", "id": "add_opportunity", "title": "New opportunity", "action": "add_opportunity", "submit": "Add", "fields": [
                {"name": "client_id", "label": "Client", "input": "select", "required": true, "options": client_options(&clients)},
                {"name": "title", "label": "Title", "input": "text", "required": true, "max_length": super::input::MAX_NAME},
                {"name": "amount_minor", "label": "Amount", "input": "money", "required": true, "currency": cur},
                {"name": "currency", "label": "Currency", "input": "select", "options": currency_options(ce)},
            ]},
            activity(ce, partner).await?,
        ]
    }))
}
