//! Staff triage of a case: assignee and priority, escalation, and the
//! notices in #support-tickets (for high and urgent cases when opened, and
//! for escalations), which name the subject and priority only.

use super::cases::{activity, err, staff_only, visible, Triage};
use super::input;
use super::status::{Priority, Status};
use super::{Support, SUPPORT_CASE, TICKETS_CHANNEL};
use crate::error::store_error;
use crate::ids::CaseId;
use crate::registry::Actor;
use crate::store::{CaseRow, StoreError};
use arena_protocol::model::{Card, Role};
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;

/// Applies a triage change; also says whether anything changed.
pub(super) async fn triage_case(
    s: &Support,
    by: &Actor,
    case_id: CaseId,
    t: Triage,
) -> Result<(CaseRow, bool), ErrorBody> {
    staff_only(by)?;
    let case = visible(s, by, case_id).await?;
    if t.assignee.is_none() && t.priority.is_none() {
        return Err(err(
            ErrorCode::BadRequest,
            "give assignee_id and/or priority",
        ));
    }
    let priority = t.priority.as_deref().map(input::priority).transpose()?;
    let mut assignee_name = None;
    if let Some(Some(a)) = t.assignee {
        match s.store.fetch_user(s.tenant_id, a).await {
            Ok(u) if matches!(Role::parse(&u.role), Some(Role::Staff | Role::Admin)) => {
                assignee_name = Some(u.display_name)
            }
            Ok(_) | Err(StoreError::NotFound) => {
                return Err(err(
                    ErrorCode::BadRequest,
                    "assignee_id is not a staff member of this workspace",
                ))
            }
            Err(e) => return Err(store_error(e)),
        }
    }
    let assignee = t.assignee.filter(|a| *a != case.assignee_id);
    let priority = priority.filter(|p| p.as_str() != case.priority);
    if assignee.is_none() && priority.is_none() {
        return Ok((case, false));
    }
    let assign_summary = match (assignee, &assignee_name) {
        (Some(Some(_)), Some(n)) => format!("“{}” assigned to {n}", case.subject),
        _ => format!("“{}” unassigned", case.subject),
    };
    let priority_summary = priority
        .map(|p| format!("“{}”: priority {} → {p}", case.subject, case.priority))
        .unwrap_or_default();
    let mut entries = Vec::new();
    if let Some(a) = assignee {
        entries.push(activity(
            s,
            &case,
            by,
            "case.assigned",
            &assign_summary,
            json!({ "assignee_id": a.map(|u| u.to_string()) }),
        ));
    }
    if let Some(p) = priority {
        entries.push(activity(
            s,
            &case,
            by,
            "case.reprioritised",
            &priority_summary,
            json!({ "from": case.priority, "to": p.as_str() }),
        ));
    }
    let row = s
        .store
        .update_case_triage(
            s.tenant_id,
            case_id,
            assignee,
            priority.map(Priority::as_str),
            &entries,
        )
        .await
        .map_err(store_error)?;
    Ok((row, true))
}

pub(super) async fn escalate(
    s: &Support,
    by: &Actor,
    case_id: CaseId,
) -> Result<CaseRow, ErrorBody> {
    staff_only(by)?;
    let case = visible(s, by, case_id).await?;
    if case.status == Status::Closed.as_str() {
        return Err(err(ErrorCode::Conflict, "the case is closed"));
    }
    let summary = format!("“{}” escalated", case.subject);
    let a = activity(s, &case, by, "case.escalated", &summary, json!({}));
    s.store
        .update_case_escalated(s.tenant_id, case_id, &a)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(what) => err(ErrorCode::Conflict, what),
            other => store_error(other),
        })
}

/// Posts the notice of `case` in #support-tickets (subject, priority and
/// id; never the body, the evidence or the partner). A failure is logged:
/// the case is committed either way.
pub(super) async fn notify(s: &Support, case: &CaseRow, event: &str) {
    let content = match event {
        "opened" => format!(
            "New {} support case: “{}” (case {})",
            case.priority, case.subject, case.id
        ),
        _ => format!(
            "Support case escalated: “{}” (priority {}, case {})",
            case.subject, case.priority, case.id
        ),
    };
    let card = Card {
        kind: SUPPORT_CASE.into(),
        data: json!({
            "event": event,
            "case_id": case.id.to_string(),
            "subject": case.subject,
            "priority": case.priority,
            "status": case.status,
        }),
    };
    if let Err(e) = s
        .ctx
        .post_as_system(s.tenant_id, TICKETS_CHANNEL, content, Some(card))
        .await
    {
        tracing::warn!(tenant = %s.tenant_id, case = %case.id, error = ?e, "support notice not posted");
    }
}
