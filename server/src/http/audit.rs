//! `GET /api/v1/audit-log` (staff): the newest moderation actions.

use super::extract::Authed;
use crate::error::ApiError;
use crate::state::AppState;
use arena_protocol::ErrorCode;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

/// One audit entry; ids as decimal strings, time RFC 3339.
#[derive(Debug, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub actor_id: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub created_at: String,
}

/// `?limit=` 1..500, default 100.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub limit: Option<i64>,
}

/// Staff only (403 otherwise).
#[utoipa::path(get, path = "/api/v1/audit-log", security(("bearer" = [])), params(("limit" = Option<i64>, Query, description = "1..500, default 100")),
    responses((status = 200, description = "{entries}"), (status = 403, description = "staff only")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<AuditQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !actor.role.is_staff() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    let limit = super::extract::page_limit(q.limit, 100, 500)?;
    let rows = state.store.fetch_audit(actor.tenant_id, limit).await?;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id.to_string(),
            actor_id: r.actor_id.to_string(),
            action: r.action,
            target: r.target,
            reason: r.reason,
            created_at: crate::store::rfc3339(r.created_at),
        })
        .collect();
    Ok(Json(serde_json::json!({ "entries": entries })))
}
