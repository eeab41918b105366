//! The #growth-referrals panel (`growth-hub.referrals`) per projection,
//! bounded (`panel.get` takes no parameters):
//!
//! - A partner: their referral links (a `links` block with QR codes; one
//!   code is created on first need), figures (clicks, leads, won, rewards),
//!   their pipeline as a `board` (cards move between stages; won is for
//!   staff), follow-ups (open leads not touched for `follow_up_days`), the
//!   "Add a lead" form, their rewards, and their growth activity.
//! - Staff: the program's figures, a table per partner, the program's
//!   pipeline board (staff mark won with the deal's value through
//!   `move_lead`), the latest leads with row actions, and the activity.

use super::stage::Stage;
use super::views::code_path;
use super::{referrals, Growth, NAME};
use crate::bus::Projection;
use crate::domains::money::money;
use crate::ids::UserId;
use crate::store::{rfc3339, LeadRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Cards on the board at most.
pub const BOARD_CARDS: i64 = 200;
/// Rows of the per-partner table and rewards list.
pub const TABLE_ROWS: i64 = 100;
/// Activity entries shown.
const ACTIVITY: i64 = 20;

pub(super) async fn names(g: &Growth) -> Result<BTreeMap<UserId, String>, StoreError> {
    Ok(g.store
        .fetch_members(g.tenant_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// The `activity` block of the domain (one partner's with `partner`).
pub(super) async fn activity(
    g: &Growth,
    partner: Option<UserId>,
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let rows = g
        .store
        .fetch_activity(g.tenant_id, partner, Some(NAME), None, ACTIVITY)
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id.to_string(),
                "actor": r.actor_id.and_then(|a| names.get(&a).cloned()),
                "summary": r.summary,
                "created_at": rfc3339(r.created_at),
            })
        })
        .collect();
    Ok(json!({ "type": "activity", "items": items }))
}

