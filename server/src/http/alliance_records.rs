//! REST routes of an alliance's records (issue 15): contacts, joint
//! opportunities and their stage (won records one deal win), the timeline
//! (paged newest first; calls, meetings, emails and notes logged by hand),
//! partner tasks and documents. Same visibility as [`super::alliances`];
//! a partner also adds and updates their own tasks.

use super::alliances::{ask, id_of};
use super::extract::{Authed, Body};
use crate::domains::alliances::opportunities::OpportunityInput;
use crate::domains::alliances::views::{
    ActivityView, ContactView, DocumentView, OpportunityView, TaskView,
};
use crate::domains::alliances::work::{
    ContactInput, DocumentInput, LogInput, TaskInput, TaskPatch,
};
use crate::domains::alliances::Command;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/alliances/{id}/contacts", post(add_contact))
        .route("/alliances/{id}/opportunities", post(create_opportunity))
        .route(
            "/alliances/opportunities/{id}/stage",
            post(move_opportunity),
        )
        .route("/alliances/{id}/activities", get(activities).post(log))
        .route("/alliances/{id}/tasks", post(add_task))
        .route("/alliances/tasks/{id}", patch(update_task))
        .route("/alliances/{id}/documents", post(add_document))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        add_contact,
        create_opportunity,
        move_opportunity,
        activities,
        log,
        add_task,
        update_task,
        add_document
    ),
    components(schemas(
        ContactView,
        ContactInput,
        OpportunityView,
        OpportunityInput,
        StageBody,
        ActivityView,
        ActivityPage,
        LogInput,
        TaskView,
        TaskInput,
        TaskPatch,
        DocumentView,
        DocumentInput
    ))
)]
pub struct Api;

/// Saves a contact (a new name adds one; a known name updates it): 201.
#[utoipa::path(post, path = "/api/v1/alliances/{id}/contacts", security(("bearer" = [])), params(("id" = String, Path)), request_body = ContactInput,
    responses((status = 201, body = ContactView), (status = 400), (status = 403), (status = 404)))]
pub async fn add_contact(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(input): Body<ContactInput>,
) -> Result<(StatusCode, Json<ContactView>), ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    let c = ask(&state, actor.tenant_id, |reply| Command::AddContact {
        by,
        id,
        input,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Adds a joint opportunity in `prospect`: 201. 409 for a taken title.
#[utoipa::path(post, path = "/api/v1/alliances/{id}/opportunities", security(("bearer" = [])), params(("id" = String, Path)), request_body = OpportunityInput,
    responses((status = 201, body = OpportunityView), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn create_opportunity(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(input): Body<OpportunityInput>,
) -> Result<(StatusCode, Json<OpportunityView>), ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    let o = ask(&state, actor.tenant_id, |reply| {
        Command::CreateOpportunity {
            by,
            id,
            input,
            reply,
        }
    })
    .await?;
    Ok((StatusCode::CREATED, Json(o)))
}

/// Body of a stage move.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    /// `prospect`, `proposal`, `negotiation`, `won` or `lost`.
    pub to: String,
}

/// Moves an opportunity: prospect → proposal → negotiation → won, any open
/// stage → lost, lost → prospect; won is final (409 naming the current
/// stage otherwise). Won records one deal win in revenue (`deal_id`
/// `alliance-opportunity:<id>`), exactly once.
#[utoipa::path(post, path = "/api/v1/alliances/opportunities/{id}/stage", security(("bearer" = [])), params(("id" = String, Path)), request_body = StageBody,
    responses((status = 200, body = OpportunityView), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn move_opportunity(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<StageBody>,
) -> Result<Json<OpportunityView>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::MoveOpportunity {
            by,
            id,
            to: b.to,
            reply,
        })
        .await?,
    ))
}

/// `?before=<entry id>&limit=1..100` (default 50).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    pub before: Option<String>,
    pub limit: Option<i64>,
}

/// `{activities: [ActivityView], next_before}`: `next_before` (the last
/// entry's id) pages on; null at the end.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityPage {
    pub activities: Vec<ActivityView>,
    pub next_before: Option<String>,
}

/// The alliance's timeline, newest first.
#[utoipa::path(get, path = "/api/v1/alliances/{id}/activities", security(("bearer" = [])), params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ActivityPage), (status = 400), (status = 404)))]
pub async fn activities(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<ActivityPage>, ApiError> {
    let id = id_of(&id)?;
    let before = match q.before.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(b) => Some(crate::domains::alliances::input::id("before", b)?),
        None => None,
    };
    let limit = q.limit;
    let by = actor.clone();
    let activities = ask(&state, actor.tenant_id, |reply| Command::Activities {
        by,
        id,
        before,
        limit,
        reply,
    })
    .await?;
    let full = activities.len() as i64 == limit.unwrap_or(50);
    let next_before = if full {
        activities.last().map(|a| a.id.clone())
    } else {
        None
    };
    Ok(Json(ActivityPage {
        activities,
        next_before,
    }))
}

/// Logs a call, meeting, email or note on the timeline: 201.
#[utoipa::path(post, path = "/api/v1/alliances/{id}/activities", security(("bearer" = [])), params(("id" = String, Path)), request_body = LogInput,
    responses((status = 201, body = ActivityView), (status = 400), (status = 403), (status = 404)))]
pub async fn log(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(input): Body<LogInput>,
) -> Result<(StatusCode, Json<ActivityView>), ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    let a = ask(&state, actor.tenant_id, |reply| Command::Log {
        by,
        id,
        input,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Adds a task (editors; a partner member adds their own): 201.
#[utoipa::path(post, path = "/api/v1/alliances/{id}/tasks", security(("bearer" = [])), params(("id" = String, Path)), request_body = TaskInput,
    responses((status = 201, body = TaskView), (status = 400), (status = 403), (status = 404)))]
pub async fn add_task(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(input): Body<TaskInput>,
) -> Result<(StatusCode, Json<TaskView>), ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    let t = ask(&state, actor.tenant_id, |reply| Command::AddTask {
        by,
        id,
        input,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Changes a task (editors; a partner only their own, else 403).
#[utoipa::path(patch, path = "/api/v1/alliances/tasks/{id}", security(("bearer" = [])), params(("id" = String, Path)), request_body = TaskPatch,
    responses((status = 200, body = TaskView), (status = 400), (status = 403), (status = 404)))]
pub async fn update_task(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(patch): Body<TaskPatch>,
) -> Result<Json<TaskView>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::UpdateTask {
            by,
            id,
            patch,
            reply,
        })
        .await?,
    ))
}

/// Adds a document: a link (`url`) or a file the caller uploaded
/// (`file_id`; another's answers 404): 201.
#[utoipa::path(post, path = "/api/v1/alliances/{id}/documents", security(("bearer" = [])), params(("id" = String, Path)), request_body = DocumentInput,
    responses((status = 201, body = DocumentView), (status = 400), (status = 403), (status = 404)))]
pub async fn add_document(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(input): Body<DocumentInput>,
) -> Result<(StatusCode, Json<DocumentView>), ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    let d = ask(&state, actor.tenant_id, |reply| Command::AddDocument {
        by,
        id,
        input,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(d)))
}
