//! The alliance CRM's REST routes (issue 15): the directory, one alliance,
//! its status (one and in bulk) and the CSV import. Visibility as the
//! panels: staff and admins read all, admins and the owning staff member
//! change; a partner reads only their own alliance (another answers 404);
//! bots have no access. Each call is a command to the tenant's alliance
//! actor, answered after the commit. Records of an alliance (contacts,
//! opportunities, the timeline, tasks, documents): [`super::alliance_records`].

use super::extract::{Authed, Body};
use crate::domains::alliances::import::MAX_IMPORT_BYTES;
use crate::domains::alliances::input::{self, AllianceInput};
use crate::domains::alliances::views::{AllianceView, BulkRow, ImportReport};
use crate::domains::alliances::{AllianceDetail, Command};
use crate::error::ApiError;
use crate::ids::{TenantId, UserId};
use crate::state::AppState;
use crate::store::AllianceFilter;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1` (within the API's body limit).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/alliances", get(list).post(create))
        .route("/alliances/bulk-status", post(bulk_status))
        .route("/alliances/{id}", get(get_one).patch(update))
        .route("/alliances/{id}/status", post(set_status))
}

/// The CSV import, with its own body limit (the file plus the multipart framing).
pub fn import_routes() -> Router<AppState> {
    Router::new()
        .route("/alliances/import", post(import))
        .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 16 * 1024))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, get_one, update, set_status, bulk_status, import),
    components(schemas(
        AllianceView,
        AllianceDetail,
        AllianceInput,
        AllianceList,
        StatusBody,
        BulkBody,
        BulkAnswer,
        BulkRow,
        ImportReport
    ))
)]
pub struct Api;

pub(super) async fn ask<T>(
    state: &AppState,
    tenant: TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.alliances().ask(tenant, make).await?)
}

pub(super) fn id_of(s: &str) -> Result<i64, ApiError> {
    Ok(input::id("id", s)?)
}

/// `?q=&status=&tier=&owner=&region=&industry=`: every filter optional;
/// `q` searches name, website, notes and external id; `owner` is a decimal id.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
}

/// `{alliances: [AllianceView]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AllianceList {
    pub alliances: Vec<AllianceView>,
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The alliances the caller sees matching the filters (a partner: their
/// own), by name, at most 500.
#[utoipa::path(get, path = "/api/v1/alliances", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = AllianceList), (status = 400, description = "a bad filter"), (status = 403, description = "bots")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<ListQuery>,
) -> Result<Json<AllianceList>, ApiError> {
    let owner = match nonempty(q.owner) {
        Some(o) => Some(UserId(input::id("owner", &o)?)),
        None => None,
    };
    let filter = AllianceFilter {
        q: nonempty(q.q),
        status: nonempty(q.status),
        tier: nonempty(q.tier),
        owner,
        region: nonempty(q.region),
        industry: nonempty(q.industry),
        member: None,
    };
    let by = actor.clone();
    let alliances = ask(&state, actor.tenant_id, |reply| Command::List {
        by,
        filter,
        reply,
    })
    .await?;
    Ok(Json(AllianceList { alliances }))
}

/// Creates an alliance in `prospect` (staff; the owner defaults to the
/// caller): 201. 400 names a bad field; 409 for a taken name or a partner
/// who belongs to another alliance.
#[utoipa::path(post, path = "/api/v1/alliances", security(("bearer" = [])), request_body = AllianceInput,
    responses((status = 201, body = AllianceView), (status = 400), (status = 403, description = "staff only"), (status = 409)))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(input): Body<AllianceInput>,
) -> Result<(StatusCode, Json<AllianceView>), ApiError> {
    let by = actor.clone();
    let a = ask(&state, actor.tenant_id, |reply| Command::Create {
        by,
        input,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// One alliance with its contacts, opportunities, tasks and documents. 404
/// for an alliance the caller may not see.
#[utoipa::path(get, path = "/api/v1/alliances/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = AllianceDetail), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<AllianceDetail>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Get {
            by,
            id,
            reply,
        })
        .await?,
    ))
}

