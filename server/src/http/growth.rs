//! The growth hub's REST routes (issue 10) for integrations and staff:
//! referral codes, leads and their stage moves, campaign enrollments, and
//! the mail tool's callback for a campaign step. A partner sees and changes
//! only their own records (another's answers 404 as if absent); staff and
//! bots with the `growth-hub` scope see all. Each change is a command to
//! the tenant's growth actor, answered after commit. The public routes
//! (`/r/{code}`, `/p/{tenant}/{slug}`) are in `public_growth.rs`.

use super::extract::{Authed, Body};
use crate::domains::growth::actions::Num;
use crate::domains::growth::commands::{Command, LeadInput};
use crate::domains::growth::sees_all;
use crate::domains::growth::stage::Stage;
use crate::domains::growth::views::{self, LeadView, RunView};
use crate::error::ApiError;
use crate::ids::{CampaignId, LeadId, StepRunId, UserId};
use crate::state::AppState;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/growth/codes", get(list_codes).post(create_code))
        .route("/growth/leads", get(list_leads).post(create_lead))
        .route("/growth/leads/{id}/stage", post(move_lead))
        .route("/growth/campaigns/{id}/enrollments", post(enroll))
        .route(
            "/growth/campaigns/{id}/enrollments/{lead_id}",
            delete(unenroll),
        )
        .route("/growth/campaign-steps/{run_id}/done", post(step_done))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_codes,
        create_code,
        list_leads,
        create_lead,
        move_lead,
        enroll,
        unenroll,
        step_done
    ),
    components(schemas(
        LeadView,
        RunView,
        LeadBody,
        StageBody,
        EnrollBody,
        DoneBody,
        PartnerBody
    ))
)]
pub struct Api;

async fn ask<T>(
    state: &AppState,
    tenant: crate::ids::TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.growth().ask(tenant, make).await?)
}

fn id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("the {what} must be a decimal id"),
        )
    })
}

fn partner(raw: Option<&str>) -> Result<Option<UserId>, ApiError> {
    raw.map(|p| id(p, "partner_id").map(UserId)).transpose()
}

/// `?partner_id=`.
#[derive(Debug, Deserialize)]
pub struct PartnerQuery {
    pub partner_id: Option<String>,
}

/// Referral codes `{codes: [{id, partner_id, code, url, qr_url, clicks,
/// created_at}]}` (`url`, `qr_url`: paths on this server). A partner gets
/// their own (one is created on first need); staff name `partner_id` (the
/// same) or get every code without it.
#[utoipa::path(get, path = "/api/v1/growth/codes", security(("bearer" = [])),
    params(("partner_id" = Option<String>, Query)),
    responses((status = 200, description = "{codes: [Code]}"), (status = 403, description = "not a partner or staff")))]
pub async fn list_codes(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<PartnerQuery>,
) -> Result<Json<Value>, ApiError> {
    let p = partner(q.partner_id.as_deref())?;
    let rows = if sees_all(&actor) && p.is_none() {
        state
            .store
            .fetch_growth_codes(actor.tenant_id, None, 1000)
            .await?
    } else {
        let by = actor.clone();
        ask(&state, actor.tenant_id, |reply| Command::Codes {
            by,
            partner: p,
            reply,
        })
        .await?
    };
    let codes: Vec<Value> = rows.iter().map(views::code).collect();
    Ok(Json(json!({ "codes": codes })))
}

/// Body naming a partner (staff).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerBody {
    /// Staff: the partner; partners leave it out.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// Where this code's link leads (an http(s) URL or a path on this
    /// server); the program's `referral_target` when absent.
    #[serde(default)]
    pub target: Option<String>,
}

/// One more referral code (at most 10 per partner): 201 with the code.
#[utoipa::path(post, path = "/api/v1/growth/codes", security(("bearer" = [])), request_body = PartnerBody,
    responses((status = 201, description = "the code"), (status = 409, description = "the partner holds 10 codes")))]
pub async fn create_code(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<PartnerBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let p = partner(b.partner_id.as_deref())?;
    let by = actor.clone();
    let c = ask(&state, actor.tenant_id, |reply| Command::NewCode {
        by,
        partner: p,
        target: b.target,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(views::code(&c))))
}

/// `?partner_id=&stage=&limit=`.
#[derive(Debug, Deserialize)]
pub struct LeadQuery {
    pub partner_id: Option<String>,
    pub stage: Option<String>,
    /// 1..500, default 100.
    pub limit: Option<i64>,
}

/// Leads most recently touched first: `{leads: [LeadView]}`. A partner
/// gets their own; staff and scoped bots every partner's (or `partner_id`'s).
#[utoipa::path(get, path = "/api/v1/growth/leads", security(("bearer" = [])),
    params(("partner_id" = Option<String>, Query), ("stage" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1..500, default 100")),
    responses((status = 200, description = "{leads: [LeadView]}"), (status = 400, description = "bad stage or limit")))]
pub async fn list_leads(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<LeadQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = super::extract::page_limit(q.limit, 100, 500)?;
    if q.stage
        .as_deref()
        .is_some_and(|s| Stage::parse(s).is_none())
    {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "stage must be referred, contacted, qualified, won or lost",
        ));
    }
    let who = if sees_all(&actor) {
        partner(q.partner_id.as_deref())?
    } else {
        Some(actor.user_id)
    };
    let rows = state
        .store
        .fetch_growth_leads(actor.tenant_id, who, q.stage.as_deref(), limit)
        .await?;
    let leads: Vec<LeadView> = rows.iter().map(LeadView::from).collect();
    Ok(Json(json!({ "leads": leads })))
}

