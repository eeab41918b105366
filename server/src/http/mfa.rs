//! Two-factor login with TOTP (issue 13; RFC 6238 through `auth::totp`):
//! enrolment from the member's security settings, the second step of a
//! login (`POST /api/v1/auth/mfa`), enrolment forced at login when the
//! tenant requires it of staff, recovery codes, and turning it off.
//!
//! A login whose password is right answers a challenge instead of tokens
//! when a code is owed; the challenge (a random token kept as SHA-256) lives
//! [`CHALLENGE_TTL_S`] seconds and takes [`CHALLENGE_ATTEMPTS`] codes.

use super::auth::{issue, TokenPair};
use super::extract::{Authed, Body, Peer};
use crate::auth::{password, random_token, token_hash, totp};
use crate::error::ApiError;
use crate::ids::{TenantId, UserId};
use crate::state::AppState;
use crate::store::{ChallengePurpose, StoreError, UserRow};
use arena_protocol::model::Role;
use arena_protocol::ErrorCode;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// How long a login challenge waits for its code, seconds.
pub const CHALLENGE_TTL_S: i64 = 300;

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/mfa", post(verify))
        .route("/auth/mfa/enroll", post(enroll_at_login))
        .route("/me/mfa/totp", post(setup))
        .route("/me/mfa/totp/enable", post(enable))
        .route("/me/mfa/totp/disable", post(disable))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(verify, enroll_at_login, setup, enable, disable))]
pub struct Api;

/// What login answers instead of tokens when a second factor is owed:
/// `{mfa_required: true, challenge, expires_in}` (the member has TOTP on:
/// send a code to `POST /api/v1/auth/mfa`) or `{mfa_enrollment_required:
/// true, challenge, expires_in}` (the tenant requires it and the member has
/// none: enrol through `POST /api/v1/auth/mfa/enroll`, then send a code).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MfaChallenge {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mfa_required: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mfa_enrollment_required: bool,
    pub challenge: String,
    /// Seconds.
    pub expires_in: i64,
}

/// The second step owed by `user`, whose password was right, if any: a
/// challenge when they have TOTP on, or when they are staff or an admin of
/// a tenant that requires it.
pub async fn login_step(
    state: &AppState,
    user: &UserRow,
) -> Result<Option<MfaChallenge>, ApiError> {
    let purpose = if user.mfa_enabled {
        ChallengePurpose::Login
    } else {
        let staff = Role::parse(&user.role).is_some_and(Role::is_staff);
        if !staff
            || !state
                .store
                .fetch_account_settings(user.tenant_id)
                .await?
                .require_staff_mfa
        {
            return Ok(None);
        }
        ChallengePurpose::Enroll
    };
    let challenge = random_token();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::seconds(CHALLENGE_TTL_S);
    state
        .store
        .insert_mfa_challenge(
            user.tenant_id,
            user.id,
            &token_hash(&challenge),
            purpose,
            expires,
        )
        .await?;
    Ok(Some(MfaChallenge {
        mfa_required: purpose == ChallengePurpose::Login,
        mfa_enrollment_required: purpose == ChallengePurpose::Enroll,
        challenge,
        expires_in: CHALLENGE_TTL_S,
    }))
}

/// `{challenge, code}`: a 6-digit TOTP code or a recovery code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaVerify {
    pub challenge: String,
    pub code: String,
}

/// The login's tokens; after an enrolment also the recovery codes (shown once).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MfaTokens {
    #[serde(flatten)]
    pub tokens: TokenPair,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

fn refused() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthorized,
        "wrong or used code, or the challenge expired",
    )
}

/// Throttles the second step per client address like login.
fn throttle(
    state: &AppState,
    peer: Option<std::net::SocketAddr>,
    headers: &axum::http::HeaderMap,
) -> Result<(), ApiError> {
    if let Some(ip) = crate::client_ip::client_ip(peer, headers, &state.cfg.trusted_proxies) {
        state
            .login_ip_limiter
            .check_key(&ip)
            .map_err(super::auth::too_many)?;
    }
    Ok(())
}

