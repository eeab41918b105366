//! The app-plans actor's plan commands, run one at a time per tenant:
//! create a plan from the wizard's answers, edit it, submit it, decide on
//! it (staff), open it in the viewer's panel, and store what the narrative
//! writer produced. Each change is one transaction with its activity entry
//! and answers after commit; the owner's projection and the program's
//! then move (no one else's). Template commands are in [`super::catalogue`].

use super::input::{self, RawAnswers, MAX_NOTE, MAX_TITLE};
use super::render::{self, Answers, TemplateInfo, MAX_RENDERED};
use super::status::{self, Move, Status};
use super::{is_staff, sees_all, Plans, GENERATOR_CHANNEL, NAME, PLAN_SUBMITTED};
use crate::bus::Projection;
use crate::domains::{answer, Changed, Domain};
use crate::error::store_error;
use crate::ids::PlanId;
use crate::registry::Actor;
use crate::store::{NewActivity, NewPlan, PlanMove, PlanRow, Store, StoreError};
use arena_protocol::model::{Card, Role};
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// An edit of a plan's text: each part only when given.
#[derive(Debug, Clone, Default)]
pub struct PlanEdit {
    pub title: Option<String>,
    /// `(section index, new body)`.
    pub sections: Vec<(usize, String)>,
}

/// What the app-plans actor is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Create a draft plan from the wizard's answers (partners).
    Create {
        by: Actor,
        answers: RawAnswers,
        reply: Reply<PlanRow>,
    },
    /// Edit the title or section bodies (the owner; draft or changes requested).
    Edit {
        by: Actor,
        plan_id: PlanId,
        edit: PlanEdit,
        reply: Reply<PlanRow>,
    },
    /// Submit for review (the owner); posted to #app-plan-generator.
    Submit {
        by: Actor,
        plan_id: PlanId,
        reply: Reply<PlanRow>,
    },
    /// Approve or request changes (staff; a note is required to request changes).
    Decide {
        by: Actor,
        plan_id: PlanId,
        approve: bool,
        note: String,
        reply: Reply<PlanRow>,
    },
    /// Expand a plan first in the viewer's library panel (`view_plan`).
    Focus {
        by: Actor,
        plan_id: PlanId,
        reply: Reply<PlanRow>,
    },
    /// The Markdown export `(file name, document)` of a plan the viewer sees.
    Export {
        by: Actor,
        plan_id: PlanId,
        reply: Reply<(String, String)>,
    },
    /// The narrative writer's outcome for writing `gen` of a plan (sent by
    /// the writer task; no reply).
    Narrative {
        plan_id: PlanId,
        gen: i32,
        outcome: Result<Vec<(usize, String)>, String>,
    },
    /// A template command (staff), see [`super::catalogue`].
    Template(super::catalogue::TemplateCommand),
}

pub(super) fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// The owner's projection and the program's.
fn touched(plan: &PlanRow) -> Changed {
    Changed::Only(vec![
        Projection::Partner(plan.partner_id),
        Projection::Program,
    ])
}

