//! `panel.action` on the activation panels (PROTOCOL.md §4). On
//! `activation.checklist`: `tick {key, done}` (a partner, items without
//! `auto`) → the partner's onboarding; `view {partner_id}` (staff) → that
//! partner's onboarding. On `activation.forms`: `submit_application
//! {company, website?, pitch}`, `accept_agreement {version}`,
//! `attach_document {kind, file, partner_id?}` (partners; staff name the
//! partner), `review {partner_id}` and `decide {partner_id, status,
//! reason?}` (staff). Params are validated like requests (`bad_request`
//! naming what is wrong); answers come after the commit.

use super::application::Status;
use super::forms::ApplicationForm;
use super::{Activation, Command};
use crate::domains::handle::Handle;
use crate::registry::Actor;
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tick {
    key: String,
    done: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerOnly {
    partner_id: Snowflake,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Submit {
    company: String,
    #[serde(default)]
    website: Option<String>,
    pitch: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Accept {
    version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Attach {
    kind: String,
    /// The uploaded file's id (decimal string).
    file: Snowflake,
    #[serde(default)]
    partner_id: Option<Snowflake>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decide {
    partner_id: Snowflake,
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

fn params<T: DeserializeOwned>(action: &str, v: Value) -> Result<T, ErrorBody> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v)
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))
}

/// The status named `s` as a decision; `bad_request` otherwise.
pub fn decision(s: &str) -> Result<Status, ErrorBody> {
    match Status::parse(s) {
        Some(st) if st != Status::Submitted => Ok(st),
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            "status must be under_review, approved or rejected",
        )),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, ErrorBody> {
    serde_json::to_value(v)
        .map_err(|_| ErrorBody::new(ErrorCode::Internal, "unserialisable answer"))
}

/// Runs `action` of panel `kind` for `by`.
pub async fn run(
    handle: &Handle<Activation>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let who = by.clone();
    match (kind, action) {
        ("activation.checklist", "tick") => {
            let x: Tick = params(action, p)?;
            let v = handle
                .ask(t, |reply| Command::Tick { by: who, key: x.key, done: x.done, reply })
                .await?;
            to_json(&v)
        }
        ("activation.checklist", "view") => {
            let x: PartnerOnly = params(action, p)?;
            if !by.role.is_staff() || by.bot.is_some() {
                return Err(ErrorBody::new(ErrorCode::Forbidden, "staff only"));
            }
            let v = handle
                .ask(t, |reply| Command::Read { by: who, partner: x.partner_id.into(), reply })
                .await?;
            to_json(&v)
        }
        ("activation.forms", "submit_application") => {
            let x: Submit = params(action, p)?;
            let form = ApplicationForm { company: x.company, website: x.website, pitch: x.pitch };
            let v = handle.ask(t, |reply| Command::Submit { by: who, form, reply }).await?;
            to_json(&v)
        }
        ("activation.forms", "accept_agreement") => {
            let x: Accept = params(action, p)?;
            let v = handle
                .ask(t, |reply| Command::AcceptAgreement { by: who, version: x.version, reply })
                .await?;
            to_json(&v)
        }
        ("activation.forms", "attach_document") => {
            let x: Attach = params(action, p)?;
            let v = handle
                .ask(t, |reply| Command::AttachDocument {
                    by: who,
                    partner: x.partner_id.map(Into::into),
                    kind: x.kind,
                    file_id: x.file.0 as i64,
                    reply,
                })
                .await?;
            to_json(&v)
        }
        ("activation.forms", "review") => {
            let x: PartnerOnly = params(action, p)?;
            let v = handle
                .ask(t, |reply| Command::Decide {
                    by: who,
                    partner: x.partner_id.into(),
                    to: Status::UnderReview,
                    reason: String::new(),
                    reply,
                })
                .await?;
            to_json(&v)
        }
        ("activation.forms", "decide") => {
            let x: Decide = params(action, p)?;
            let to = decision(&x.status)?;
            let v = handle
                .ask(t, |reply| Command::Decide {
                    by: who,
                    partner: x.partner_id.into(),
                    to,
                    reason: x.reason.unwrap_or_default(),
                    reply,
                })
                .await?;
            to_json(&v)
        }
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "no action {action:?} on {kind}; #starter-checklist and #onboarding-checklist take tick and view; #onboarding-forms takes submit_application, accept_agreement, attach_document, review and decide"
            ),
        )),
    }
}
