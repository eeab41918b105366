//! The #support-cases panel (`support.cases`) per projection. `panel.get`
//! takes no parameters, so the layout is fixed and bounded:
//!
//! - A partner: figures of their cases by status; the "Open a case" form;
//!   up to [`EXPANDED`] cases expanded (the one they last opened with
//!   `view_case` first, then their most recently updated cases that are not
//!   closed), each with its thread, a reply form and their status moves; a
//!   table of their [`TABLE_ROWS`] most recently updated cases with a
//!   "Status" column and an "Open" row action; their support activity.
//! - Staff: figures (open, pending, resolved, unassigned, high and urgent,
//!   breaching SLA); the queue of open and pending cases by priority then
//!   age (SLA age and target per row, triage row actions); up to
//!   [`EXPANDED`] cases expanded (the case staff last opened first, then
//!   the head of the queue) with internal notes and a triage form; the
//!   program's support activity.

use super::sections::{self, Viewer, THREAD_IN_PANEL};
use super::status::{self, Mover, Priority, Status};
use super::Support;
use crate::bus::Projection;
use crate::ids::{CaseId, UserId};
use crate::store::{rfc3339, CaseRow, StoreError, UserRow};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Cases expanded with their thread.
pub const EXPANDED: usize = 5;
/// Rows of a partner's case table.
pub const TABLE_ROWS: i64 = 50;
/// Rows of the staff queue.
pub const QUEUE_ROWS: i64 = 100;
/// Activity entries shown.
const ACTIVITY: i64 = 20;

/// Builds panel `kind` in `projection`; `None` for a kind without a builder.
pub(super) async fn build(
    s: &Support,
    kind: &str,
    projection: Projection,
) -> Result<Option<Value>, StoreError> {
    if kind != super::actions::CASES_PANEL {
        return Ok(None);
    }
    let members = s.store.fetch_members(s.tenant_id).await?;
    let names: BTreeMap<UserId, String> = members
        .iter()
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    Ok(Some(match projection {
        Projection::Partner(p) => partner(s, p, &names).await?,
        Projection::Program | Projection::Everyone => program(s, &members, &names).await?,
    }))
}

fn count(
    rows: &[crate::store::CaseCountRow],
    f: impl Fn(&crate::store::CaseCountRow) -> bool,
) -> i64 {
    rows.iter().filter(|r| f(r)).map(|r| r.n).sum()
}

fn open_form() -> Value {
    let priorities: Vec<Value> = Priority::ALL
        .iter()
        .map(|p| json!({ "value": p.as_str(), "label": p.as_str() }))
        .collect();
    json!({
        "type": "form", "id": "open-case", "title": "Open a case", "action": "open_case", "submit": "Open case",
        "fields": [
            { "name": "subject", "label": "Subject", "input": "text", "required": true, "max_length": super::input::MAX_SUBJECT },
            { "name": "body", "label": "What happened?", "input": "textarea", "required": true, "max_length": super::input::MAX_BODY },
            { "name": "priority", "label": "Priority (staff may change it)", "input": "select", "options": priorities, "value": "normal" },
            { "name": "evidence", "label": "Evidence (optional)", "input": "file" },
        ],
    })
}

