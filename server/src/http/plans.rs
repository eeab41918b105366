//! The app-plans domain's REST routes (issue 10) for integrations and staff:
//! plans (create from the wizard's answers, edit, submit, decide, export
//! as Markdown) and, in [`templates`], the template catalogue (staff keep it). A partner sees
//! and changes only their own plans (another's answers 404 as if absent);
//! staff see all. Each change is a command to the tenant's app-plans
//! actor, answered after commit.

mod templates;

use super::extract::{Authed, Body};
use crate::domains::plans::commands::{self, Command, PlanEdit};
use crate::domains::plans::input::RawAnswers;
use crate::domains::plans::sees_all;
use crate::domains::plans::status::Status;
use crate::domains::plans::templates::MAX_SECTIONS;
use crate::domains::plans::views::{PlanView, SectionView, TemplateView};
use crate::error::ApiError;
use crate::ids::PlanId;
use crate::state::AppState;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    templates::routes()
        .route("/app-plans", get(list).post(create))
        .route("/app-plans/{id}", get(show).patch(edit))
        .route("/app-plans/{id}/submit", post(submit))
        .route("/app-plans/{id}/decision", post(decide))
        .route("/app-plans/{id}/markdown", get(markdown))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list,
        create,
        show,
        edit,
        submit,
        decide,
        markdown,
        templates::list_templates,
        templates::create_template,
        templates::show_template,
        templates::edit_template,
        templates::retire_template
    ),
    components(schemas(
        PlanView,
        SectionView,
        TemplateView,
        CreateBody,
        EditBody,
        SectionEdit,
        DecisionBody,
        templates::TemplateBody,
        templates::SectionBody,
        templates::RetireBody
    ))
)]
pub struct Api;

async fn ask<T>(
    state: &AppState,
    tenant: crate::ids::TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.plans().ask(tenant, make).await?)
}

fn plan_id(raw: &str) -> Result<PlanId, ApiError> {
    raw.parse::<i64>()
        .map(PlanId)
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the plan id must be a decimal id"))
}

/// `?status=&limit=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// `draft`, `submitted`, `approved` or `changes_requested`.
    pub status: Option<String>,
    /// 1..200, default 50.
    pub limit: Option<i64>,
}

/// Plans most recently updated first: `{plans: [PlanView]}` (without
/// sections). A partner gets their own; staff every partner's.
#[utoipa::path(get, path = "/api/v1/app-plans", security(("bearer" = [])),
    params(("status" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1..200, default 50")),
    responses((status = 200, description = "{plans: [PlanView]}"), (status = 400, description = "bad status or limit")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = super::extract::page_limit(q.limit, 50, 200)?;
    if q.status
        .as_deref()
        .is_some_and(|s| Status::parse(s).is_none())
    {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "status must be draft, submitted, approved or changes_requested",
        ));
    }
    let partner = (!sees_all(&actor)).then_some(actor.user_id);
    let rows = state
        .store
        .fetch_plans(actor.tenant_id, partner, q.status.as_deref(), false, limit)
        .await?;
    let plans: Vec<PlanView> = rows.iter().map(|p| PlanView::of(p, false)).collect();
    Ok(Json(serde_json::json!({ "plans": plans })))
}

/// Body of `POST /api/v1/app-plans`: the wizard's answers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// 1..120 characters, one line.
    pub client_name: String,
    /// A template's key (`GET /api/v1/app-plans/templates`).
    pub template: String,
    /// 1..2000 characters.
    pub goals: String,
    /// 0..500 characters.
    #[serde(default)]
    pub audience: String,
    /// The id of a logo the partner uploaded (`POST /api/v1/files`).
    #[serde(default)]
    pub logo: Option<String>,
    /// 0..200 characters.
    #[serde(default)]
    pub colors: String,
    /// 0..60 characters, e.g. `friendly`.
    #[serde(default)]
    pub tone: String,
    /// Feature catalogue keys: ordering, bookings, loyalty, push, payments,
    /// reviews, catalogue, memberships, messaging, analytics.
    #[serde(default)]
    pub features: Vec<String>,
    /// 0..1000 characters.
    #[serde(default)]
    pub features_other: String,
}

