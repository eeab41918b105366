//! #partner-workspace as panel data: one `tabs` block with the tabs
//! overview, tasks, referrals, documents and activity. A partner sees their
//! own alliance (tasks they may tick are their own; overdue tasks are
//! flagged in `highlight` and marked in the table); staff see every
//! alliance's tasks, documents, members' referrals and the whole timeline.

use super::opportunities::OPPORTUNITY_LIMIT;
use super::panels::{alliances, names, pipeline, timeline};
use super::views::overdue;
use super::work::LIST_LIMIT;
use super::Alliances;
use crate::domains::money::money;
use crate::ids::UserId;
use crate::store::{AllianceOpportunityRow, AllianceRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Referrals shown per member.
const REFERRALS_PER_MEMBER: i64 = 50;

/// The panel for `partner` (their alliance) or staff (`None`).
pub(super) async fn panel(al: &Alliances, partner: Option<UserId>) -> Result<Value, StoreError> {
    let list = alliances(al, partner).await?;
    if partner.is_some() && list.is_empty() {
        return Ok(json!({"title": "Partner workspace", "blocks": [
            {"type": "text", "text": "You do not belong to an alliance yet; your partner manager adds you."}]}));
    }
    let t = al.tenant_id;
    let one = if partner.is_some() {
        list.first().map(|a| a.id)
    } else {
        None
    };
    let names = names(al).await?;
    let name_of = |u: UserId| names.get(&u).map_or("—".to_owned(), |n| n.0.clone());
    let by_id: BTreeMap<i64, &AllianceRow> = list.iter().map(|a| (a.id, a)).collect();
    let alliance_name = |id: i64| by_id.get(&id).map_or("—".to_owned(), |a| a.name.clone());
    let opps = al
        .store()
        .fetch_alliance_opportunities(t, one, OPPORTUNITY_LIMIT)
        .await?;
    let tasks = al.store().fetch_alliance_tasks(t, one, LIST_LIMIT).await?;
    let docs = al
        .store()
        .fetch_alliance_documents(t, one, LIST_LIMIT)
        .await?;
    let today = time::OffsetDateTime::now_utc().date();
    let cur = &al.ctx.program.currency;

    // Overview: one row per alliance (a partner: theirs).
    let overview_rows: Vec<Value> = list
        .iter()
        .map(|a| {
            let mine: Vec<&AllianceOpportunityRow> =
                opps.iter().filter(|o| o.alliance_id == a.id).collect();
            let open_tasks = tasks
                .iter()
                .filter(|x| x.alliance_id == a.id && x.status == "open")
                .count();
            let late = tasks
                .iter()
                .filter(|x| x.alliance_id == a.id && overdue(x, today))
                .count();
            json!([
                a.name,
                a.status,
                a.tier,
                name_of(a.owner_id),
                money(pipeline(al, &mine), cur),
                open_tasks,
                late
            ])
        })
        .collect();
    let overdue_n = tasks.iter().filter(|x| overdue(x, today)).count();
    let mut overview = vec![
        json!({"type": "figures", "items": [
            {"label": "Alliances", "value": list.len()},
            {"label": "Open pipeline", "value": money(pipeline(al, &opps.iter().collect::<Vec<_>>()), cur)},
            {"label": "Open tasks", "value": tasks.iter().filter(|x| x.status == "open").count()},
            {"label": "Overdue tasks", "value": overdue_n},
        ]}),
        json!({"type": "table", "columns": ["Alliance", "Status", "Tier", "Owner", "Open pipeline", "Open tasks", "Overdue"], "rows": overview_rows}),
    ];
    if let Some(a) = list.first().filter(|_| partner.is_some()) {
        let mut text = format!("{} · {}", a.name, a.status);
        for (label, v) in [
            ("Region", &a.region),
            ("Industry", &a.industry),
            ("Website", &a.website),
        ] {
            if !v.is_empty() {
                text.push_str(&format!(" · {label}: {v}"));
            }
        }
        overview.push(json!({"type": "text", "text": text}));
    }

    // Tasks: overdue flagged; row buttons for the tasks the viewer may change.
    let mut task_rows = Vec::new();
    let mut highlight = Vec::new();
    let mut task_actions = Vec::new();
    for x in &tasks {
        let late = overdue(x, today);
        task_rows.push(json!([
            x.title,
            alliance_name(x.alliance_id),
            x.due_on.map(|d| d.to_string()).unwrap_or_default(),
            if late {
                "overdue".to_owned()
            } else {
                x.status.clone()
            },
            x.assignee_id.map(name_of).unwrap_or_default()
        ]));
        highlight.push(json!(late));
        let mine = partner.is_none() || (partner.is_some() && x.assignee_id == partner);
        let next = if x.status == "open" {
            ("Mark done", "done")
        } else {
            ("Reopen", "open")
        };
        task_actions.push(if mine {
            json!([{"label": next.0, "action": "set_task_status", "params": {"task_id": x.id.to_string(), "status": next.1}}])
        } else {
            json!([])
        });
    }
    let mut task_blocks = vec![
        json!({"type": "table", "columns": ["Task", "Alliance", "Due", "Status", "Assignee"],
        "rows": task_rows, "highlight": highlight, "row_actions": task_actions, "filter": true}),
    ];
    let choices: Vec<Value> = list
        .iter()
        .map(|a| json!({"value": a.id.to_string(), "label": a.name}))
        .collect();
    task_blocks.push(json!({"type": "form", "id": "add_task", "title": if partner.is_some() { "Add a task of your own" } else { "Add a partner task" },
        "action": "add_task", "submit": "Add task", "fields": [
            {"name": "alliance_id", "label": "Alliance", "input": "select", "required": true, "options": choices,
             "value": one.map(|i| i.to_string()).unwrap_or_default()},
            {"name": "title", "label": "Title", "input": "text", "required": true, "max_length": super::input::MAX_NAME},
            {"name": "due_on", "label": "Due", "input": "date"},
        ]}));

    // Referrals of the members (growth hub leads).
    let mut referral_rows = Vec::new();
    for a in &list {
        for m in &a.members {
            for l in al
                .store()
                .fetch_growth_leads(t, Some(UserId(*m)), None, REFERRALS_PER_MEMBER)
                .await?
            {
                referral_rows.push(json!([
                    l.name,
                    l.company,
                    l.stage,
                    name_of(l.partner_id),
                    a.name
                ]));
            }
        }
    }

    // Documents: links and uploaded files.
    let doc_items: Vec<Value> = docs.iter().map(|d| {
        let v = super::views::DocumentView::from(d);
        json!({"title": d.title, "subtitle": format!("{} · added by {}", alliance_name(d.alliance_id), name_of(d.added_by)), "href": v.href})
    }).collect();
    let mut doc_blocks = vec![json!({"type": "list", "items": doc_items})];
    if partner.is_none() {
        doc_blocks.push(json!({"type": "form", "id": "add_document", "title": "Add a document (a link or a file)", "action": "add_document", "submit": "Add",
            "fields": [
                {"name": "alliance_id", "label": "Alliance", "input": "select", "required": true, "options": choices},
                {"name": "title", "label": "Title", "input": "text", "required": true, "max_length": super::input::MAX_NAME},
                {"name": "url", "label": "Link (or upload a file)", "input": "text", "max_length": super::input::MAX_URL},
                {"name": "file_id", "label": "File", "input": "file"},
            ]}));
    }

    Ok(json!({
        "title": match list.first().filter(|_| partner.is_some()) { Some(a) => format!("Partner workspace: {}", a.name), None => "Partner workspaces".to_owned() },
        "blocks": [{"type": "tabs", "tabs": [
            {"id": "overview", "title": "Overview", "blocks": overview},
            {"id": "tasks", "title": format!("Tasks ({overdue_n} overdue)"), "blocks": task_blocks},
            {"id": "referrals", "title": "Referrals", "blocks": [
                {"type": "table", "columns": ["Lead", "Company", "Stage", "Partner", "Alliance"], "rows": referral_rows}]},
            {"id": "documents", "title": "Documents", "blocks": doc_blocks},
            {"id": "activity", "title": "Activity", "blocks": [timeline(al, one).await?]},
        ]}],
    }))
}
