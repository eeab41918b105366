//! The support domain's REST routes (issue 9) for integrations and staff:
//! cases, replies and internal notes, status moves, triage and escalation.
//! A partner sees and changes only their own cases (another's answers 404
//! as if absent); staff see all. Each change is a command to the tenant's
//! support actor, answered after commit.

use super::extract::{Authed, Body};
use crate::domains::support::actions::{assignee, present};
use crate::domains::support::cases::{self, Command, OpenCase, Triage};
use crate::domains::support::sees_all;
use crate::domains::support::views::{self, CaseView, EntryView};
use crate::error::ApiError;
use crate::ids::CaseId;
use crate::state::AppState;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support/cases", get(list).post(open))
        .route("/support/cases/{id}", get(show).patch(triage))
        .route("/support/cases/{id}/replies", post(reply))
        .route("/support/cases/{id}/status", post(set_status))
        .route("/support/cases/{id}/escalate", post(escalate))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, open, show, reply, set_status, triage, escalate),
    components(schemas(
        CaseView,
        EntryView,
        views::EvidenceView,
        OpenBody,
        ReplyBody,
        StatusBody,
        TriageBody
    ))
)]
pub struct Api;

async fn ask<T>(
    state: &AppState,
    tenant: crate::ids::TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.support().ask(tenant, make).await?)
}

fn case_id(raw: &str) -> Result<CaseId, ApiError> {
    raw.parse::<i64>()
        .map(CaseId)
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the case id must be a decimal id"))
}

/// `?status=&limit=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// `open`, `pending`, `resolved` or `closed`.
    pub status: Option<String>,
    /// 1..200, default 50.
    pub limit: Option<i64>,
}

/// Cases most recently updated first: `{cases: [CaseView]}` (without
/// threads). A partner gets their own; staff and bots with the `support`
/// scope every case.
#[utoipa::path(get, path = "/api/v1/support/cases", security(("bearer" = [])),
    params(("status" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1..200, default 50")),
    responses((status = 200, description = "{cases: [CaseView]}"), (status = 400, description = "bad status or limit")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = super::extract::page_limit(q.limit, 50, 200)?;
    if let Some(s) = q.status.as_deref() {
        if crate::domains::support::status::Status::parse(s).is_none() {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "status must be open, pending, resolved or closed",
            ));
        }
    }
    let author = (!sees_all(&actor)).then_some(actor.user_id);
    let rows = state
        .store
        .fetch_cases(actor.tenant_id, author, q.status.as_deref(), limit)
        .await?;
    let cases: Vec<CaseView> = rows.iter().map(CaseView::from).collect();
    Ok(Json(serde_json::json!({ "cases": cases })))
}

/// Body of `POST /api/v1/support/cases`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// 1..120 characters, one line.
    pub subject: String,
    /// 1..4000 characters.
    pub body: String,
    /// `low`, `normal` (default), `high` or `urgent`: the partner's
    /// suggestion; high and urgent post a notice in #support-tickets.
    #[serde(default)]
    pub priority: Option<String>,
    /// Ids of files the partner uploaded (`POST /api/v1/files`), at most 5.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Opens a case (partners): 201 with the case. 404 for an evidence file
/// that is not the partner's own upload in this workspace.
#[utoipa::path(post, path = "/api/v1/support/cases", security(("bearer" = [])), request_body = OpenBody,
    responses((status = 201, body = CaseView), (status = 400, description = "a field is invalid"),
              (status = 403, description = "not a partner"), (status = 404, description = "an evidence file is not found")))]
pub async fn open(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<OpenBody>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let by = actor.clone();
    let case = OpenCase {
        subject: b.subject,
        body: b.body,
        priority: b.priority,
        evidence: b.evidence,
    };
    let row = ask(&state, actor.tenant_id, |reply| Command::Open {
        by,
        case,
        reply,
    })
    .await?;
    let v = views::detail(&state.store, &actor, &row).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One case with its evidence and thread (internal notes for staff only);
/// 404 for a case of another partner.
#[utoipa::path(get, path = "/api/v1/support/cases/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CaseView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    let row = cases::load(&state.store, &actor, case_id(&id)?).await?;
    Ok(Json(views::detail(&state.store, &actor, &row).await?))
}

/// Body of a reply.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// 1..4000 characters.
    pub body: String,
    /// A staff note the partner never sees (staff only).
    #[serde(default)]
    pub internal: bool,
    /// File ids to attach (own uploads; staff any of the workspace), at most 5.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Replies on a case (its author or staff): 201 with the entry; 409 when
/// the case is closed; 403 for an internal note by a partner.
#[utoipa::path(post, path = "/api/v1/support/cases/{id}/replies", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = ReplyBody,
    responses((status = 201, body = EntryView), (status = 400), (status = 403), (status = 404), (status = 409, description = "the case is closed")))]
pub async fn reply(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<ReplyBody>,
) -> Result<(StatusCode, Json<EntryView>), ApiError> {
    let case_id = case_id(&id)?;
    let by = actor.clone();
    let entry = ask(&state, actor.tenant_id, |reply| Command::Reply {
        by,
        case_id,
        body: b.body,
        internal: b.internal,
        evidence: b.evidence,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(EntryView::from(&entry))))
}

/// Body of a status move.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `open` (reopen), `pending`, `resolved` or `closed`.
    pub status: String,
    /// Shown in the thread, 0..500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Moves a case's status: open → pending → resolved → closed, resolved →
/// open (reopen). Staff make every move; the author reopens or closes a
/// resolved case. 409 names the current status of an illegal move.
#[utoipa::path(post, path = "/api/v1/support/cases/{id}/status", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = StatusBody,
    responses((status = 200, body = CaseView), (status = 400), (status = 403, description = "a move only staff make"),
              (status = 404), (status = 409, description = "illegal from the current status")))]
pub async fn set_status(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<StatusBody>,
) -> Result<Json<CaseView>, ApiError> {
    let case_id = case_id(&id)?;
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::SetStatus {
        by,
        case_id,
        status: b.status,
        reason: b.reason.unwrap_or_default(),
        reply,
    })
    .await?;
    Ok(Json(CaseView::from(&row)))
}

/// Body of a triage change: each field only when present.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageBody {
    /// A staff member's id; null or "" unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<String>>,
    /// `low`, `normal`, `high` or `urgent`.
    #[serde(default)]
    pub priority: Option<String>,
}

/// Sets the assignee and/or priority (staff): 200 with the case.
#[utoipa::path(patch, path = "/api/v1/support/cases/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = TriageBody,
    responses((status = 200, body = CaseView), (status = 400, description = "not a staff member, or nothing to change"),
              (status = 403, description = "staff only"), (status = 404)))]
pub async fn triage(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<TriageBody>,
) -> Result<Json<CaseView>, ApiError> {
    let case_id = case_id(&id)?;
    let triage = Triage {
        assignee: assignee(b.assignee_id)?,
        priority: b.priority,
    };
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::Triage {
        by,
        case_id,
        triage,
        reply,
    })
    .await?;
    Ok(Json(CaseView::from(&row)))
}

/// Escalates a case (staff, once): a notice naming its subject and
/// priority in #support-tickets. 409 when already escalated or closed.
#[utoipa::path(post, path = "/api/v1/support/cases/{id}/escalate", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, description = "staff only"), (status = 404),
              (status = 409, description = "already escalated, or closed")))]
pub async fn escalate(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    let case_id = case_id(&id)?;
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::Escalate {
        by,
        case_id,
        reply,
    })
    .await?;
    Ok(Json(CaseView::from(&row)))
}
