//! The template catalogue's commands (staff): add a template, edit one,
//! retire or restore one, and open one for editing in the staff panel.
//! Templates are not a partner's records (no activity entry); a change
//! rebuilds every projection (the wizard's template list moves too).
//! Plans already made keep their own copy of the sections.

use super::commands::{err, Reply};
use super::templates::{self, TemplateDraft, MAX_TEMPLATES};
use super::{is_staff, Plans};
use crate::domains::{answer, Changed};
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::{PlanTemplateRow, StoreError};
use arena_protocol::{ErrorBody, ErrorCode};

/// A template command.
#[derive(Debug)]
pub enum TemplateCommand {
    /// Add a template (its key must be new).
    Create {
        by: Actor,
        template: TemplateDraft,
        reply: Reply<PlanTemplateRow>,
    },
    /// Replace the template `template.key`'s name, vertical, description and sections.
    Edit {
        by: Actor,
        template: TemplateDraft,
        reply: Reply<PlanTemplateRow>,
    },
    /// Retire (`true`: no longer offered in the wizard) or restore.
    Retire {
        by: Actor,
        key: String,
        retired: bool,
        reply: Reply<PlanTemplateRow>,
    },
    /// The templates (retired ones when `retired`, staff only), in list order.
    List {
        by: Actor,
        retired: bool,
        reply: Reply<Vec<PlanTemplateRow>>,
    },
    /// One template (a retired one for staff only).
    Get {
        by: Actor,
        key: String,
        reply: Reply<PlanTemplateRow>,
    },
    /// Open a template in the staff panel's edit form.
    Focus {
        by: Actor,
        key: String,
        reply: Reply<PlanTemplateRow>,
    },
}

fn staff_only(by: &Actor) -> Result<(), ErrorBody> {
    if is_staff(by) {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "staff keep the templates"))
    }
}

fn missing(key: &str) -> ErrorBody {
    err(ErrorCode::NotFound, format!("no template {key:?}"))
}

fn mapped(key: &str, e: StoreError) -> ErrorBody {
    match e {
        StoreError::NotFound => missing(key),
        StoreError::Conflict(_) => err(
            ErrorCode::Conflict,
            format!("a template with the key {key:?} exists (retired ones too)"),
        ),
        other => store_error(other),
    }
}

/// Runs one template command and says which projections changed.
pub(super) async fn run(s: &mut Plans, c: TemplateCommand) -> Changed {
    match c {
        TemplateCommand::Create {
            by,
            template,
            reply,
        } => {
            let r = create(s, &by, &template).await;
            answer(reply, r, Changed::All)
        }
        TemplateCommand::Edit {
            by,
            template,
            reply,
        } => {
            let r = edit(s, &by, &template).await;
            answer(reply, r, Changed::All)
        }
        TemplateCommand::Retire {
            by,
            key,
            retired,
            reply,
        } => {
            let r = retire(s, &by, &key, retired).await;
            answer(reply, r, Changed::All)
        }
        TemplateCommand::List { by, retired, reply } => {
            let r = s
                .store()
                .fetch_plan_templates(s.tenant_id, retired && is_staff(&by), MAX_TEMPLATES)
                .await
                .map_err(store_error);
            answer(reply, r, Changed::Nothing)
        }
        TemplateCommand::Get { by, key, reply } => {
            let r = match s.store().fetch_plan_template(s.tenant_id, &key).await {
                Ok(t) if t.retired_at.is_none() || is_staff(&by) => Ok(t),
                Ok(_) => Err(missing(&key)),
                Err(e) => Err(mapped(&key, e)),
            };
            answer(reply, r, Changed::Nothing)
        }
        TemplateCommand::Focus { by, key, reply } => {
            let r = match staff_only(&by) {
                Ok(()) => s
                    .store()
                    .fetch_plan_template(s.tenant_id, &key)
                    .await
                    .map_err(|e| mapped(&key, e)),
                Err(e) => Err(e),
            };
            let moved = r
                .as_ref()
                .is_ok_and(|t| s.template_focus.as_deref() != Some(&t.key));
            if let Ok(t) = &r {
                s.template_focus = Some(t.key.clone());
            }
            let on_ok = if moved {
                Changed::Only(vec![crate::bus::Projection::Program])
            } else {
                Changed::Nothing
            };
            answer(reply, r, on_ok)
        }
    }
}

async fn create(s: &Plans, by: &Actor, t: &TemplateDraft) -> Result<PlanTemplateRow, ErrorBody> {
    staff_only(by)?;
    let t = templates::validate(t)?;
    let n = s
        .store()
        .fetch_plan_template_count(s.tenant_id)
        .await
        .map_err(store_error)?;
    if n >= MAX_TEMPLATES {
        return Err(err(
            ErrorCode::BadRequest,
            format!("a workspace holds at most {MAX_TEMPLATES} templates; edit or retire one"),
        ));
    }
    s.store()
        .insert_plan_template(s.tenant_id, &t.to_new(0, Some(by.user_id)))
        .await
        .map_err(|e| mapped(&t.key, e))
}

async fn edit(s: &Plans, by: &Actor, t: &TemplateDraft) -> Result<PlanTemplateRow, ErrorBody> {
    staff_only(by)?;
    let t = templates::validate(t)?;
    s.store()
        .update_plan_template(s.tenant_id, &t.to_new(0, None))
        .await
        .map_err(|e| mapped(&t.key, e))
}

async fn retire(
    s: &Plans,
    by: &Actor,
    key: &str,
    retired: bool,
) -> Result<PlanTemplateRow, ErrorBody> {
    staff_only(by)?;
    s.store()
        .update_plan_template_retired(s.tenant_id, key, retired)
        .await
        .map_err(|e| mapped(key, e))
}
