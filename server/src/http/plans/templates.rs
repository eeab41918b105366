//! The template catalogue's REST routes (staff keep it; everyone reads the
//! offered templates), part of [`super`]'s routes and OpenAPI part.

use super::ask;
use crate::domains::plans::catalogue::TemplateCommand;
use crate::domains::plans::commands::Command;
use crate::domains::plans::templates::{self, TemplateDraft};
use crate::domains::plans::views::TemplateView;
use crate::error::ApiError;
use crate::http::extract::{Authed, Body};
use crate::state::AppState;
use crate::store::PlanSection;
use arena_protocol::ErrorCode;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

/// The template routes, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/app-plans/templates",
            get(list_templates).post(create_template),
        )
        .route(
            "/app-plans/templates/{key}",
            get(show_template).put(edit_template),
        )
        .route("/app-plans/templates/{key}/retire", post(retire_template))
}

/// `?retired=true` (staff) includes retired templates.
#[derive(Debug, Deserialize)]
pub struct TemplatesQuery {
    #[serde(default)]
    pub retired: bool,
}

/// The templates in list order: `{templates: [TemplateView]}` (retired
/// ones only for staff with `?retired=true`).
#[utoipa::path(get, path = "/api/v1/app-plans/templates", security(("bearer" = [])),
    params(("retired" = Option<bool>, Query)), responses((status = 200, description = "{templates: [TemplateView]}")))]
pub async fn list_templates(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<TemplatesQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = actor.clone();
    let rows = ask(&state, actor.tenant_id, |reply| {
        Command::Template(TemplateCommand::List {
            by,
            retired: q.retired,
            reply,
        })
    })
    .await?;
    let templates: Vec<TemplateView> = rows.iter().map(TemplateView::from).collect();
    Ok(Json(serde_json::json!({ "templates": templates })))
}

/// One section of a template.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionBody {
    /// 1..120 characters.
    pub title: String,
    /// 1..4000 characters with `{{placeholders}}`.
    pub body: String,
    /// May the language model rewrite it? Default false.
    #[serde(default)]
    pub narrative: bool,
}

/// Body of a template (create: with `key`; edit: the key is in the path).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// 2..40 of a-z, 0-9 and - (create only).
    #[serde(default)]
    pub key: Option<String>,
    /// 1..80 characters.
    pub name: String,
    /// 1..60 characters.
    pub vertical: String,
    /// 0..300 characters.
    #[serde(default)]
    pub description: String,
    /// 1..12 sections in order.
    pub sections: Vec<SectionBody>,
}

fn draft(key: String, b: TemplateBody) -> Result<TemplateDraft, ApiError> {
    if b.sections.len() > templates::MAX_SECTIONS {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "a template has 1..12 sections",
        ));
    }
    Ok(TemplateDraft {
        key,
        name: b.name,
        vertical: b.vertical,
        description: b.description,
        sections: b
            .sections
            .into_iter()
            .map(|s| PlanSection {
                title: s.title,
                body: s.body,
                narrative: s.narrative,
                source: String::new(),
            })
            .collect(),
    })
}

/// Adds a template (staff): 201; 409 when the key exists.
#[utoipa::path(post, path = "/api/v1/app-plans/templates", security(("bearer" = [])), request_body = TemplateBody,
    responses((status = 201, body = TemplateView), (status = 400), (status = 403, description = "not staff"),
              (status = 409, description = "the key exists")))]
pub async fn create_template(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<TemplateBody>,
) -> Result<(StatusCode, Json<TemplateView>), ApiError> {
    let key = b.key.clone().unwrap_or_default();
    let template = draft(key, b)?;
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| {
        Command::Template(TemplateCommand::Create {
            by,
            template,
            reply,
        })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(TemplateView::from(&row))))
}

/// One template (a retired one for staff only).
#[utoipa::path(get, path = "/api/v1/app-plans/templates/{key}", security(("bearer" = [])), params(("key" = String, Path)),
    responses((status = 200, body = TemplateView), (status = 404)))]
pub async fn show_template(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(key): Path<String>,
) -> Result<Json<TemplateView>, ApiError> {
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| {
        Command::Template(TemplateCommand::Get { by, key, reply })
    })
    .await?;
    Ok(Json(TemplateView::from(&row)))
}

/// Replaces a template's name, vertical, description and sections (staff).
/// Plans already made keep their text.
#[utoipa::path(put, path = "/api/v1/app-plans/templates/{key}", security(("bearer" = [])), params(("key" = String, Path)),
    request_body = TemplateBody,
    responses((status = 200, body = TemplateView), (status = 400), (status = 403, description = "not staff"), (status = 404)))]
pub async fn edit_template(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(key): Path<String>,
    Body(b): Body<TemplateBody>,
) -> Result<Json<TemplateView>, ApiError> {
    if b.key.as_deref().is_some_and(|k| k != key) {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "the key cannot change",
        ));
    }
    let template = draft(key, b)?;
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| {
        Command::Template(TemplateCommand::Edit {
            by,
            template,
            reply,
        })
    })
    .await?;
    Ok(Json(TemplateView::from(&row)))
}

/// Body of a retirement.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireBody {
    /// true: no longer offered in the wizard; false: offered again.
    pub retired: bool,
}

/// Retires or restores a template (staff).
#[utoipa::path(post, path = "/api/v1/app-plans/templates/{key}/retire", security(("bearer" = [])),
    params(("key" = String, Path)), request_body = RetireBody,
    responses((status = 200, body = TemplateView), (status = 403, description = "not staff"), (status = 404)))]
pub async fn retire_template(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(key): Path<String>,
    Body(b): Body<RetireBody>,
) -> Result<Json<TemplateView>, ApiError> {
    let by = actor.clone();
    let row = ask(&state, actor.tenant_id, |reply| {
        Command::Template(TemplateCommand::Retire {
            by,
            key,
            retired: b.retired,
            reply,
        })
    })
    .await?;
    Ok(Json(TemplateView::from(&row)))
}
