//! #onboarding-forms: the partner's application (through the state machine
//! in [`super::application`]), the agreement acceptance of the current
//! version, and compliance documents referencing uploaded files. Each
//! change is one transaction with its activity entry.

use super::application::{next, Move, Status};
use super::views::{AgreementView, ApplicationView, DocumentView};
use super::{Activation, NAME};
use crate::domains::Signal;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{NewActivity, NewApplication, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;

/// Longest company name, characters.
pub const MAX_COMPANY: usize = 120;
/// Longest website, characters.
pub const MAX_WEBSITE: usize = 200;
/// Longest pitch, characters.
pub const MAX_PITCH: usize = 2000;
/// Longest decision reason, characters.
pub const MAX_REASON: usize = 500;
/// Most documents one partner may attach.
pub const MAX_DOCUMENTS: usize = 50;

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// `value` trimmed, `min..=max` characters, no control characters but
/// `\n` and `\t`; `bad_request` naming `field` otherwise.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, ErrorBody> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min || n > max || v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(err(
            ErrorCode::BadRequest,
            format!("{field} must be {min}..{max} characters without control characters"),
        ));
    }
    Ok(v.to_owned())
}

fn partner_only(by: &Actor) -> Result<(), ErrorBody> {
    if by.role == Role::Partner && by.bot.is_none() {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "partners only"))
    }
}

/// Staff or admins acting as themselves (no bot token).
pub fn staff_only(by: &Actor) -> Result<(), ErrorBody> {
    if by.role.is_staff() && by.bot.is_none() {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "staff only"))
    }
}

/// What a partner fills in.
#[derive(Debug, Clone)]
pub struct ApplicationForm {
    pub company: String,
    pub website: Option<String>,
    pub pitch: String,
}

fn current_status(row: Option<&crate::store::ApplicationRow>) -> Option<Status> {
    row.and_then(|r| Status::parse(&r.status))
}

/// The partner submits their application (first time, or after a
/// rejection). `conflict` names the status when one is pending or approved.
pub(super) async fn submit(
    a: &Activation,
    by: &Actor,
    form: ApplicationForm,
) -> Result<ApplicationView, ErrorBody> {
    partner_only(by)?;
    let new = NewApplication {
        company: text("company", &form.company, 1, MAX_COMPANY)?,
        website: text(
            "website",
            form.website.as_deref().unwrap_or(""),
            0,
            MAX_WEBSITE,
        )?,
        pitch: text("pitch", &form.pitch, 1, MAX_PITCH)?,
    };
    let (t, p) = (a.tenant_id, by.user_id);
    let now = a.store.fetch_application(t, p).await.map_err(store_error)?;
    let from = current_status(now.as_ref());
    next(from, Move::Submit).map_err(|r| err(ErrorCode::Conflict, r.message(Move::Submit)))?;
    let summary = format!("Application submitted for {}", new.company);
    let activity = NewActivity {
        id: a.ids.next_id().0 as i64,
        partner: p,
        actor: Some(p),
        domain: NAME,
        verb: Move::Submit.verb(),
        summary: &summary,
        data: json!({ "from": from.map(Status::as_str), "to": "submitted" }),
    };
    let row = a
        .store
        .update_application_submit(t, p, from.map(Status::as_str), &new, &activity)
        .await
        .map_err(moved)?;
    Ok(ApplicationView::from(&row))
}

/// A compare-and-set that found another status: the application moved meanwhile.
fn moved(e: StoreError) -> ErrorBody {
    match e {
        StoreError::Conflict(_) => err(
            ErrorCode::Conflict,
            "the application changed meanwhile; reload and retry",
        ),
        other => store_error(other),
    }
}

/// Staff move `partner`'s application to `to` (`under_review`, `approved`
/// or `rejected`) with `reason` (required to reject). On approval the other
/// domains get [`Signal::ApplicationApproved`] after the commit.
pub(super) async fn decide(
    a: &Activation,
    by: &Actor,
    partner: UserId,
    to: Status,
    reason: &str,
) -> Result<ApplicationView, ErrorBody> {
    staff_only(by)?;
    let mv = Move::decision(to).ok_or_else(|| {
        err(
            ErrorCode::BadRequest,
            "status must be under_review, approved or rejected",
        )
    })?;
    let min = usize::from(mv == Move::Reject);
    let reason = text("reason", reason, min, MAX_REASON)?;
    let t = a.tenant_id;
    let now = a
        .store
        .fetch_application(t, partner)
        .await
        .map_err(store_error)?
        .ok_or_else(|| err(ErrorCode::NotFound, "no application from this partner"))?;
    let from = current_status(Some(&now));
    next(from, mv).map_err(|r| err(ErrorCode::Conflict, r.message(mv)))?;
    let summary = if reason.is_empty() {
        format!("Application {}", to.label().to_lowercase())
    } else {
        format!("Application {}: {reason}", to.label().to_lowercase())
    };
    let activity = NewActivity {
        id: a.ids.next_id().0 as i64,
        partner,
        actor: Some(by.user_id),
        domain: NAME,
        verb: mv.verb(),
        summary: &summary,
        data: json!({ "from": now.status, "to": to.as_str(), "reason": reason }),
    };
    let row = a
        .store
        .update_application_status(
            t,
            partner,
            &now.status,
            to.as_str(),
            &reason,
            by.user_id,
            &activity,
        )
        .await
        .map_err(moved)?;
    if to == Status::Approved {
        if let Ok(domains) = a.links.domains() {
            domains
                .signal(t, Signal::ApplicationApproved { partner })
                .await;
        }
    }
    Ok(ApplicationView::from(&row))
}

