//! What the activation actor is asked to do (REST, `panel.action`, the
//! gateway's IDENTIFY), each answered through its own reply after the
//! change is committed, and which projections each change touched.

use super::application::Status;
use super::forms::{self, ApplicationForm};
use super::views::{AgreementView, ApplicationView, DocumentView, OnboardingView, ProgramView};
use super::{checklist, read, welcome, Activation};
use crate::bus::Projection;
use crate::domains::Changed;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use arena_protocol::ErrorBody;
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// A command to the tenant's activation actor.
#[derive(Debug)]
pub enum Command {
    /// A member connected (fire-and-forget, from IDENTIFY): welcome them in
    /// #welcome if they are a partner never welcomed.
    Welcome { member: UserId },
    /// A partner ticks or unticks their own item `key`; answers their onboarding.
    Tick {
        by: Actor,
        key: String,
        done: bool,
        reply: Reply<OnboardingView>,
    },
    /// A partner submits their application.
    Submit {
        by: Actor,
        form: ApplicationForm,
        reply: Reply<ApplicationView>,
    },
    /// Staff move a partner's application to `to` with `reason`.
    Decide {
        by: Actor,
        partner: UserId,
        to: Status,
        reason: String,
        reply: Reply<ApplicationView>,
    },
    /// A partner accepts agreement `version`.
    AcceptAgreement {
        by: Actor,
        version: String,
        reply: Reply<AgreementView>,
    },
    /// A partner (or staff for `partner`) attaches uploaded file `file_id`
    /// as a `kind` document.
    AttachDocument {
        by: Actor,
        partner: Option<UserId>,
        kind: String,
        file_id: i64,
        reply: Reply<DocumentView>,
    },
    /// One partner's onboarding: the viewer's own, or (staff) anyone's.
    /// `not_found` for another partner's, as for a non-partner.
    Read {
        by: Actor,
        partner: UserId,
        reply: Reply<OnboardingView>,
    },
    /// Every partner's progress (staff).
    ReadProgram {
        by: Actor,
        reply: Reply<ProgramView>,
    },
}

/// A change to `partner`'s records: their views and the program's.
fn touched(partner: UserId) -> Changed {
    Changed::Only(vec![Projection::Partner(partner), Projection::Program])
}

/// Runs one command and says which projections changed.
pub(super) async fn run(a: &mut Activation, command: Command) -> Changed {
    match command {
        Command::Welcome { member } => {
            if welcome::welcome(a, member).await {
                touched(member)
            } else {
                Changed::Nothing
            }
        }
        Command::Tick {
            by,
            key,
            done,
            reply,
        } => {
            let result = checklist::tick(a, &by, &key, done).await;
            let changed = matches!(result, Ok(true));
            let result = match result {
                Ok(_) => read_partner(a, &by, by.user_id).await,
                Err(e) => Err(e),
            };
            let _ = reply.send(result);
            if changed {
                touched(by.user_id)
            } else {
                Changed::Nothing
            }
        }
        Command::Submit { by, form, reply } => {
            let result = forms::submit(a, &by, form).await;
            let changed = result.is_ok().then(|| touched(by.user_id));
            let _ = reply.send(result);
            changed.unwrap_or(Changed::Nothing)
        }
        Command::Decide {
            by,
            partner,
            to,
            reason,
            reply,
        } => {
            let result = forms::decide(a, &by, partner, to, &reason).await;
            let changed = result.is_ok().then(|| touched(partner));
            let _ = reply.send(result);
            changed.unwrap_or(Changed::Nothing)
        }
        Command::AcceptAgreement { by, version, reply } => {
            let result = forms::accept_agreement(a, &by, &version).await;
            let changed = result.is_ok().then(|| touched(by.user_id));
            let _ = reply.send(result);
            changed.unwrap_or(Changed::Nothing)
        }
        Command::AttachDocument {
            by,
            partner,
            kind,
            file_id,
            reply,
        } => {
            let result = forms::attach_document(a, &by, partner, &kind, file_id).await;
            let changed = result
                .as_ref()
                .ok()
                .and_then(|d| d.partner_id.parse().ok())
                .map(|p| touched(UserId(p)));
            let _ = reply.send(result);
            changed.unwrap_or(Changed::Nothing)
        }
        Command::Read { by, partner, reply } => {
            let _ = reply.send(read_partner(a, &by, partner).await);
            Changed::Nothing
        }
        Command::ReadProgram { by, reply } => {
            let result = match forms::staff_only(&by) {
                Ok(()) => read::program(a).await.map_err(store_error),
                Err(e) => Err(e),
            };
            let _ = reply.send(result);
            Changed::Nothing
        }
    }
}

/// `partner`'s onboarding as `by` may see it: their own, or anyone's for staff.
async fn read_partner(
    a: &Activation,
    by: &Actor,
    partner: UserId,
) -> Result<OnboardingView, ErrorBody> {
    let staff = by.role.is_staff() && by.bot.is_none();
    if !staff && partner != by.user_id {
        return Err(ErrorBody::new(
            arena_protocol::ErrorCode::NotFound,
            "no onboarding for this member",
        ));
    }
    read::partner(a, partner).await.map_err(|e| match e {
        crate::store::StoreError::NotFound => ErrorBody::new(
            arena_protocol::ErrorCode::NotFound,
            "no onboarding for this member",
        ),
        other => store_error(other),
    })
}
