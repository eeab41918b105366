//! Outreach campaigns: a partner (or staff member) builds a campaign of
//! ordered steps (email or SMS, a day offset, a subject for email, a script
//! template); enrolling a lead schedules its steps; the mail tool's callback
//! marks an emitted step sent or failed (idempotent); unenrolling cancels
//! the pending steps.

use super::commands::StepInput;
use super::input::{self, bad, MAX_LONG, MAX_SHORT};
use super::referrals::{activity, visible as visible_lead};
use super::{is_staff, render, sees_all, Growth, NAME};
use crate::error::store_error;
use crate::ids::{CampaignId, LeadId, StepRunId, UserId};
use crate::registry::Actor;
use crate::store::{CampaignRow, RunRow, StepRow, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;

/// Most campaigns one member builds.
pub const MAX_CAMPAIGNS: i64 = 20;
/// Most steps in a campaign.
pub const MAX_STEPS: usize = 10;
/// Largest day offset.
pub const MAX_OFFSET: i64 = 365;
/// Longest SMS script, characters.
pub const MAX_SMS: usize = 640;

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// The campaign if `by` may see it (its owner, or staff); `not_found` otherwise.
pub async fn visible(g: &Growth, by: &Actor, id: CampaignId) -> Result<CampaignRow, ErrorBody> {
    match g.store.fetch_growth_campaign(g.tenant_id, id).await {
        Ok(c) if sees_all(by) || c.owner_id == by.user_id => Ok(c),
        Ok(_) | Err(StoreError::NotFound) => {
            Err(err(ErrorCode::NotFound, format!("no campaign {id}")))
        }
        Err(e) => Err(store_error(e)),
    }
}

/// Only the owner (or staff) changes a campaign.
fn may_edit(by: &Actor, c: &CampaignRow) -> Result<(), ErrorBody> {
    if is_staff(by) || (c.owner_id == by.user_id && by.bot.is_none()) {
        Ok(())
    } else {
        Err(err(
            ErrorCode::Forbidden,
            "only the campaign's owner and staff change it",
        ))
    }
}

/// Creates a campaign (partners and staff, as themselves).
pub async fn create(g: &Growth, by: &Actor, name: String) -> Result<CampaignRow, ErrorBody> {
    if by.bot.is_some() || !(by.role == Role::Partner || by.role.is_staff()) {
        return Err(err(
            ErrorCode::Forbidden,
            "partners and staff build campaigns",
        ));
    }
    let name = input::text("name", &name, 1, MAX_SHORT, false)?;
    let held = g
        .store
        .fetch_growth_campaigns(g.tenant_id, Some(by.user_id), MAX_CAMPAIGNS)
        .await
        .map_err(store_error)?;
    if held.len() as i64 >= MAX_CAMPAIGNS {
        return Err(err(
            ErrorCode::Conflict,
            format!("at most {MAX_CAMPAIGNS} campaigns each"),
        ));
    }
    let id = CampaignId(g.next_id());
    let summary = format!("Campaign “{name}” created");
    let a = activity(
        g,
        by.user_id,
        Some(by.user_id),
        "campaign.created",
        &summary,
        json!({ "campaign_id": id.to_string() }),
    );
    g.store
        .insert_growth_campaign(g.tenant_id, id, by.user_id, &name, &a)
        .await
        .map_err(store_error)
}

/// Checks a step as written.
pub fn clean_step(campaign_id: CampaignId, s: StepInput) -> Result<StepRow, ErrorBody> {
    let channel = s.channel.trim().to_ascii_lowercase();
    if channel != "email" && channel != "sms" {
        return Err(bad("channel must be email or sms"));
    }
    if !(0..=MAX_OFFSET).contains(&s.day_offset) {
        return Err(bad(format!("day_offset must be 0..{MAX_OFFSET}")));
    }
    let subject = if channel == "email" {
        input::text("subject", &s.subject, 1, MAX_SHORT, false)?
    } else {
        String::new()
    };
    let max = if channel == "sms" { MAX_SMS } else { MAX_LONG };
    let template = input::text("template", &s.template, 1, max, true)?;
    render::check("subject", &subject)?;
    render::check("template", &template)?;
    Ok(StepRow {
        campaign_id,
        position: 0,
        channel,
        day_offset: s.day_offset as i32,
        subject,
        template,
    })
}

/// Appends a step; answers it and the campaign's owner.
pub async fn add_step(
    g: &Growth,
    by: &Actor,
    id: CampaignId,
    s: StepInput,
) -> Result<(StepRow, UserId), ErrorBody> {
    let c = visible(g, by, id).await?;
    may_edit(by, &c)?;
    let step = clean_step(id, s)?;
    let steps = g
        .store
        .fetch_growth_steps(g.tenant_id, &[id])
        .await
        .map_err(store_error)?;
    if steps.len() >= MAX_STEPS {
        return Err(err(
            ErrorCode::Conflict,
            format!("a campaign has at most {MAX_STEPS} steps"),
        ));
    }
    let summary = format!(
        "Campaign “{}”: {} step on day {} added",
        c.name, step.channel, step.day_offset
    );
    let a = activity(
        g,
        c.owner_id,
        Some(by.user_id),
        "campaign.step_added",
        &summary,
        json!({ "campaign_id": id.to_string() }),
    );
    let row = g
        .store
        .insert_growth_step(g.tenant_id, &step, &a)
        .await
        .map_err(store_error)?;
    Ok((row, c.owner_id))
}

/// Removes step `position` of a campaign.
pub async fn remove_step(
    g: &Growth,
    by: &Actor,
    id: CampaignId,
    position: i32,
) -> Result<(), ErrorBody> {
    let c = visible(g, by, id).await?;
    may_edit(by, &c)?;
    let summary = format!("Campaign “{}”: step {position} removed", c.name);
    let a = activity(
        g,
        c.owner_id,
        Some(by.user_id),
        "campaign.step_removed",
        &summary,
        json!({ "campaign_id": id.to_string(), "position": position }),
    );
    g.store
        .delete_growth_step(g.tenant_id, id, position, &a)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => err(
                ErrorCode::NotFound,
                format!("the campaign has no step {position}"),
            ),
            other => store_error(other),
        })
}