/// Runs one command and says which projections changed.
pub(super) async fn run(s: &mut Plans, command: Command) -> Changed {
    match command {
        Command::Create {
            by,
            answers: a,
            reply,
        } => {
            let r = create(s, &by, a).await;
            let changed = r.as_ref().map(touched).unwrap_or(Changed::Nothing);
            if let Ok(plan) = &r {
                if plan.narrative == "writing" {
                    super::writing::start_writing(s, plan).await;
                }
            }
            answer(reply, r, changed)
        }
        Command::Edit {
            by,
            plan_id,
            edit,
            reply,
        } => {
            let r = edit_plan(s, &by, plan_id, edit).await;
            let changed = match &r {
                Ok((plan, true)) => touched(plan),
                _ => Changed::Nothing,
            };
            answer(reply, r.map(|(p, _)| p), changed)
        }
        Command::Submit { by, plan_id, reply } => {
            let r = move_plan(s, &by, plan_id, Move::Submit, "").await;
            if let Ok(plan) = &r {
                post_submission(s, plan).await;
            }
            let changed = r.as_ref().map(touched).unwrap_or(Changed::Nothing);
            answer(reply, r, changed)
        }
        Command::Decide {
            by,
            plan_id,
            approve,
            note,
            reply,
        } => {
            let m = if approve {
                Move::Approve
            } else {
                Move::RequestChanges
            };
            let r = move_plan(s, &by, plan_id, m, &note).await;
            let changed = r.as_ref().map(touched).unwrap_or(Changed::Nothing);
            answer(reply, r, changed)
        }
        Command::Focus { by, plan_id, reply } => match load(s.store(), &by, plan_id).await {
            Ok(plan) => {
                let p = Plans::projection(super::LIBRARY_PANEL, &by);
                let moved = s.focus.insert(p, plan.id) != Some(plan.id);
                let _ = reply.send(Ok(plan));
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
        },
        Command::Export { by, plan_id, reply } => {
            let r = match load(s.store(), &by, plan_id).await {
                Ok(plan) => super::views::markdown(s.store(), s.tenant_id, &plan)
                    .await
                    .map_err(store_error),
                Err(e) => Err(e),
            };
            answer(reply, r, Changed::Nothing)
        }
        Command::Narrative {
            plan_id,
            gen,
            outcome,
        } => match super::writing::store_narrative(s, plan_id, gen, outcome).await {
            Ok(Some(plan)) => touched(&plan),
            Ok(None) => Changed::Nothing,
            Err(e) => {
                tracing::warn!(tenant = %s.tenant_id, plan = %plan_id, error = ?e, "narrative not stored");
                Changed::Nothing
            }
        },
        Command::Template(c) => super::catalogue::run(s, c).await,
    }
}

/// The plan if `by` may see it; `not_found` otherwise (as if absent).
pub async fn load(store: &Store, by: &Actor, plan_id: PlanId) -> Result<PlanRow, ErrorBody> {
    let hidden = || err(ErrorCode::NotFound, format!("no plan {plan_id}"));
    match store.fetch_plan(by.tenant_id, plan_id).await {
        Ok(p) if sees_all(by) || p.partner_id == by.user_id => Ok(p),
        Ok(_) | Err(StoreError::NotFound) => Err(hidden()),
        Err(e) => Err(store_error(e)),
    }
}

fn owner_only(by: &Actor, plan: &PlanRow, what: &str) -> Result<(), ErrorBody> {
    if plan.partner_id == by.user_id && by.bot.is_none() {
        Ok(())
    } else {
        Err(err(
            ErrorCode::Forbidden,
            format!("only the partner who owns the plan {what} it"),
        ))
    }
}

fn not_writing(plan: &PlanRow) -> Result<(), ErrorBody> {
    if plan.narrative == "writing" {
        Err(err(
            ErrorCode::Conflict,
            "the plan is writing…: the assistant is still writing its narrative; try again when it is done",
        ))
    } else {
        Ok(())
    }
}

pub(super) fn activity<'a>(
    s: &Plans,
    plan: &PlanRow,
    by: Option<&Actor>,
    verb: &'a str,
    summary: &'a str,
    data: serde_json::Value,
) -> NewActivity<'a> {
    let mut data = data;
    data["plan_id"] = json!(plan.id.to_string());
    NewActivity {
        id: s.ctx.ids.next_id().0 as i64,
        partner: plan.partner_id,
        actor: by.map(|b| b.user_id),
        domain: NAME,
        verb,
        summary,
        data,
    }
}

fn status_of(plan: &PlanRow) -> Result<Status, ErrorBody> {
    Status::parse(&plan.status)
        .ok_or_else(|| err(ErrorCode::Internal, "a plan with an unknown status"))
}

async fn create(s: &Plans, by: &Actor, raw: RawAnswers) -> Result<PlanRow, ErrorBody> {
    if by.role != Role::Partner || by.bot.is_some() {
        return Err(err(ErrorCode::Forbidden, "plans are built by partners"));
    }
    let mut a: Answers = input::answers(&raw)?;
    let t = match s
        .store()
        .fetch_plan_template(s.tenant_id, &a.template)
        .await
    {
        Ok(t) => t,
        Err(StoreError::NotFound) => {
            return Err(input::bad(format!(
                "template: no template {:?}; #app-plans-templates lists them",
                a.template
            )))
        }
        Err(e) => return Err(store_error(e)),
    };
    if t.retired_at.is_some() {
        return Err(err(
            ErrorCode::Conflict,
            format!("the template {} is retired; pick another", t.key),
        ));
    }
    a.logo_file = input::logo(s.store(), s.tenant_id, by, &raw.logo).await?;
    let info = TemplateInfo {
        name: &t.name,
        vertical: &t.vertical,
    };
    let sections = render::render(&t.sections.0, &a, &info);
    let writing = s.ctx.llm.is_some() && sections.iter().any(|x| x.narrative);
    let title = render::bounded(&format!("{} app plan", a.client_name), MAX_TITLE);
    let answers = serde_json::to_value(&a).map_err(|e| err(ErrorCode::Internal, e.to_string()))?;
    let id = PlanId(s.ctx.ids.next_id().0 as i64);
    let new = NewPlan {
        id,
        partner_id: by.user_id,
        template_key: &t.key,
        template_name: &t.name,
        title: &title,
        client_name: &a.client_name,
        answers: &answers,
        sections: &sections,
        narrative: if writing { "writing" } else { "template" },
    };
    let summary = format!("Created the plan “{title}” from the {} template", t.name);
    let act = NewActivity {
        id: s.ctx.ids.next_id().0 as i64,
        partner: by.user_id,
        actor: Some(by.user_id),
        domain: NAME,
        verb: "plan.created",
        summary: &summary,
        data: json!({ "plan_id": id.to_string(), "template": t.key }),
    };
    s.store()
        .insert_plan(s.tenant_id, &new, &act)
        .await
        .map_err(store_error)
}

