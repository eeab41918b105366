//! `panel.action` on the app-plans panels (PROTOCOL.md §4): the same
//! commands as the REST routes, params validated like requests
//! (`bad_request` naming what is wrong), answered after the commit.
//!
//! On #app-plans-create and #app-plans-library:
//! - `create_plan {client_name, template, goals, audience?, logo?, colors?,
//!   tone?, feature_<key>?: bool …, features?: [key], features_other?}`
//!   (partners) → `{plan}`
//! - `view_plan {plan_id}` → `{plan}` with sections; expands it first
//! - `edit_plan {plan_id, title?, section_<i>?: text}` (the owner) → `{plan}`
//! - `submit {plan_id}` (the owner) → `{plan}`
//! - `approve {plan_id, note?}`, `request_changes {plan_id, note}`,
//!   `decide {plan_id, decision: approve|request_changes, note?}` (staff) → `{plan}`
//! - `export {plan_id}` → `{download: {filename, content_type: "text/markdown", content}}`
//!
//! On #app-plans-templates (staff): `view_template {key}`, `create_template
//! {key, name, vertical, description?, sections}`, `edit_template {key, name,
//! vertical, description?, sections}` (`sections` in the text form of
//! [`super::templates`]), `retire_template {key}`, `restore_template {key}`
//! → `{template}`.

use super::catalogue::TemplateCommand;
use super::commands::{Command, PlanEdit};
use super::input::RawAnswers;
use super::templates::{parse_sections, TemplateDraft};
use super::views::{PlanView, TemplateView};
use super::{Plans, CREATE_PANEL, LIBRARY_PANEL, TEMPLATES_PANEL};
use crate::domains::handle::Handle;
use crate::ids::PlanId;
use crate::registry::Actor;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::{json, Map, Value};

fn bad(action: &str, msg: impl std::fmt::Display) -> ErrorBody {
    ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {msg}"))
}

/// The params as an object (null is `{}`).
fn object(action: &str, v: Value) -> Result<Map<String, Value>, ErrorBody> {
    match v {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        _ => Err(bad(action, "params must be an object")),
    }
}

/// A text param: absent and null are "" (form fields sent empty).
fn string(action: &str, m: &Map<String, Value>, k: &str) -> Result<String, ErrorBody> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(bad(action, format!("{k} must be a string"))),
    }
}

/// A checkbox: a boolean, or "true"/"on"/"1" (anything else empty or false).
fn flag(action: &str, v: &Value, k: &str) -> Result<bool, ErrorBody> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::String(s) => match s.trim() {
            "true" | "on" | "1" => Ok(true),
            "" | "false" | "off" | "0" => Ok(false),
            _ => Err(bad(action, format!("{k} must be true or false"))),
        },
        _ => Err(bad(action, format!("{k} must be true or false"))),
    }
}

