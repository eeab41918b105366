//! The commission ledger's commands, run one at a time by the tenant's
//! revenue actor: record a deal win (idempotent on `deal_id`), approve
//! pending commissions, pay approved ones, reverse any. Each is one append
//! (one transaction, with its audit entry); nothing is updated in place.

use super::deals::DealWin;
use super::program::commission;
use super::Revenue;
use crate::bus::Projection;
use crate::domains::Changed;
use crate::domains::Domain;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{DealRow, LedgerRow, NewDeal, NewLedgerEntry, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// What the revenue actor is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Record a deal win and its pending commission.
    RecordWin {
        by: Actor,
        win: DealWin,
        reply: Reply<Recorded>,
    },
    /// Approve pending commissions (staff).
    Approve {
        by: Actor,
        deal_ids: Vec<String>,
        reply: Reply<Vec<LedgerRow>>,
    },
    /// Pay approved commissions under a payout reference (staff).
    Payout {
        by: Actor,
        deal_ids: Vec<String>,
        reference: String,
        reply: Reply<Vec<LedgerRow>>,
    },
    /// Reverse a deal's commission (refund or chargeback), with the reason.
    Reverse {
        by: Actor,
        deal_id: String,
        reason: String,
        reply: Reply<LedgerRow>,
    },
    /// Set a partner's tier (staff).
    SetTier {
        by: Actor,
        partner: UserId,
        tier: String,
        reply: Reply<super::tiers::Changed>,
    },
    /// Set a monthly goal (staff).
    SetGoal {
        by: Actor,
        goal: super::goals::Goal,
        reply: Reply<()>,
    },
}

/// A recorded deal and its commission's current entry; `created` is false
/// when the same body was recorded before (nothing new was written).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub deal: DealRow,
    pub commission: LedgerRow,
    pub created: bool,
}

/// Longest payout reference or reversal reason, characters.
const MAX_REFERENCE: usize = 200;
/// Most deals one approval or payout may name.
const MAX_DEALS: usize = 500;

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// Runs one command and says which projections changed.
pub(super) async fn run(r: &mut Revenue, command: Command) -> Changed {
    match command {
        Command::RecordWin { by, win, reply } => {
            let result = match record_win(r, &by, win).await {
                Ok(rec) => super::card::ensure_posted(r, &by, rec).await,
                Err(e) => Err(e),
            };
            if let Some(rec) = result.as_ref().ok().filter(|x| x.created) {
                super::tiers::promote(r, rec.deal.partner_id).await;
            }
            if let (Ok(rec), Ok(domains)) = (result.as_ref(), r.links.domains()) {
                if rec.created {
                    let signal = crate::domains::Signal::DealWon {
                        partner: rec.deal.partner_id,
                        deal_id: rec.deal.deal_id.clone(),
                    };
                    domains.signal(r.tenant_id, signal).await;
                }
            }
            let changed = touched(
                result
                    .as_ref()
                    .ok()
                    .filter(|x| x.created)
                    .map(|x| &x.commission),
            );
            let _ = reply.send(result);
            changed
        }
        Command::Approve {
            by,
            deal_ids,
            reply,
        } => {
            let result = advance(r, &by, deal_ids, &["pending"], "approved", String::new()).await;
            finish(result, reply)
        }
        Command::Payout {
            by,
            deal_ids,
            reference,
            reply,
        } => {
            let result = match check_reference(&reference) {
                Ok(()) => advance(r, &by, deal_ids, &["approved"], "paid", reference).await,
                Err(e) => Err(e),
            };
            finish(result, reply)
        }
        Command::SetGoal { by, goal, reply } => {
            let partner = goal.partner;
            let result = super::goals::set(r, &by, goal).await;
            let changed = match (&result, partner) {
                (Err(_), _) => Changed::Nothing,
                (Ok(()), Some(p)) => {
                    Changed::Only(vec![Projection::Partner(p), Projection::Program])
                }
                (Ok(()), None) => Changed::All,
            };
            let _ = reply.send(result);
            changed
        }
        Command::Reverse {
            by,
            deal_id,
            reason,
            reply,
        } => {
            let result = match check_reference(&reason) {
                Ok(()) => reverse(r, &by, &deal_id, reason).await,
                Err(e) => Err(e),
            };
            if let Ok(row) = &result {
                if let Err(e) = super::tiers::evaluate(r, row.partner_id, true).await {
                    tracing::warn!(error = ?e, "tier re-evaluation after a reversal failed");
                }
            }
            let changed = touched(result.as_ref().ok());
            let _ = reply.send(result);
            changed
        }
        Command::SetTier {
            by,
            partner,
            tier,
            reply,
        } => super::tiers::run_set(r, &by, partner, &tier, reply).await,
    }
}