/// Finishes a login with a code. A TOTP code is accepted once per time
/// step (RFC 6238 §5.2); a recovery code once ever. For an enrolment
/// challenge the code must come from the secret just enrolled, which turns
/// two-factor login on. 401 for a wrong or replayed code (the challenge
/// counts the attempt) or an unknown, expired or spent challenge.
#[utoipa::path(post, path = "/api/v1/auth/mfa", request_body = MfaVerify,
    responses((status = 200, body = MfaTokens), (status = 401, description = "wrong or replayed code, or a bad challenge"),
              (status = 429, description = "too many attempts")))]
pub async fn verify(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Body(b): Body<MfaVerify>,
) -> Result<Json<MfaTokens>, ApiError> {
    throttle(&state, peer, &headers)?;
    if b.code.len() > 64 || b.challenge.len() > 128 {
        return Err(ApiError::new(ErrorCode::BadRequest, "field too long"));
    }
    let hash = token_hash(&b.challenge);
    let c = state
        .store
        .use_mfa_challenge(&hash)
        .await?
        .ok_or_else(refused)?;
    let user = match state.store.fetch_user(c.tenant_id, c.user_id).await {
        Ok(u) if !u.deactivated => u,
        Ok(_) | Err(StoreError::NotFound) => return Err(refused()),
        Err(e) => return Err(e.into()),
    };
    let recovery_codes = match c.purpose {
        ChallengePurpose::Login => {
            if !check_code(&state, &user, &b.code, true).await? {
                return Err(refused());
            }
            None
        }
        ChallengePurpose::Enroll => {
            if !check_code(&state, &user, &b.code, false).await? {
                return Err(refused());
            }
            Some(turn_on(&state, c.tenant_id, c.user_id).await?)
        }
    };
    state.store.delete_mfa_challenge(c.tenant_id, &hash).await?;
    let tokens = issue(&state, &user).await?;
    Ok(Json(MfaTokens {
        tokens,
        recovery_codes,
    }))
}

/// Whether `code` is a valid TOTP code of the member's secret (accepting
/// its step, once) or, when `recovery` allows, one of their unused
/// recovery codes (spending it).
async fn check_code(
    state: &AppState,
    user: &UserRow,
    code: &str,
    recovery: bool,
) -> Result<bool, ApiError> {
    let row = state.store.fetch_totp(user.tenant_id, user.id).await?;
    let Some(secret) = row.totp_secret else {
        return Ok(false);
    };
    let Some(t) = totp::totp(&secret, "Arena", &user.email) else {
        return Ok(false);
    };
    if let Some(step) = totp::check(&t, code, crate::auth::jwt::now_s()) {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        return Ok(state
            .store
            .accept_totp_step(user.tenant_id, user.id, step)
            .await?);
    }
    if !recovery {
        return Ok(false);
    }
    let hash = token_hash(&totp::normalise_recovery(code));
    Ok(state
        .store
        .use_recovery_code(user.tenant_id, user.id, &hash)
        .await?)
}

/// Turns two-factor login on with the pending secret; answers the new
/// recovery codes (only their hashes are kept).
async fn turn_on(
    state: &AppState,
    tenant_id: TenantId,
    user_id: UserId,
) -> Result<Vec<String>, ApiError> {
    let codes = totp::recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| token_hash(c)).collect();
    let audit = state.ids.next_id().0 as i64;
    state
        .store
        .enable_totp(tenant_id, user_id, &hashes, audit)
        .await?;
    Ok(codes)
}

/// `{secret, otpauth_url, qr_svg}`: what an authenticator app needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// Base32, for typing in by hand.
    pub secret: String,
    pub otpauth_url: String,
    /// The QR code of `otpauth_url`, an SVG document.
    pub qr_svg: String,
}

