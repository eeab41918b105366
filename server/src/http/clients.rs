//! The client-exchange domain's REST routes (issue 9), for integrations and
//! staff: clients, notes, assignment, opportunities and their stage, and
//! industry recommendations. The same visibility as the panels: a partner
//! reads and changes only their own clients (another's answers 404), staff
//! all. Each call is a command to the tenant's client-exchange actor,
//! answered after the commit.

use super::extract::{Authed, Body};
use crate::domains::clients::input::ClientInput;
use crate::domains::clients::pipeline::{parse_id, OpportunityInput};
use crate::domains::clients::{ClientView, Command, NoteView, OpportunityView, RecommendationView};
use crate::error::ApiError;
use crate::ids::{TenantId, UserId};
use crate::state::AppState;
use arena_protocol::ErrorBody;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clients", get(list_clients).post(create_client))
        .route("/clients/{id}", get(get_client).patch(update_client))
        .route("/clients/{id}/assign", post(assign))
        .route("/clients/{id}/notes", post(add_note))
        .route(
            "/opportunities",
            get(list_opportunities).post(create_opportunity),
        )
        .route("/opportunities/{id}/stage", post(move_stage))
        .route(
            "/industries/recommendations",
            get(list_recommendations).post(recommend),
        )
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_clients,
        create_client,
        get_client,
        update_client,
        assign,
        add_note,
        list_opportunities,
        create_opportunity,
        move_stage,
        list_recommendations,
        recommend
    ),
    components(schemas(
        ClientView,
        NoteView,
        OpportunityView,
        RecommendationView,
        ClientInput,
        NewClientBody,
        AssignBody,
        NoteBody,
        OpportunityInput,
        StageBody,
        RecommendBody
    ))
)]
pub struct Api;

async fn ask<T>(
    state: &AppState,
    tenant: TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.clients().ask(tenant, make).await?)
}

fn id_of(s: &str) -> Result<i64, ApiError> {
    Ok(parse_id("id", s)?)
}

/// `{clients: [ClientView]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientList {
    pub clients: Vec<ClientView>,
}

/// The clients the caller sees (a partner's own, staff all), by name, at most 500.
#[utoipa::path(get, path = "/api/v1/clients", security(("bearer" = [])),
    responses((status = 200, body = ClientList), (status = 403, description = "bots have no client access")))]
pub async fn list_clients(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<ClientList>, ApiError> {
    let by = actor.clone();
    let clients = ask(&state, actor.tenant_id, |reply| Command::ListClients {
        by,
        reply,
    })
    .await?;
    Ok(Json(ClientList { clients }))
}

/// Body of `POST /api/v1/clients`: the fields (`name` and `industry`
/// required) and, for staff, the partner (absent: unassigned).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientBody {
    /// Decimal id of the partner (staff only; a partner's clients are their own).
    #[serde(default)]
    pub partner_id: Option<String>,
    pub name: String,
    pub industry: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub value_minor: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub next_step: Option<String>,
}

/// Adds a client: 201 with it. 400 names a bad field; 409 when the roster
/// has a client of that name.
#[utoipa::path(post, path = "/api/v1/clients", security(("bearer" = [])), request_body = NewClientBody,
    responses((status = 201, body = ClientView), (status = 400), (status = 403), (status = 409, description = "name taken in this roster")))]
pub async fn create_client(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<NewClientBody>,
) -> Result<(StatusCode, Json<ClientView>), ApiError> {
    let partner = match b.partner_id.as_deref() {
        Some(p) => Some(UserId(parse_id("partner_id", p)?)),
        None => None,
    };
    let input = ClientInput {
        name: Some(b.name),
        industry: Some(b.industry),
        status: b.status,
        stage: b.stage,
        value_minor: b.value_minor,
        currency: b.currency,
        next_step: b.next_step,
    };
    let by = actor.clone();
    let c = ask(&state, actor.tenant_id, |reply| Command::CreateClient {
        by,
        partner,
        input,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// One client with the caller's own notes (`notes`). 404 for a client the
/// caller may not see.
#[utoipa::path(get, path = "/api/v1/clients/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ClientView), (status = 404)))]
pub async fn get_client(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<ClientView>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::GetClient {
            by,
            id,
            reply,
        })
        .await?,
    ))
}

/// Changes the given fields of a client (absent ones stay). 404 for a
/// client the caller may not see.
#[utoipa::path(patch, path = "/api/v1/clients/{id}", security(("bearer" = [])), params(("id" = String, Path)), request_body = ClientInput,
    responses((status = 200, body = ClientView), (status = 400), (status = 404), (status = 409, description = "name taken in this roster")))]
pub async fn update_client(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(input): Body<ClientInput>,
) -> Result<Json<ClientView>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::UpdateClient {
            by,
            id,
            input,
            reply,
        })
        .await?,
    ))
}

/// Body of an assignment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Decimal id of the partner.
    pub partner_id: String,
}

