//! The community-insights REST routes (issue 10) for integrations and staff:
//! daily KPI snapshots (list, take one on demand), KPIs over a filter, the
//! settings (sharing with partners, the snapshot time zone), and
//! experiments (create, start, stop, conclude, join, results). Changes go
//! to the tenant's insights actor and answer after commit. "Staff" means
//! staff and admins, or a bot token with the `community-insights` scope.

use super::extract::{Authed, Body};
use crate::domains::insights::actions::{assignment_json, day, snapshot_json, Variants};
use crate::domains::insights::commands::{Command, SettingsView};
use crate::domains::insights::experiments::{self, ExperimentView, NewExperimentInput};
use crate::domains::insights::kpis::{self, FilterParams, Kpis};
use crate::domains::insights::rules::{Move, Variant};
use crate::domains::insights::{clock, sees_program};
use crate::error::ApiError;
use crate::ids::TenantId;
use crate::state::AppState;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/insights/snapshots",
            get(list_snapshots).post(take_snapshot),
        )
        .route("/insights/kpis", get(kpis_route))
        .route(
            "/insights/settings",
            get(show_settings).put(update_settings),
        )
        .route("/insights/experiments", get(list_experiments).post(create))
        .route("/insights/experiments/{id}", get(show_experiment))
        .route("/insights/experiments/{id}/{action}", post(move_or_join))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_snapshots,
        take_snapshot,
        kpis_route,
        show_settings,
        update_settings,
        list_experiments,
        create,
        show_experiment,
        move_or_join
    ),
    components(schemas(
        Kpis,
        kpis::Amount,
        SettingsView,
        ExperimentView,
        experiments::VariantResult,
        Variant,
        SnapshotBody,
        SettingsBody,
        CreateBody,
        MoveBody
    ))
)]
pub struct Api;

async fn ask<T>(
    state: &AppState,
    tenant: TenantId,
    make: impl FnOnce(oneshot::Sender<Result<T, ErrorBody>>) -> Command,
) -> Result<T, ApiError> {
    Ok(state.domains.insights().ask(tenant, make).await?)
}

fn forbidden(msg: &str) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, msg)
}

/// May this member read program figures (staff, or partners when shared)?
async fn may_read_program(
    state: &AppState,
    actor: &crate::registry::Actor,
) -> Result<bool, ApiError> {
    Ok(sees_program(actor)
        || state
            .store
            .fetch_share_with_partners(actor.tenant_id)
            .await?)
}

/// `?limit=` (1..366, default 30).
#[derive(Debug, Deserialize)]
pub struct LimitQuery {
    pub limit: Option<i64>,
}

/// Daily snapshots newest first: `{timezone, snapshots: [{day, kpis,
/// computed_at, computed_by}]}` (`computed_by` null: taken at midnight).
/// Staff; partners only when staff share program figures (403 otherwise).
#[utoipa::path(get, path = "/api/v1/insights/snapshots", security(("bearer" = [])),
    params(("limit" = Option<i64>, Query, description = "1..366, default 30")),
    responses((status = 200, description = "{timezone, snapshots}"), (status = 400), (status = 403)))]
pub async fn list_snapshots(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<LimitQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = super::extract::page_limit(q.limit, 30, 366)?;
    if !may_read_program(&state, &actor).await? {
        return Err(forbidden("program KPIs are not shared with partners"));
    }
    let tz_name = state.store.fetch_timezone(actor.tenant_id).await?;
    let today = clock::local_day(
        time::OffsetDateTime::now_utc(),
        &clock::zone_or_utc(&tz_name),
    );
    let rows = state
        .store
        .fetch_snapshots(actor.tenant_id, today, limit)
        .await?;
    // Partners get the shared figures: no hidden channel's traffic.
    let staff = actor.role.is_staff();
    Ok(Json(
        json!({ "timezone": tz_name, "snapshots": rows.iter().filter_map(|r| snapshot_json(r, staff)).collect::<Vec<_>>() }),
    ))
}

/// Body of `POST /api/v1/insights/snapshots`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotBody {
    /// The tenant-local day `YYYY-MM-DD` (default: today so far); not in the future.
    #[serde(default)]
    pub day: Option<String>,
}