/// The cases to expand: the focused one (if `keep` accepts it), then `rest`.
async fn expanded(
    s: &Support,
    projection: Projection,
    keep: impl Fn(&CaseRow) -> bool,
    rest: &[CaseRow],
) -> Result<Vec<CaseRow>, StoreError> {
    let mut out: Vec<CaseRow> = Vec::new();
    if let Some(id) = s.focus.get(&projection) {
        match s.store.fetch_case(s.tenant_id, *id).await {
            Ok(c) if keep(&c) => out.push(c),
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    for c in rest {
        if out.len() >= EXPANDED {
            break;
        }
        if !out.iter().any(|x| x.id == c.id) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

async fn sections_of(
    s: &Support,
    v: &Viewer<'_>,
    cases: &[CaseRow],
) -> Result<Vec<Value>, StoreError> {
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();
    let evidence = s
        .store
        .fetch_case_evidence(s.tenant_id, &ids, v.staff)
        .await?;
    let mut blocks = Vec::new();
    for c in cases {
        let entries = s
            .store
            .fetch_case_entries(s.tenant_id, c.id, v.staff, THREAD_IN_PANEL)
            .await?;
        blocks.extend(sections::case_blocks(v, c, &entries, &evidence));
    }
    Ok(blocks)
}

async fn activity(
    s: &Support,
    partner: Option<UserId>,
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let rows = s
        .store
        .fetch_activity(s.tenant_id, partner, Some("support"), None, ACTIVITY)
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

fn view_button(c: &CaseRow) -> Value {
    json!({ "label": "Open", "action": "view_case", "params": { "case_id": c.id.to_string() } })
}

async fn partner(
    s: &Support,
    p: UserId,
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let counts = s.store.fetch_case_counts(s.tenant_id, Some(p)).await?;
    let cases = s
        .store
        .fetch_cases(s.tenant_id, Some(p), None, TABLE_ROWS)
        .await?;
    let mut figures = Vec::new();
    for st in Status::ALL {
        figures.push(json!({ "label": capitalise(st.as_str()), "value": count(&counts, |r| r.status == st.as_str()) }));
    }
    let active: Vec<CaseRow> = cases
        .iter()
        .filter(|c| c.status != Status::Closed.as_str())
        .cloned()
        .collect();
    let open = expanded(s, Projection::Partner(p), |c| c.author_id == p, &active).await?;
    let viewer = Viewer {
        staff: false,
        names,
        staff_members: &[],
    };
    let mut blocks = vec![
        json!({ "type": "figures", "items": figures }),
        open_form(),
        json!({ "type": "text", "text": format!(
            "Below: up to {EXPANDED} of your cases with their thread (the one you opened last first, then the most recently updated that are not closed); every case is in the table at the end (the newest {TABLE_ROWS}). Staff answer here; each change shows up live." ) }),
    ];
    blocks.extend(sections_of(s, &viewer, &open).await?);
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!([
                c.id.to_string(),
                c.subject,
                c.status,
                c.priority,
                rfc3339(c.updated_at)
            ])
        })
        .collect();
    let row_actions: Vec<Value> = cases.iter().map(|c| json!([view_button(c)])).collect();
    blocks.push(json!({
        "type": "table", "columns": ["Case", "Subject", "Status", "Priority", "Updated"],
        "rows": rows, "row_actions": row_actions, "filter": true,
    }));
    if cases.is_empty() {
        blocks
            .push(json!({ "type": "text", "text": "No cases yet. Open one with the form above." }));
    }
    blocks.push(activity(s, Some(p), names).await?);
    Ok(json!({ "title": "Your support cases", "blocks": blocks }))
}

/// `d` in whole units: `15m`, `3h`, `2d 4h`.
pub fn age(d: time::Duration) -> String {
    let m = d.whole_minutes().max(0);
    if m < 60 {
        format!("{m}m")
    } else if m < 24 * 60 {
        format!("{}h", m / 60)
    } else {
        format!("{}d {}h", m / (24 * 60), (m / 60) % 24)
    }
}

/// The SLA column of an active case: time left or overdue.
fn sla(s: &Support, c: &CaseRow, now: OffsetDateTime) -> (String, bool) {
    let p = Priority::parse(&c.priority).unwrap_or(Priority::Normal);
    let target = time::Duration::hours(i64::from(s.config().sla(p)));
    let spent = now - c.created_at;
    if spent > target {
        (format!("overdue {}", age(spent - target)), true)
    } else {
        (format!("due in {}", age(target - spent)), false)
    }
}

async fn program(
    s: &Support,
    members: &[UserRow],
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let now = OffsetDateTime::now_utc();
    let counts = s.store.fetch_case_counts(s.tenant_id, None).await?;
    let queue = s.store.fetch_case_queue(s.tenant_id, QUEUE_ROWS).await?;
    let active = |r: &crate::store::CaseCountRow| r.status == "open" || r.status == "pending";
    let breaching = queue.iter().filter(|c| sla(s, c, now).1).count();
    let figures = json!([
        { "label": "Open", "value": count(&counts, |r| r.status == "open") },
        { "label": "Pending", "value": count(&counts, |r| r.status == "pending") },
        { "label": "Resolved", "value": count(&counts, |r| r.status == "resolved") },
        { "label": "Unassigned", "value": count(&counts, |r| active(r) && !r.assigned) },
        { "label": "High and urgent", "value": count(&counts, |r| active(r) && (r.priority == "high" || r.priority == "urgent")) },
        { "label": "Breaching SLA", "value": breaching },
    ]);
    let mut rows = Vec::new();
    let mut row_actions = Vec::new();
    for c in &queue {
        let (due, _) = sla(s, c, now);
        rows.push(json!([
            c.id.to_string(),
            c.subject,
            names.get(&c.author_id).cloned().unwrap_or_default(),
            c.status,
            c.priority,
            c.assignee_id
                .and_then(|a| names.get(&a).cloned())
                .unwrap_or_else(|| "—".into()),
            age(now - c.created_at),
            due,
        ]));
        let from = Status::parse(&c.status).unwrap_or(Status::Open);
        let mut buttons = vec![view_button(c)];
        if c.assignee_id.is_none() {
            buttons.push(json!({ "label": "Take", "action": "take", "params": { "case_id": c.id.to_string() } }));
        }
        for to in status::moves(from, Mover::Staff) {
            buttons.push(json!({ "label": to.verb(), "action": "set_status", "params": { "case_id": c.id.to_string(), "status": to.as_str() } }));
        }
        if c.escalated_at.is_none() {
            buttons.push(json!({ "label": "Escalate", "action": "escalate", "params": { "case_id": c.id.to_string() },
                                 "style": "danger", "confirm": "Post an escalation notice in #support-tickets?" }));
        }
        row_actions.push(Value::Array(buttons));
    }
    let resolved = s
        .store
        .fetch_cases(s.tenant_id, None, Some("resolved"), 5)
        .await?;
    let expand = expanded(s, Projection::Program, |_| true, &queue).await?;
    let staff_members: Vec<UserRow> = members
        .iter()
        .filter(|u| u.role == "staff" || u.role == "admin")
        .cloned()
        .collect();
    let viewer = Viewer {
        staff: true,
        names,
        staff_members: &staff_members,
    };
    let mut blocks = vec![
        json!({ "type": "figures", "items": figures }),
        json!({ "type": "table", "columns": ["Case", "Subject", "Partner", "Status", "Priority", "Assignee", "Age", "SLA"],
                "rows": rows, "row_actions": row_actions, "filter": true }),
        json!({ "type": "text", "text": format!(
            "The queue: open and pending cases, highest priority first, then oldest (at most {QUEUE_ROWS}); SLA targets per priority are in program.toml [support]. Below: up to {EXPANDED} cases with their thread and internal notes (the case last opened first, then the head of the queue)." ) }),
    ];
    blocks.extend(sections_of(s, &viewer, &expand).await?);
    if !resolved.is_empty() {
        let rows: Vec<Value> = resolved
            .iter()
            .map(|c| {
                json!([
                    c.id.to_string(),
                    c.subject,
                    names.get(&c.author_id).cloned().unwrap_or_default(),
                    rfc3339(c.updated_at)
                ])
            })
            .collect();
        let acts: Vec<Value> = resolved
            .iter()
            .map(|c| {
                let id = c.id.to_string();
                json!([view_button(c),
                       { "label": "Close", "action": "set_status", "params": { "case_id": id, "status": "closed" } },
                       { "label": "Reopen", "action": "set_status", "params": { "case_id": id, "status": "open" } }])
            })
            .collect();
        blocks.push(json!({ "type": "text", "text": "Recently resolved, waiting to be closed:" }));
        blocks.push(json!({ "type": "table", "columns": ["Case", "Subject", "Partner", "Resolved"], "rows": rows, "row_actions": acts }));
    }
    blocks.push(activity(s, None, names).await?);
    Ok(json!({ "title": "Support queue", "blocks": blocks }))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}
