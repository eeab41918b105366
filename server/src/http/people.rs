//! `GET /api/v1/search` (the gateway's `search` over HTTP) and
//! `GET`/`PATCH /api/v1/me/settings` (the member's own settings: whether
//! other partners may open direct messages with them).

use super::extract::{Authed, Body};
use crate::error::ApiError;
use crate::state::AppState;
use arena_protocol::request::{Search, SearchResult};
use arena_protocol::Snowflake;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

/// `?q=&channel_id=&author_id=&before=&after=&limit=` (ids as decimal strings).
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    pub q: String,
    pub channel_id: Option<Snowflake>,
    pub author_id: Option<Snowflake>,
    pub before: Option<Snowflake>,
    pub after: Option<Snowflake>,
    pub limit: Option<u32>,
}

/// Full-text search over the messages the caller may read, newest first
/// (`{hits: [{message, highlight}], has_more}`; see `search` in docs/protocol.md).
#[utoipa::path(get, path = "/api/v1/search", security(("bearer" = [])),
    params(("q" = String, Query, description = "web search syntax: words, \"a phrase\", or, -word"),
           ("channel_id" = Option<String>, Query, description = "one readable channel"),
           ("author_id" = Option<String>, Query), ("before" = Option<String>, Query, description = "message id, exclusive"),
           ("after" = Option<String>, Query, description = "message id, exclusive"), ("limit" = Option<u32>, Query, description = "1..50, default 25")),
    responses((status = 200, description = "{hits, has_more}"), (status = 400, description = "empty or long query, bad limit"),
              (status = 404, description = "unknown or unreadable channel")))]
pub async fn search(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<SearchParams>,
) -> Result<Json<SearchResult>, ApiError> {
    let p = Search {
        query: q.q,
        channel_id: q.channel_id,
        author_id: q.author_id,
        before: q.before,
        after: q.after,
        limit: q.limit,
    };
    Ok(Json(state.chat.search(&actor, p).await?))
}

/// Most channels one member may mute.
pub const MAX_MUTED_CHANNELS: usize = 500;

/// The member's own settings.
#[derive(Debug, Serialize, Deserialize)]
pub struct Settings {
    /// May other partners open direct messages with this member? (Staff
    /// always may.) Default true.
    pub allow_partner_dms: bool,
    /// What the member's clients notify of: `all` messages (default),
    /// `mentions` (mentions and DMs only) or `none` (as Slack and Discord
    /// name these levels).
    pub notifications: String,
    /// Channels the member muted: no unread badge and no notification
    /// (mentions still count), only channels they can read.
    pub muted_channels: Vec<Snowflake>,
}

/// A change of the member's own settings; absent fields stay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub allow_partner_dms: Option<bool>,
    pub notifications: Option<String>,
    pub muted_channels: Option<Vec<Snowflake>>,
}

/// The caller's settings.
#[utoipa::path(get, path = "/api/v1/me/settings", security(("bearer" = [])),
    responses((status = 200, description = "{allow_partner_dms, notifications, muted_channels}")))]
pub async fn settings(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Settings>, ApiError> {
    let allow = state
        .store
        .fetch_allows_partner_dms(actor.tenant_id, actor.user_id)
        .await?;
    let (notifications, muted) = state
        .store
        .fetch_notifications(actor.tenant_id, actor.user_id)
        .await?;
    Ok(Json(Settings {
        allow_partner_dms: allow,
        notifications,
        muted_channels: muted.into_iter().map(|c| Snowflake(c as u64)).collect(),
    }))
}

/// Changes the caller's settings; answers them as they now are. 400 for an
/// unknown level or more than [`MAX_MUTED_CHANNELS`] channels, 404 for a
/// channel the caller cannot read.
#[utoipa::path(patch, path = "/api/v1/me/settings", security(("bearer" = [])),
    responses((status = 200, description = "{allow_partner_dms, notifications, muted_channels}"),
              (status = 400, description = "unknown field, level or wrong type; too many channels"),
              (status = 404, description = "a channel the caller cannot read")))]
pub async fn update_settings(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(p): Body<SettingsPatch>,
) -> Result<Json<Settings>, ApiError> {
    if let Some(level) = &p.notifications {
        if !["all", "mentions", "none"].contains(&level.as_str()) {
            return Err(ApiError::new(
                arena_protocol::ErrorCode::BadRequest,
                "notifications must be all, mentions or none",
            ));
        }
    }
    let muted = match &p.muted_channels {
        Some(ids) if ids.len() > MAX_MUTED_CHANNELS => {
            return Err(ApiError::new(
                arena_protocol::ErrorCode::BadRequest,
                format!("at most {MAX_MUTED_CHANNELS} muted channels"),
            ))
        }
        Some(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids {
                state.registry.readable(&actor, id)?;
                out.push(id.0 as i64);
            }
            out.sort_unstable();
            out.dedup();
            Some(out)
        }
        None => None,
    };
    if let Some(allow) = p.allow_partner_dms {
        state.chat.set_partner_dms(&actor, allow).await?;
    }
    if p.notifications.is_some() || muted.is_some() {
        state
            .store
            .update_notifications(
                actor.tenant_id,
                actor.user_id,
                p.notifications.as_deref(),
                muted.as_deref(),
            )
            .await?;
    }
    settings(State(state), Authed(actor)).await
}