/// Takes the snapshot of a day now (staff), replacing that day's earlier
/// one: 201 with `{day, kpis, computed_at, computed_by}`.
#[utoipa::path(post, path = "/api/v1/insights/snapshots", security(("bearer" = [])), request_body = SnapshotBody,
    responses((status = 201, description = "the snapshot"), (status = 400, description = "bad or future day"), (status = 403, description = "not staff")))]
pub async fn take_snapshot(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<SnapshotBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let d = b
        .day
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(day)
        .transpose()?;
    let by = actor.clone();
    let r = ask(&state, actor.tenant_id, |reply| Command::Snapshot {
        by: Some(by),
        day: d,
        now: None,
        reply,
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(snapshot_json(&r, true).unwrap_or_default()),
    ))
}

/// KPIs over a filter: `{filter, scope: "program" | "own", kpis}`. Staff
/// (and partners when shared) get program figures, other partners their own.
#[utoipa::path(get, path = "/api/v1/insights/kpis", security(("bearer" = [])), params(FilterParams),
    responses((status = 200, description = "{filter, scope, kpis: Kpis}"), (status = 400, description = "a bad filter")))]
pub async fn kpis_route(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<FilterParams>,
) -> Result<Json<Value>, ApiError> {
    let f = q
        .parse()
        .map_err(|m| ApiError::new(ErrorCode::BadRequest, m))?;
    let program = may_read_program(&state, &actor).await?;
    let tz = clock::zone_or_utc(&state.store.fetch_timezone(actor.tenant_id).await?);
    let today = clock::local_day(time::OffsetDateTime::now_utc(), &tz);
    let (first, last) = f.days(today);
    let (from, _) = clock::day_bounds(first, &tz);
    let (_, to) = clock::day_bounds(last, &tz);
    let me = (!program).then_some(actor.user_id);
    let channels = crate::domains::insights::readable_channels(&state.registry, &actor);
    let k = kpis::compute(
        &state.store,
        actor.tenant_id,
        from,
        to,
        f.scope(me, channels.as_deref()),
    )
    .await?;
    Ok(Json(
        json!({ "filter": f.to_json(), "scope": if program { "program" } else { "own" }, "kpis": k }),
    ))
}

/// The settings `{share_with_partners, timezone}` (staff).
#[utoipa::path(get, path = "/api/v1/insights/settings", security(("bearer" = [])),
    responses((status = 200, body = SettingsView), (status = 403)))]
pub async fn show_settings(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<SettingsView>, ApiError> {
    let by = actor.clone();
    let r = ask(&state, actor.tenant_id, |reply| Command::Settings {
        by,
        share_with_partners: None,
        timezone: None,
        reply,
    })
    .await?;
    Ok(Json(r))
}

/// Body of `PUT /api/v1/insights/settings`: each part only when given.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// Partners see program figures (default false).
    #[serde(default)]
    pub share_with_partners: Option<bool>,
    /// An IANA time zone, e.g. `Europe/Berlin`: its midnight ends a snapshot day.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// Changes the settings (staff): 200 with them; 400 for an unknown time zone.
#[utoipa::path(put, path = "/api/v1/insights/settings", security(("bearer" = [])), request_body = SettingsBody,
    responses((status = 200, body = SettingsView), (status = 400), (status = 403)))]
pub async fn update_settings(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<SettingsBody>,
) -> Result<Json<SettingsView>, ApiError> {
    let by = actor.clone();
    let r = ask(&state, actor.tenant_id, |reply| Command::Settings {
        by,
        share_with_partners: b.share_with_partners,
        timezone: b.timezone,
        reply,
    })
    .await?;
    Ok(Json(r))
}

/// Experiments newest first with their results: `{experiments:
/// [ExperimentView]}`; staff see all, partners the running ones.
#[utoipa::path(get, path = "/api/v1/insights/experiments", security(("bearer" = [])),
    responses((status = 200, description = "{experiments: [ExperimentView]}")))]
