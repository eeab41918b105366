//! `POST /api/v1/auth/login`, `/auth/refresh` and `/auth/logout`:
//! argon2-checked passwords, short-lived JWT access tokens carrying the
//! member's token epoch, single-use refresh tokens rotating within a family
//! whose reuse revokes the family (RFC 9700 §4.14.2), and logout.

use super::extract::{Authed, Body, Peer};
use crate::auth::{password, random_token, token_hash};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::RefreshUse;
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

/// Logout body: the refresh token of this login (its family is revoked);
/// without one, every refresh token of the member is.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Logout {
    #[serde(default)]
    pub refresh_token: Option<String>,
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

/// An access token for `user` as of its row (role, tier, token epoch).
fn access_token(state: &AppState, user: &crate::store::UserRow) -> String {
    let role = arena_protocol::model::Role::parse(&user.role)
        .unwrap_or(arena_protocol::model::Role::Partner);
    state.tokens.issue(
        user.tenant_id,
        user.id,
        role,
        user.tier.clone(),
        user.token_epoch,
        state.cfg.access_ttl_s,
    )
}

fn refresh_expiry(state: &AppState) -> OffsetDateTime {
    OffsetDateTime::now_utc() + time::Duration::seconds(state.cfg.refresh_ttl_s as i64)
}

/// A new pair for a login: the refresh token starts a new family; the
/// member's last seen time moves to now (also the answer of an accepted
/// invite, `http::invites`).
pub(crate) async fn issue(
    state: &AppState,
    user: &crate::store::UserRow,
) -> Result<TokenPair, ApiError> {
    state.store.touch_last_seen(user.tenant_id, user.id).await?;
    let refresh = random_token();
    state
        .store
        .insert_refresh_token(
            user.tenant_id,
            user.id,
            &token_hash(&refresh),
            &random_token(),
            refresh_expiry(state),
        )
        .await?;
    Ok(TokenPair {
        access_token: access_token(state, user),
        refresh_token: refresh,
        expires_in: state.cfg.access_ttl_s,
    })
}

/// What login answers: the tokens, or a challenge when a second factor is
/// owed ([`super::mfa`]).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    Tokens(TokenPair),
    Mfa(super::mfa::MfaChallenge),
}

/// Checks the password (argon2, off the async threads) and issues tokens, or
/// a two-factor challenge; 401 on any mismatch, 403 for a deactivated member
/// (only once the password was right).
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = Login,
    responses((status = 200, body = LoginAnswer), (status = 401, description = "wrong workspace, email or password"),
              (status = 403, description = "the account is deactivated"), (status = 429, description = "too many attempts")))]
pub async fn login(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Body(b): Body<Login>,
) -> Result<Json<LoginAnswer>, ApiError> {
    if b.password.len() > 1024 || b.email.len() > 320 || b.tenant.len() > 64 {
        return Err(ApiError::new(ErrorCode::BadRequest, "field too long"));
    }
    if let Some(ip) = crate::client_ip::client_ip(peer, &headers, &state.cfg.trusted_proxies) {
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
    let ip = crate::client_ip::client_ip(peer, &headers, &state.cfg.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    if let (Some(user), false) = (&user, ok) {
        audit_login(&state, user, "auth.login_failed", &ip).await;
    }
    match user {
        Some(user) if ok && user.password_hash.is_some() => {
            if user.deactivated {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "this account is deactivated; ask the workspace's staff",
                ));
            }
            match super::mfa::login_step(&state, &user).await? {
                Some(challenge) => Ok(Json(LoginAnswer::Mfa(challenge))),
                None => {
                    let tokens = issue(&state, &user).await?;
                    audit_login(&state, &user, "auth.login", &ip).await;
                    Ok(Json(LoginAnswer::Tokens(tokens)))
                }
            }
        }
        _ => Err(bad_credentials()),
    }
}

