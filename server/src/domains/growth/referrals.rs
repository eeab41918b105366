//! Referral codes and leads: codes (one created on first need, more on
//! request), leads added by partners, staff or a landing page, stage moves
//! with rewards, and a won lead's deal win recorded once through revenue.

use super::commands::LeadInput;
use super::input::{self, bad, MAX_LONG, MAX_SHORT};
use super::stage::{self, Stage};
use super::{is_staff, sees_all, Growth, NAME};
use crate::domains::revenue::{self, DealWin};
use crate::error::store_error;
use crate::ids::{LandingPageId, LeadId, UserId};
use crate::registry::Actor;
use crate::store::{CodeRow, LeadMove, LeadRow, NewActivity, NewLead, NewReward, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use rand::Rng;
use serde_json::json;

/// Most codes one partner holds.
pub const MAX_CODES: i64 = 10;
/// Characters of a code (URL-safe, without look-alikes).
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Length of a code: 31^8 ≈ 8.5e11 codes.
const CODE_LEN: usize = 8;

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// A fresh random code.
pub fn random_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Whose records `by` acts on: a partner their own (`partner` must be
/// absent or themselves); staff (or a scoped bot) the partner named.
pub(super) async fn whose(
    g: &Growth,
    by: &Actor,
    partner: Option<UserId>,
) -> Result<UserId, ErrorBody> {
    if sees_all(by) {
        let Some(p) = partner else {
            return Err(bad("partner_id is required for staff"));
        };
        match g.store.fetch_user(g.tenant_id, p).await {
            Ok(u) if u.role == Role::Partner.as_str() => Ok(p),
            Ok(_) | Err(StoreError::NotFound) => {
                Err(bad("partner_id is not a partner of this workspace"))
            }
            Err(e) => Err(store_error(e)),
        }
    } else if by.role == Role::Partner && by.bot.is_none() {
        match partner {
            Some(p) if p != by.user_id => Err(err(
                ErrorCode::Forbidden,
                "partners act on their own records",
            )),
            _ => Ok(by.user_id),
        }
    } else {
        Err(err(ErrorCode::Forbidden, "partners and staff only"))
    }
}

pub(super) fn activity<'a>(
    g: &Growth,
    partner: UserId,
    by: Option<UserId>,
    verb: &'a str,
    summary: &'a str,
    data: serde_json::Value,
) -> NewActivity<'a> {
    NewActivity {
        id: g.next_id(),
        partner,
        actor: by,
        domain: NAME,
        verb,
        summary,
        data,
    }
}

/// Creates a code for `partner`, retrying on the (unlikely) taken code.
async fn create_code(
    g: &Growth,
    partner: UserId,
    by: Option<UserId>,
    target: Option<&str>,
) -> Result<CodeRow, ErrorBody> {
    for _ in 0..5 {
        let code = random_code();
        let summary = format!("Referral code {code} created");
        let a = activity(
            g,
            partner,
            by,
            "referral_code.created",
            &summary,
            json!({ "code": code }),
        );
        match g
            .store
            .insert_growth_code(g.tenant_id, g.next_id(), partner, &code, target, &a)
            .await
        {
            Ok(c) => return Ok(c),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(store_error(e)),
        }
    }
    Err(err(
        ErrorCode::Internal,
        "could not find a free code; try again",
    ))
}

/// The partner's codes, one created when they have none; `true` when created.
pub async fn codes(
    g: &Growth,
    by: &Actor,
    partner: Option<UserId>,
) -> Result<(Vec<CodeRow>, bool), ErrorBody> {
    let p = whose(g, by, partner).await?;
    let rows = g
        .store
        .fetch_growth_codes(g.tenant_id, Some(p), MAX_CODES)
        .await
        .map_err(store_error)?;
    if !rows.is_empty() {
        return Ok((rows, false));
    }
    Ok((vec![create_code(g, p, Some(by.user_id), None).await?], true))
}

/// The partner's first code, created if none (panel builds).
pub(super) async fn ensure_code(g: &Growth, partner: UserId) -> Result<Vec<CodeRow>, StoreError> {
    let rows = g
        .store
        .fetch_growth_codes(g.tenant_id, Some(partner), MAX_CODES)
        .await?;
    if !rows.is_empty() {
        return Ok(rows);
    }
    // Only partners hold codes (a bot's own projection has none).
    if g.store.fetch_user(g.tenant_id, partner).await?.role != Role::Partner.as_str() {
        return Ok(rows);
    }
    match create_code(g, partner, None, None).await {
        Ok(c) => Ok(vec![c]),
        Err(e) => Err(StoreError::Other(e.message)),
    }
}