fn subtitle(l: &LeadRow) -> String {
    [l.company.as_str(), l.email.as_str(), l.phone.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The pipeline board; `staff` boards may move to won.
fn board(leads: &[LeadRow], staff: bool, names: &BTreeMap<UserId, String>) -> Value {
    let columns: Vec<Value> = Stage::ALL
        .iter()
        .map(|st| {
            let cards: Vec<Value> = leads
                .iter()
                .filter(|l| l.stage == st.as_str())
                .map(|l| {
                    let moves: Vec<&str> = Stage::parse(&l.stage)
                        .map(|s| s.moves())
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|m| staff || *m != Stage::Won)
                        .map(Stage::as_str)
                        .collect();
                    let mut fields = vec![json!({ "label": "Added", "value": rfc3339(l.created_at) })];
                    if staff {
                        fields.push(json!({ "label": "Partner", "value": names.get(&l.partner_id).cloned().unwrap_or_default() }));
                    }
                    if let (Some(v), Some(c)) = (l.value_minor, &l.currency) {
                        fields.push(json!({ "label": "Value", "value": v, "currency": c }));
                    }
                    json!({ "id": l.id.to_string(), "title": l.name, "subtitle": subtitle(l), "fields": fields, "moves": moves })
                })
                .collect();
            json!({ "id": st.as_str(), "title": st.title(), "cards": cards })
        })
        .collect();
    json!({ "type": "board", "action": "move_lead", "columns": columns })
}

fn add_lead_form(staff: bool, partners: &[(UserId, String)]) -> Value {
    let mut fields = vec![
        json!({ "name": "name", "label": "Name", "input": "text", "required": true, "max_length": super::input::MAX_SHORT }),
        json!({ "name": "email", "label": "Email", "input": "text", "max_length": super::input::MAX_CONTACT }),
        json!({ "name": "phone", "label": "Phone", "input": "text", "max_length": 40 }),
        json!({ "name": "company", "label": "Company", "input": "text", "max_length": super::input::MAX_SHORT }),
        json!({ "name": "note", "label": "Note", "input": "textarea", "max_length": super::input::MAX_LONG }),
    ];
    if staff {
        let options: Vec<Value> = partners
            .iter()
            .map(|(id, n)| json!({ "value": id.to_string(), "label": n }))
            .collect();
        fields.insert(0, json!({ "name": "partner_id", "label": "Partner", "input": "select", "required": true, "options": options }));
    }
    json!({ "type": "form", "id": "add-lead", "title": "Add a referred lead", "action": "add_lead", "submit": "Add lead", "fields": fields })
}

/// The "Enroll in a campaign" form: the open leads and the campaigns the
/// viewer may use; `None` when either list is empty.
async fn enroll_form(
    g: &Growth,
    owner: Option<UserId>,
    leads: &[LeadRow],
) -> Result<Option<Value>, StoreError> {
    let campaigns = g
        .store
        .fetch_growth_campaigns(g.tenant_id, owner, 20)
        .await?;
    let open: Vec<Value> = leads
        .iter()
        .filter(|l| !Stage::parse(&l.stage).is_some_and(Stage::is_final))
        .map(|l| json!({ "value": l.id.to_string(), "label": l.name }))
        .collect();
    if campaigns.is_empty() || open.is_empty() {
        return Ok(None);
    }
    let options: Vec<Value> = campaigns
        .iter()
        .map(|c| json!({ "value": c.id.to_string(), "label": c.name }))
        .collect();
    Ok(Some(json!({
        "type": "form", "id": "enroll-lead", "title": "Enroll a lead in a campaign (see #growth-campaigns)",
        "action": "enroll", "submit": "Enroll",
        "fields": [
            { "name": "lead_id", "label": "Lead", "input": "select", "required": true, "options": open },
            { "name": "campaign_id", "label": "Campaign", "input": "select", "required": true, "options": options },
        ],
    })))
}

fn follow_ups(g: &Growth, leads: &[LeadRow], names: Option<&BTreeMap<UserId, String>>) -> Value {
    let days = i64::from(g.config().follow_up_days);
    let cutoff = OffsetDateTime::now_utc() - time::Duration::days(days);
    let items: Vec<Value> = leads
        .iter()
        .filter(|l| !Stage::parse(&l.stage).is_some_and(Stage::is_final) && l.updated_at < cutoff)
        .take(50)
        .map(|l| {
            let who = names.and_then(|n| n.get(&l.partner_id)).map(|n| format!(" · {n}")).unwrap_or_default();
            json!({ "title": format!("{} ({})", l.name, l.stage), "subtitle": format!("Last touched {}{who}", rfc3339(l.updated_at)) })
        })
        .collect();
    if items.is_empty() {
        json!({ "type": "text", "text": format!("Follow-ups: none — every open lead was touched in the last {days} days.") })
    } else {
        json!({ "type": "list", "items": items })
    }
}

fn rewards_text(totals: &[(String, i64)]) -> String {
    if totals.is_empty() {
        "0".into()
    } else {
        totals
            .iter()
            .map(|(c, v)| money(*v, c))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// Builds the panel in `projection`.
pub(super) async fn build(g: &mut Growth, projection: Projection) -> Result<Value, StoreError> {
    let names = names(g).await?;
    match projection {
        Projection::Partner(p) => partner(g, p, &names).await,
        Projection::Program | Projection::Everyone => program(g, &names).await,
    }
}

async fn partner(
    g: &Growth,
    p: UserId,
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let codes = referrals::ensure_code(g, p).await?;
    let leads = g
        .store
        .fetch_growth_leads(g.tenant_id, Some(p), None, BOARD_CARDS)
        .await?;
    let figures = g
        .store
        .fetch_growth_figures(g.tenant_id, Some(p), 1)
        .await?;
    let f = figures.first();
    let totals = g
        .store
        .fetch_growth_reward_totals(g.tenant_id, Some(p))
        .await?;
    let rewards = g
        .store
        .fetch_growth_rewards(g.tenant_id, Some(p), TABLE_ROWS)
        .await?;
    let links: Vec<Value> = codes
        .iter()
        .map(|c| json!({ "label": format!("Referral link {}", c.code), "url": code_path(&c.code),
                         "qr_url": format!("{}/qr.svg", code_path(&c.code)), "note": format!("{} counted clicks", c.clicks) }))
        .collect();
    let reward_rows: Vec<Value> = rewards
        .iter()
        .map(|r| {
            json!([
                rfc3339(r.created_at),
                r.stage,
                money(r.amount_minor, &r.currency),
                r.lead_id.to_string()
            ])
        })
        .collect();
    let enroll = enroll_form(g, Some(p), &leads).await?;
    let lead_rows: Vec<Value> = leads
        .iter()
        .map(|l| {
            json!([
                l.name,
                subtitle(l),
                l.stage,
                l.source,
                rfc3339(l.updated_at)
            ])
        })
        .collect();
    let mut panel = json!({
        "title": "Your referrals",
        "blocks": [
            { "type": "links", "items": links },
            { "type": "actions", "items": [{ "label": "New referral link", "action": "new_code" }] },
            { "type": "figures", "items": [
                { "label": "Clicks", "value": f.map_or(0, |f| f.clicks) },
                { "label": "Leads", "value": f.map_or(0, |f| f.leads) },
                { "label": "Won", "value": f.map_or(0, |f| f.won) },
                { "label": "Rewards", "value": rewards_text(&totals) },
            ]},
            board(&leads, false, names),
            follow_ups(g, &leads, None),
            add_lead_form(false, &[]),
            { "type": "table", "columns": ["Lead", "Contact", "Stage", "Source", "Updated"], "rows": lead_rows, "filter": true },
            { "type": "table", "columns": ["Earned", "Stage", "Reward", "Lead"], "rows": reward_rows },
            activity(g, Some(p), names).await?,
        ]
    });
    if let (Some(form), Some(blocks)) = (enroll, panel["blocks"].as_array_mut()) {
        blocks.insert(6, form);
    }
    Ok(panel)
}

async fn program(g: &Growth, names: &BTreeMap<UserId, String>) -> Result<Value, StoreError> {
    let leads = g
        .store
        .fetch_growth_leads(g.tenant_id, None, None, BOARD_CARDS)
        .await?;
    let per = g
        .store
        .fetch_growth_figures(g.tenant_id, None, TABLE_ROWS)
        .await?;
    let totals = g
        .store
        .fetch_growth_reward_totals(g.tenant_id, None)
        .await?;
    let sum = |f: fn(&crate::store::PartnerFiguresRow) -> i64| per.iter().map(f).sum::<i64>();
    let rows: Vec<Value> = per
        .iter()
        .map(|f| {
            json!([
                names
                    .get(&f.partner_id)
                    .cloned()
                    .unwrap_or_else(|| f.partner_id.to_string()),
                f.clicks,
                f.leads,
                f.won,
                f.visits
            ])
        })
        .collect();
    let members = g.store.fetch_members(g.tenant_id).await?;
    let partners: Vec<(UserId, String)> = members
        .into_iter()
        .filter(|u| u.role == "partner")
        .map(|u| (u.id, u.display_name))
        .collect();
    let won_rows: Vec<Value> = leads
        .iter()
        .filter(|l| l.stage == "qualified")
        .map(|l| {
            json!([
                l.name,
                names.get(&l.partner_id).cloned().unwrap_or_default(),
                l.company
            ])
        })
        .collect();
    let won_forms: Vec<Value> = leads
        .iter()
        .filter(|l| l.stage == "qualified")
        .map(|l| json!([{ "label": "Mark lost", "action": "move_lead", "params": { "id": l.id.to_string(), "to": "lost" }, "style": "danger", "confirm": "Mark this lead lost?" }]))
        .collect();
    let mut blocks = vec![
        json!({ "type": "figures", "items": [
            { "label": "Clicks", "value": sum(|f| f.clicks) },
            { "label": "Leads", "value": sum(|f| f.leads) },
            { "label": "Won", "value": sum(|f| f.won) },
            { "label": "Rewards", "value": rewards_text(&totals) },
        ]}),
        json!({ "type": "table", "columns": ["Partner", "Clicks", "Leads", "Won", "Page visits"], "rows": rows, "filter": true }),
        board(&leads, true, names),
        json!({ "type": "text", "text": "Moving a qualified lead to Won needs the deal's value: use the form below (it records one deal win in revenue, deal id referral-<lead id>)." }),
        json!({ "type": "form", "id": "mark-won", "title": "Mark a lead won", "action": "move_lead", "submit": "Mark won",
        "params": { "to": "won" },
        "fields": [
            { "name": "id", "label": "Lead", "input": "select", "required": true,
              "options": leads.iter().filter(|l| l.stage == "qualified").map(|l| json!({ "value": l.id.to_string(), "label": l.name })).collect::<Vec<_>>() },
            { "name": "value_minor", "label": "Deal value", "input": "money", "required": true, "currency": g.ctx.program.currency },
            { "name": "currency", "label": "Currency", "input": "text", "required": true, "value": g.ctx.program.currency, "max_length": 3 },
        ]}),
        json!({ "type": "table", "columns": ["Qualified lead", "Partner", "Company"], "rows": won_rows, "row_actions": won_forms }),
        follow_ups(g, &leads, Some(names)),
        add_lead_form(true, &partners),
    ];
    if let Some(form) = enroll_form(g, None, &leads).await? {
        blocks.push(form);
    }
    blocks.push(activity(g, None, names).await?);
    Ok(json!({ "title": "Referral program", "blocks": blocks }))
}