/// Changes the given fields (admins, or the owning staff member; 403 for
/// another owner's alliance). `member_ids` replaces the members.
#[utoipa::path(patch, path = "/api/v1/alliances/{id}", security(("bearer" = [])), params(("id" = String, Path)), request_body = AllianceInput,
    responses((status = 200, body = AllianceView), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn update(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(input): Body<AllianceInput>,
) -> Result<Json<AllianceView>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Update {
            by,
            id,
            input,
            reply,
        })
        .await?,
    ))
}

/// Body of a status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `prospect`, `negotiation`, `active`, `paused` or `closed`.
    pub status: String,
    /// 0..2000 characters, kept with the alliance and in the timeline.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Moves the alliance: prospect → negotiation → active ⇄ paused, any →
/// closed (final). 409 `conflict` naming the current status otherwise.
/// Going active posts a notice in the program's notice channel.
#[utoipa::path(post, path = "/api/v1/alliances/{id}/status", security(("bearer" = [])), params(("id" = String, Path)), request_body = StatusBody,
    responses((status = 200, body = AllianceView), (status = 400), (status = 403), (status = 404), (status = 409, description = "not allowed from the current status")))]
pub async fn set_status(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Body(b): Body<StatusBody>,
) -> Result<Json<AllianceView>, ApiError> {
    let id = id_of(&id)?;
    let by = actor.clone();
    let reason = b.reason.unwrap_or_default();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::SetStatus {
            by,
            id,
            status: b.status,
            reason,
            reply,
        })
        .await?,
    ))
}

/// Body of a bulk status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// 1..200 alliance ids (decimal strings).
    pub ids: Vec<String>,
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `{results: [BulkRow]}`, one per id in order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkAnswer {
    pub results: Vec<BulkRow>,
}

/// Moves each alliance on its own (staff): a refused row (409 conflict,
/// 403, 404 as its `error`) leaves the others applied.
#[utoipa::path(post, path = "/api/v1/alliances/bulk-status", security(("bearer" = [])), request_body = BulkBody,
    responses((status = 200, body = BulkAnswer), (status = 400), (status = 403, description = "staff only")))]
pub async fn bulk_status(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<BulkBody>,
) -> Result<Json<BulkAnswer>, ApiError> {
    let by = actor.clone();
    let reason = b.reason.unwrap_or_default();
    let results = ask(&state, actor.tenant_id, |reply| Command::BulkStatus {
        by,
        ids: b.ids,
        status: b.status,
        reason,
        reply,
    })
    .await?;
    Ok(Json(BulkAnswer { results }))
}

/// Imports a CSV of alliances and contacts (staff; multipart/form-data
/// with the file in part `file`, at most 1 MiB and 1,000 rows). Idempotent
/// on `external_id`. 200 with the report whether applied or not: with any
/// rejected row nothing is applied (`applied: false`). 400 for a file that
/// is not a CSV with known columns.
#[utoipa::path(post, path = "/api/v1/alliances/import", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "part `file`: the CSV"),
    responses((status = 200, body = ImportReport), (status = 400), (status = 403, description = "staff only"), (status = 413)))]
pub async fn import(
    State(state): State<AppState>,
    Authed(actor): Authed,
    mut form: Multipart,
) -> Result<Json<ImportReport>, ApiError> {
    let mut csv: Option<Vec<u8>> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e)),
        };
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(multipart_error)?;
            csv = Some(bytes.to_vec());
        }
    }
    let csv = csv
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "the form needs a part named file"))?;
    let by = actor.clone();
    Ok(Json(
        ask(&state, actor.tenant_id, |reply| Command::Import {
            by,
            csv,
            reply,
        })
        .await?,
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::TooLarge,
            format!("the file may be at most {MAX_IMPORT_BYTES} bytes"),
        )
    } else {
        ApiError::new(ErrorCode::BadRequest, e.body_text())
    }
}
