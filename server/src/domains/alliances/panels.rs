//! #alliance-directory as panel data (`{title, blocks}`, docs/protocol.md).
//! Staff (the program projection): hero figures (active alliances, open
//! pipeline value, commission owed to members, overdue tasks), the alliance
//! table (column `filters`, a text filter, row status buttons, row
//! selection with bulk status buttons), the opportunity board, every
//! contact, forms (new, edit, contact, opportunity, log, CSV import) with
//! the last import's report (from Postgres), and the timeline; the table's
//! owner, tier, region and industry cells edit inline (`edit_field`). A partner: their own alliance's record,
//! contacts and opportunities, read-only.

use super::opportunities::{moves, Stage, OPPORTUNITY_LIMIT, STAGES};
use super::records::DIRECTORY_LIMIT;
use super::status::{Status, STATUSES};
use super::views::overdue;
use super::work::{LIST_LIMIT, LOGGED_KINDS};
use super::Alliances;
use crate::domains::money::money;
use crate::ids::UserId;
use crate::store::{AllianceFilter, AllianceOpportunityRow, AllianceRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Timeline entries a panel shows.
pub(super) const ACTIVITY_ITEMS: i64 = 15;

pub(super) fn options<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Value> {
    values
        .into_iter()
        .map(|v| json!({"value": v, "label": v}))
        .collect()
}

/// Member names and roles by id.
pub(super) async fn names(
    al: &Alliances,
) -> Result<BTreeMap<UserId, (String, String)>, StoreError> {
    Ok(al
        .store()
        .fetch_members(al.tenant_id)
        .await?
        .into_iter()
        .map(|u| (u.id, (u.display_name, u.role)))
        .collect())
}

/// The alliances `partner` belongs to (one at most), or all for staff.
pub(super) async fn alliances(
    al: &Alliances,
    partner: Option<UserId>,
) -> Result<Vec<AllianceRow>, StoreError> {
    let f = AllianceFilter {
        member: partner,
        ..AllianceFilter::default()
    };
    al.store()
        .fetch_alliances(al.tenant_id, &f, DIRECTORY_LIMIT)
        .await
}

/// Open pipeline of `opps` in the reporting currency.
pub(super) fn pipeline(al: &Alliances, opps: &[&AllianceOpportunityRow]) -> i64 {
    opps.iter()
        .filter(|o| Stage::parse(&o.stage).is_some_and(Stage::is_open))
        .map(|o| {
            al.ctx
                .program
                .to_reporting(o.value_minor, &o.currency)
                .unwrap_or(0)
        })
        .sum()
}

/// The timeline (of one alliance, or all) as an `activity` block.
pub(super) async fn timeline(al: &Alliances, alliance: Option<i64>) -> Result<Value, StoreError> {
    let rows = al
        .store()
        .fetch_alliance_activities(al.tenant_id, alliance, None, ACTIVITY_ITEMS)
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|a| json!({"id": a.id.to_string(), "actor": a.actor_id.map(|x| x.to_string()),
            "summary": format!("[{}] {}", a.kind, a.summary), "created_at": crate::store::rfc3339(a.created_at)}))
        .collect();
    Ok(json!({"type": "activity", "items": items}))
}

fn alliance_fields(owners: &[Value], partners: &[Value], required: bool) -> Vec<Value> {
    vec![
        json!({"name": "name", "label": "Name", "input": "text", "required": required, "max_length": super::input::MAX_NAME}),
        json!({"name": "owner_id", "label": "Owner", "input": "select", "options": owners}),
        json!({"name": "tier", "label": "Tier", "input": "text", "max_length": super::input::MAX_SHORT}),
        json!({"name": "region", "label": "Region", "input": "text", "max_length": super::input::MAX_SHORT}),
        json!({"name": "industry", "label": "Industry", "input": "text", "max_length": super::input::MAX_SHORT}),
        json!({"name": "website", "label": "Website", "input": "text", "max_length": super::input::MAX_URL}),
        json!({"name": "notes", "label": "Notes", "input": "textarea", "max_length": super::input::MAX_NOTES}),
        json!({"name": "member_id", "label": "Partner member (adds one)", "input": "select", "options": partners}),
    ]
}

