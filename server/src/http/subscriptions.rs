//! Outgoing webhook subscriptions over REST (admins): subscribe a URL to
//! event types (and, for `message.created`, channels), list, disable, and
//! read the delivery log. The secret is shown once, at creation.

use super::extract::{Authed, Body};
use crate::error::ApiError;
use crate::outgoing::{signature, EVENT_TYPES};
use crate::registry::Actor;
use crate::state::AppState;
use arena_protocol::ErrorCode;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

/// Longest URL accepted, bytes.
const MAX_URL: usize = 2048;
/// Delivery attempts listed.
const LOG_LIMIT: i64 = 100;

/// Body of `POST /api/v1/webhook-subscriptions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeBody {
    /// `http://` or `https://` receiver.
    pub url: String,
    /// Any of `deal_win.recorded`, `commission.status_changed`, `tier.changed`, `message.created`.
    pub event_types: Vec<String>,
    /// Channel keys whose new messages `message.created` announces.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// A new subscription: the signing secret (`whsec_…`) is shown only now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Subscribed {
    pub id: String,
    pub secret: String,
}

fn admin_only(actor: &Actor) -> Result<(), ApiError> {
    if actor.role.is_admin() && actor.bot.is_none() {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "admins only"))
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, msg)
}

/// Subscribes a URL: 201 `{id, secret}`.
#[utoipa::path(post, path = "/api/v1/webhook-subscriptions", security(("bearer" = [])), request_body = SubscribeBody,
    responses((status = 201, body = Subscribed), (status = 400, description = "bad URL, event type or channel"), (status = 403, description = "admins only")))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<SubscribeBody>,
) -> Result<(StatusCode, Json<Subscribed>), ApiError> {
    admin_only(&actor)?;
    let url = b.url.trim();
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    let parsed = reqwest::Url::parse(url)
        .ok()
        .filter(|_| scheme_ok && url.len() <= MAX_URL)
        .ok_or_else(|| {
            bad(format!(
                "url must be an http(s) URL of at most {MAX_URL} bytes"
            ))
        })?;
    crate::outgoing::target::check_literal(&parsed, state.cfg.webhook_private_targets)
        .map_err(|e| bad(format!("url: {e}")))?;
    if b.event_types.is_empty() {
        return Err(bad("event_types must name at least one event"));
    }
    if let Some(t) = b
        .event_types
        .iter()
        .find(|t| !EVENT_TYPES.contains(&t.as_str()))
    {
        return Err(bad(format!(
            "unknown event type {t:?} (known: {})",
            EVENT_TYPES.join(", ")
        )));
    }
    let reg = state.registry.tenant(actor.tenant_id);
    if let Some(k) = b.channels.iter().find(|k| reg.by_key(k).is_none()) {
        return Err(bad(format!("unknown channel {k:?}")));
    }
    let id = state.ids.next_id().0 as i64;
    let secret = signature::new_secret();
    state
        .store
        .insert_webhook_subscription(
            actor.tenant_id,
            id,
            url,
            &secret,
            &b.event_types,
            &b.channels,
            actor.user_id,
        )
        .await?;
    state
        .chat
        .audit(&actor, "webhook_subscription.create", &id.to_string(), url)
        .await;
    Ok((
        StatusCode::CREATED,
        Json(Subscribed {
            id: id.to_string(),
            secret,
        }),
    ))
}

/// The tenant's subscriptions (without secrets).
#[utoipa::path(get, path = "/api/v1/webhook-subscriptions", security(("bearer" = [])),
    responses((status = 200, description = "{subscriptions: [{id, url, event_types, channels, created_at, disabled_at}]}"), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin_only(&actor)?;
    let rows = state
        .store
        .fetch_webhook_subscriptions(actor.tenant_id)
        .await?;
    let subs: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id.to_string(), "url": r.url, "event_types": r.event_types, "channels": r.channels,
                "created_at": crate::store::rfc3339(r.created_at),
                "disabled_at": r.disabled_at.map(crate::store::rfc3339),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "subscriptions": subs })))
}

fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse().map_err(|_| bad(format!("{s:?} is not an id")))
}

/// Disables a subscription: 204; nothing more is sent to it.
#[utoipa::path(delete, path = "/api/v1/webhook-subscriptions/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn disable(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin_only(&actor)?;
    let id = parse_id(&id)?;
    state
        .store
        .update_webhook_subscription_disabled(actor.tenant_id, id)
        .await?;
    state
        .chat
        .audit(&actor, "webhook_subscription.disable", &id.to_string(), "")
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The newest delivery attempts of a subscription.
#[utoipa::path(get, path = "/api/v1/webhook-subscriptions/{id}/deliveries", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "{deliveries: [{event_id, event_type, attempt, status, error, duration_ms, at}]}"), (status = 403)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin_only(&actor)?;
    let rows = state
        .store
        .fetch_webhook_deliveries(actor.tenant_id, parse_id(&id)?, LOG_LIMIT)
        .await?;
    let list: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|d| {
            serde_json::json!({
                "event_id": d.event_id.to_string(), "event_type": d.event_type, "attempt": d.attempt,
                "status": d.status, "error": d.error, "duration_ms": d.duration_ms, "at": crate::store::rfc3339(d.at),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "deliveries": list })))
}
