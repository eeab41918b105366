//! Bot accounts over REST (PROTOCOL.md §7, admins only): create a bot with a
//! token (shown once), list tokens, rotate one, revoke one (its sessions are
//! closed with 4004 at once). Every change is audited.

use super::extract::{Authed, Body};
use crate::auth::bots::{self, BotError, BotSpec, CreatedBot};
use crate::error::ApiError;
use crate::registry::Actor;
use crate::state::AppState;
use arena_protocol::{CloseCode, ErrorCode};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

/// Body of `POST /api/v1/bots`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBot {
    /// Display name, 1..64 characters; the same name again issues another token.
    pub name: String,
    /// Channel keys the bot may read and post in.
    pub channels: Vec<String>,
    /// Domain APIs it may call (`revenue`).
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A new token: `id` is the bot member, `token` is shown only now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BotCreated {
    pub id: String,
    pub token_id: String,
    pub token: String,
}

/// One token as listed (never the token itself).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BotTokenEntry {
    pub token_id: String,
    pub bot_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub channels: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

fn admin_only(actor: &Actor) -> Result<(), ApiError> {
    if actor.role.is_admin() && actor.bot.is_none() {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "admins only"))
    }
}

fn bot_error(e: BotError) -> ApiError {
    match e {
        BotError::Invalid(m) => ApiError::new(ErrorCode::BadRequest, m),
        BotError::Store(e) => e.into(),
    }
}

fn created(b: CreatedBot) -> BotCreated {
    BotCreated {
        id: b.user_id.to_string(),
        token_id: b.token_id.to_string(),
        token: b.token,
    }
}

/// Creates a bot and its first token: 201.
#[utoipa::path(post, path = "/api/v1/bots", security(("bearer" = [])), request_body = CreateBot,
    responses((status = 201, body = BotCreated), (status = 400, description = "unknown channel or scope, bad name"), (status = 403, description = "admins only")))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<CreateBot>,
) -> Result<(StatusCode, Json<BotCreated>), ApiError> {
    admin_only(&actor)?;
    let spec = BotSpec {
        name: b.name,
        channels: b.channels,
        scopes: b.scopes,
    };
    let bot = bots::create_bot(
        &state.store,
        &state.registry,
        &state.ids,
        actor.tenant_id,
        &spec,
        Some(actor.user_id),
    )
    .await
    .map_err(bot_error)?;
    state
        .chat
        .audit(&actor, "bot.create", &bot.user_id.to_string(), &spec.name)
        .await;
    Ok((StatusCode::CREATED, Json(created(bot))))
}

/// The tenant's bot tokens, newest first.
#[utoipa::path(get, path = "/api/v1/bots", security(("bearer" = [])),
    responses((status = 200, description = "{tokens: [BotTokenEntry]}"), (status = 403, description = "admins only")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin_only(&actor)?;
    let rows = state.store.fetch_bot_tokens(actor.tenant_id).await?;
    let tokens: Vec<BotTokenEntry> = rows
        .into_iter()
        .map(|r| BotTokenEntry {
            token_id: r.id.to_string(),
            bot_id: r.user_id.to_string(),
            name: r.display_name,
            scopes: r.scopes,
            channels: r.channels,
            created_at: crate::store::rfc3339(r.created_at),
            revoked_at: r.revoked_at.map(crate::store::rfc3339),
        })
        .collect();
    Ok(Json(serde_json::json!({ "tokens": tokens })))
}

fn parse_token_id(s: &str) -> Result<i64, ApiError> {
    s.parse()
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, format!("{s:?} is not a token id")))
}

/// Revokes a token and closes the sessions that used it (4004).
async fn revoke_token(
    state: &AppState,
    actor: &Actor,
    token_id: i64,
) -> Result<crate::ids::UserId, ApiError> {
    let bot = state
        .store
        .update_bot_token_revoked(actor.tenant_id, token_id)
        .await?;
    for s in state.sessions.of_user(actor.tenant_id, bot) {
        if s.actor()
            .bot
            .as_ref()
            .is_some_and(|g| g.token_id == token_id)
        {
            s.outbox.close(CloseCode::AuthenticationFailed);
        }
    }
    state
        .chat
        .audit(actor, "bot.revoke", &token_id.to_string(), "")
        .await;
    Ok(bot)
}

/// Revokes a token: 204; its sessions are closed with 4004.
#[utoipa::path(delete, path = "/api/v1/bots/tokens/{token_id}", security(("bearer" = [])), params(("token_id" = String, Path)),
    responses((status = 204), (status = 403, description = "admins only"), (status = 404, description = "no such live token")))]
pub async fn revoke(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin_only(&actor)?;
    revoke_token(&state, &actor, parse_token_id(&token_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rotates a token: the old one is revoked (its sessions closed), a new one
/// with the same grant is issued: 201.
#[utoipa::path(post, path = "/api/v1/bots/tokens/{token_id}/rotate", security(("bearer" = [])), params(("token_id" = String, Path)),
    responses((status = 201, body = BotCreated), (status = 403, description = "admins only"), (status = 404, description = "no such live token")))]
pub async fn rotate(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(token_id): Path<String>,
) -> Result<(StatusCode, Json<BotCreated>), ApiError> {
    admin_only(&actor)?;
    let token_id = parse_token_id(&token_id)?;
    let old = state
        .store
        .fetch_bot_tokens(actor.tenant_id)
        .await?
        .into_iter()
        .find(|t| t.id == token_id && t.revoked_at.is_none())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such live token"))?;
    revoke_token(&state, &actor, token_id).await?;
    let bot = bots::issue_token(
        &state.store,
        &state.ids,
        actor.tenant_id,
        old.user_id,
        &old.channels,
        &old.scopes,
        Some(actor.user_id),
    )
    .await
    .map_err(bot_error)?;
    Ok((StatusCode::CREATED, Json(created(bot))))
}
