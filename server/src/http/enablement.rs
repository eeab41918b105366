//! The enablement domain's REST routes (issue 9): courses (staff create,
//! edit and publish; partners complete modules), progress, badges and a
//! partner's sharing setting. Each is a command to the tenant's
//! enablement actor, answered after the commit.

use super::extract::{Authed, Body};
use crate::domains::enablement::views::{
    BadgeView, Course, CourseDraft, CourseEdit, CourseProgress, PartnerProgress,
};
use crate::domains::enablement::Command;
use crate::error::ApiError;
use crate::ids::{TenantId, UserId};
use crate::state::AppState;
use arena_protocol::{ErrorBody, Snowflake};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/courses", get(list).post(create))
        .route("/courses/{id}", patch(edit))
        .route("/courses/{id}/publish", post(publish))
        .route("/courses/{id}/modules/{module_id}/complete", post(complete))
        .route("/enablement/progress", get(progress))
        .route("/enablement/settings", put(settings))
        .route("/badges", get(badges))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, edit, publish, complete, progress, settings, badges),
    components(schemas(
        Course,
        crate::domains::enablement::views::Module,
        CourseDraft,
        CourseEdit,
        crate::domains::enablement::views::ModuleInput,
        CourseProgress,
        PartnerProgress,
        BadgeView,
        Courses,
        Progress,
        Badges,
        Settings
    ))
)]
pub struct Api;

async fn ask<T>(
    state: &AppState,
    tenant: TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.enablement().ask(tenant, make).await?)
}

/// `{courses}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Courses {
    pub courses: Vec<Course>,
}

/// The catalogue: published courses with their modules; staff also see drafts.
#[utoipa::path(get, path = "/api/v1/courses", security(("bearer" = [])),
    responses((status = 200, body = Courses)))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Courses>, ApiError> {
    let by = actor.clone();
    let courses = ask(&state, actor.tenant_id, |reply| Command::ListCourses {
        by,
        reply,
    })
    .await?;
    Ok(Json(Courses { courses }))
}

/// Creates a draft course (staff): 201 with the course.
#[utoipa::path(post, path = "/api/v1/courses", security(("bearer" = [])), request_body = CourseDraft,
    responses((status = 201, body = Course), (status = 400, description = "a field is invalid (named)"),
              (status = 403, description = "staff only")))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(draft): Body<CourseDraft>,
) -> Result<(StatusCode, Json<Course>), ApiError> {
    let by = actor.clone();
    let c = ask(&state, actor.tenant_id, |reply| Command::CreateCourse {
        by,
        draft,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Changes a course (staff). Modules and pass mark change only while it is
/// a draft (409 naming the status otherwise).
#[utoipa::path(patch, path = "/api/v1/courses/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = CourseEdit,
    responses((status = 200, body = Course), (status = 400), (status = 403, description = "staff only"),
              (status = 404), (status = 409, description = "the course is published")))]
pub async fn edit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<Snowflake>,
    Body(edit): Body<CourseEdit>,
) -> Result<Json<Course>, ApiError> {
    let by = actor.clone();
    let course_id = id.0 as i64;
    let c = ask(&state, actor.tenant_id, |reply| Command::EditCourse {
        by,
        course_id,
        edit,
        reply,
    })
    .await?;
    Ok(Json(c))
}

/// Publishes a draft (staff): partners see it and #training announces it.
#[utoipa::path(post, path = "/api/v1/courses/{id}/publish", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Course), (status = 403, description = "staff only"), (status = 404),
              (status = 409, description = "already published")))]
pub async fn publish(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<Snowflake>,
) -> Result<Json<Course>, ApiError> {
    let by = actor.clone();
    let course_id = id.0 as i64;
    let c = ask(&state, actor.tenant_id, |reply| Command::Publish {
        by,
        course_id,
        reply,
    })
    .await?;
    Ok(Json(c))
}

/// Marks a module done for the calling partner; modules are taken in order.
/// The answer is the partner's progress in the course (`completed_at` and
/// `certification_id` once every module is done and the quiz passed).
#[utoipa::path(post, path = "/api/v1/courses/{id}/modules/{module_id}/complete", security(("bearer" = [])),
    params(("id" = String, Path), ("module_id" = String, Path)),
    responses((status = 200, body = CourseProgress), (status = 403, description = "partners only"),
              (status = 404, description = "no such published course or module"),
              (status = 409, description = "already completed, or an earlier module is not")))]
pub async fn complete(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path((id, module_id)): Path<(Snowflake, Snowflake)>,
) -> Result<Json<CourseProgress>, ApiError> {
    let by = actor.clone();
    let (course_id, module_id) = (id.0 as i64, module_id.0 as i64);
    let p = ask(&state, actor.tenant_id, |reply| Command::CompleteModule {
        by,
        course_id,
        module_id,
        reply,
    })
    .await?;
    Ok(Json(p))
}

/// `?partner_id=`: whose records (decimal id).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PartnerQuery {
    /// A partner may name only themselves; staff without it read every partner (progress).
    #[param(value_type = Option<String>)]
    pub partner_id: Option<Snowflake>,
}

/// `{partners}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub partners: Vec<PartnerProgress>,
}

/// Progress per published course: the caller's (a partner), or one
/// partner's or every partner's (staff).
#[utoipa::path(get, path = "/api/v1/enablement/progress", security(("bearer" = [])), params(PartnerQuery),
    responses((status = 200, body = Progress), (status = 403, description = "another partner's progress"),
              (status = 404, description = "no such partner")))]
pub async fn progress(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<PartnerQuery>,
) -> Result<Json<Progress>, ApiError> {
    let by = actor.clone();
    let partner = q.partner_id.map(UserId::from);
    let partners = ask(&state, actor.tenant_id, |reply| Command::Progress {
        by,
        partner,
        reply,
    })
    .await?;
    Ok(Json(Progress { partners }))
}

/// `{badges}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Badges {
    pub badges: Vec<BadgeView>,
}

/// Every badge of the program with when the partner earned it (absent:
/// still to earn). Staff must name the partner.
#[utoipa::path(get, path = "/api/v1/badges", security(("bearer" = [])), params(PartnerQuery),
    responses((status = 200, body = Badges), (status = 400, description = "staff without partner_id"),
              (status = 403, description = "another partner's badges")))]
pub async fn badges(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<PartnerQuery>,
) -> Result<Json<Badges>, ApiError> {
    let by = actor.clone();
    let partner = q.partner_id.map(UserId::from);
    let badges = ask(&state, actor.tenant_id, |reply| Command::Badges {
        by,
        partner,
        reply,
    })
    .await?;
    Ok(Json(Badges { badges }))
}

/// Body and answer of `PUT /api/v1/enablement/settings`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Announce the partner's completed courses in #training (default true).
    pub share_completions: bool,
}

/// Sets the calling partner's sharing setting.
#[utoipa::path(put, path = "/api/v1/enablement/settings", security(("bearer" = [])), request_body = Settings,
    responses((status = 200, body = Settings), (status = 403, description = "partners only")))]
pub async fn settings(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(s): Body<Settings>,
) -> Result<Json<Settings>, ApiError> {
    let by = actor.clone();
    let share = s.share_completions;
    let share_completions = ask(&state, actor.tenant_id, |reply| Command::SetSharing {
        by,
        share,
        reply,
    })
    .await?;
    Ok(Json(Settings { share_completions }))
}
