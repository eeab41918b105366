//! The activation domain's REST routes (issue 9): a partner's onboarding
//! (checklist, application, agreement, documents) and staff decisions.
//! Every change is a command to the tenant's activation actor, answered
//! after the commit; the panels move live for the viewers concerned.

use super::extract::{Authed, Body};
use crate::domains::activation::actions::decision;
use crate::domains::activation::forms::ApplicationForm;
use crate::domains::activation::views::{
    AgreementView, ApplicationView, DocumentView, OnboardingView, ProgramView,
};
use crate::domains::activation::Command;
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::state::AppState;
use arena_protocol::{ErrorBody, Snowflake};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/onboarding", get(own))
        .route("/onboarding/{partner_id}", get(of_partner))
        .route("/onboarding/items/{key}", post(tick))
        .route("/onboarding/application", post(submit))
        .route(
            "/onboarding/application/{partner_id}/decision",
            post(decide),
        )
        .route("/onboarding/agreement", post(accept))
        .route("/onboarding/documents", post(attach))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(own, of_partner, tick, submit, decide, accept, attach),
    components(schemas(
        OnboardingView,
        ProgramView,
        ApplicationView,
        AgreementView,
        DocumentView,
        TickBody,
        ApplicationBody,
        DecisionBody,
        AgreementBody,
        DocumentBody
    ))
)]
pub struct Api;

async fn ask<T>(
    state: &AppState,
    tenant: TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.activation().ask(tenant, make).await?)
}

/// A partner's own onboarding; for staff, every partner's progress
/// (`ProgramView`, stuck partners first).
#[utoipa::path(get, path = "/api/v1/onboarding", security(("bearer" = [])),
    responses((status = 200, description = "OnboardingView for a partner, ProgramView for staff"),
              (status = 404, description = "a member who is neither partner nor staff")))]
pub async fn own(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = actor.clone();
    let v = if actor.role.is_staff() && actor.bot.is_none() {
        let p = ask(&state, actor.tenant_id, |reply| Command::ReadProgram {
            by,
            reply,
        })
        .await?;
        serde_json::to_value(p)
    } else {
        let partner = actor.user_id;
        let o = ask(&state, actor.tenant_id, |reply| Command::Read {
            by,
            partner,
            reply,
        })
        .await?;
        serde_json::to_value(o)
    };
    v.map(Json)
        .map_err(|_| ApiError::new(arena_protocol::ErrorCode::Internal, "unserialisable answer"))
}

/// One partner's onboarding: staff read anyone's, a partner only their own
/// (another's answers 404, as does a member who is not a partner).
#[utoipa::path(get, path = "/api/v1/onboarding/{partner_id}", security(("bearer" = [])),
    params(("partner_id" = String, Path)),
    responses((status = 200, body = OnboardingView), (status = 404, description = "no such partner, or not yours")))]
pub async fn of_partner(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(partner_id): Path<Snowflake>,
) -> Result<Json<OnboardingView>, ApiError> {
    let by = actor.clone();
    let partner = partner_id.into();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Read {
            by,
            partner,
            reply,
        })
        .await?,
    ))
}

/// Body of `POST /api/v1/onboarding/items/{key}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickBody {
    pub done: bool,
}

/// A partner ticks (or unticks) their own item `key`; answers their
/// onboarding. 400 for an unknown item or one that ticks itself, 403 for
/// anyone but a partner.
#[utoipa::path(post, path = "/api/v1/onboarding/items/{key}", security(("bearer" = [])),
    params(("key" = String, Path, description = "an item key of program.toml [[onboarding.item]]")), request_body = TickBody,
    responses((status = 200, body = OnboardingView), (status = 400), (status = 403)))]
pub async fn tick(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(key): Path<String>,
    Body(b): Body<TickBody>,
) -> Result<Json<OnboardingView>, ApiError> {
    let by = actor.clone();
    let done = b.done;
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Tick {
            by,
            key,
            done,
            reply,
        })
        .await?,
    ))
}