/// Writes a sign-in event of `user` to the tenant's audit log (`action`:
/// `auth.login`, `auth.login_failed`, `auth.mfa_failed`), with the client
/// address as the reason; a failure to write is logged, not fatal.
pub(crate) async fn audit_login(
    state: &AppState,
    user: &crate::store::UserRow,
    action: &str,
    ip: &str,
) {
    let id = state.ids.next_id().0 as i64;
    let target = user.id.to_string();
    if let Err(e) = state
        .store
        .insert_audit(user.tenant_id, id, user.id, action, &target, ip)
        .await
    {
        tracing::error!(error = %e, action, "audit log write failed");
    }
}

/// 429 `rate_limited` with the wait a limiter named.
pub(crate) fn too_many(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> ApiError {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(
        &governor::clock::DefaultClock::default(),
    ));
    ApiError(arena_protocol::ErrorBody::retry(
        ErrorCode::RateLimited,
        "too many login attempts; wait and retry",
        wait.as_millis() as u64 + 1,
    ))
}

fn refused_refresh() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthorized,
        "refresh token is invalid, used or expired",
    )
}

/// Exchanges a refresh token (single use) for a new pair of the same family.
/// A token presented a second time revokes its whole family and answers 401
/// (RFC 9700 §4.14.2: one of the two holders is an attacker).
#[utoipa::path(post, path = "/api/v1/auth/refresh", request_body = Refresh,
    responses((status = 200, body = TokenPair), (status = 401, description = "invalid, used or expired; a reused token also revokes its family")))]
pub async fn refresh(
    State(state): State<AppState>,
    Body(b): Body<Refresh>,
) -> Result<Json<TokenPair>, ApiError> {
    let next = random_token();
    let used = state
        .store
        .rotate_refresh_token(
            &token_hash(&b.refresh_token),
            &token_hash(&next),
            refresh_expiry(&state),
        )
        .await?;
    let (tenant_id, user_id) = match used {
        RefreshUse::Rotated { tenant_id, user_id } => (tenant_id, user_id),
        RefreshUse::Reused { tenant_id, user_id } => {
            tracing::warn!(tenant = %tenant_id, user = %user_id, "refresh token reused: family revoked");
            metrics::counter!("arena_refresh_reuse_total").increment(1);
            return Err(refused_refresh());
        }
        RefreshUse::Invalid => return Err(refused_refresh()),
    };
    let user = match state.store.fetch_user(tenant_id, user_id).await {
        Ok(u) if !u.deactivated => u,
        Ok(_) | Err(crate::store::StoreError::NotFound) => return Err(refused_refresh()),
        Err(e) => return Err(e.into()),
    };
    state.store.touch_last_seen(tenant_id, user_id).await?;
    Ok(Json(TokenPair {
        access_token: access_token(&state, &user),
        refresh_token: next,
        expires_in: state.cfg.access_ttl_s,
    }))
}

/// Signs the member out: revokes the refresh token family of `refresh_token`
/// (or, without it, every refresh token of the member), moves the member's
/// token epoch on so every access token issued before is refused (REST 401,
/// IDENTIFY and RESUME 4004), and closes the member's sessions on this node
/// with 4004 (other nodes within `token_check_ms`). 204.
#[utoipa::path(post, path = "/api/v1/auth/logout", request_body = Logout,
    security(("bearer" = [])),
    responses((status = 204, description = "signed out"), (status = 401, description = "missing, invalid or revoked token")))]
pub async fn logout(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<Logout>,
) -> Result<axum::http::StatusCode, ApiError> {
    if actor.bot.is_some() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "a bot token is revoked with the bot API, not logout",
        ));
    }
    let (t, u) = (actor.tenant_id, actor.user_id);
    match b.refresh_token.as_deref() {
        Some(r) => {
            state
                .store
                .revoke_refresh_family(t, u, &token_hash(r))
                .await?
        }
        None => state.store.revoke_refresh_tokens(t, u).await?,
    };
    state.store.bump_token_epoch(t, u).await?;
    // Every node at once, not at its next token check.
    crate::auth::watch::close_everywhere(
        &state.sessions,
        &state.publisher,
        t,
        u,
        arena_protocol::CloseCode::AuthenticationFailed,
    );
    Ok(axum::http::StatusCode::NO_CONTENT)
}
