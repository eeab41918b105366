//! The support actor's commands, run one at a time per tenant: open a case,
//! reply or add an internal note, move the status, triage (assignee,
//! priority), escalate, and open a case in the viewer's panel. Each change
//! is one transaction with its activity entry and answers after commit; the
//! author's projection and the program's then move (no one else's).

use super::input::{self, MAX_BODY, MAX_FILES_PER_CASE, MAX_REASON, MAX_SUBJECT};
use super::status::{self, Mover, Priority, Status};
use super::{is_staff, sees_all, Support};
use crate::bus::Projection;
use crate::domains::{Changed, Domain};
use crate::error::store_error;
use crate::ids::{CaseId, UserId};
use crate::registry::Actor;
use crate::store::{CaseEntryRow, CaseRow, NewActivity, NewCase, NewCaseEntry, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// A case to open, as the partner wrote it (validated by the actor).
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub subject: String,
    pub body: String,
    /// `low` … `urgent`; `normal` when absent.
    pub priority: Option<String>,
    /// File ids (decimal strings) of the partner's uploads.
    pub evidence: Vec<String>,
}

/// A triage change (staff): each part only when given.
#[derive(Debug, Clone, Default)]
pub struct Triage {
    /// `Some(None)` unassigns; `Some(Some(id))` assigns to that staff member.
    pub assignee: Option<Option<UserId>>,
    pub priority: Option<String>,
}

/// What the support actor is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Open a case (partners).
    Open {
        by: Actor,
        case: OpenCase,
        reply: Reply<CaseRow>,
    },
    /// Reply on a case (author or staff); `internal` notes are staff-only.
    Reply {
        by: Actor,
        case_id: CaseId,
        body: String,
        internal: bool,
        evidence: Vec<String>,
        reply: Reply<CaseEntryRow>,
    },
    /// Move a case's status (rules in [`status`]).
    SetStatus {
        by: Actor,
        case_id: CaseId,
        status: String,
        reason: String,
        reply: Reply<CaseRow>,
    },
    /// Change the assignee and/or priority (staff).
    Triage {
        by: Actor,
        case_id: CaseId,
        triage: Triage,
        reply: Reply<CaseRow>,
    },
    /// Escalate (staff, once): a notice in #support-tickets.
    Escalate {
        by: Actor,
        case_id: CaseId,
        reply: Reply<CaseRow>,
    },
    /// Expand a case first in the viewer's panel (`view_case`); answers
    /// the case with its thread as the viewer may see it.
    Focus {
        by: Actor,
        case_id: CaseId,
        reply: Reply<super::views::CaseView>,
    },
}

pub(super) fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// The author's projection and the program's.
fn touched(case: &CaseRow) -> Changed {
    Changed::Only(vec![
        Projection::Partner(case.author_id),
        Projection::Program,
    ])
}