fn plan_id(action: &str, m: &Map<String, Value>) -> Result<PlanId, ErrorBody> {
    let raw = match m.get("plan_id") {
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    raw.map(PlanId)
        .ok_or_else(|| bad(action, "plan_id must be a plan id (decimal string)"))
}

fn only(action: &str, m: &Map<String, Value>, allowed: &[&str]) -> Result<(), ErrorBody> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(bad(
            action,
            format!("unknown field {k:?} (it takes {})", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// The wizard's fields; `feature_<key>` checkboxes and/or `features`.
pub fn raw_answers(action: &str, m: &Map<String, Value>) -> Result<RawAnswers, ErrorBody> {
    const TEXT: [&str; 8] = [
        "client_name",
        "template",
        "goals",
        "audience",
        "logo",
        "colors",
        "tone",
        "features_other",
    ];
    let mut features: Vec<String> = Vec::new();
    for (k, v) in m {
        if let Some(f) = k.strip_prefix("feature_") {
            if flag(action, v, k)? {
                features.push(f.to_owned());
            }
        } else if k == "features" {
            let list = v
                .as_array()
                .ok_or_else(|| bad(action, "features must be a list of catalogue keys"))?;
            for f in list {
                let f = f
                    .as_str()
                    .ok_or_else(|| bad(action, "features must be a list of catalogue keys"))?;
                features.push(f.to_owned());
            }
        } else if !TEXT.contains(&k.as_str()) {
            return Err(bad(
                action,
                format!(
                    "unknown field {k:?} (it takes {}, feature_<key>, features)",
                    TEXT.join(", ")
                ),
            ));
        }
    }
    if features.len() > 50 {
        return Err(bad(action, "too many features"));
    }
    Ok(RawAnswers {
        client_name: string(action, m, "client_name")?,
        template: string(action, m, "template")?,
        goals: string(action, m, "goals")?,
        audience: string(action, m, "audience")?,
        logo: string(action, m, "logo")?,
        colors: string(action, m, "colors")?,
        tone: string(action, m, "tone")?,
        features,
        features_other: string(action, m, "features_other")?,
    })
}

fn plan(p: &crate::store::PlanRow) -> Value {
    json!({ "plan": PlanView::of(p, true) })
}

fn template(t: &crate::store::PlanTemplateRow) -> Value {
    json!({ "template": TemplateView::from(t) })
}

/// Runs `action` of panel `kind` for `by`.
pub async fn run(
    handle: &Handle<Plans>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    match kind {
        CREATE_PANEL | LIBRARY_PANEL => plan_action(handle, by, action, p).await,
        TEMPLATES_PANEL => template_action(handle, by, action, p).await,
        _ => Err(ErrorBody::new(
            ErrorCode::NotFound,
            format!("{kind} has no actions"),
        )),
    }
}

async fn plan_action(
    handle: &Handle<Plans>,
    by: &Actor,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let who = by.clone();
    let m = object(action, p)?;
    match action {
        "create_plan" => {
            let answers = raw_answers(action, &m)?;
            let row = handle
                .ask(t, |reply| Command::Create { by: who, answers, reply })
                .await?;
            Ok(plan(&row))
        }
        "view_plan" | "submit" | "export" => {
            only(action, &m, &["plan_id"])?;
            let plan_id = plan_id(action, &m)?;
            match action {
                "view_plan" => handle
                    .ask(t, |reply| Command::Focus { by: who, plan_id, reply })
                    .await
                    .map(|r| plan(&r)),
                "submit" => handle
                    .ask(t, |reply| Command::Submit { by: who, plan_id, reply })
                    .await
                    .map(|r| plan(&r)),
                _ => {
                    let (filename, content) = handle
                        .ask(t, |reply| Command::Export { by: who, plan_id, reply })
                        .await?;
                    Ok(json!({ "download": {
                        "filename": filename, "content_type": "text/markdown", "content": content } }))
                }
            }
        }
        "edit_plan" => {
            let plan_id = plan_id(action, &m)?;
            let mut edit = PlanEdit::default();
            for (k, v) in &m {
                if k == "plan_id" {
                    continue;
                }
                if k == "title" {
                    edit.title = Some(string(action, &m, k)?);
                } else if let Some(i) = k.strip_prefix("section_").and_then(|i| i.parse::<usize>().ok()) {
                    let body = v
                        .as_str()
                        .ok_or_else(|| bad(action, format!("{k} must be a string")))?;
                    edit.sections.push((i, body.to_owned()));
                } else {
                    return Err(bad(action, format!("unknown field {k:?} (it takes plan_id, title, section_<i>)")));
                }
            }
            let row = handle
                .ask(t, |reply| Command::Edit { by: who, plan_id, edit, reply })
                .await?;
            Ok(plan(&row))
        }
        "approve" | "request_changes" | "decide" => {
            only(action, &m, &["plan_id", "note", "decision"])?;
            let plan_id = plan_id(action, &m)?;
            let approve = match action {
                "approve" => true,
                "request_changes" => false,
                _ => match string(action, &m, "decision")?.as_str() {
                    "approve" => true,
                    "request_changes" => false,
                    _ => return Err(bad(action, "decision must be approve or request_changes")),
                },
            };
            let note = string(action, &m, "note")?;
            let row = handle
                .ask(t, |reply| Command::Decide { by: who, plan_id, approve, note, reply })
                .await?;
            Ok(plan(&row))
        }
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "no action {action:?} here; it takes create_plan, view_plan, edit_plan, submit, approve, request_changes, decide, export"
            ),
        )),
    }
}

async fn template_action(
    handle: &Handle<Plans>,
    by: &Actor,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let who = by.clone();
    let m = object(action, p)?;
    let key = string(action, &m, "key")?.trim().to_owned();
    let row = match action {
        "create_template" | "edit_template" => {
            only(action, &m, &["key", "name", "vertical", "description", "sections"])?;
            let draft = TemplateDraft {
                key,
                name: string(action, &m, "name")?,
                vertical: string(action, &m, "vertical")?,
                description: string(action, &m, "description")?,
                sections: parse_sections(&string(action, &m, "sections")?)?,
            };
            if action == "create_template" {
                handle
                    .ask(t, |reply| Command::Template(TemplateCommand::Create { by: who, template: draft, reply }))
                    .await?
            } else {
                handle
                    .ask(t, |reply| Command::Template(TemplateCommand::Edit { by: who, template: draft, reply }))
                    .await?
            }
        }
        "retire_template" | "restore_template" | "view_template" => {
            only(action, &m, &["key"])?;
            if action == "view_template" {
                handle
                    .ask(t, |reply| Command::Template(TemplateCommand::Focus { by: who, key, reply }))
                    .await?
            } else {
                let retired = action == "retire_template";
                handle
                    .ask(t, |reply| Command::Template(TemplateCommand::Retire { by: who, key, retired, reply }))
                    .await?
            }
        }
        _ => {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!(
                    "no action {action:?} here; it takes view_template, create_template, edit_template, retire_template, restore_template"
                ),
            ))
        }
    };
    Ok(template(&row))
}