/// Enrolls a lead (both visible to `by`; a partner their own lead in their
/// own campaign): one run per step. Answers the lead's partner.
pub async fn enroll(
    g: &Growth,
    by: &Actor,
    id: CampaignId,
    lead_id: LeadId,
) -> Result<UserId, ErrorBody> {
    let c = visible(g, by, id).await?;
    may_edit(by, &c)?;
    let lead = visible_lead(g, by, lead_id).await?;
    if matches!(lead.stage.as_str(), "won" | "lost") {
        return Err(err(
            ErrorCode::Conflict,
            format!("the lead is {}; enroll open leads", lead.stage),
        ));
    }
    let steps = g
        .store
        .fetch_growth_steps(g.tenant_id, &[id])
        .await
        .map_err(store_error)?;
    if steps.is_empty() {
        return Err(err(ErrorCode::Conflict, "the campaign has no steps yet"));
    }
    let runs: Vec<(StepRunId, StepRow)> = steps
        .into_iter()
        .map(|s| (StepRunId(g.next_id()), s))
        .collect();
    let summary = format!("Lead “{}” enrolled in “{}”", lead.name, c.name);
    let a = activity(
        g,
        lead.partner_id,
        Some(by.user_id),
        "campaign.enrolled",
        &summary,
        json!({ "campaign_id": id.to_string(), "lead_id": lead_id.to_string() }),
    );
    g.store
        .insert_growth_enrollment(g.tenant_id, g.next_id(), lead_id, &runs, &a)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => err(
                ErrorCode::Conflict,
                "the lead is already enrolled in this campaign",
            ),
            other => store_error(other),
        })?;
    Ok(lead.partner_id)
}

/// Unenrolls a lead: its pending steps are cancelled. Answers the lead's
/// partner and how many steps were cancelled.
pub async fn unenroll(
    g: &Growth,
    by: &Actor,
    id: CampaignId,
    lead_id: LeadId,
) -> Result<(UserId, u64), ErrorBody> {
    let c = visible(g, by, id).await?;
    let lead = visible_lead(g, by, lead_id).await?;
    if !(is_staff(by) || c.owner_id == by.user_id || lead.partner_id == by.user_id)
        || by.bot.is_some()
    {
        return Err(err(
            ErrorCode::Forbidden,
            "the campaign's owner, the lead's partner or staff unenroll",
        ));
    }
    let summary = format!("Lead “{}” unenrolled from “{}”", lead.name, c.name);
    let a = activity(
        g,
        lead.partner_id,
        Some(by.user_id),
        "campaign.unenrolled",
        &summary,
        json!({ "campaign_id": id.to_string(), "lead_id": lead_id.to_string() }),
    );
    let n = g
        .store
        .update_growth_unenroll(g.tenant_id, id, lead_id, &a)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => err(
                ErrorCode::NotFound,
                "the lead is not enrolled in this campaign",
            ),
            other => store_error(other),
        })?;
    Ok((lead.partner_id, n))
}

/// Longest callback detail, characters.
pub const MAX_DETAIL: usize = 500;

/// The mail tool's answer: `sent` or `failed` (staff, or a bot with the
/// `growth-hub` scope). Idempotent: the same answer again is accepted and
/// changes nothing; another answer for a done step is a conflict naming
/// its status. Answers the run and, when it changed, the lead's partner.
pub async fn step_done(
    g: &Growth,
    by: &Actor,
    id: StepRunId,
    status: &str,
    detail: &str,
) -> Result<(RunRow, Option<UserId>), ErrorBody> {
    if !by.has_scope(NAME) {
        return Err(err(
            ErrorCode::Forbidden,
            "needs staff or a bot with the growth-hub scope",
        ));
    }
    if status != "sent" && status != "failed" {
        return Err(bad("status must be sent or failed"));
    }
    let detail = input::text("detail", detail, 0, MAX_DETAIL, true)?;
    let run = match g.store.fetch_growth_run(g.tenant_id, id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            return Err(err(ErrorCode::NotFound, format!("no campaign step {id}")))
        }
        Err(e) => return Err(store_error(e)),
    };
    if run.status == status {
        return Ok((run, None));
    }
    let lead = g
        .store
        .fetch_growth_lead(g.tenant_id, run.lead_id)
        .await
        .map_err(store_error)?;
    let summary = format!(
        "Campaign step {} for “{}”: {status}",
        run.position, lead.name
    );
    let a = activity(
        g,
        lead.partner_id,
        Some(by.user_id),
        "campaign.step_done",
        &summary,
        json!({ "run_id": id.to_string(), "status": status }),
    );
    let row = g
        .store
        .update_growth_run_done(g.tenant_id, id, status, &detail, &a)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(now) => err(ErrorCode::Conflict, format!("the step is {now}")),
            other => store_error(other),
        })?;
    Ok((row, Some(lead.partner_id)))
}