/// The directory table's inline edits (the table's `edit`, docs/protocol.md):
/// owner, tier, region and industry, each sent as `edit_field {alliance_id,
/// field, value}` and checked like `PATCH /api/v1/alliances/{id}`.
fn inline_edits(owners: &[Value]) -> Value {
    let text = |field: &str| json!({"field": field, "input": "text", "max_length": super::input::MAX_SHORT});
    json!({"action": "edit_field", "param": "alliance_id", "columns": {
        "2": text("tier"),
        "3": {"field": "owner_id", "input": "select", "options": owners},
        "4": text("region"),
        "5": text("industry"),
    }})
}

/// #alliance-directory for `partner` (their alliance) or staff (`None`).
pub(super) async fn directory(
    al: &Alliances,
    partner: Option<UserId>,
) -> Result<Value, StoreError> {
    let list = alliances(al, partner).await?;
    if let Some(p) = partner {
        return partner_view(al, p, list.into_iter().next()).await;
    }
    let t = al.tenant_id;
    let names = names(al).await?;
    let name_of = |u: UserId| names.get(&u).map_or("—".to_owned(), |n| n.0.clone());
    let opps = al
        .store()
        .fetch_alliance_opportunities(t, None, OPPORTUNITY_LIMIT)
        .await?;
    let tasks = al.store().fetch_alliance_tasks(t, None, LIST_LIMIT).await?;
    let contacts = al
        .store()
        .fetch_alliance_contacts(t, None, LIST_LIMIT)
        .await?;
    let today = time::OffsetDateTime::now_utc().date();
    let overdue_n = tasks.iter().filter(|x| overdue(x, today)).count();
    let members: Vec<i64> = list
        .iter()
        .flat_map(|a| a.members.iter().copied())
        .collect();
    let owed: i64 = if members.is_empty() {
        0
    } else {
        al.store()
            .fetch_commission_owed(t, Some(&members))
            .await?
            .iter()
            .map(|(c, v)| al.ctx.program.to_reporting(*v, c).unwrap_or(0))
            .sum()
    };
    let cur = &al.ctx.program.currency;
    let all: Vec<&AllianceOpportunityRow> = opps.iter().collect();
    let mut rows = Vec::new();
    let mut row_ids = Vec::new();
    let mut row_actions = Vec::new();
    for a in &list {
        let mine: Vec<&AllianceOpportunityRow> =
            opps.iter().filter(|o| o.alliance_id == a.id).collect();
        let member_names: Vec<String> = a.members.iter().map(|m| name_of(UserId(*m))).collect();
        rows.push(json!([
            a.name,
            a.status,
            a.tier,
            name_of(a.owner_id),
            a.region,
            a.industry,
            member_names.join(", "),
            money(pipeline(al, &mine), cur)
        ]));
        row_ids.push(json!(a.id.to_string()));
        let open = json!({"label": "Open", "action": "open_alliance", "params": {"alliance_id": a.id.to_string()}});
        let buttons: Vec<Value> = std::iter::once(open).chain(Status::parse(&a.status)
            .map_or(&[][..], Status::moves)
            .iter()
            .map(|s| {
                let mut b = json!({"label": format!("→ {}", s.title()), "action": "set_status",
                "params": {"alliance_id": a.id.to_string(), "status": s.as_str()}});
                if *s == Status::Closed {
                    b["style"] = json!("danger");
                    b["confirm"] = json!(format!("Close {}? Closed is final.", a.name));
                }
                b
            }))
            .collect();
        row_actions.push(Value::Array(buttons));
    }
    let active = list.iter().filter(|a| a.status == "active").count();
    let owners: Vec<Value> = names
        .iter()
        .filter(|(_, (_, r))| r == "staff" || r == "admin")
        .map(|(id, (n, _))| json!({"value": id.to_string(), "label": n}))
        .collect();
    let partners: Vec<Value> = names
        .iter()
        .filter(|(_, (_, r))| r == "partner")
        .map(|(id, (n, _))| json!({"value": id.to_string(), "label": n}))
        .collect();
    let choices: Vec<Value> = list
        .iter()
        .map(|a| json!({"value": a.id.to_string(), "label": a.name}))
        .collect();
    let bulk: Vec<Value> = STATUSES
        .iter()
        .map(|s| {
            json!({"label": format!("Move selected to {}", s.as_str()),
        "action": "bulk_status", "params": {"status": s.as_str()}})
        })
        .collect();
    let mut edit_fields = vec![
        json!({"name": "alliance_id", "label": "Alliance", "input": "select", "required": true, "options": choices}),
    ];
    edit_fields.extend(alliance_fields(&owners, &partners, false));
    let by_alliance: BTreeMap<i64, &str> = list.iter().map(|a| (a.id, a.name.as_str())).collect();
    let columns: Vec<Value> = STAGES.iter().map(|st| {
        let cards: Vec<Value> = opps.iter().filter(|o| o.stage == st.as_str()).map(|o| {
            let m: Vec<&str> = moves(o).iter().map(|s| s.as_str()).collect();
            json!({"id": o.id.to_string(), "title": o.title,
                "subtitle": format!("{} · {}", by_alliance.get(&o.alliance_id).unwrap_or(&"—"), o.kind),
                "fields": [{"label": "Value", "value": o.value_minor, "currency": o.currency}], "moves": m})
        }).collect();
        json!({"id": st.as_str(), "title": st.as_str(), "cards": cards})
    }).collect();
    let mut blocks = vec![
        json!({"type": "figures", "items": [
            {"label": "Active alliances", "value": active},
            {"label": "Pipeline value", "value": money(pipeline(al, &all), cur)},
            {"label": "Commission owed", "value": money(owed, cur)},
            {"label": "Overdue tasks", "value": overdue_n},
        ]}),
        json!({"type": "table", "columns": ["Alliance", "Status", "Tier", "Owner", "Region", "Industry", "Members", "Open pipeline"],
            "rows": rows, "filter": true, "row_actions": row_actions, "row_ids": row_ids,
            "filters": [{"column": 1, "label": "Status"}, {"column": 2, "label": "Tier"}, {"column": 3, "label": "Owner"},
                        {"column": 4, "label": "Region"}, {"column": 5, "label": "Industry"}],
            "bulk": {"param": "ids", "items": bulk}, "edit": inline_edits(&owners)}),
        json!({"type": "text", "text": "Status: prospect → negotiation → active ⇄ paused; any status → closed, which is final. Admins change every alliance, staff the ones they own."}),
        json!({"type": "board", "action": "move_opportunity", "columns": columns}),
        json!({"type": "table", "id": "contacts", "columns": ["Contact", "Alliance", "Role", "Email", "Phone"], "filter": true,
            "rows": contacts.iter().map(|c| json!([c.name, by_alliance.get(&c.alliance_id).unwrap_or(&"—"), c.role, c.email, c.phone])).collect::<Vec<_>>()}),
        json!({"type": "form", "id": "create", "title": "New alliance", "action": "create", "submit": "Create", "fields": alliance_fields(&owners, &partners, true)}),
        json!({"type": "form", "id": "edit", "title": "Edit an alliance (empty fields stay as they are)", "action": "edit", "submit": "Save", "fields": edit_fields}),
        json!({"type": "form", "id": "add_opportunity", "title": "New joint opportunity", "action": "add_opportunity", "submit": "Add", "fields": [
            {"name": "alliance_id", "label": "Alliance", "input": "select", "required": true, "options": choices},
            {"name": "title", "label": "Title", "input": "text", "required": true, "max_length": super::input::MAX_NAME},
            {"name": "kind", "label": "Kind", "input": "select", "options": options(["deal", "campaign"])},
            {"name": "value_minor", "label": "Value", "input": "money", "required": true, "currency": cur},
            {"name": "currency", "label": "Currency", "input": "select", "options": options(al.ctx.program.rates_ppm.keys().map(String::as_str))},
            {"name": "expected_close", "label": "Expected close", "input": "date"},
        ]}),
        json!({"type": "form", "id": "add_contact", "title": "Save a contact", "action": "add_contact", "submit": "Save contact", "fields": [
            {"name": "alliance_id", "label": "Alliance", "input": "select", "required": true, "options": choices},
            {"name": "name", "label": "Name", "input": "text", "required": true, "max_length": super::input::MAX_NAME},
            {"name": "role", "label": "Role", "input": "text", "max_length": super::input::MAX_SHORT},
            {"name": "email", "label": "Email", "input": "text", "max_length": 254},
            {"name": "phone", "label": "Phone", "input": "text", "max_length": 40},
        ]}),
        json!({"type": "form", "id": "log", "title": "Log a call, meeting, email or note", "action": "log", "submit": "Log", "fields": [
            {"name": "alliance_id", "label": "Alliance", "input": "select", "required": true, "options": choices},
            {"name": "kind", "label": "Kind", "input": "select", "required": true, "options": options(LOGGED_KINDS)},
            {"name": "summary", "label": "Summary", "input": "textarea", "required": true, "max_length": super::input::MAX_NOTES},
        ]}),
        json!({"type": "form", "id": "import", "title": "Import alliances and contacts (CSV)", "action": "import", "submit": "Import", "fields": [
            {"name": "file", "label": "CSV file (external_id, name, status, owner_email, tier, region, industry, website, notes, contact_name, contact_role, contact_email, contact_phone)", "input": "file", "required": true},
        ]}),
    ];
    let last_import = al
        .store()
        .fetch_alliance_import(t)
        .await?
        .and_then(|(who, v)| {
            serde_json::from_value::<super::views::ImportReport>(v)
                .inspect_err(
                    |e| tracing::warn!(error = %e, "stored alliance import report unreadable"),
                )
                .ok()
                .map(|r| (who, r))
        });
    if let Some((who, report)) = &last_import {
        let rows: Vec<Value> = report
            .rows
            .iter()
            .map(|r| {
                json!([
                    r.line,
                    r.external_id,
                    r.result,
                    r.reason.clone().unwrap_or_default()
                ])
            })
            .collect();
        let verdict = if report.applied {
            "applied"
        } else {
            "not applied: fix the rejected rows and import again"
        };
        blocks.push(json!({"type": "text", "text": format!("Last import by {}: {} created, {} updated, {} unchanged, {} rejected — {verdict}.",
            name_of(*who), report.created, report.updated, report.unchanged, report.rejected)}));
        blocks.push(json!({"type": "table", "id": "import_report", "columns": ["Line", "External id", "Result", "Reason"], "rows": rows}));
    }
    blocks.push(timeline(al, None).await?);
    Ok(json!({"title": "Alliance directory", "blocks": blocks}))
}

