//! `POST /api/v1/auth/login` and `/auth/refresh`: argon2-checked passwords,
//! short-lived JWT access tokens, single-use rotating refresh tokens.

use super::extract::{Body, Peer};
use crate::auth::{password, random_token, token_hash};
use crate::error::ApiError;
use crate::state::AppState;
use arena_protocol::ErrorCode;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Login body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Workspace slug, e.g. `demo`.
    pub tenant: String,
    pub email: String,
    pub password: String,
}

/// Refresh body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    pub refresh_token: String,
}

/// `{access_token, refresh_token, expires_in}` (seconds).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

fn bad_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthorized,
        "wrong workspace, email or password",
    )
}

async fn issue(state: &AppState, user: &crate::store::UserRow) -> Result<TokenPair, ApiError> {
    let role = arena_protocol::model::Role::parse(&user.role)
        .unwrap_or(arena_protocol::model::Role::Partner);
    let access = state.tokens.issue(
        user.tenant_id,
        user.id,
        role,
        user.tier.clone(),
        state.cfg.access_ttl_s,
    );
    let refresh = random_token();
    let expires =
        OffsetDateTime::now_utc() + time::Duration::seconds(state.cfg.refresh_ttl_s as i64);
    state
        .store
        .insert_refresh_token(user.tenant_id, user.id, &token_hash(&refresh), expires)
        .await?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        expires_in: state.cfg.access_ttl_s,
    })
}

/// Checks the password (argon2, off the async threads) and issues tokens; 401 on any mismatch.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = Login,
    responses((status = 200, body = TokenPair), (status = 401, description = "wrong workspace, email or password"), (status = 429, description = "too many attempts")))]
pub async fn login(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Body(b): Body<Login>,
) -> Result<Json<TokenPair>, ApiError> {
    if b.password.len() > 1024 || b.email.len() > 320 || b.tenant.len() > 64 {
        return Err(ApiError::new(ErrorCode::BadRequest, "field too long"));
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    if let Some(ip) = crate::client_ip::client_ip(peer, forwarded) {
        state.login_ip_limiter.check_key(&ip).map_err(too_many)?;
        state.login_ip_limiter.retain_recent();
    }
    let key = format!("{}\n{}", b.tenant, b.email.to_lowercase());
    state.login_limiter.check_key(&key).map_err(too_many)?;
    state.login_limiter.retain_recent();
    state.login_global_limiter.check().map_err(too_many)?;
    // An unknown workspace or email costs the same argon2 work as a wrong
    // password, so the answer's timing does not say which emails exist.
    let tenant = match state.store.fetch_tenant_by_slug(&b.tenant).await {
        Ok(t) => Some(t),
        Err(crate::store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let user = match &tenant {
        Some(t) => match state.store.fetch_user_by_email(t.id, &b.email).await {
            Ok(u) => Some(u),
            Err(crate::store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let pw = b.password;
    let ok = {
        let _turn = state
            .login_work
            .acquire()
            .await
            .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the server is stopping"))?;
        tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
            .await
            .unwrap_or(false)
    };
    match user {
        Some(user) if ok && user.password_hash.is_some() => Ok(Json(issue(&state, &user).await?)),
        _ => Err(bad_credentials()),
    }
}

/// 429 `rate_limited` with the wait a limiter named.
fn too_many(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> ApiError {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(
        &governor::clock::DefaultClock::default(),
    ));
    ApiError(arena_protocol::ErrorBody::retry(
        ErrorCode::RateLimited,
        "too many login attempts; wait and retry",
        wait.as_millis() as u64 + 1,
    ))
}

/// Exchanges a refresh token (single use) for a new pair.
#[utoipa::path(post, path = "/api/v1/auth/refresh", request_body = Refresh,
    responses((status = 200, body = TokenPair), (status = 401, description = "invalid, used or expired")))]
pub async fn refresh(
    State(state): State<AppState>,
    Body(b): Body<Refresh>,
) -> Result<Json<TokenPair>, ApiError> {
    let (tenant_id, user_id) = match state
        .store
        .delete_refresh_token(&token_hash(&b.refresh_token))
        .await
    {
        Ok(v) => v,
        Err(crate::store::StoreError::NotFound) => {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "refresh token is invalid, used or expired",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let user = state.store.fetch_user(tenant_id, user_id).await?;
    Ok(Json(issue(&state, &user).await?))
}
