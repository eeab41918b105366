//! Stripe Connect (issue 8, payouts): the webhook endpoint
//! `POST /api/v1/integrations/stripe/webhook` and staff linking a partner's
//! connected account (`PUT`/`GET /api/v1/revenue/payout-accounts/{user_id}`).
//!
//! A delivery is applied only when its `Stripe-Signature` verifies
//! ([`crate::integrations::stripe::verify`]; otherwise 400 and nothing
//! changes). The event's `account` names a linked payout account, which
//! names the tenant and the partner. `account.updated` sets the account's
//! status; `payout.paid` writes an audit entry. Each event id is applied once
//! (`integration_events`): a redelivery answers 200 and changes nothing.
//! Other event types, and accounts nobody linked, answer 200 and are ignored
//! (Stripe retries any other answer for days).

use super::extract::{Authed, Body};
use crate::domains::money::money;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::integrations::stripe::{self, Event, ACCOUNT_UPDATED, PAYOUT_PAID};
use crate::state::AppState;
use crate::store::{IntegrationEffect, NewIntegrationEvent, PayoutAccountRow, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorCode, Snowflake};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `source` of Stripe's rows in `integration_events`.
const SOURCE: &str = "stripe";
/// The audit actor of entries written on Stripe's word: no member.
const STRIPE_ACTOR: UserId = UserId(0);
/// Longest Stripe id accepted (Stripe documents ids as up to 255 characters).
const MAX_STRIPE_ID: usize = 255;

/// What the endpoint answers to a delivery it accepted (always 200).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    pub received: bool,
    /// False when the event was ignored (type, account) or applied before.
    pub applied: bool,
}

fn received(applied: bool) -> Json<Received> {
    Json(Received {
        received: true,
        applied,
    })
}

/// Receives a Stripe Connect event: 200 once the signature verifies (the
/// event applied, already applied, or ignored); 400 with a bad or missing
/// signature, a timestamp more than 300 s from now, or a body that is no
/// event; 404 when `stripe_webhook_secret` is not configured.
#[utoipa::path(post, path = "/api/v1/integrations/stripe/webhook",
    params(("Stripe-Signature" = String, Header, description = "t=<unix>,v1=<hex HMAC-SHA256 of \"{t}.{body}\">")),
    request_body(content = Object, description = "a Stripe Event"),
    responses((status = 200, body = Received), (status = 400, description = "bad signature or body"),
              (status = 404, description = "the endpoint is not configured")))]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Received>, ApiError> {
    let Some(secret) = state.cfg.stripe_webhook_secret.as_deref() else {
        return Err(ApiError::new(ErrorCode::NotFound, "not found"));
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = OffsetDateTime::now_utc().unix_timestamp();
    stripe::verify(secret, header, &body, now)
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    let event: Event = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("not a Stripe event: {e}")))?;
    if event.id.is_empty() || event.id.len() > MAX_STRIPE_ID {
        return Err(ApiError::new(ErrorCode::BadRequest, "bad event id"));
    }
    if event.kind != ACCOUNT_UPDATED && event.kind != PAYOUT_PAID {
        return Ok(received(false));
    }
    let Some(account) = event.connected_account() else {
        return Ok(received(false));
    };
    let linked = match state.store.fetch_payout_account_by_stripe(account).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => {
            tracing::info!(account, event = %event.id, "Stripe event for an account nobody linked; ignored");
            return Ok(received(false));
        }
        Err(e) => return Err(e.into()),
    };
    let created_at = OffsetDateTime::from_unix_timestamp(event.created)
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "bad event created time"))?;
    let record = NewIntegrationEvent {
        tenant_id: linked.tenant_id,
        source: SOURCE,
        event_id: &event.id,
        kind: &event.kind,
        created_at,
    };
    let target = linked.user_id.to_string();
    let (status, reason);
    let effect = if event.kind == ACCOUNT_UPDATED {
        status = stripe::account_status(&event.data.object);
        IntegrationEffect::PayoutAccountStatus {
            stripe_account_id: &linked.stripe_account_id,
            status: status.status,
            disabled_reason: status.disabled_reason.as_deref(),
        }
    } else {
        let Some(p) = stripe::payout(&event.data.object) else {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "payout.paid without a payout (id, amount)",
            ));
        };
        reason = format!(
            "{} {} to {}{}",
            p.id,
            money(p.amount, &p.currency),
            linked.stripe_account_id,
            p.arrival_date
                .and_then(|d| OffsetDateTime::from_unix_timestamp(d).ok())
                .map(|d| format!(", arriving {}", crate::store::rfc3339(d)))
                .unwrap_or_default()
        );
        IntegrationEffect::Audit {
            id: state.ids.next_id().0 as i64,
            actor_id: STRIPE_ACTOR,
            action: "stripe.payout.paid",
            target: &target,
            reason: &reason,
        }
    };
    let active = matches!(
        effect,
        IntegrationEffect::PayoutAccountStatus {
            status: "enabled",
            ..
        }
    );
    let applied = state
        .store
        .insert_integration_event(&record, &effect)
        .await?;
    if applied && active {
        let partner = linked.user_id;
        state
            .domains
            .signal(
                linked.tenant_id,
                crate::domains::Signal::PayoutAccountActive { partner },
            )
            .await;
    }
    Ok(received(applied))
}

