//! The revenue domain's REST routes (PROTOCOL.md §7): deal wins from bots
//! and staff (idempotent on `deal_id`; the server posts the `deal_win` card
//! in #deal-wins), approvals, payouts, reversals and ledger verification.
//! Each change is a command to the tenant's revenue actor.

use super::extract::{Authed, Body};
use crate::domains::revenue::{self, Command, DealWin, LedgerEntry, Recorded};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::GENESIS;
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// Body of `POST /api/v1/revenue/deal-wins`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealWinBody {
    /// The partner who won it (decimal string id).
    #[schema(value_type = String)]
    pub partner_id: Snowflake,
    pub client: String,
    /// Minor units (cents), 1..10^13.
    pub amount_minor: i64,
    /// ISO 4217, one the program converts.
    pub currency: String,
    /// The source system's id of the deal: the idempotency key.
    pub deal_id: String,
    /// RFC 3339; when absent, the time of recording.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub closed_at: Option<time::OffsetDateTime>,
}

/// A deal and its commission as recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DealResult {
    pub deal_id: String,
    pub partner_id: String,
    pub client: String,
    pub amount_minor: i64,
    pub currency: String,
    pub closed_at: String,
    /// The `deal_win` card in #deal-wins, once posted.
    pub message_id: Option<String>,
    pub commission: LedgerEntry,
}

async fn ask<T>(
    state: &AppState,
    tenant: crate::ids::TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.revenue().ask(tenant, make).await?)
}

/// Records a deal win: 201 with the deal and its pending commission, after
/// the card is posted in #deal-wins; the same body again: 200 with the first
/// result and nothing posted; another body with the same `deal_id`: 409.
#[utoipa::path(post, path = "/api/v1/revenue/deal-wins", security(("bearer" = [])), request_body = DealWinBody,
    responses((status = 201, body = DealResult), (status = 200, description = "already recorded with this body", body = DealResult),
              (status = 400, description = "a field is invalid"), (status = 403, description = "needs staff or a bot with the revenue scope"),
              (status = 409, description = "deal_id recorded with another body")))]
pub async fn deal_win(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<DealWinBody>,
) -> Result<(StatusCode, Json<DealResult>), ApiError> {
    let win = DealWin {
        partner_id: b.partner_id.into(),
        client: b.client,
        amount_minor: b.amount_minor,
        currency: b.currency,
        deal_id: b.deal_id,
        closed_at: b.closed_at,
    };
    let tenant = actor.tenant_id;
    let by = actor.clone();
    let r: Recorded = ask(&state, tenant, |reply| Command::RecordWin {
        by,
        win,
        reply,
    })
    .await?;
    let status = if r.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(DealResult {
            deal_id: r.deal.deal_id,
            partner_id: r.deal.partner_id.to_string(),
            client: r.deal.client,
            amount_minor: r.deal.amount_minor,
            currency: r.deal.currency,
            closed_at: crate::store::rfc3339(r.deal.closed_at),
            message_id: r.deal.message_id.map(|m| m.to_string()),
            commission: LedgerEntry::from(&r.commission),
        }),
    ))
}

/// Body of approvals and payouts.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealsBody {
    pub deal_ids: Vec<String>,
    /// The payout's reference (payouts only), e.g. the bank transfer id.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Approves pending commissions (staff): all or none; 409 names a deal not pending.
#[utoipa::path(post, path = "/api/v1/revenue/commissions/approve", security(("bearer" = [])), request_body = DealsBody,
    responses((status = 200, description = "{entries: [LedgerEntry]}"), (status = 403), (status = 409, description = "a deal is not pending")))]
pub async fn approve(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<DealsBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = actor.clone();
    let rows = ask(&state, actor.tenant_id, |reply| Command::Approve {
        by,
        deal_ids: b.deal_ids,
        reply,
    })
    .await?;
    Ok(Json(
        serde_json::json!({ "entries": rows.iter().map(LedgerEntry::from).collect::<Vec<_>>() }),
    ))
}

/// Records a payout of approved commissions under `reference` (staff): they become paid.
#[utoipa::path(post, path = "/api/v1/revenue/payouts", security(("bearer" = [])), request_body = DealsBody,
    responses((status = 200, description = "{entries: [LedgerEntry]}"), (status = 403), (status = 409, description = "a deal is not approved")))]
pub async fn payout(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<DealsBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = actor.clone();
    let reference = b.reference.unwrap_or_default();
    let rows = ask(&state, actor.tenant_id, |reply| Command::Payout {
        by,
        deal_ids: b.deal_ids,
        reference,
        reply,
    })
    .await?;
    Ok(Json(
        serde_json::json!({ "entries": rows.iter().map(LedgerEntry::from).collect::<Vec<_>>() }),
    ))
}

