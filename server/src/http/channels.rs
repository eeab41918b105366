//! Channel and message routes (PROTOCOL.md §7); the same rules as the gateway
//! through [`crate::chat::Chat`], so a REST post fans out like a gateway one.

use super::extract::{Authed, Body};
use crate::error::ApiError;
use crate::state::AppState;
use arena_protocol::model::{Card, Category, Channel, Message};
use arena_protocol::request::{ChannelHistory, HistoryResult, MessageCreate, MessageEdit};
use arena_protocol::{ErrorCode, Snowflake};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

/// `GET /channels` result: the caller's readable channels and the categories.
#[derive(Debug, Serialize)]
pub struct ChannelList {
    pub categories: Vec<Category>,
    pub channels: Vec<Channel>,
}

/// The readable channels, in registry order.
#[utoipa::path(get, path = "/api/v1/channels", security(("bearer" = [])),
    responses((status = 200, description = "{categories, channels} readable by the caller"), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<ChannelList>, ApiError> {
    let reg = state.registry.tenant(actor.tenant_id);
    let heads = state.store.fetch_channel_states(actor.tenant_id).await?;
    let channels = reg
        .channels
        .iter()
        .filter(|c| c.can_read(&actor))
        .map(|c| {
            let h = heads.iter().find(|h| h.id == c.id);
            c.to_wire(
                &actor,
                h.map_or(0, |h| h.last_seq as u64),
                h.and_then(|h| h.last_message_id),
            )
        })
        .collect();
    Ok(Json(ChannelList {
        categories: reg.categories.clone(),
        channels,
    }))
}

fn parse_id(s: &str) -> Result<Snowflake, ApiError> {
    s.parse()
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, format!("{s:?} is not an id")))
}

/// Query of `GET /channels/{id}/messages`.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    pub before: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// A page of history (same rules as `channel.history`).
#[utoipa::path(get, path = "/api/v1/channels/{id}/messages", security(("bearer" = [])),
    params(("id" = String, Path), ("before" = Option<String>, Query), ("after" = Option<String>, Query), ("limit" = Option<u32>, Query, description = "1..100, default 50")),
    responses((status = 200, description = "{messages}"), (status = 404, description = "unknown or unreadable channel")))]
pub async fn history(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<HistoryResult>, ApiError> {
    let p = ChannelHistory {
        channel_id: parse_id(&id)?,
        before: q.before.as_deref().map(parse_id).transpose()?,
        after: q.after.as_deref().map(parse_id).transpose()?,
        limit: q.limit,
    };
    let budget = crate::budget::ReplyBudget::new(
        arena_protocol::Encoding::Json,
        state.cfg.reply_budget_bytes,
    );
    Ok(Json(state.chat.history(&actor, p, budget).await?))
}

/// Body of `POST /channels/{id}/messages` (`message.create` without `channel_id`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    #[serde(default)]
    pub content: String,
    /// `{type, data}`, e.g. a `deal_win`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub card: Option<Card>,
    /// Id (decimal string) of a message in the same channel.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub reply_to: Option<Snowflake>,
    #[serde(default)]
    pub nonce: Option<String>,
}

/// Posts a message: 201 with the committed message, after the commit.
#[utoipa::path(post, path = "/api/v1/channels/{id}/messages", security(("bearer" = [])), params(("id" = String, Path)), request_body = CreateBody,
    responses((status = 201, description = "the committed Message"), (status = 403), (status = 404), (status = 429, description = "slow mode"), (status = 503, description = "database unavailable")))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<CreateBody>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let row = state
        .store
        .fetch_user(actor.tenant_id, actor.user_id)
        .await?;
    state
        .chat
        .limiter
        .note_muted(actor.tenant_id, actor.user_id, row.muted_until);
    let author = row.to_user();
    let p = MessageCreate {
        channel_id: parse_id(&id)?,
        content: b.content,
        card: b.card,
        reply_to: b.reply_to,
        nonce: b.nonce,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.chat.create(&actor, &author, p, None).await?),
    ))
}

/// Body of `PATCH /channels/{id}/messages/{message_id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    pub content: String,
}

/// Edits one's own message.
#[utoipa::path(patch, path = "/api/v1/channels/{id}/messages/{message_id}", security(("bearer" = [])), params(("id" = String, Path), ("message_id" = String, Path)), request_body = EditBody,
    responses((status = 200, description = "the edited Message"), (status = 403, description = "not the author"), (status = 404)))]
pub async fn edit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path((id, message_id)): Path<(String, String)>,
    Body(b): Body<EditBody>,
) -> Result<Json<Message>, ApiError> {
    let channel = parse_id(&id)?;
    let mid = parse_id(&message_id)?;
    // Missing, hidden or elsewhere: one `not_found` (issue 12 item 12).
    let (m, _) = state.chat.readable_message(&actor, mid.into()).await?;
    if m.channel_id != channel {
        return Err(crate::chat::unknown_message().into());
    }
    Ok(Json(
        state
            .chat
            .edit(
                &actor,
                MessageEdit {
                    message_id: mid,
                    content: b.content,
                },
            )
            .await?,
    ))
}

/// Deletes a message (author or staff): 204.
#[utoipa::path(delete, path = "/api/v1/channels/{id}/messages/{message_id}", security(("bearer" = [])), params(("id" = String, Path), ("message_id" = String, Path)),
    responses((status = 204), (status = 403, description = "neither author nor staff"), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let channel = parse_id(&id)?;
    let mid = parse_id(&message_id)?;
    let (m, _) = state.chat.readable_message(&actor, mid.into()).await?;
    if m.channel_id != channel {
        return Err(crate::chat::unknown_message().into());
    }
    state.chat.delete(&actor, mid).await?;
    Ok(StatusCode::NO_CONTENT)
}
