//! Incoming webhooks (PROTOCOL.md §7). Staff create one per channel
//! (`POST /api/v1/channels/{id}/webhooks`: a token shown once, stored as its
//! SHA-256, and a bot member of its own that authors its posts), list and
//! delete them (both audited). A tool then posts with no `Authorization`
//! header to `POST /api/v1/webhooks/{webhook_id}/{token}`, in Discord's or
//! Slack's body unchanged ([`crate::integrations::incoming`]); the message
//! is committed through group commit and fanned out like any other.

use super::extract::{Authed, Body};
use crate::error::ApiError;
use crate::ids::UserId;
use crate::integrations::incoming::{self, IncomingBody};
use crate::registry::Actor;
use crate::state::AppState;
use crate::store::{NewWebhook, StoreError, WebhookRow};
use arena_protocol::model::{ChannelKind, Message, Role, User};
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

/// Longest webhook name, characters (Discord's limit for webhook names).
const MAX_NAME: usize = 80;

/// Body of `POST /api/v1/channels/{id}/webhooks`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// 1..80 characters: the display name of what the webhook posts.
    pub name: String,
}

/// A new webhook; `token` and `url` are shown only now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookCreated {
    pub id: String,
    pub token: String,
    /// `/api/v1/webhooks/{id}/{token}`: where tools post.
    pub url: String,
    pub channel_id: String,
    pub name: String,
    /// The webhook's bot member (the author of its messages).
    pub bot_id: String,
}

/// A webhook as listed (never its token).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookEntry {
    pub id: String,
    pub channel_id: String,
    pub name: String,
    pub bot_id: String,
    pub created_by: String,
    pub created_at: String,
}

impl From<WebhookRow> for WebhookEntry {
    fn from(w: WebhookRow) -> Self {
        WebhookEntry {
            id: w.id.to_string(),
            channel_id: w.channel_id.to_string(),
            name: w.name,
            bot_id: w.user_id.to_string(),
            created_by: w.created_by.to_string(),
            created_at: crate::store::rfc3339(w.created_at),
        }
    }
}

fn staff_only(actor: &Actor) -> Result<(), ApiError> {
    if actor.role.is_staff() && actor.bot.is_none() {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "staff only"))
    }
}

fn parse_id(s: &str) -> Result<Snowflake, ApiError> {
    s.parse()
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, format!("{s:?} is not an id")))
}

fn validate_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("name must be 1..{MAX_NAME} characters without control characters"),
        ));
    }
    Ok(name)
}

/// Creates a webhook in a channel the caller (staff) can read and that takes
/// messages (not a panel): 201 with its token, shown once.
#[utoipa::path(post, path = "/api/v1/channels/{id}/webhooks", security(("bearer" = [])), params(("id" = String, Path)), request_body = CreateWebhook,
    responses((status = 201, body = WebhookCreated), (status = 400, description = "bad name, or a panel channel"),
              (status = 403, description = "staff only"), (status = 404, description = "unknown or unreadable channel")))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    staff_only(&actor)?;
    let c = state.registry.readable(&actor, parse_id(&id)?)?;
    if c.kind == ChannelKind::Panel {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("#{} is a panel and takes no messages", c.key),
        ));
    }
    let name = validate_name(&b.name)?;
    let webhook_id = state.ids.next_id().0 as i64;
    let bot_id = UserId::from(state.ids.next_id());
    let token = crate::auth::random_token();
    let email = format!("webhook-{webhook_id}@webhooks.arena");
    let w = state
        .store
        .insert_webhook(&NewWebhook {
            tenant_id: actor.tenant_id,
            id: webhook_id,
            channel_id: c.id,
            user_id: bot_id,
            email: &email,
            name,
            token_hash: &crate::auth::token_hash(&token),
            created_by: actor.user_id,
        })
        .await?;
    state
        .chat
        .audit(
            &actor,
            "webhook.create",
            &webhook_id.to_string(),
            &format!("#{} {name}", c.key),
        )
        .await;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated {
            id: w.id.to_string(),
            url: format!("/api/v1/webhooks/{}/{token}", w.id),
            token,
            channel_id: w.channel_id.to_string(),
            name: w.name,
            bot_id: w.user_id.to_string(),
        }),
    ))
}

/// The channel's webhooks (staff), oldest first.
#[utoipa::path(get, path = "/api/v1/channels/{id}/webhooks", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "{webhooks: [WebhookEntry]}"), (status = 403, description = "staff only"),
              (status = 404, description = "unknown or unreadable channel")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    staff_only(&actor)?;
    let c = state.registry.readable(&actor, parse_id(&id)?)?;
    let rows = state.store.fetch_webhooks(actor.tenant_id, c.id).await?;
    let webhooks: Vec<WebhookEntry> = rows.into_iter().map(WebhookEntry::from).collect();
    Ok(Json(serde_json::json!({ "webhooks": webhooks })))
}