/// Body of `POST /api/v1/onboarding/application`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    /// 1..120 characters.
    pub company: String,
    /// Up to 200 characters.
    #[serde(default)]
    pub website: Option<String>,
    /// Who the partner sells to, and how: 1..2000 characters.
    pub pitch: String,
}

/// A partner submits their application (first time, or again after a
/// rejection): 201 `submitted`. 409 names the status when one is pending
/// or approved.
#[utoipa::path(post, path = "/api/v1/onboarding/application", security(("bearer" = [])), request_body = ApplicationBody,
    responses((status = 201, body = ApplicationView), (status = 400), (status = 403, description = "partners only"),
              (status = 409, description = "an application is submitted, under review or approved")))]
pub async fn submit(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<ApplicationBody>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let by = actor.clone();
    let form = ApplicationForm {
        company: b.company,
        website: b.website,
        pitch: b.pitch,
    };
    let v = ask(&state, actor.tenant_id, |reply| Command::Submit {
        by,
        form,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Body of a decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `under_review`, `approved` or `rejected`.
    pub status: String,
    /// Up to 500 characters; required (1..500) to reject.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Staff move a partner's application: `submitted → under_review`, then
/// `approved` or `rejected`. 409 names the current status for any other
/// move; 404 when the partner has not applied. Approval tells the other
/// domains (`ApplicationApproved`) after the commit.
#[utoipa::path(post, path = "/api/v1/onboarding/application/{partner_id}/decision", security(("bearer" = [])),
    params(("partner_id" = String, Path)), request_body = DecisionBody,
    responses((status = 200, body = ApplicationView), (status = 400), (status = 403, description = "staff only"),
              (status = 404, description = "no application"), (status = 409, description = "not allowed from the current status")))]
pub async fn decide(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(partner_id): Path<Snowflake>,
    Body(b): Body<DecisionBody>,
) -> Result<Json<ApplicationView>, ApiError> {
    let to = decision(&b.status)?;
    let by = actor.clone();
    let partner = partner_id.into();
    let reason = b.reason.unwrap_or_default();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Decide {
            by,
            partner,
            to,
            reason,
            reply,
        })
        .await?,
    ))
}

/// Body of `POST /api/v1/onboarding/agreement`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementBody {
    /// The version accepted; must be the current one (program.toml).
    pub version: String,
}

/// A partner accepts the agreement, recorded with its version and time
/// (again: the first acceptance). 409 for any version but the current one.
#[utoipa::path(post, path = "/api/v1/onboarding/agreement", security(("bearer" = [])), request_body = AgreementBody,
    responses((status = 200, body = AgreementView), (status = 403, description = "partners only"),
              (status = 409, description = "not the current version")))]
pub async fn accept(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<AgreementBody>,
) -> Result<Json<AgreementView>, ApiError> {
    let by = actor.clone();
    let version = b.version;
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::AcceptAgreement {
            by,
            version,
            reply,
        })
        .await?,
    ))
}

/// Body of `POST /api/v1/onboarding/documents`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentBody {
    /// A file uploaded with `POST /api/v1/files` (decimal string id).
    #[schema(value_type = String)]
    pub file_id: Snowflake,
    /// A kind of program.toml `[[onboarding.document]]`.
    pub kind: String,
    /// Staff only: whose document it is.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub partner_id: Option<Snowflake>,
}

/// Attaches an uploaded file as a compliance document: 201. The file must
/// be the partner's own upload (staff: theirs or the partner's); anyone
/// else's answers 404. 400 for an unknown kind; 409 when already attached.
#[utoipa::path(post, path = "/api/v1/onboarding/documents", security(("bearer" = [])), request_body = DocumentBody,
    responses((status = 201, body = DocumentView), (status = 400), (status = 403),
              (status = 404, description = "no such file of yours"), (status = 409, description = "already attached")))]
pub async fn attach(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<DocumentBody>,
) -> Result<(StatusCode, Json<DocumentView>), ApiError> {
    let by = actor.clone();
    let (partner, kind, file_id) = (b.partner_id.map(Into::into), b.kind, b.file_id.0 as i64);
    let v = ask(&state, actor.tenant_id, |reply| Command::AttachDocument {
        by,
        partner,
        kind,
        file_id,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(v)))
}