/// The partner accepts agreement `version`: recorded with the time, once
/// (accepting again answers the first acceptance). Any version but the
/// current one is refused with `conflict` naming the current version.
pub(super) async fn accept_agreement(
    a: &Activation,
    by: &Actor,
    version: &str,
) -> Result<AgreementView, ErrorBody> {
    partner_only(by)?;
    let version = text("version", version, 1, super::config::MAX_KEY)?;
    let cfg = a.cfg();
    if version != cfg.agreement_version {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "the agreement offered now is version {}; version {version} cannot be accepted",
                cfg.agreement_version
            ),
        ));
    }
    let summary = format!("Accepted {} (version {version})", cfg.agreement_title);
    let activity = NewActivity {
        id: a.ids.next_id().0 as i64,
        partner: by.user_id,
        actor: Some(by.user_id),
        domain: NAME,
        verb: "agreement.accepted",
        summary: &summary,
        data: json!({ "version": version }),
    };
    let (row, _) = a
        .store
        .insert_agreement(a.tenant_id, by.user_id, &version, &activity)
        .await
        .map_err(store_error)?;
    Ok(AgreementView {
        current_version: cfg.agreement_version.clone(),
        title: cfg.agreement_title.clone(),
        accepted: true,
        accepted_at: Some(crate::store::rfc3339(row.accepted_at)),
    })
}

/// Attaches uploaded file `file_id` as a `kind` document of `partner`
/// (the acting partner's own; staff name the partner). The file must be of
/// this tenant and uploaded by the partner (or staff): anyone else's file
/// answers `not_found`, as does a file of another tenant.
pub(super) async fn attach_document(
    a: &Activation,
    by: &Actor,
    partner: Option<UserId>,
    kind: &str,
    file_id: i64,
) -> Result<DocumentView, ErrorBody> {
    let staff = by.role.is_staff() && by.bot.is_none();
    let partner = match (staff, partner) {
        (true, Some(p)) => p,
        (true, None) => {
            return Err(err(
                ErrorCode::BadRequest,
                "partner_id is required when staff attach a document",
            ))
        }
        (false, Some(p)) if p != by.user_id => {
            return Err(err(
                ErrorCode::Forbidden,
                "a partner attaches only their own documents",
            ))
        }
        (false, _) => {
            partner_only(by)?;
            by.user_id
        }
    };
    let cfg = a.cfg();
    let kind = cfg.document_kind(kind).ok_or_else(|| {
        let kinds: Vec<&str> = cfg.document.iter().map(|d| d.kind.as_str()).collect();
        err(
            ErrorCode::BadRequest,
            format!("kind must be one of: {}", kinds.join(", ")),
        )
    })?;
    let t = a.tenant_id;
    let file = match a.store.fetch_file(t, file_id).await {
        Ok(f) if f.owner_id == by.user_id || (staff && f.owner_id == partner) => f,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(err(ErrorCode::NotFound, format!("no file {file_id}")))
        }
        Err(e) => return Err(store_error(e)),
    };
    match a.store.fetch_user(t, partner).await {
        Ok(u) if u.role == Role::Partner.as_str() => {}
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(err(ErrorCode::NotFound, "no such partner"))
        }
        Err(e) => return Err(store_error(e)),
    }
    let held = a
        .store
        .fetch_documents(t, Some(partner), MAX_DOCUMENTS as i64)
        .await
        .map_err(store_error)?;
    if held.len() >= MAX_DOCUMENTS {
        return Err(err(
            ErrorCode::Conflict,
            format!("the partner already has {MAX_DOCUMENTS} documents, the most allowed"),
        ));
    }
    let summary = format!("Added {}: {}", kind.label, file.name);
    let activity = NewActivity {
        id: a.ids.next_id().0 as i64,
        partner,
        actor: Some(by.user_id),
        domain: NAME,
        verb: "document.added",
        summary: &summary,
        data: json!({ "kind": kind.kind, "file_id": file_id.to_string() }),
    };
    let id = a.ids.next_id().0 as i64;
    let row = a
        .store
        .insert_document(t, id, partner, &kind.kind, file_id, by.user_id, &activity)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => err(ErrorCode::Conflict, "this file is already attached"),
            other => store_error(other),
        })?;
    Ok(DocumentView::from(&row))
}