pub async fn list_experiments(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Value>, ApiError> {
    let status = (!sees_program(&actor)).then_some("running");
    let rows = state
        .store
        .fetch_experiments(actor.tenant_id, status, experiments::LIST_LIMIT)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(experiments::view(&state.store, actor.tenant_id, r).await?);
    }
    Ok(Json(json!({ "experiments": out })))
}

/// Body of `POST /api/v1/insights/experiments`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// 1..80 characters, unique in the workspace.
    pub name: String,
    #[serde(default)]
    pub hypothesis: Option<String>,
    /// `deal_won`, `course_completed` or `message_posted`.
    pub metric: String,
    /// The channel key counted by `message_posted`.
    #[serde(default)]
    pub channel: Option<String>,
    /// `opt_in` (default) or `automatic`.
    #[serde(default)]
    pub assignment: Option<String>,
    /// 2..5 `{name, weight}` (weights 1..1000), or the text `"A:50, B:50"`; the first is the control.
    #[schema(value_type = Vec<Variant>)]
    pub variants: Variants,
}

/// Creates a draft experiment (staff): 201 with it; 409 for a name in use.
#[utoipa::path(post, path = "/api/v1/insights/experiments", security(("bearer" = [])), request_body = CreateBody,
    responses((status = 201, body = ExperimentView), (status = 400), (status = 403), (status = 409)))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<CreateBody>,
) -> Result<(StatusCode, Json<ExperimentView>), ApiError> {
    let experiment = NewExperimentInput {
        name: b.name,
        hypothesis: b.hypothesis.unwrap_or_default(),
        metric: b.metric,
        channel: b.channel,
        assignment: b.assignment,
        variants: b.variants.into_list()?,
    };
    let by = actor.clone();
    let v = ask(&state, actor.tenant_id, |reply| Command::Create {
        by,
        experiment,
        reply,
    })
    .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

fn experiment_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| {
        ApiError::new(
            ErrorCode::BadRequest,
            "the experiment id must be a decimal id",
        )
    })
}

/// One experiment with its results; partners see running ones only (404 otherwise).
#[utoipa::path(get, path = "/api/v1/insights/experiments/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ExperimentView), (status = 404)))]
pub async fn show_experiment(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<ExperimentView>, ApiError> {
    let row = state
        .store
        .fetch_experiment(actor.tenant_id, experiment_id(&id)?)
        .await?;
    if !sees_program(&actor) && row.status != "running" {
        return Err(ApiError::new(ErrorCode::NotFound, "no such experiment"));
    }
    Ok(Json(
        experiments::view(&state.store, actor.tenant_id, &row).await?,
    ))
}

/// Body of a move: `winner` (a variant's name) to conclude.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    #[serde(default)]
    pub winner: Option<String>,
}

/// `start`, `stop`, `conclude` (staff; 200 with the experiment; 409 naming
/// the current status) or `join` (partners; 200 with `{experiment_id,
/// partner_id, variant, assigned_at, converted_at}`, the same variant on
/// every call). Starting and concluding post in #experiments.
#[utoipa::path(post, path = "/api/v1/insights/experiments/{id}/{action}", security(("bearer" = [])),
    params(("id" = String, Path), ("action" = String, Path, description = "start, stop, conclude or join")),
    request_body = MoveBody,
    responses((status = 200, description = "ExperimentView, or the assignment for join"), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn move_or_join(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = experiment_id(&id)?;
    let b: MoveBody = if body.iter().all(u8::is_ascii_whitespace) {
        MoveBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?
    };
    let winner = b.winner;
    let by = actor.clone();
    let mv = match action.as_str() {
        "start" => Move::Start,
        "stop" => Move::Stop,
        "conclude" => Move::Conclude,
        "join" => {
            let a = ask(&state, actor.tenant_id, |reply| Command::Join {
                by,
                id,
                reply,
            })
            .await?;
            return Ok(Json(assignment_json(&a)));
        }
        _ => {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                "no such experiment action",
            ))
        }
    };
    let v = ask(&state, actor.tenant_id, |reply| Command::Move {
        by,
        id,
        action: mv,
        winner,
        reply,
    })
    .await?;
    Ok(Json(serde_json::to_value(v).unwrap_or_default()))
}