fn finish(result: Result<Vec<LedgerRow>, ErrorBody>, reply: Reply<Vec<LedgerRow>>) -> Changed {
    let mut changed = Vec::new();
    if let Ok(rows) = &result {
        for row in rows {
            if let Changed::Only(ps) = touched(Some(row)) {
                for p in ps {
                    if !changed.contains(&p) {
                        changed.push(p);
                    }
                }
            }
        }
    }
    let _ = reply.send(result);
    if changed.is_empty() {
        Changed::Nothing
    } else {
        Changed::Only(changed)
    }
}

/// A new entry changes its partner's views, the program's and the ranking.
fn touched(entry: Option<&LedgerRow>) -> Changed {
    match entry {
        Some(e) => Changed::Only(vec![
            Projection::Partner(e.partner_id),
            Projection::Program,
            Projection::Everyone,
        ]),
        None => Changed::Nothing,
    }
}

fn check_reference(s: &str) -> Result<(), ErrorBody> {
    let n = s.trim().chars().count();
    if n == 0 || n > MAX_REFERENCE || s.chars().any(char::is_control) {
        return Err(err(
            ErrorCode::BadRequest,
            format!(
                "reference/reason must be 1..{MAX_REFERENCE} characters without control characters"
            ),
        ));
    }
    Ok(())
}

fn staff_only(by: &Actor) -> Result<(), ErrorBody> {
    if by.role.is_staff() && by.bot.is_none() {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "staff only"))
    }
}

async fn current(r: &Revenue, deal_id: &str) -> Result<Option<LedgerRow>, ErrorBody> {
    let rows = r
        .store
        .fetch_ledger_for_deal(r.tenant_id, deal_id)
        .await
        .map_err(store_error)?;
    Ok(rows.into_iter().last())
}

async fn record_win(r: &Revenue, by: &Actor, win: DealWin) -> Result<Recorded, ErrorBody> {
    if !by.has_scope(Revenue::NAME) {
        return Err(err(
            ErrorCode::Forbidden,
            "recording deal wins needs staff or a bot with the revenue scope",
        ));
    }
    let now = OffsetDateTime::now_utc();
    win.validate(&r.program, now)?;
    let hash = win.body_hash();
    if let Some(found) = same_or_conflict(r, &win.deal_id, &hash).await? {
        return Ok(found);
    }
    let partner = match r.store.fetch_user(r.tenant_id, win.partner_id).await {
        Ok(u) if u.role == Role::Partner.as_str() => u,
        Ok(_) => return Err(err(ErrorCode::BadRequest, "partner_id is not a partner")),
        Err(StoreError::NotFound) => {
            return Err(err(
                ErrorCode::BadRequest,
                "partner_id is not a member of this workspace",
            ))
        }
        Err(e) => return Err(store_error(e)),
    };
    let tier = partner
        .tier
        .as_deref()
        .and_then(|t| r.program.tier(t))
        .unwrap_or(&r.program.tier[0]);
    let deal = NewDeal {
        deal_id: win.deal_id.clone(),
        partner_id: win.partner_id,
        client: win.client.trim().to_owned(),
        amount_minor: win.amount_minor,
        currency: win.currency.clone(),
        closed_at: win.closed_at.unwrap_or(now),
        body_hash: hash.clone(),
        recorded_by: by.user_id,
    };
    let entry = NewLedgerEntry {
        deal_id: win.deal_id.clone(),
        partner_id: win.partner_id,
        from: &[],
        status: "pending",
        amount_minor: commission(win.amount_minor, tier.rate_bp),
        currency: win.currency.clone(),
        rate_bp: tier.rate_bp,
        reference: String::new(),
        actor_id: by.user_id,
    };
    let audit_id = r.ids.next_id().0 as i64;
    match r
        .store
        .insert_deal_win(r.tenant_id, &deal, entry, audit_id)
        .await
    {
        Ok(commission) => {
            let deal = r
                .store
                .fetch_deal(r.tenant_id, &win.deal_id)
                .await
                .map_err(store_error)?
                .ok_or_else(|| err(ErrorCode::Internal, "recorded deal not found"))?;
            Ok(Recorded {
                deal,
                commission,
                created: true,
            })
        }
        // Recorded meanwhile through another node: the same rules apply.
        Err(StoreError::Conflict(_)) => {
            same_or_conflict(r, &win.deal_id, &hash)
                .await?
                .ok_or_else(|| {
                    err(
                        ErrorCode::Conflict,
                        "deal_id was recorded concurrently; retry",
                    )
                })
        }
        Err(e) => Err(store_error(e)),
    }
}