/// Deletes a webhook (staff): 204; its token stops working at once. A
/// webhook of a channel the caller cannot read is `not_found`.
#[utoipa::path(delete, path = "/api/v1/webhooks/{webhook_id}", security(("bearer" = [])), params(("webhook_id" = String, Path)),
    responses((status = 204), (status = 403, description = "staff only"), (status = 404, description = "no such webhook")))]
pub async fn delete(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(webhook_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    staff_only(&actor)?;
    let id = parse_id(&webhook_id)?.0 as i64;
    let w = state.store.fetch_webhook(actor.tenant_id, id).await?;
    state.registry.readable(&actor, w.channel_id)?;
    state.store.delete_webhook(actor.tenant_id, id).await?;
    state
        .chat
        .audit(&actor, "webhook.delete", &id.to_string(), &w.name)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Is `?wait=` true in this query string (`true` or `1`, as Discord reads it)?
fn wait_requested(query: Option<&str>) -> bool {
    query.into_iter().flat_map(|q| q.split('&')).any(|kv| {
        kv.split_once('=')
            .is_some_and(|(k, v)| k == "wait" && (v.eq_ignore_ascii_case("true") || v == "1"))
    })
}

/// The body as JSON, or Slack's legacy form encoding (`payload=<json>`).
fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<IncomingBody, ApiError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let bad = |e: serde_json::Error| ApiError::new(ErrorCode::BadRequest, format!("bad body: {e}"));
    if form {
        let payload = form_urlencoded::parse(bytes)
            .find(|(k, _)| k == "payload")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "form body without payload="))?;
        serde_json::from_str(&payload).map_err(bad)
    } else {
        serde_json::from_slice(bytes).map_err(bad)
    }
}

fn wrong_token() -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, "unknown webhook or wrong token")
}

/// Posts a Discord or Slack body into the webhook's channel as the
/// webhook's bot member: 204, or with `?wait=true` 200 and the Message.
/// Unknown id or wrong token: 401 and nothing posted. Over the webhook's
/// rate (30 a minute, burst 10): 429 `rate_limited` with `retry_after_ms`.
/// Nothing to show after rendering: 400.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook_id}/{token}", params(("webhook_id" = String, Path), ("token" = String, Path),
        ("wait" = Option<bool>, Query, description = "true: answer 200 with the message")),
    request_body(content = Object, description = "Discord {content, username, avatar_url, embeds} or Slack {text, blocks, attachments}"),
    responses((status = 204, description = "posted"), (status = 200, description = "posted (?wait=true): the Message"),
              (status = 400, description = "malformed or empty"), (status = 401, description = "unknown webhook or wrong token"),
              (status = 429, description = "rate_limited")))]
pub async fn execute(
    State(state): State<AppState>,
    Path((webhook_id, token)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let id: i64 = webhook_id.parse().map_err(|_| wrong_token())?;
    let w = match state
        .store
        .fetch_webhook_by_token(id, &crate::auth::token_hash(&token))
        .await
    {
        Ok(w) => w,
        Err(StoreError::NotFound) => return Err(wrong_token()),
        Err(e) => return Err(e.into()),
    };
    // Counted only after the token checks out: a stranger cannot spend a
    // webhook's budget, and only real webhooks take a limiter key.
    state.webhook_limiter.check(w.id)?;
    let body = parse_body(&headers, &bytes)?;
    let content = incoming::render(&body, state.cfg.max_content_chars);
    if content.is_empty() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "the message is empty (no content, text, blocks, attachments or embeds with text)",
        ));
    }
    state
        .registry
        .ensure_tenant(&state.store, w.tenant_id)
        .await?;
    let key = state
        .registry
        .channel(w.tenant_id, w.channel_id)
        .map(|c| c.key)
        .ok_or_else(|| {
            ApiError(ErrorBody::new(
                ErrorCode::NotFound,
                "the webhook's channel is gone",
            ))
        })?;
    let author = User {
        id: w.user_id.snowflake(),
        display_name: w.name.clone(),
        role: Role::Bot,
        tier: None,
    };
    let m: Message = state
        .chat
        .post_as_server(w.tenant_id, &key, &author, content, None, None)
        .await?;
    if wait_requested(query.as_deref()) {
        Ok((StatusCode::OK, Json(m)).into_response())
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_is_read_like_discord() {
        assert!(wait_requested(Some("wait=true")));
        assert!(wait_requested(Some("thread_id=1&wait=1")));
        assert!(!wait_requested(Some("wait=false")));
        assert!(!wait_requested(Some("nowait=true")));
        assert!(!wait_requested(None));
    }

    #[test]
    fn slack_form_bodies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let b = parse_body(&h, b"payload=%7B%22text%22%3A%22hi%22%7D").ok();
        assert_eq!(b.and_then(|b| b.text).as_deref(), Some("hi"));
        assert!(parse_body(&h, b"text=hi").is_err());
        assert!(parse_body(&HeaderMap::new(), b"not json").is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"x".repeat(81)).is_err());
        assert!(validate_name("a\u{7}b").is_err());
        assert_eq!(validate_name(" Grafana ").ok(), Some("Grafana"));
    }
}