/// Runs one command and says which projections changed.
pub(super) async fn run(s: &mut Support, command: Command) -> Changed {
    match command {
        Command::Open { by, case, reply } => {
            let r = open(s, &by, case).await;
            if let Ok(c) = &r {
                if Priority::parse(&c.priority).is_some_and(Priority::notifies) {
                    super::triage::notify(s, c, "opened").await;
                }
            }
            answer(r, reply)
        }
        Command::Reply {
            by,
            case_id,
            body,
            internal,
            evidence,
            reply,
        } => {
            let r = add_reply(s, &by, case_id, body, internal, evidence).await;
            let changed = match &r {
                Ok((case, _)) => touched(case),
                Err(_) => Changed::Nothing,
            };
            let _ = reply.send(r.map(|(_, e)| e));
            changed
        }
        Command::SetStatus {
            by,
            case_id,
            status,
            reason,
            reply,
        } => answer(set_status(s, &by, case_id, &status, &reason).await, reply),
        Command::Triage {
            by,
            case_id,
            triage,
            reply,
        } => match super::triage::triage_case(s, &by, case_id, triage).await {
            Ok((case, changed)) => {
                let c = if changed {
                    touched(&case)
                } else {
                    Changed::Nothing
                };
                let _ = reply.send(Ok(case));
                c
            }
            Err(e) => {
                let _ = reply.send(Err(e));
                Changed::Nothing
            }
        },
        Command::Escalate { by, case_id, reply } => {
            let r = super::triage::escalate(s, &by, case_id).await;
            if let Ok(c) = &r {
                super::triage::notify(s, c, "escalated").await;
            }
            answer(r, reply)
        }
        Command::Focus { by, case_id, reply } => {
            let r = match visible(s, &by, case_id).await {
                Ok(case) => super::views::detail(&s.store, &by, &case)
                    .await
                    .map(|v| (case.id, v))
                    .map_err(store_error),
                Err(e) => Err(e),
            };
            match r {
                Ok((id, view)) => {
                    let p = Support::projection(super::actions::CASES_PANEL, &by);
                    let moved = s.focus.insert(p, id) != Some(id);
                    let _ = reply.send(Ok(view));
                    if moved {
                        Changed::Only(vec![p])
                    } else {
                        Changed::Nothing
                    }
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                    Changed::Nothing
                }
            }
        }
    }
}

fn answer(r: Result<CaseRow, ErrorBody>, reply: Reply<CaseRow>) -> Changed {
    let changed = match &r {
        Ok(case) => touched(case),
        Err(_) => Changed::Nothing,
    };
    let _ = reply.send(r);
    changed
}

/// The case if `by` may see it; `not_found` otherwise (as if absent).
pub async fn load(
    store: &crate::store::Store,
    by: &Actor,
    case_id: CaseId,
) -> Result<CaseRow, ErrorBody> {
    let hidden = || err(ErrorCode::NotFound, format!("no case {case_id}"));
    match store.fetch_case(by.tenant_id, case_id).await {
        Ok(c) if sees_all(by) || c.author_id == by.user_id => Ok(c),
        Ok(_) | Err(StoreError::NotFound) => Err(hidden()),
        Err(e) => Err(store_error(e)),
    }
}

pub(super) async fn visible(
    s: &Support,
    by: &Actor,
    case_id: CaseId,
) -> Result<CaseRow, ErrorBody> {
    load(&s.store, by, case_id).await
}

/// Staff, or the case's author; a reader without rights to write is forbidden.
fn mover(by: &Actor, case: &CaseRow) -> Result<Mover, ErrorBody> {
    if is_staff(by) {
        Ok(Mover::Staff)
    } else if case.author_id == by.user_id && by.bot.is_none() {
        Ok(Mover::Author)
    } else {
        Err(err(
            ErrorCode::Forbidden,
            "only the author and staff change a case",
        ))
    }
}

pub(super) fn staff_only(by: &Actor) -> Result<(), ErrorBody> {
    if is_staff(by) {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "staff only"))
    }
}

pub(super) fn activity<'a>(
    s: &Support,
    case: &CaseRow,
    by: &Actor,
    verb: &'a str,
    summary: &'a str,
    data: serde_json::Value,
) -> NewActivity<'a> {
    let mut data = data;
    data["case_id"] = json!(case.id.to_string());
    NewActivity {
        id: s.ids.next_id().0 as i64,
        partner: case.author_id,
        actor: Some(by.user_id),
        domain: Support::NAME,
        verb,
        summary,
        data,
    }
}