/// Stores a new pending secret for the member and answers its enrolment.
async fn start_enrolment(
    state: &AppState,
    tenant_id: TenantId,
    user_id: UserId,
) -> Result<Enrolment, ApiError> {
    let row = state.store.fetch_user(tenant_id, user_id).await?;
    let tenant = state.store.fetch_tenant(tenant_id).await?;
    let secret = totp::new_secret();
    let issuer = format!("Arena {}", tenant.name);
    let (otpauth_url, qr_svg) = totp::totp(&secret, &issuer, &row.email)
        .and_then(|t| totp::enrolment(&t))
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "could not build the enrolment"))?;
    match state
        .store
        .set_pending_totp(tenant_id, user_id, &secret)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "two-factor login is already on",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Enrolment {
        secret,
        otpauth_url,
        qr_svg,
    })
}

/// `{challenge}` of a login that answered `mfa_enrollment_required`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollAtLogin {
    pub challenge: String,
}

/// Enrolment during a login the tenant's rule stopped: answers the secret
/// and QR code; the next `POST /api/v1/auth/mfa` with a code of it turns
/// two-factor login on and finishes the login. 401 for a bad challenge.
#[utoipa::path(post, path = "/api/v1/auth/mfa/enroll", request_body = EnrollAtLogin,
    responses((status = 200, body = Enrolment), (status = 401, description = "unknown, expired or spent challenge")))]
pub async fn enroll_at_login(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Body(b): Body<EnrollAtLogin>,
) -> Result<Json<Enrolment>, ApiError> {
    throttle(&state, peer, &headers)?;
    let c = state
        .store
        .use_mfa_challenge(&token_hash(&b.challenge))
        .await?
        .filter(|c| c.purpose == ChallengePurpose::Enroll)
        .ok_or_else(refused)?;
    Ok(Json(start_enrolment(&state, c.tenant_id, c.user_id).await?))
}

/// Starts enrolment from the member's security settings (bots 400; 409
/// when it is already on). Two-factor login stays off until `enable`.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp", security(("bearer" = [])),
    responses((status = 200, body = Enrolment), (status = 409, description = "already on")))]
pub async fn setup(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Enrolment>, ApiError> {
    if actor.bot.is_some() {
        return Err(ApiError::new(ErrorCode::BadRequest, "bots do not sign in"));
    }
    Ok(Json(
        start_enrolment(&state, actor.tenant_id, actor.user_id).await?,
    ))
}

/// `{code}` from the authenticator app.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnableBody {
    pub code: String,
}

/// `{recovery_codes}`, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Turns two-factor login on with a first code of the pending secret;
/// answers the recovery codes. 400 for a wrong code or no enrolment started.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/enable", security(("bearer" = [])), request_body = EnableBody,
    responses((status = 200, body = RecoveryCodes), (status = 400, description = "wrong code or no enrolment"),
              (status = 409, description = "already on")))]
pub async fn enable(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<EnableBody>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let user = state
        .store
        .fetch_user(actor.tenant_id, actor.user_id)
        .await?;
    if user.mfa_enabled {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "two-factor login is already on",
        ));
    }
    if !check_code(&state, &user, &b.code, false).await? {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "wrong code; check the time on the device",
        ));
    }
    let recovery_codes = turn_on(&state, actor.tenant_id, actor.user_id).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// `{password}`: the member's password, asked again.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableBody {
    pub password: String,
}

/// Turns two-factor login off (secret and recovery codes deleted) after
/// checking the password again; audited. 401 for a wrong password.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/disable", security(("bearer" = [])), request_body = DisableBody,
    responses((status = 204, description = "off"), (status = 401, description = "wrong password")))]
pub async fn disable(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<DisableBody>,
) -> Result<axum::http::StatusCode, ApiError> {
    let user = state
        .store
        .fetch_user(actor.tenant_id, actor.user_id)
        .await?;
    let hash = user
        .password_hash
        .clone()
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    if b.password.len() > 1024
        || !password::verify_bounded(&state.login_work, b.password, hash).await
    {
        return Err(ApiError::new(ErrorCode::Unauthorized, "wrong password"));
    }
    let audit = state.ids.next_id().0 as i64;
    state
        .store
        .disable_totp(actor.tenant_id, actor.user_id, actor.user_id, audit)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