/// Assigns a client to a partner (staff); the partner gets a notice in
/// #clients (without the client's value). 409 when already theirs.
#[utoipa::path(post, path = "/api/v1/clients/{id}/assign", security(("bearer" = [])), params(("id" = String, Path)), request_body = AssignBody,
    responses((status = 200, body = ClientView), (status = 400, description = "not a partner"), (status = 403, description = "staff only"), (status = 404), (status = 409)))]
pub async fn assign(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<AssignBody>,
) -> Result<Json<ClientView>, ApiError> {
    let id = id_of(&id)?;
    let partner = UserId(parse_id("partner_id", &b.partner_id)?);
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Assign {
            by,
            id,
            partner,
            reply,
        })
        .await?,
    ))
}

/// Body of a note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// 1..2000 characters; newlines allowed.
    pub body: String,
}

/// Adds a note private to the caller: 201. 404 for a client the caller may not see.
#[utoipa::path(post, path = "/api/v1/clients/{id}/notes", security(("bearer" = [])), params(("id" = String, Path)), request_body = NoteBody,
    responses((status = 201, body = NoteView), (status = 400), (status = 404)))]
pub async fn add_note(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<NoteBody>,
) -> Result<(StatusCode, Json<NoteView>), ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    let n = ask(&state, actor.tenant_id, |reply| Command::AddNote {
        by,
        id,
        body: b.body,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(n)))
}

/// `{opportunities: [OpportunityView]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpportunityList {
    pub opportunities: Vec<OpportunityView>,
}

/// The opportunities the caller sees, newest first, at most 500.
#[utoipa::path(get, path = "/api/v1/opportunities", security(("bearer" = [])),
    responses((status = 200, body = OpportunityList), (status = 403)))]
pub async fn list_opportunities(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<OpportunityList>, ApiError> {
    let by = actor.clone();
    let opportunities = ask(&state, actor.tenant_id, |reply| {
        Command::ListOpportunities { by, reply }
    })
    .await?;
    Ok(Json(OpportunityList { opportunities }))
}

/// Adds an opportunity in `prospect` to a client the caller sees: 201.
#[utoipa::path(post, path = "/api/v1/opportunities", security(("bearer" = [])), request_body = OpportunityInput,
    responses((status = 201, body = OpportunityView), (status = 400), (status = 404, description = "no such client for the caller"), (status = 409, description = "title taken for this client")))]
pub async fn create_opportunity(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(input): Body<OpportunityInput>,
) -> Result<(StatusCode, Json<OpportunityView>), ApiError> {
    let by = actor.clone();
    let o = ask(&state, actor.tenant_id, |reply| {
        Command::CreateOpportunity { by, input, reply }
    })
    .await?;
    Ok((StatusCode::CREATED, Json(o)))
}

/// Body of a stage move.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    /// `prospect`, `qualified`, `proposal`, `negotiation`, `won` or `lost`.
    pub to: String,
}

/// Moves an opportunity: forward one stage, any open stage to `lost`,
/// `lost` back to `prospect`; `won` is final and records the deal win
/// (`deal_id` `opportunity:<id>`) once. 409 names the current stage.
#[utoipa::path(post, path = "/api/v1/opportunities/{id}/stage", security(("bearer" = [])), params(("id" = String, Path)), request_body = StageBody,
    responses((status = 200, body = OpportunityView), (status = 400), (status = 404), (status = 409, description = "not allowed from the current stage")))]
pub async fn move_stage(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<StageBody>,
) -> Result<Json<OpportunityView>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Move {
            by,
            id,
            to: b.to,
            reply,
        })
        .await?,
    ))
}

/// `{recommendations: [RecommendationView]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecommendationList {
    pub recommendations: Vec<RecommendationView>,
}

/// Staff recommendations of industries to target, newest first, at most 50.
#[utoipa::path(get, path = "/api/v1/industries/recommendations", security(("bearer" = [])),
    responses((status = 200, body = RecommendationList), (status = 403)))]
pub async fn list_recommendations(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<RecommendationList>, ApiError> {
    let by = actor.clone();
    let recommendations = ask(&state, actor.tenant_id, |reply| {
        Command::ListRecommendations { by, reply }
    })
    .await?;
    Ok(Json(RecommendationList { recommendations }))
}

/// Body of a recommendation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendBody {
    /// 1..60 characters.
    pub industry: String,
    /// 1..2000 characters.
    pub note: String,
}

/// Adds a recommendation (staff): 201.
#[utoipa::path(post, path = "/api/v1/industries/recommendations", security(("bearer" = [])), request_body = RecommendBody,
    responses((status = 201, body = RecommendationView), (status = 400), (status = 403, description = "staff only")))]
pub async fn recommend(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<RecommendBody>,
) -> Result<(StatusCode, Json<RecommendationView>), ApiError> {
    let by = actor.clone();
    let r = ask(&state, actor.tenant_id, |reply| Command::Recommend {
        by,
        industry: b.industry,
        note: b.note,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}