async fn open(s: &Support, by: &Actor, c: OpenCase) -> Result<CaseRow, ErrorBody> {
    if by.role != Role::Partner || by.bot.is_some() {
        return Err(err(ErrorCode::Forbidden, "cases are opened by partners"));
    }
    let subject = input::text("subject", &c.subject, 1, MAX_SUBJECT, false)?;
    let body = input::text("body", &c.body, 1, MAX_BODY, true)?;
    let priority = match c.priority.as_deref().map(str::trim) {
        None | Some("") => Priority::Normal,
        Some(p) => input::priority(p)?,
    };
    let evidence = input::evidence(&s.store, s.tenant_id, by, &c.evidence).await?;
    let id = CaseId(s.ids.next_id().0 as i64);
    let summary = format!("Opened case “{subject}” ({priority})");
    let new = NewCase {
        id,
        author_id: by.user_id,
        subject: &subject,
        body: &body,
        priority: priority.as_str(),
    };
    let a = NewActivity {
        id: s.ids.next_id().0 as i64,
        partner: by.user_id,
        actor: Some(by.user_id),
        domain: Support::NAME,
        verb: "case.opened",
        summary: &summary,
        data: json!({ "case_id": id.to_string(), "priority": priority.as_str(), "files": evidence.len() }),
    };
    s.store
        .insert_case(s.tenant_id, &new, &evidence, &a)
        .await
        .map_err(store_error)
}

async fn add_reply(
    s: &Support,
    by: &Actor,
    case_id: CaseId,
    body: String,
    internal: bool,
    evidence: Vec<String>,
) -> Result<(CaseRow, CaseEntryRow), ErrorBody> {
    let case = visible(s, by, case_id).await?;
    mover(by, &case)?;
    if internal {
        staff_only(by)?;
    }
    if case.status == Status::Closed.as_str() {
        return Err(err(
            ErrorCode::Conflict,
            "the case is closed; open a new case",
        ));
    }
    let body = input::text("body", &body, 1, MAX_BODY, true)?;
    let files = input::evidence(&s.store, s.tenant_id, by, &evidence).await?;
    if !files.is_empty() {
        let held = s
            .store
            .fetch_case_evidence_count(s.tenant_id, case_id)
            .await
            .map_err(store_error)?;
        if held + files.len() as i64 > MAX_FILES_PER_CASE {
            return Err(err(
                ErrorCode::BadRequest,
                format!("a case holds at most {MAX_FILES_PER_CASE} files"),
            ));
        }
    }
    let entry = NewCaseEntry {
        id: s.ids.next_id().0 as i64,
        case_id,
        author_id: by.user_id,
        kind: "reply",
        internal,
        status: None,
        body: &body,
    };
    // An internal note is not in the partner's activity log (they read it).
    let summary = format!("Reply on “{}”", case.subject);
    let a = activity(
        s,
        &case,
        by,
        "case.replied",
        &summary,
        json!({ "files": files.len() }),
    );
    s.store
        .insert_case_entry(s.tenant_id, &entry, &files, (!internal).then_some(&a))
        .await
        .map_err(store_error)
}

async fn set_status(
    s: &Support,
    by: &Actor,
    case_id: CaseId,
    to: &str,
    reason: &str,
) -> Result<CaseRow, ErrorBody> {
    let case = visible(s, by, case_id).await?;
    let who = mover(by, &case)?;
    let to = input::status(to)?;
    let reason = input::text("reason", reason, 0, MAX_REASON, true)?;
    let from = Status::parse(&case.status)
        .ok_or_else(|| err(ErrorCode::Internal, "a case with an unknown status"))?;
    status::check(from, to, who).map_err(|r| match r {
        status::Refusal::Illegal { .. } => err(ErrorCode::Conflict, r.to_string()),
        status::Refusal::StaffOnly { .. } => err(ErrorCode::Forbidden, r.to_string()),
    })?;
    let entry = NewCaseEntry {
        id: s.ids.next_id().0 as i64,
        case_id,
        author_id: by.user_id,
        kind: "status",
        internal: false,
        status: Some(to.as_str()),
        body: &reason,
    };
    let summary = format!("“{}”: {from} → {to}", case.subject);
    let a = activity(
        s,
        &case,
        by,
        "case.status_changed",
        &summary,
        json!({ "from": from.as_str(), "to": to.as_str(), "reason": reason }),
    );
    s.store
        .update_case_status(s.tenant_id, from.as_str(), &entry, &a)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(what) => err(ErrorCode::Conflict, what),
            other => store_error(other),
        })
}