async fn edit_plan(
    s: &Plans,
    by: &Actor,
    plan_id: PlanId,
    edit: PlanEdit,
) -> Result<(PlanRow, bool), ErrorBody> {
    let plan = load(s.store(), by, plan_id).await?;
    owner_only(by, &plan, "edits")?;
    let st = status_of(&plan)?;
    if !st.editable() {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "the plan is {st}; only a draft or a plan with changes requested can be edited"
            ),
        ));
    }
    not_writing(&plan)?;
    let title = match &edit.title {
        Some(t) => input::text("title", t, 1, MAX_TITLE, false)?,
        None => plan.title.clone(),
    };
    let mut sections = plan.sections.0.clone();
    for (i, body) in &edit.sections {
        let n = sections.len();
        let sec = sections.get_mut(*i).ok_or_else(|| {
            input::bad(format!(
                "section {i}: the plan has sections 0..{}",
                n.saturating_sub(1)
            ))
        })?;
        let body = input::text(&format!("section {i}"), body, 1, MAX_RENDERED, true)?;
        if body != sec.body {
            sec.body = body;
            sec.source = "partner".into();
        }
    }
    if title == plan.title && sections == plan.sections.0 {
        return Ok((plan, false));
    }
    let summary = format!("Edited the plan “{title}”");
    let a = activity(s, &plan, Some(by), "plan.edited", &summary, json!({}));
    let row = s
        .store()
        .update_plan_content(s.tenant_id, plan.id, &title, &sections, &a)
        .await
        .map_err(conflict_or)?;
    Ok((row, true))
}

fn conflict_or(e: StoreError) -> ErrorBody {
    match e {
        StoreError::Conflict(what) => err(ErrorCode::Conflict, what),
        other => store_error(other),
    }
}

async fn move_plan(
    s: &Plans,
    by: &Actor,
    plan_id: PlanId,
    m: Move,
    note: &str,
) -> Result<PlanRow, ErrorBody> {
    if m.is_decision() && !is_staff(by) {
        return Err(err(ErrorCode::Forbidden, "staff decide on plans"));
    }
    let plan = load(s.store(), by, plan_id).await?;
    if !m.is_decision() {
        owner_only(by, &plan, "submits")?;
    }
    let from = status_of(&plan)?;
    let to = status::apply(from, m).map_err(|e| err(ErrorCode::Conflict, e.to_string()))?;
    not_writing(&plan)?;
    let min = usize::from(m == Move::RequestChanges);
    let note = input::text("note", note, min, MAX_NOTE, true)?;
    let (verb, summary) = match m {
        Move::Submit => (
            "plan.submitted",
            format!("Submitted the plan “{}” for review", plan.title),
        ),
        Move::Approve => (
            "plan.approved",
            format!("The plan “{}” was approved", plan.title),
        ),
        Move::RequestChanges => (
            "plan.changes_requested",
            format!("Changes were requested on the plan “{}”", plan.title),
        ),
    };
    let a = activity(
        s,
        &plan,
        Some(by),
        verb,
        &summary,
        json!({ "from": from.as_str(), "to": to.as_str(), "note": note }),
    );
    let mv = PlanMove {
        id: plan.id,
        from: from.as_str(),
        to: to.as_str(),
        submission: m == Move::Submit,
        decision: m.is_decision().then_some((by.user_id, note.as_str())),
    };
    s.store()
        .update_plan_status(s.tenant_id, &mv, &a)
        .await
        .map_err(conflict_or)
}

/// Posts the `app_plan.submitted` card for the plan's latest submission in
/// #app-plan-generator. A failure is logged: the submission stands.
async fn post_submission(s: &Plans, plan: &PlanRow) {
    let partner = s
        .store()
        .fetch_user(s.tenant_id, plan.partner_id)
        .await
        .map(|u| u.display_name)
        .unwrap_or_else(|_| "a partner".into());
    let again = if plan.submissions > 1 { " again" } else { "" };
    let content = format!(
        "{partner} submitted{again} the app plan “{}” ({} template) for review.",
        plan.title, plan.template_name
    );
    let card = Card {
        kind: PLAN_SUBMITTED.into(),
        data: json!({
            "plan_id": plan.id.to_string(),
            "title": plan.title,
            "template": plan.template_name,
            "partner_id": plan.partner_id.to_string(),
            "submission": plan.submissions,
        }),
    };
    if let Err(e) = s
        .ctx
        .post_as_system(s.tenant_id, GENERATOR_CHANNEL, content, Some(card))
        .await
    {
        tracing::warn!(tenant = %s.tenant_id, plan = %plan.id, error = ?e, "plan submission not posted");
    }
}