/// Body of a reversal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseBody {
    /// Why: refund, chargeback …
    pub reason: String,
}

/// Reverses a deal's commission (staff): a new `reversed` entry.
#[utoipa::path(post, path = "/api/v1/revenue/deals/{deal_id}/reverse", security(("bearer" = [])), params(("deal_id" = String, Path)), request_body = ReverseBody,
    responses((status = 200, body = LedgerEntry), (status = 403), (status = 404), (status = 409, description = "already reversed")))]
pub async fn reverse(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(deal_id): Path<String>,
    Body(b): Body<ReverseBody>,
) -> Result<Json<LedgerEntry>, ApiError> {
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::Reverse {
        by,
        deal_id,
        reason: b.reason,
        reply,
    })
    .await?;
    Ok(Json(LedgerEntry::from(&row)))
}

/// Ledger pages read per round of verification.
const VERIFY_PAGE: i64 = 1000;

/// Recomputes the tenant's hash chain (staff): `{ok: true, entries}` or
/// `{ok: false, first_broken, entries}` naming the first entry whose
/// `prev_hash` or `hash` does not match.
#[utoipa::path(get, path = "/api/v1/revenue/ledger/verify", security(("bearer" = [])),
    responses((status = 200, description = "{ok, entries, first_broken?}"), (status = 403, description = "staff only")))]
pub async fn verify(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !actor.role.is_staff() || actor.bot.is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    let mut prev = GENESIS.to_owned();
    let mut after = 0;
    let mut entries = 0u64;
    loop {
        let page = state
            .store
            .fetch_ledger_page(actor.tenant_id, after, VERIFY_PAGE)
            .await?;
        if page.is_empty() {
            return Ok(Json(serde_json::json!({ "ok": true, "entries": entries })));
        }
        for e in &page {
            if e.seq != after + 1 || e.prev_hash != prev || e.compute_hash() != e.hash {
                return Ok(Json(
                    serde_json::json!({ "ok": false, "first_broken": e.seq, "entries": entries }),
                ));
            }
            entries += 1;
            after = e.seq;
            prev = e.hash.clone();
        }
    }
}

/// Body of `PUT /api/v1/revenue/goals`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalBody {
    /// `YYYY-MM`; the current month when absent.
    #[serde(default)]
    pub month: Option<String>,
    /// The partner (decimal string id); the program's goal when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub partner_id: Option<Snowflake>,
    /// Reporting currency (program.toml `currency`), minor units.
    pub target_minor: i64,
}

/// Sets a monthly goal (staff): 204; #goals moves for the viewers concerned.
#[utoipa::path(put, path = "/api/v1/revenue/goals", security(("bearer" = [])), request_body = GoalBody,
    responses((status = 204), (status = 400, description = "bad month, target or partner"), (status = 403, description = "staff only")))]
pub async fn set_goal(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<GoalBody>,
) -> Result<StatusCode, ApiError> {
    let month = match b.month.as_deref() {
        None => time::OffsetDateTime::now_utc().date(),
        Some(m) => revenue::actions::parse_month(m)?,
    };
    let goal = revenue::goals::Goal {
        month,
        partner: b.partner_id.map(Into::into),
        target_minor: b.target_minor,
    };
    let by = actor.clone();
    ask(&state, actor.tenant_id, |reply| Command::SetGoal {
        by,
        goal,
        reply,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PUT /api/v1/revenue/tiers/{partner_id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierBody {
    /// A tier of program.toml, e.g. `platinum`.
    pub tier: String,
}

/// Sets a partner's tier (staff): `{partner_id, from, to}`. The partner's
/// open sessions gain and lose the tier's channels at once (MEMBER_UPDATE,
/// CHANNEL_CREATE / CHANNEL_DELETE); `tier.changed` goes to webhook subscribers.
#[utoipa::path(put, path = "/api/v1/revenue/tiers/{partner_id}", security(("bearer" = [])),
    params(("partner_id" = String, Path)), request_body = TierBody,
    responses((status = 200, description = "{partner_id, from, to}"), (status = 400, description = "unknown tier, or not a partner"),
              (status = 403, description = "staff only"), (status = 404, description = "no such member"),
              (status = 409, description = "another change came first")))]
pub async fn set_tier(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(partner_id): Path<Snowflake>,
    Body(b): Body<TierBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = actor.clone();
    let partner = partner_id.into();
    let c = ask(&state, actor.tenant_id, |reply| Command::SetTier {
        by,
        partner,
        tier: b.tier,
        reply,
    })
    .await?;
    Ok(Json(c.to_json()))
}