/// Body of `PUT /api/v1/revenue/payout-accounts/{user_id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkAccount {
    /// The partner's Stripe Connect account, `acct_…`.
    pub stripe_account_id: String,
}

/// A partner's payout account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PayoutAccount {
    pub user_id: String,
    pub stripe_account_id: String,
    /// `pending`, `enabled`, `restricted` or `disabled`.
    pub status: String,
    pub disabled_reason: Option<String>,
    pub updated_at: String,
}

impl From<PayoutAccountRow> for PayoutAccount {
    fn from(a: PayoutAccountRow) -> Self {
        PayoutAccount {
            user_id: a.user_id.to_string(),
            stripe_account_id: a.stripe_account_id,
            status: a.status,
            disabled_reason: a.disabled_reason,
            updated_at: crate::store::rfc3339(a.updated_at),
        }
    }
}

fn parse_user(s: &str) -> Result<UserId, ApiError> {
    s.parse::<Snowflake>()
        .map(UserId::from)
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, format!("{s:?} is not an id")))
}

/// Is this a Stripe account id (`acct_` then letters and digits)?
fn valid_account_id(s: &str) -> bool {
    s.len() <= MAX_STRIPE_ID
        && s.strip_prefix("acct_")
            .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Links a partner's Stripe Connect account (staff): 200 with the account,
/// `pending` until Stripe reports on it. Another account replaces the link
/// and starts again as `pending`; an account linked to someone else is 409.
#[utoipa::path(put, path = "/api/v1/revenue/payout-accounts/{user_id}", security(("bearer" = [])), params(("user_id" = String, Path)),
    request_body = LinkAccount,
    responses((status = 200, body = PayoutAccount), (status = 400, description = "not an acct_ id, or the member is no partner"),
              (status = 403, description = "staff only"), (status = 404, description = "no such member"),
              (status = 409, description = "the account is linked to another member")))]
pub async fn link_account(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(user_id): Path<String>,
    Body(b): Body<LinkAccount>,
) -> Result<Json<PayoutAccount>, ApiError> {
    if !actor.role.is_staff() || actor.bot.is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    let user_id = parse_user(&user_id)?;
    let account = b.stripe_account_id.trim();
    if !valid_account_id(account) {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "stripe_account_id must be a Stripe account id (acct_…)",
        ));
    }
    let member = state.store.fetch_user(actor.tenant_id, user_id).await?;
    if member.role != Role::Partner.as_str() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "payout accounts are for partners",
        ));
    }
    let row = state
        .store
        .insert_payout_account(actor.tenant_id, user_id, account)
        .await?;
    state
        .chat
        .audit(&actor, "payout_account.link", &user_id.to_string(), account)
        .await;
    Ok(Json(row.into()))
}

/// A partner's payout account: staff, or the partner themselves; 404 when none is linked.
#[utoipa::path(get, path = "/api/v1/revenue/payout-accounts/{user_id}", security(("bearer" = [])), params(("user_id" = String, Path)),
    responses((status = 200, body = PayoutAccount), (status = 403, description = "another partner's account"),
              (status = 404, description = "none linked")))]
pub async fn get_account(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(user_id): Path<String>,
) -> Result<Json<PayoutAccount>, ApiError> {
    let user_id = parse_user(&user_id)?;
    let own = actor.user_id == user_id;
    let staff = actor.role.is_staff();
    if actor.bot.is_some() || !(own || staff) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "staff or the partner only",
        ));
    }
    Ok(Json(
        state
            .store
            .fetch_payout_account(actor.tenant_id, user_id)
            .await?
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!(valid_account_id("acct_1Nv0FGQ9RKHgCVdK"));
        assert!(!valid_account_id("acct_"));
        assert!(!valid_account_id("cus_123"));
        assert!(!valid_account_id("acct_12 3"));
        assert!(!valid_account_id(&format!("acct_{}", "a".repeat(300))));
    }
}