/// One more code (at most [`MAX_CODES`]).
pub async fn new_code(
    g: &Growth,
    by: &Actor,
    partner: Option<UserId>,
    target: Option<String>,
) -> Result<CodeRow, ErrorBody> {
    let p = whose(g, by, partner).await?;
    let target = target
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if target
        .as_deref()
        .is_some_and(|t| !super::config::valid_target(t))
    {
        return Err(bad(
            "target must be an http(s) URL or a path starting with /",
        ));
    }
    let held = g
        .store
        .fetch_growth_codes(g.tenant_id, Some(p), MAX_CODES)
        .await
        .map_err(store_error)?;
    if held.len() as i64 >= MAX_CODES {
        return Err(err(
            ErrorCode::Conflict,
            format!("a partner holds at most {MAX_CODES} codes"),
        ));
    }
    create_code(g, p, Some(by.user_id), target.as_deref()).await
}

/// Validates a lead's fields: a name, and an email or a phone.
pub(super) fn clean(l: LeadInput) -> Result<LeadInput, ErrorBody> {
    let out = LeadInput {
        name: input::text("name", &l.name, 1, MAX_SHORT, false)?,
        email: input::email(&l.email)?,
        phone: input::phone(&l.phone)?,
        company: input::text("company", &l.company, 0, MAX_SHORT, false)?,
        note: input::text("note", &l.note, 0, MAX_LONG, true)?,
    };
    if out.email.is_empty() && out.phone.is_empty() {
        return Err(bad("a lead needs an email or a phone"));
    }
    Ok(out)
}

/// Stores a lead for `partner`.
pub(super) async fn insert_lead(
    g: &Growth,
    partner: UserId,
    by: Option<UserId>,
    source: &str,
    page: Option<LandingPageId>,
    l: &LeadInput,
) -> Result<LeadRow, ErrorBody> {
    let id = LeadId(g.next_id());
    let new = NewLead {
        id,
        partner_id: partner,
        source,
        page_id: page,
        name: &l.name,
        email: &l.email,
        phone: &l.phone,
        company: &l.company,
        note: &l.note,
    };
    let summary = match source {
        "landing_page" => format!("New lead “{}” from a landing page", l.name),
        _ => format!("Referred lead “{}” added", l.name),
    };
    let a = activity(
        g,
        partner,
        by,
        "lead.created",
        &summary,
        json!({ "lead_id": id.to_string(), "source": source }),
    );
    g.store
        .insert_growth_lead(g.tenant_id, &new, &a)
        .await
        .map_err(store_error)
}

/// Adds a lead (partners their own, staff for a partner).
pub async fn add_lead(
    g: &Growth,
    by: &Actor,
    partner: Option<UserId>,
    l: LeadInput,
) -> Result<LeadRow, ErrorBody> {
    let p = whose(g, by, partner).await?;
    let l = clean(l)?;
    let source = if by.bot.is_some() { "api" } else { "panel" };
    insert_lead(g, p, Some(by.user_id), source, None, &l).await
}

/// The lead if `by` may see it; `not_found` otherwise (as if absent).
pub async fn visible(g: &Growth, by: &Actor, id: LeadId) -> Result<LeadRow, ErrorBody> {
    match g.store.fetch_growth_lead(g.tenant_id, id).await {
        Ok(l) if sees_all(by) || l.partner_id == by.user_id => Ok(l),
        Ok(_) | Err(StoreError::NotFound) => Err(err(ErrorCode::NotFound, format!("no lead {id}"))),
        Err(e) => Err(store_error(e)),
    }
}