/// Body of `POST /api/v1/growth/leads`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadBody {
    /// 1..120 characters.
    pub name: String,
    /// An email or a phone is required.
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub company: String,
    /// Up to 4000 characters.
    #[serde(default)]
    pub note: String,
    /// Staff and bots: whose lead it is.
    #[serde(default)]
    pub partner_id: Option<String>,
}

/// Adds a referred lead: 201 with it (stage `referred`).
#[utoipa::path(post, path = "/api/v1/growth/leads", security(("bearer" = [])), request_body = LeadBody,
    responses((status = 201, body = LeadView), (status = 400, description = "a field is invalid"), (status = 403, description = "not a partner or staff")))]
pub async fn create_lead(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<LeadBody>,
) -> Result<(StatusCode, Json<LeadView>), ApiError> {
    let p = partner(b.partner_id.as_deref())?;
    let lead = LeadInput {
        name: b.name,
        email: b.email,
        phone: b.phone,
        company: b.company,
        note: b.note,
    };
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::AddLead {
        by,
        partner: p,
        lead,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(LeadView::from(&row))))
}

/// Body of `POST /api/v1/growth/leads/{id}/stage`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    /// `referred`, `contacted`, `qualified`, `won` (staff) or `lost`.
    pub to: String,
    /// With `won`: the deal's value, minor units.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub value_minor: Option<Num>,
    /// With `won`: ISO 4217 code.
    #[serde(default)]
    pub currency: Option<String>,
}

/// Moves a lead: 200 with it. Won records one deal win in revenue (deal id
/// `referral-{id}`); 409 names the lead's current stage for a move it
/// forbids.
#[utoipa::path(post, path = "/api/v1/growth/leads/{id}/stage", security(("bearer" = [])), params(("id" = String, Path)), request_body = StageBody,
    responses((status = 200, body = LeadView), (status = 403, description = "won is for staff"), (status = 404, description = "no such lead"), (status = 409, description = "the current stage forbids it")))]
pub async fn move_lead(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(raw): Path<String>,
    Body(b): Body<StageBody>,
) -> Result<Json<LeadView>, ApiError> {
    let lead_id = LeadId(id(&raw, "lead id")?);
    let value = match (b.value_minor, b.currency) {
        (Some(v), Some(c)) => Some((v.get("value_minor")?, c)),
        (None, None) => None,
        _ => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "value_minor and currency go together",
            ))
        }
    };
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::MoveLead {
        by,
        lead_id,
        to: b.to,
        value,
        reply,
    })
    .await?;
    Ok(Json(LeadView::from(&row)))
}

/// Body of `POST /api/v1/growth/campaigns/{id}/enrollments`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollBody {
    pub lead_id: String,
}

/// Enrolls a lead in a campaign: its steps are scheduled (due at
/// enrollment + each step's day offset). 204; 409 when already enrolled,
/// the campaign has no steps or the lead is won or lost.
#[utoipa::path(post, path = "/api/v1/growth/campaigns/{id}/enrollments", security(("bearer" = [])), params(("id" = String, Path)), request_body = EnrollBody,
    responses((status = 204, description = "enrolled"), (status = 404, description = "no such campaign or lead"), (status = 409, description = "already enrolled")))]
pub async fn enroll(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(raw): Path<String>,
    Body(b): Body<EnrollBody>,
) -> Result<StatusCode, ApiError> {
    let campaign_id = CampaignId(id(&raw, "campaign id")?);
    let lead_id = LeadId(id(&b.lead_id, "lead_id")?);
    let by = actor.clone();
    ask(&state, actor.tenant_id, |reply| Command::Enroll {
        by,
        campaign_id,
        lead_id,
        reply,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unenrolls a lead: its pending steps are cancelled. `{cancelled}`.
#[utoipa::path(delete, path = "/api/v1/growth/campaigns/{id}/enrollments/{lead_id}", security(("bearer" = [])),
    params(("id" = String, Path), ("lead_id" = String, Path)),
    responses((status = 200, description = "{cancelled: number of steps}"), (status = 404, description = "not enrolled")))]
pub async fn unenroll(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path((raw, lead)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let campaign_id = CampaignId(id(&raw, "campaign id")?);
    let lead_id = LeadId(id(&lead, "lead id")?);
    let by = actor.clone();
    let n = ask(&state, actor.tenant_id, |reply| Command::Unenroll {
        by,
        campaign_id,
        lead_id,
        reply,
    })
    .await?;
    Ok(Json(json!({ "cancelled": n })))
}

/// Body of the mail tool's callback.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneBody {
    /// `sent` or `failed`.
    pub status: String,
    /// The tool's note (a message id, an error), up to 500 characters.
    #[serde(default)]
    pub detail: Option<String>,
}

/// The mail tool's answer for a step emitted as `campaign.step_due` (staff,
/// or a bot with the `growth-hub` scope): 200 with the step. The same
/// answer again is accepted (idempotent); a different answer for a done
/// step is 409 naming its status.
#[utoipa::path(post, path = "/api/v1/growth/campaign-steps/{run_id}/done", security(("bearer" = [])), params(("run_id" = String, Path)), request_body = DoneBody,
    responses((status = 200, body = RunView), (status = 403, description = "needs the growth-hub scope"), (status = 404, description = "no such step"), (status = 409, description = "the step is not awaiting an answer")))]
pub async fn step_done(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(raw): Path<String>,
    Body(b): Body<DoneBody>,
) -> Result<Json<RunView>, ApiError> {
    let run_id = StepRunId(id(&raw, "step id")?);
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| Command::StepDone {
        by,
        run_id,
        status: b.status,
        detail: b.detail.unwrap_or_default(),
        reply,
    })
    .await?;
    Ok(Json(RunView::from(&row)))
}
