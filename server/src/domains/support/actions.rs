//! `panel.action` on #support-cases (PROTOCOL.md §4): the same commands as
//! the REST routes. Params are validated like requests (`bad_request` naming
//! what is wrong); answers come after the commit:
//!
//! - `open_case {subject, body, priority?, evidence?}` (partners) → `{case}`
//! - `view_case {case_id}` → `{case}` with its thread; expands it first in the panel
//! - `reply {case_id, body, internal?, evidence?}` → `{entry}` (`internal`: staff)
//! - `set_status {case_id, status, reason?}` → `{case}`
//! - `triage {case_id, assignee_id?, priority?}` (staff; `assignee_id` "" unassigns) → `{case}`
//! - `take {case_id}` (staff: assign to oneself) → `{case}`
//! - `escalate {case_id}` (staff) → `{case}`
//!
//! `evidence` is one file id or a list of them (a form's `file` field).

use super::cases::{Command, OpenCase, Triage};
use super::views::{self, CaseView, EntryView};
use super::Support;
use crate::domains::handle::Handle;
use crate::ids::{CaseId, UserId};
use crate::registry::Actor;
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// The panel kind of #support-cases.
pub const CASES_PANEL: &str = "support.cases";

/// One file id or several, as a form's file field or an API client sends them.
#[derive(Debug, Deserialize, Default)]
#[serde(untagged)]
pub enum Files {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Files {
    /// The ids as given (checked by the actor).
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Files::None => Vec::new(),
            Files::One(s) => vec![s],
            Files::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Open {
    subject: String,
    body: String,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    evidence: Files,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseRef {
    case_id: Snowflake,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reply {
    case_id: Snowflake,
    body: String,
    #[serde(default)]
    internal: bool,
    #[serde(default)]
    evidence: Files,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetStatus {
    case_id: Snowflake,
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriageParams {
    case_id: Snowflake,
    /// A staff member's id; "" or null unassigns.
    #[serde(default, deserialize_with = "present")]
    assignee_id: Option<Option<String>>,
    #[serde(default)]
    priority: Option<String>,
}

/// A field that may be absent (`None`), null (`Some(None)`) or a value.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn params<T: DeserializeOwned>(action: &str, v: Value) -> Result<T, ErrorBody> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v)
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))
}

/// An assignee as the wire gives it: "" or null unassigns.
pub fn assignee(v: Option<Option<String>>) -> Result<Option<Option<UserId>>, ErrorBody> {
    match v {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(s)) if s.trim().is_empty() => Ok(Some(None)),
        Some(Some(s)) => s
            .trim()
            .parse::<i64>()
            .map(|id| Some(Some(UserId(id))))
            .map_err(|_| ErrorBody::new(ErrorCode::BadRequest, "assignee_id must be a member id")),
    }
}

fn case(c: &crate::store::CaseRow) -> Value {
    json!({ "case": CaseView::from(c) })
}

/// Runs `action` of panel `kind` for `by`.
pub async fn run(
    handle: &Handle<Support>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    if kind != CASES_PANEL {
        return Err(ErrorBody::new(
            ErrorCode::NotFound,
            format!("{kind} has no actions"),
        ));
    }
    let t = by.tenant_id;
    let who = by.clone();
    let id = |s: Snowflake| -> CaseId { views::case_id(s) };
    match action {
        "open_case" => {
            let o: Open = params(action, p)?;
            let new = OpenCase {
                subject: o.subject,
                body: o.body,
                priority: o.priority,
                evidence: o.evidence.into_vec(),
            };
            let row = handle
                .ask(t, |reply| Command::Open { by: who, case: new, reply })
                .await?;
            Ok(case(&row))
        }
        "view_case" => {
            let r: CaseRef = params(action, p)?;
            let v = handle
                .ask(t, |reply| Command::Focus { by: who, case_id: id(r.case_id), reply })
                .await?;
            Ok(json!({ "case": v }))
        }
        "reply" => {
            let r: Reply = params(action, p)?;
            let entry = handle
                .ask(t, |reply| Command::Reply {
                    by: who,
                    case_id: id(r.case_id),
                    body: r.body,
                    internal: r.internal,
                    evidence: r.evidence.into_vec(),
                    reply,
                })
                .await?;
            Ok(json!({ "entry": EntryView::from(&entry) }))
        }
        "set_status" => {
            let r: SetStatus = params(action, p)?;
            let row = handle
                .ask(t, |reply| Command::SetStatus {
                    by: who,
                    case_id: id(r.case_id),
                    status: r.status,
                    reason: r.reason.unwrap_or_default(),
                    reply,
                })
                .await?;
            Ok(case(&row))
        }
        "triage" => {
            let r: TriageParams = params(action, p)?;
            let triage = Triage {
                assignee: assignee(r.assignee_id)?,
                priority: r.priority,
            };
            let row = handle
                .ask(t, |reply| Command::Triage { by: who, case_id: id(r.case_id), triage, reply })
                .await?;
            Ok(case(&row))
        }
        "take" => {
            let r: CaseRef = params(action, p)?;
            let triage = Triage {
                assignee: Some(Some(by.user_id)),
                priority: None,
            };
            let row = handle
                .ask(t, |reply| Command::Triage { by: who, case_id: id(r.case_id), triage, reply })
                .await?;
            Ok(case(&row))
        }
        "escalate" => {
            let r: CaseRef = params(action, p)?;
            let row = handle
                .ask(t, |reply| Command::Escalate { by: who, case_id: id(r.case_id), reply })
                .await?;
            Ok(case(&row))
        }
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "no action {action:?} on {kind}; it takes open_case, view_case, reply, set_status, triage, take, escalate"
            ),
        )),
    }
}