/// Moves a lead. Partners move their own leads except to won (staff record
/// a win, with its value); a won lead records its deal win in revenue.
/// Won again while its deal win is not yet recorded retries the recording.
pub async fn move_lead(
    g: &Growth,
    by: &Actor,
    id: LeadId,
    to: &str,
    value: Option<(i64, String)>,
) -> Result<LeadRow, ErrorBody> {
    let lead = visible(g, by, id).await?;
    if by.bot.is_some() && !sees_all(by) {
        return Err(err(ErrorCode::Forbidden, "this bot may not move leads"));
    }
    let to = Stage::parse(to)
        .ok_or_else(|| bad("to must be referred, contacted, qualified, won or lost"))?;
    let from = Stage::parse(&lead.stage)
        .ok_or_else(|| err(ErrorCode::Internal, "a lead with an unknown stage"))?;
    if to == Stage::Won && !sees_all(by) {
        return Err(err(
            ErrorCode::Forbidden,
            "staff mark a lead won (with the deal's value)",
        ));
    }
    if from == Stage::Won && to == Stage::Won && !lead.deal_recorded {
        return record_win(g, by, lead).await;
    }
    stage::check(from, to).map_err(|e| err(ErrorCode::Conflict, e.to_string()))?;
    let value = match (to, value) {
        (Stage::Won, Some((amount, currency))) => Some(input::money(amount, &currency)?),
        (Stage::Won, None) => {
            return Err(bad(
                "value_minor and currency are required to mark a lead won",
            ))
        }
        _ => None,
    };
    let rewards: Vec<(i64, &super::config::Reward)> = g
        .config()
        .rewards_for(to)
        .map(|r| (g.next_id(), r))
        .collect();
    let rewards: Vec<NewReward<'_>> = rewards
        .iter()
        .map(|(rid, r)| NewReward {
            id: *rid,
            stage: to.as_str(),
            amount_minor: r.amount_minor,
            currency: &r.currency,
        })
        .collect();
    let summary = format!("Lead “{}”: {from} → {to}", lead.name);
    let a = activity(
        g,
        lead.partner_id,
        Some(by.user_id),
        "lead.moved",
        &summary,
        json!({ "lead_id": id.to_string(), "from": from.as_str(), "to": to.as_str() }),
    );
    let m = LeadMove {
        id,
        from: from.as_str(),
        to: to.as_str(),
        value: value.as_ref().map(|(v, c)| (*v, c.as_str())),
    };
    let row = g
        .store
        .update_growth_lead_stage(g.tenant_id, &m, &rewards, &a)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(now) => err(
                ErrorCode::Conflict,
                format!("the lead is now {now}; reload and try again"),
            ),
            other => store_error(other),
        })?;
    if to == Stage::Won {
        return record_win(g, by, row).await;
    }
    Ok(row)
}

/// The deal id of a won lead: one per lead, so a retry records nothing new.
pub fn deal_id(lead: LeadId) -> String {
    format!("referral-{lead}")
}

/// Records the won lead's deal win in revenue (idempotent there on the deal
/// id) as the staff member, or as the tenant's system member acting as staff.
async fn record_win(g: &Growth, by: &Actor, lead: LeadRow) -> Result<LeadRow, ErrorBody> {
    let (Some(amount), Some(currency)) = (lead.value_minor, lead.currency.clone()) else {
        return Err(err(ErrorCode::Internal, "a won lead without its value"));
    };
    let client = if lead.company.is_empty() {
        lead.name.clone()
    } else {
        lead.company.clone()
    };
    let win = DealWin {
        partner_id: lead.partner_id,
        client,
        amount_minor: amount,
        currency,
        deal_id: deal_id(lead.id),
        closed_at: None,
    };
    let as_who = if is_staff(by) {
        by.clone()
    } else {
        let system = g
            .store
            .fetch_system_user(g.tenant_id, g.ctx.ids.next_id().into())
            .await
            .map_err(store_error)?;
        Actor::member(g.tenant_id, system.id, Role::Staff, None)
    };
    let recorded = g
        .ctx
        .links
        .domains()?
        .revenue()
        .ask(g.tenant_id, |reply| revenue::Command::RecordWin {
            by: as_who,
            win,
            reply,
        })
        .await;
    if let Err(e) = recorded {
        return Err(err(
            e.code,
            format!(
                "the lead is won, but its deal win is not recorded yet ({}); mark it won again to retry",
                e.message
            ),
        ));
    }
    g.store
        .update_growth_lead_recorded(g.tenant_id, lead.id)
        .await
        .map_err(store_error)?;
    Ok(LeadRow {
        deal_recorded: true,
        ..lead
    })
}
