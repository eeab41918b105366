//! Tenant creation (issue 13): `POST /api/v1/tenants` with the operator's
//! bearer token (`operator_token`; without it the route answers 404), and
//! [`create_tenant`], which `arena tenant create` calls too. A new tenant
//! gets the channel registry at once (written to Postgres and, on this
//! node, loaded in memory) and an admin invite for its first admin. Other
//! nodes, and a server running beside the CLI, load the tenant from
//! Postgres on its first request or IDENTIFY (`Registry::ensure_tenant`);
//! domain actors start per tenant on first use, so nothing needs a restart.

use super::extract::Body;
use super::invites::{create_invite, valid_email, Created, InviteSpec};
use crate::config::Config;
use crate::error::ApiError;
use crate::mail::Mailer;
use crate::registry::{Registry, RegistryFile};
use crate::state::AppState;
use crate::store::{Store, StoreError, TenantRow};
use arena_protocol::model::Role;
use arena_protocol::{ErrorCode, SnowflakeGenerator};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/tenants", post(create))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create))]
pub struct Api;

/// `POST /api/v1/tenants` body (and `arena tenant create`'s flags).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// 2..=32 of `a-z`, `0-9` and `-`, starting with a letter or digit.
    pub slug: String,
    /// The workspace's name, 1..=100 characters.
    pub name: String,
    /// Who gets the admin invite.
    pub admin_email: String,
    /// A suggested display name for that admin.
    #[serde(default)]
    pub admin_name: Option<String>,
}

/// A created tenant and its admin invite.
#[derive(Debug, Clone)]
pub struct TenantCreated {
    pub tenant: TenantRow,
    pub invite: Created,
}

/// Whether `slug` is 2..=32 of `a-z0-9-` not starting with `-`.
fn valid_slug(slug: &str) -> bool {
    (2..=32).contains(&slug.len())
        && !slug.starts_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Creates the tenant, writes `file` (the channel registry) into it and
/// loads it into `registry`, and invites `admin_email` as admin (the
/// invite made by the tenant's system member; mailed when `mailer` has
/// SMTP). 400 for a bad slug, name or email; 409 when the slug is taken.
#[allow(clippy::too_many_arguments)]
pub async fn create_tenant(
    store: &Store,
    ids: &SnowflakeGenerator,
    registry: &Registry,
    file: &RegistryFile,
    mailer: Option<&Mailer>,
    cfg: &Config,
    spec: &NewTenant,
) -> Result<TenantCreated, ApiError> {
    let bad = |m: &str| Err(ApiError::new(ErrorCode::BadRequest, m));
    if !valid_slug(&spec.slug) {
        return bad("slug must be 2 to 32 of a-z, 0-9 and -");
    }
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return bad("name must be 1 to 100 characters");
    }
    let email = spec.admin_email.trim().to_lowercase();
    if !valid_email(&email) {
        return bad("admin_email is not a valid address");
    }
    let admin_name = spec
        .admin_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if admin_name.is_some_and(|n| n.chars().count() > 64) {
        return bad("admin_name must be at most 64 characters");
    }
    let tenant = match store
        .insert_new_tenant(ids.next_id().into(), &spec.slug, name)
        .await
    {
        Ok(t) => t,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(ErrorCode::Conflict, "this slug is taken"))
        }
        Err(e) => return Err(e.into()),
    };
    registry.sync_tenant(store, ids, tenant.id, file).await?;
    let system = store
        .fetch_system_user(tenant.id, ids.next_id().into())
        .await?;
    let spec = InviteSpec {
        email: &email,
        role: Role::Admin,
        tier: None,
        display_name: admin_name,
    };
    let invite = create_invite(store, ids, mailer, cfg, &tenant, system.id, &spec).await?;
    tracing::info!(tenant = %tenant.slug, id = %tenant.id, "tenant created");
    Ok(TenantCreated { tenant, invite })
}

/// Whether the `Authorization: Bearer` of `headers` is `expected`,
/// compared in constant time (over both SHA-256 digests, so neither the
/// content nor the length leaks through timing).
fn operator(headers: &HeaderMap, expected: &str) -> bool {
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Operator: creates a tenant with the registry's channels and an admin
/// invite. 201 `{tenant_id, slug, invite_url}`; 401 for a wrong token; 404
/// when `operator_token` is not set; 400, 409 as [`create_tenant`].
#[utoipa::path(post, path = "/api/v1/tenants", request_body = NewTenant,
    security(("bearer" = [])),
    responses((status = 201, description = "{tenant_id, slug, invite_url}"), (status = 400),
              (status = 401, description = "not the operator token"),
              (status = 404, description = "operator_token is not set"), (status = 409, description = "slug taken")))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(b): Body<NewTenant>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Some(expected) = state.cfg.operator_token.as_deref() else {
        return Err(ApiError::new(ErrorCode::NotFound, "not found"));
    };
    if !operator(&headers, expected) {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "operator token required",
        ));
    }
    let file = RegistryFile::load(&state.cfg.channels).map_err(|e| {
        tracing::error!(error = %e, "channel registry unreadable");
        ApiError::new(ErrorCode::Internal, "internal error")
    })?;
    let c = create_tenant(
        &state.store,
        &state.ids,
        &state.registry,
        &file,
        Some(&state.mail),
        &state.cfg,
        &b,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "tenant_id": c.tenant.id.0.to_string(),
            "slug": c.tenant.slug,
            "invite_url": c.invite.url,
            "mailed": c.invite.mailed,
        })),
    ))
}