/// The deal if it was recorded with this body; `conflict` if with another.
async fn same_or_conflict(
    r: &Revenue,
    deal_id: &str,
    hash: &str,
) -> Result<Option<Recorded>, ErrorBody> {
    let Some(deal) = r
        .store
        .fetch_deal(r.tenant_id, deal_id)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    if deal.body_hash != hash {
        return Err(err(
            ErrorCode::Conflict,
            format!("deal_id {deal_id:?} was recorded with another body"),
        ));
    }
    let commission = current(r, deal_id)
        .await?
        .ok_or_else(|| err(ErrorCode::Internal, "deal without a ledger entry"))?;
    Ok(Some(Recorded {
        deal,
        commission,
        created: false,
    }))
}

/// Moves every named deal from `from` to `to` in one transaction; if any is
/// elsewhere, nothing moves and `conflict` names it with its status.
async fn advance(
    r: &Revenue,
    by: &Actor,
    deal_ids: Vec<String>,
    from: &'static [&'static str],
    to: &'static str,
    reference: String,
) -> Result<Vec<LedgerRow>, ErrorBody> {
    staff_only(by)?;
    if deal_ids.is_empty() || deal_ids.len() > MAX_DEALS {
        return Err(err(
            ErrorCode::BadRequest,
            format!("deal_ids must name 1..{MAX_DEALS} deals"),
        ));
    }
    let mut entries = Vec::with_capacity(deal_ids.len());
    for id in &deal_ids {
        let now = current(r, id)
            .await?
            .ok_or_else(|| err(ErrorCode::NotFound, format!("no deal {id:?}")))?;
        if !from.contains(&now.status.as_str()) {
            return Err(err(
                ErrorCode::Conflict,
                format!("deal {id:?} is {}, not {}", now.status, from.join(" or ")),
            ));
        }
        if entries.iter().any(|e: &NewLedgerEntry| &e.deal_id == id) {
            return Err(err(
                ErrorCode::BadRequest,
                format!("deal {id:?} is named twice"),
            ));
        }
        entries.push(NewLedgerEntry {
            deal_id: id.clone(),
            partner_id: now.partner_id,
            from,
            status: to,
            amount_minor: now.amount_minor,
            currency: now.currency,
            rate_bp: now.rate_bp,
            reference: reference.clone(),
            actor_id: by.user_id,
        });
    }
    let action = format!("revenue.{to}");
    let target = deal_ids.join(",");
    let audit = (
        r.ids.next_id().0 as i64,
        by.user_id,
        action.as_str(),
        target.as_str(),
    );
    r.store
        .insert_ledger_entries(r.tenant_id, &entries, audit)
        .await
        .map_err(ledger_error)
}

/// A store error of an append: a status that moved meanwhile is a conflict naming it.
fn ledger_error(e: StoreError) -> ErrorBody {
    match e {
        StoreError::Conflict(what) => err(ErrorCode::Conflict, what),
        other => store_error(other),
    }
}

async fn reverse(
    r: &Revenue,
    by: &Actor,
    deal_id: &str,
    reason: String,
) -> Result<LedgerRow, ErrorBody> {
    staff_only(by)?;
    let now = current(r, deal_id)
        .await?
        .ok_or_else(|| err(ErrorCode::NotFound, format!("no deal {deal_id:?}")))?;
    if now.status == "reversed" {
        return Err(err(
            ErrorCode::Conflict,
            format!("deal {deal_id:?} is already reversed"),
        ));
    }
    let entry = NewLedgerEntry {
        deal_id: deal_id.to_owned(),
        partner_id: now.partner_id,
        from: &["pending", "approved", "paid"],
        status: "reversed",
        amount_minor: now.amount_minor,
        currency: now.currency,
        rate_bp: now.rate_bp,
        reference: reason,
        actor_id: by.user_id,
    };
    let audit = (
        r.ids.next_id().0 as i64,
        by.user_id,
        "revenue.reverse",
        deal_id,
    );
    let mut rows = r
        .store
        .insert_ledger_entries(r.tenant_id, std::slice::from_ref(&entry), audit)
        .await
        .map_err(ledger_error)?;
    rows.pop()
        .ok_or_else(|| err(ErrorCode::Internal, "no entry written"))
}

/// One ledger entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerEntry {
    pub seq: i64,
    pub deal_id: String,
    pub partner_id: String,
    pub status: String,
    /// Commission, minor units of `currency`.
    pub amount_minor: i64,
    pub currency: String,
    pub rate_bp: i32,
    pub reference: String,
    pub created_at: String,
    pub hash: String,
}

impl From<&LedgerRow> for LedgerEntry {
    fn from(e: &LedgerRow) -> Self {
        LedgerEntry {
            seq: e.seq,
            deal_id: e.deal_id.clone(),
            partner_id: e.partner_id.to_string(),
            status: e.status.clone(),
            amount_minor: e.amount_minor,
            currency: e.currency.clone(),
            rate_bp: e.rate_bp,
            reference: e.reference.clone(),
            created_at: crate::store::rfc3339(e.created_at),
            hash: e.hash.clone(),
        }
    }
}