/// Creates a draft plan from a template and the answers (partners): 201.
/// The sections are filled deterministically; with a language model
/// configured, `narrative` is `writing` until its narrative sections are
/// rewritten (or `failed`, keeping the template text).
#[utoipa::path(post, path = "/api/v1/app-plans", security(("bearer" = [])), request_body = CreateBody,
    responses((status = 201, body = PlanView), (status = 400, description = "a field is invalid or the template unknown"),
              (status = 403, description = "not a partner"), (status = 404, description = "the logo file is not found"),
              (status = 409, description = "the template is retired")))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<CreateBody>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    if b.features.len() > 50 {
        return Err(ApiError::new(ErrorCode::BadRequest, "too many features"));
    }
    let answers = RawAnswers {
        client_name: b.client_name,
        template: b.template,
        goals: b.goals,
        audience: b.audience,
        logo: b.logo.unwrap_or_default(),
        colors: b.colors,
        tone: b.tone,
        features: b.features,
        features_other: b.features_other,
    };
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::Create {
        by,
        answers,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(PlanView::of(&row, true))))
}

/// One plan with its sections; 404 for another partner's plan.
#[utoipa::path(get, path = "/api/v1/app-plans/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PlanView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<PlanView>, ApiError> {
    let row = commands::load(&state.store, &actor, plan_id(&id)?).await?;
    Ok(Json(PlanView::of(&row, true)))
}

/// One section's new body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionEdit {
    /// The section's position, from 0.
    pub index: usize,
    /// 1..8000 characters of plain text.
    pub body: String,
}

/// Body of `PATCH /api/v1/app-plans/{id}`: each part only when present.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    /// 1..160 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// At most one entry per section.
    #[serde(default)]
    pub sections: Vec<SectionEdit>,
}

/// Edits the title or section bodies (the owner; a draft or a plan with
/// changes requested, not while its narrative is being written: 409).
#[utoipa::path(patch, path = "/api/v1/app-plans/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = EditBody,
    responses((status = 200, body = PlanView), (status = 400), (status = 403, description = "not the owner"),
              (status = 404), (status = 409, description = "not editable in its status, or being written")))]
pub async fn edit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<EditBody>,
) -> Result<Json<PlanView>, ApiError> {
    let plan_id = plan_id(&id)?;
    if b.sections.len() > MAX_SECTIONS {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "too many section edits",
        ));
    }
    let edit = PlanEdit {
        title: b.title,
        sections: b.sections.into_iter().map(|s| (s.index, s.body)).collect(),
    };
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::Edit {
        by,
        plan_id,
        edit,
        reply,
    })
    .await?;
    Ok(Json(PlanView::of(&row, true)))
}

/// Submits the plan for review (the owner): draft or changes requested →
/// submitted, posted once to #app-plan-generator; 409 naming the current
/// status otherwise.
#[utoipa::path(post, path = "/api/v1/app-plans/{id}/submit", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PlanView), (status = 403, description = "not the owner"), (status = 404),
              (status = 409, description = "not submittable from its status, or being written")))]
pub async fn submit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<PlanView>, ApiError> {
    let plan_id = plan_id(&id)?;
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::Submit {
        by,
        plan_id,
        reply,
    })
    .await?;
    Ok(Json(PlanView::of(&row, true)))
}

/// Body of a decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `approve` or `request_changes`.
    pub decision: String,
    /// To the partner, 0..1000 characters; required to request changes.
    #[serde(default)]
    pub note: String,
}

/// Approves a submitted plan or sends it back with a note (staff); 409
/// naming the current status when it is not submitted.
#[utoipa::path(post, path = "/api/v1/app-plans/{id}/decision", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = DecisionBody,
    responses((status = 200, body = PlanView), (status = 400), (status = 403, description = "not staff"), (status = 404),
              (status = 409, description = "not submitted")))]
pub async fn decide(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<DecisionBody>,
) -> Result<Json<PlanView>, ApiError> {
    let plan_id = plan_id(&id)?;
    let approve = match b.decision.as_str() {
        "approve" => true,
        "request_changes" => false,
        _ => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "decision must be approve or request_changes",
            ))
        }
    };
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::Decide {
        by,
        plan_id,
        approve,
        note: b.note,
        reply,
    })
    .await?;
    Ok(Json(PlanView::of(&row, true)))
}

/// The plan as a Markdown document (`text/markdown`, as an attachment).
#[utoipa::path(get, path = "/api/v1/app-plans/{id}/markdown", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "the plan in Markdown", content_type = "text/markdown"), (status = 404)))]
pub async fn markdown(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let plan_id = plan_id(&id)?;
    let by = actor.clone();
    let (filename, content) = ask(&state, actor.tenant_id, |reply| Command::Export {
        by,
        plan_id,
        reply,
    })
    .await?;
    let mut resp = content.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(resp)
}