/// A partner's own alliance, read-only.
async fn partner_view(
    al: &Alliances,
    _p: UserId,
    a: Option<AllianceRow>,
) -> Result<Value, StoreError> {
    let Some(a) = a else {
        return Ok(json!({"title": "Your alliance", "blocks": [
            {"type": "text", "text": "You do not belong to an alliance yet; your partner manager adds you."}]}));
    };
    let t = al.tenant_id;
    let names = names(al).await?;
    let contacts = al
        .store()
        .fetch_alliance_contacts(t, Some(a.id), LIST_LIMIT)
        .await?;
    let opps = al
        .store()
        .fetch_alliance_opportunities(t, Some(a.id), OPPORTUNITY_LIMIT)
        .await?;
    let all: Vec<&AllianceOpportunityRow> = opps.iter().collect();
    let cur = &al.ctx.program.currency;
    let owner = names
        .get(&a.owner_id)
        .map_or("—".to_owned(), |n| n.0.clone());
    Ok(
        json!({"title": format!("Your alliance: {}", a.name), "blocks": [
            {"type": "figures", "items": [
                {"label": "Status", "value": a.status},
                {"label": "Tier", "value": if a.tier.is_empty() { "—" } else { &a.tier }},
                {"label": "Open pipeline", "value": money(pipeline(al, &all), cur)},
                {"label": "Partner manager", "value": owner},
            ]},
            {"type": "table", "columns": ["Contact", "Role", "Email", "Phone"],
                "rows": contacts.iter().map(|c| json!([c.name, c.role, c.email, c.phone])).collect::<Vec<_>>()},
            {"type": "table", "columns": ["Opportunity", "Kind", "Stage", "Value", "Expected close"],
                "rows": opps.iter().map(|o| json!([o.title, o.kind, o.stage, money(o.value_minor, &o.currency),
                    o.expected_close.map(|d| d.to_string()).unwrap_or_default()])).collect::<Vec<_>>()},
            timeline(al, Some(a.id)).await?,
        ]}),
    )
}
