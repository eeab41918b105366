//! Password reset by email link (issue 13): `POST
//! /api/v1/auth/password-reset {tenant, email}` answers 202 whatever the
//! email, and `POST /api/v1/auth/password-reset/confirm {token, password}`
//! sets the password once within 30 minutes and ends every token and
//! session of the member. Links are `{public_url}/reset/{token}`; the token
//! is 32 random bytes (base64url), stored as its SHA-256.
//!
//! No enumeration (OWASP Forgot Password Cheat Sheet, "Account
//! Enumeration"): the request only checks its shape and the throttles, then
//! queues the lookup, the stored reset and the mail to the mail worker
//! ([`crate::mail::Job::ResetRequest`]); its answer and timing do not
//! depend on whether the account exists. Without SMTP the link is logged,
//! never returned by the public route.

use super::extract::{Body, Peer};
use super::invites::{check_password, hash_password, link_token};
use crate::auth::token_hash;
use crate::error::ApiError;
use crate::ids::{TenantId, UserId};
use crate::mail::{Job, Mail};
use crate::state::AppState;
use crate::store::StoreError;
use arena_protocol::{CloseCode, ErrorCode};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use time::OffsetDateTime;

/// How long a reset link works, s (30 minutes).
pub const RESET_TTL_S: i64 = 30 * 60;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/password-reset", post(request))
        .route("/auth/password-reset/confirm", post(confirm))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(request, confirm))]
pub struct Api;

/// `POST /api/v1/auth/password-reset` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// Workspace slug, e.g. `demo`.
    pub tenant: String,
    pub email: String,
}

/// Asks for a reset link by mail. 202 `{}` whether or not the email is a
/// member's; 400 for an over-long field; 429 past login's throttles (per
/// address, per account, per node: the same limiters as login).
#[utoipa::path(post, path = "/api/v1/auth/password-reset", request_body = ResetRequest,
    responses((status = 202, description = "{} whatever the email"), (status = 400), (status = 429)))]
pub async fn request(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Body(b): Body<ResetRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    if b.email.len() > 320 || b.tenant.len() > 64 {
        return Err(ApiError::new(ErrorCode::BadRequest, "field too long"));
    }
    if let Some(ip) = crate::client_ip::client_ip(peer, &headers, &state.cfg.trusted_proxies) {
        state
            .login_ip_limiter
            .check_key(&ip)
            .map_err(super::auth::too_many)?;
        state.login_ip_limiter.retain_recent();
    }
    let key = format!("{}\n{}", b.tenant, b.email.to_lowercase());
    state
        .login_limiter
        .check_key(&key)
        .map_err(super::auth::too_many)?;
    state.login_limiter.retain_recent();
    state
        .login_global_limiter
        .check()
        .map_err(super::auth::too_many)?;
    state.mail.queue(Job::ResetRequest {
        tenant: b.tenant,
        email: b.email,
    });
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({}))))
}

/// The mail worker's half of a public request: when `email` is a member of
/// `tenant` (not a bot, not deactivated), stores a reset and mails (or logs) its link.
/// Failures are logged; the requester learns nothing either way.
pub async fn on_request(state: &AppState, tenant: &str, email: &str) {
    let user = match state.store.fetch_tenant_by_slug(tenant).await {
        Ok(t) => state.store.fetch_user_by_email(t.id, email).await,
        Err(e) => Err(e),
    };
    let user = match user {
        Ok(u) if u.role != "bot" && !u.deactivated => u,
        Ok(_) | Err(StoreError::NotFound) => return,
        Err(e) => {
            tracing::warn!(error = %e, "password reset request not served");
            return;
        }
    };
    if let Err(e) = create_reset(state, user.tenant_id, user.id).await {
        tracing::warn!(error = %e.0.message, "password reset request not served");
    }
}

/// Creates a password reset for the member and mails its link (SMTP) or
/// logs it at info (no SMTP). Returns `(url, mailed)`: the link
/// `{public_url}/reset/{token}`, valid [`RESET_TTL_S`] and once, and
/// whether it was queued for mail. For staff-triggered resets (`POST
/// /api/v1/members/{id}/password-reset` answers `{url, mailed}`) and the
/// public request. 404 for no such member.
pub async fn create_reset(
    state: &AppState,
    tenant_id: TenantId,
    user_id: UserId,
) -> Result<(String, bool), ApiError> {
    let user = state.store.fetch_user(tenant_id, user_id).await?;
    let token = link_token();
    let expires = OffsetDateTime::now_utc() + time::Duration::seconds(RESET_TTL_S);
    state
        .store
        .insert_password_reset(
            tenant_id,
            state.ids.next_id().0 as i64,
            user_id,
            &token_hash(&token),
            expires,
        )
        .await?;
    let url = format!("{}/reset/{token}", state.cfg.public_base());
    let mailed = state.mail.send(Mail {
        to: user.email.clone(),
        subject: "Reset your Arena password".into(),
        body: format!(
            "Someone (hopefully you) asked to reset the password of {} on Arena.\n\nChoose a new password:\n{url}\n\nThe link works once, for 30 minutes. If you did not ask, ignore this mail.\n",
            user.email
        ),
    });
    if !mailed {
        tracing::info!(tenant = %tenant_id, user = %user_id, %url, "password reset link (not mailed)");
    }
    metrics::counter!("arena_password_resets_created_total").increment(1);
    Ok((url, mailed))
}

/// `POST /api/v1/auth/password-reset/confirm` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    /// The new password, 8..=1024 characters.
    pub password: String,
}

/// Sets the new password (argon2) with a live reset token, in one
/// transaction that also marks the reset used, moves the member's token
/// epoch on and deletes their refresh tokens; then closes their sessions on
/// every node (4004, as logout). 204; 404 `not_found` for an unknown, used
/// or expired token; 400 for a bad password; 429 past login's per-address limit.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", request_body = ResetConfirm,
    responses((status = 204), (status = 400), (status = 404, description = "unknown, used or expired"), (status = 429)))]
pub async fn confirm(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Body(b): Body<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    check_password(&b.password)?;
    if b.token.len() > 128 {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "unknown, used or expired reset link",
        ));
    }
    if let Some(ip) = crate::client_ip::client_ip(peer, &headers, &state.cfg.trusted_proxies) {
        state
            .login_ip_limiter
            .check_key(&ip)
            .map_err(super::auth::too_many)?;
    }
    state
        .login_global_limiter
        .check()
        .map_err(super::auth::too_many)?;
    let phc = hash_password(&state, b.password).await?;
    let audit = state.ids.next_id().0 as i64;
    let (t, u) = match state
        .store
        .use_password_reset(&token_hash(&b.token), &phc, audit)
        .await
    {
        Ok(m) => m,
        Err(StoreError::NotFound) => {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                "unknown, used or expired reset link",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    metrics::counter!("arena_password_resets_used_total").increment(1);
    crate::auth::watch::close_everywhere(
        &state.sessions,
        &state.publisher,
        t,
        u,
        CloseCode::AuthenticationFailed,
    );
    Ok(StatusCode::NO_CONTENT)
}
