//! One expanded case in the #support-cases panel: a heading, its thread
//! (the opening body, replies, status changes, evidence; internal notes for
//! staff only), a reply form unless closed, and the buttons the viewer may
//! press (status moves, and for staff: take, escalate, a triage form).

use super::status::{self, Mover, Priority, Status};
use crate::ids::UserId;
use crate::store::{rfc3339, CaseEntryRow, CaseRow, EvidenceRow, UserRow};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Thread entries shown per expanded case (the newest).
pub const THREAD_IN_PANEL: i64 = 20;

/// Who looks at the section.
pub struct Viewer<'a> {
    pub staff: bool,
    pub names: &'a BTreeMap<UserId, String>,
    /// Staff members, for the assignee select (staff view only).
    pub staff_members: &'a [UserRow],
}

impl Viewer<'_> {
    fn name(&self, id: UserId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "a former member".into())
    }
}

/// `n` bytes in words.
fn size(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} B")
    }
}

/// The blocks of one expanded case.
pub fn case_blocks(
    v: &Viewer<'_>,
    case: &CaseRow,
    entries: &[CaseEntryRow],
    evidence: &[EvidenceRow],
) -> Vec<Value> {
    let status = Status::parse(&case.status).unwrap_or(Status::Open);
    let mut heading = format!(
        "“{}” (case {}): {}, {} priority",
        case.subject, case.id, case.status, case.priority
    );
    if v.staff {
        heading.push_str(&format!(", opened by {}", v.name(case.author_id)));
    }
    match case.assignee_id {
        Some(a) => heading.push_str(&format!(", assigned to {}", v.name(a))),
        None => heading.push_str(", not assigned yet"),
    }
    if case.escalated_at.is_some() {
        heading.push_str(", escalated");
    }
    let mut thread = vec![json!({
        "title": format!("{} · {}", v.name(case.author_id), rfc3339(case.created_at)),
        "subtitle": case.body,
    })];
    for e in entries {
        let who = v.name(e.author_id);
        let at = rfc3339(e.created_at);
        let item = match (e.kind.as_str(), e.internal) {
            ("status", _) => json!({
                "title": format!("{who} set the status to {} · {at}", e.status.as_deref().unwrap_or("?")),
                "subtitle": e.body,
            }),
            (_, true) => {
                json!({ "title": format!("Internal note · {who} · {at}"), "subtitle": e.body })
            }
            _ => json!({ "title": format!("{who} · {at}"), "subtitle": e.body }),
        };
        thread.push(item);
    }
    for f in evidence.iter().filter(|f| f.case_id == case.id) {
        let note = if f.internal { " (internal)" } else { "" };
        thread.push(json!({
            "title": format!("Evidence: {}{note}", f.name),
            "subtitle": format!("{}, {}, added by {}", f.content_type, size(f.size), v.name(f.added_by)),
            "href": format!("/api/v1/files/{}", f.file_id),
        }));
    }
    let mut blocks = vec![
        json!({ "type": "text", "text": heading }),
        json!({ "type": "list", "items": thread }),
    ];
    let cid = case.id.to_string();
    if status != Status::Closed {
        let mut fields = vec![
            json!({ "name": "body", "label": "Reply", "input": "textarea", "required": true, "max_length": super::input::MAX_BODY }),
            json!({ "name": "evidence", "label": "Attach a file", "input": "file" }),
        ];
        if v.staff {
            fields.push(json!({ "name": "internal", "label": "Internal note (staff only)", "input": "checkbox", "value": false }));
        }
        blocks.push(json!({
            "type": "form", "id": format!("reply-{cid}"), "title": format!("Reply on “{}”", case.subject),
            "action": "reply", "submit": "Send", "params": { "case_id": cid }, "fields": fields,
        }));
    }
    let who = if v.staff { Mover::Staff } else { Mover::Author };
    let mut buttons: Vec<Value> = status::moves(status, who)
        .into_iter()
        .map(|to| {
            let mut b = json!({ "label": to.verb(), "action": "set_status", "params": { "case_id": cid, "status": to.as_str() } });
            if to == Status::Closed {
                b["confirm"] = json!("Close this case? A closed case cannot be reopened.");
            }
            if to == Status::Resolved {
                b["style"] = json!("primary");
            }
            b
        })
        .collect();
    if v.staff && status != Status::Closed {
        buttons.push(json!({ "label": "Take", "action": "take", "params": { "case_id": cid } }));
        if case.escalated_at.is_none() {
            buttons.push(json!({ "label": "Escalate", "action": "escalate", "params": { "case_id": cid }, "style": "danger",
                                 "confirm": "Post an escalation notice in #support-tickets?" }));
        }
    }
    if !buttons.is_empty() {
        blocks.push(json!({ "type": "actions", "items": buttons }));
    }
    if v.staff && status != Status::Closed {
        blocks.push(triage_form(v, case));
    }
    blocks
}

fn triage_form(v: &Viewer<'_>, case: &CaseRow) -> Value {
    let priorities: Vec<Value> = Priority::ALL
        .iter()
        .map(|p| json!({ "value": p.as_str(), "label": p.as_str() }))
        .collect();
    let mut staff = vec![json!({ "value": "", "label": "Unassigned" })];
    staff.extend(
        v.staff_members
            .iter()
            .map(|u| json!({ "value": u.id.to_string(), "label": u.display_name })),
    );
    json!({
        "type": "form", "id": format!("triage-{}", case.id), "title": "Triage",
        "action": "triage", "submit": "Save", "params": { "case_id": case.id.to_string() },
        "fields": [
            { "name": "priority", "label": "Priority", "input": "select", "options": priorities, "value": case.priority },
            { "name": "assignee_id", "label": "Assignee", "input": "select", "options": staff,
              "value": case.assignee_id.map(|a| a.to_string()).unwrap_or_default() },
        ],
    })
}
