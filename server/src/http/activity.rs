//! `GET /api/v1/activity`: the per-partner activity log (issue 9): every
//! change a domain made to a partner's records. A partner reads their own
//! log; staff read anyone's, or the whole program's.

use super::extract::Authed;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::state::AppState;
use arena_protocol::{ErrorCode, Snowflake};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/activity", get(list))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list))]
pub struct Api;

/// `?partner_id=&domain=&before=&limit=`.
#[derive(Debug, Deserialize)]
pub struct ActivityQuery {
    /// Whose log (decimal id); a partner may name only themselves; staff
    /// without it read the whole program's log.
    pub partner_id: Option<Snowflake>,
    /// One domain's entries only, e.g. `activation`.
    pub domain: Option<String>,
    /// Entries older than this entry id (paging, newest first).
    pub before: Option<Snowflake>,
    /// 1..200, default 50.
    pub limit: Option<i64>,
}

/// Newest first: `{entries: [{id, partner_id, actor_id, domain, verb,
/// summary, data, created_at}]}`. 403 when a partner asks for another
/// partner's log; 400 for a limit outside 1..200.
#[utoipa::path(get, path = "/api/v1/activity", security(("bearer" = [])),
    params(("partner_id" = Option<String>, Query), ("domain" = Option<String>, Query),
           ("before" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1..200, default 50")),
    responses((status = 200, description = "{entries}"), (status = 400), (status = 403, description = "another partner's log")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = super::extract::page_limit(q.limit, 50, 200)?;
    let asked: Option<UserId> = q.partner_id.map(Into::into);
    let partner = if actor.role.is_staff() && actor.bot.is_none() {
        asked
    } else {
        match asked {
            Some(p) if p != actor.user_id => {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "a partner reads only their own activity",
                ))
            }
            _ => Some(actor.user_id),
        }
    };
    let rows = state
        .store
        .fetch_activity(
            actor.tenant_id,
            partner,
            q.domain.as_deref(),
            q.before.map(|b| b.0 as i64),
            limit,
        )
        .await?;
    let entries: Vec<serde_json::Value> = rows.iter().map(|r| r.to_json()).collect();
    Ok(Json(serde_json::json!({ "entries": entries })))
}
