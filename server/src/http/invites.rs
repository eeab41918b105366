//! Invites (issue 13): `POST /api/v1/invites` (staff invite partners,
//! admins any role), `GET /api/v1/invites?status=`, `DELETE
//! /api/v1/invites/{id}`, and the public `GET /api/v1/invites/{token}` and
//! `POST /api/v1/invites/{token}/accept`, which creates the member and
//! answers like login. The token is 32 random bytes (base64url) shown once;
//! only its SHA-256 is stored. Links are `{public_url}/invite/{token}`.

use super::auth::LoginAnswer;
use super::extract::{Authed, Body, Peer};
use crate::auth::{password, token_hash};
use crate::bus::Audience;
use crate::config::Config;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::mail::{Mail, Mailer};
use crate::state::AppState;
use crate::store::{rfc3339, InviteRow, NewInvite, Store, TenantRow};
use arena_protocol::event::MemberUpdate;
use arena_protocol::model::Role;
use arena_protocol::{ErrorCode, Event, SnowflakeGenerator};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

/// The routes of this file, under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/invites", get(list).post(create))
        .route("/invites/{key}", get(lookup).delete(revoke))
        .route("/invites/{token}/accept", post(accept))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, revoke, lookup, accept))]
pub struct Api;

/// A new opaque link token: 32 random bytes, base64url without padding
/// (RFC 4648 §5), 43 characters.
pub(crate) fn link_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// `POST /api/v1/invites` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvite {
    pub email: String,
    /// `partner`, `staff` or `admin`.
    pub role: String,
    /// Partners only: one of the program's tiers (`bronze` … `platinum`);
    /// default the lowest.
    #[serde(default)]
    pub tier: Option<String>,
}

/// What to invite (checked by the caller: role, tier).
#[derive(Debug, Clone)]
pub struct InviteSpec<'a> {
    pub email: &'a str,
    pub role: Role,
    pub tier: Option<&'a str>,
    pub display_name: Option<&'a str>,
}

/// A created invite: the row, the token (shown once), its link, and whether
/// the mail was queued for SMTP.
#[derive(Debug, Clone)]
pub struct Created {
    pub row: InviteRow,
    pub token: String,
    pub url: String,
    pub mailed: bool,
}

impl Created {
    /// The 201 body: `{id, token, url, email, role, tier, expires_at, mailed}`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.row.id.to_string(), "token": self.token, "url": self.url,
            "email": self.row.email, "role": self.row.role, "tier": self.row.tier,
            "expires_at": rfc3339(self.row.expires_at), "mailed": self.mailed,
        })
    }
}

/// Whether `email` looks like an address lettre can send to (RFC 5321 shape), ≤ 320 bytes.
pub(crate) fn valid_email(email: &str) -> bool {
    email.len() <= 320 && email.parse::<lettre::Address>().is_ok()
}

/// Creates the invite (audited `invite.created` by `by`), valid
/// `invite_ttl_s`, and mails its link when `mailer` has SMTP; else logs the
/// link at info. Used by `POST /api/v1/invites`, tenant creation and `arena
/// tenant create` (no mailer). 409 `conflict` when the email is a member
/// or has a pending invite.
#[allow(clippy::too_many_arguments)]
pub async fn create_invite(
    store: &Store,
    ids: &SnowflakeGenerator,
    mailer: Option<&Mailer>,
    cfg: &Config,
    tenant: &TenantRow,
    by: UserId,
    spec: &InviteSpec<'_>,
) -> Result<Created, ApiError> {
    let token = link_token();
    let hash = token_hash(&token);
    let new = NewInvite {
        id: ids.next_id().0 as i64,
        email: spec.email,
        role: spec.role.as_str(),
        tier: spec.tier,
        display_name: spec.display_name,
        token_hash: &hash,
        created_by: by,
        expires_at: OffsetDateTime::now_utc()
            + time::Duration::seconds(cfg.invite_ttl_s.min(i64::MAX as u64) as i64),
        audit_id: ids.next_id().0 as i64,
    };
    let row = match store.insert_invite(tenant.id, &new).await {
        Ok(r) => r,
        Err(crate::store::StoreError::Conflict(what)) => {
            let message = if what == "member" {
                "this email is already a member"
            } else {
                "this email already has a pending invite"
            };
            return Err(ApiError::new(ErrorCode::Conflict, message));
        }
        Err(e) => return Err(e.into()),
    };
    let url = format!("{}/invite/{token}", cfg.public_base());
    let mail = Mail {
        to: row.email.clone(),
        subject: format!("You are invited to {} on Arena", tenant.name),
        body: format!(
            "You are invited to join {} on Arena as {}.\n\nAccept the invite and choose your password:\n{url}\n\nThe link works once and expires at {} (UTC).\n",
            tenant.name,
            row.role,
            rfc3339(row.expires_at)
        ),
    };
    let mailed = mailer.is_some_and(|m| m.send(mail));
    if !mailed {
        tracing::info!(tenant = %tenant.slug, email = %row.email, %url, "invite link (not mailed)");
    }
    metrics::counter!("arena_invites_created_total").increment(1);
    Ok(Created {
        row,
        token,
        url,
        mailed,
    })
}

/// Invites an email. Staff may invite partners only (403 otherwise);
/// admins any role. `tier` only for partners (400 otherwise) and one of the
/// program's tiers; a partner without one gets the lowest. 201 with the
/// token and link (also when mailed); 409 when the email is a member or
/// has a pending invite.
#[utoipa::path(post, path = "/api/v1/invites", request_body = CreateInvite, security(("bearer" = [])),
    responses((status = 201, description = "{id, token, url, email, role, tier, expires_at, mailed}"),
              (status = 400), (status = 403, description = "not staff, or staff inviting staff/admin"),
              (status = 409, description = "already a member or invited")))]
pub async fn create(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<CreateInvite>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !actor.role.is_staff() || actor.bot.is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    let email = b.email.trim().to_lowercase();
    if !valid_email(&email) {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "email is not a valid address",
        ));
    }
    let role = match Role::parse(&b.role) {
        Some(r @ (Role::Partner | Role::Staff | Role::Admin)) => r,
        _ => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "role must be partner, staff or admin",
            ))
        }
    };
    if role != Role::Partner && !actor.role.is_admin() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "staff may invite partners only",
        ));
    }
    let program = &state.domains.revenue().context().program;
    let tier = match (role, b.tier.as_deref()) {
        (Role::Partner, Some(t)) if program.tier.iter().any(|x| x.name == t) => Some(t.to_owned()),
        (Role::Partner, Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "tier is not one of the program's tiers",
            ))
        }
        (Role::Partner, None) => program.tier.first().map(|t| t.name.clone()),
        (_, Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "tier is for partners only",
            ))
        }
        (_, None) => None,
    };
    let tenant = state.store.fetch_tenant(actor.tenant_id).await?;
    let spec = InviteSpec {
        email: &email,
        role,
        tier: tier.as_deref(),
        display_name: None,
    };
    let created = create_invite(
        &state.store,
        &state.ids,
        Some(&state.mail),
        &state.cfg,
        &tenant,
        actor.user_id,
        &spec,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created.to_json())))
}

/// `?status=pending|accepted|revoked|expired` (default all).
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
}

/// Staff: the tenant's invites, newest first (at most 500): `{invites:
/// [{id, email, role, tier, status, expires_at, created_by, created_at}]}`.
#[utoipa::path(get, path = "/api/v1/invites", security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "pending, accepted, revoked or expired")),
    responses((status = 200, description = "{invites}"), (status = 400), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    if !actor.role.is_staff() || actor.bot.is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    if let Some(s) = q.status.as_deref() {
        if !["pending", "accepted", "revoked", "expired"].contains(&s) {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "status must be pending, accepted, revoked or expired",
            ));
        }
    }
    let rows = state
        .store
        .fetch_invites(actor.tenant_id, q.status.as_deref())
        .await?;
    let invites: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id.to_string(), "email": r.email, "role": r.role, "tier": r.tier,
                "status": r.status, "expires_at": rfc3339(r.expires_at),
                "created_by": r.created_by.0.to_string(), "created_at": rfc3339(r.created_at),
            })
        })
        .collect();
    Ok(Json(json!({ "invites": invites })))
}

/// Staff: revokes a pending invite (audited `invite.revoked`). 204; 404
/// for no such invite; 409 when it is accepted, revoked or expired.
#[utoipa::path(delete, path = "/api/v1/invites/{id}", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "not pending")))]
pub async fn revoke(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !actor.role.is_staff() || actor.bot.is_some() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    let id: i64 = key
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::NotFound, "unknown invite"))?;
    let audit = state.ids.next_id().0 as i64;
    match state
        .store
        .update_invite_revoked(actor.tenant_id, id, actor.user_id, audit)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(crate::store::StoreError::Conflict(_)) => Err(ApiError::new(
            ErrorCode::Conflict,
            "the invite is not pending",
        )),
        Err(crate::store::StoreError::NotFound) => {
            Err(ApiError::new(ErrorCode::NotFound, "unknown invite"))
        }
        Err(e) => Err(e.into()),
    }
}

fn unknown_invite() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "unknown, used, revoked or expired invite",
    )
}

/// Public: what a pending invite is for: `{tenant, tenant_name, email,
/// role, tier, display_name, expires_at}`. 404 for an unknown, used,
/// revoked or expired token alike.
#[utoipa::path(get, path = "/api/v1/invites/{token}", params(("token" = String, Path)),
    responses((status = 200, description = "{tenant, tenant_name, email, role, tier, display_name, expires_at}"),
              (status = 404, description = "unknown, used, revoked or expired")))]
pub async fn lookup(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if token.len() > 128 {
        return Err(unknown_invite());
    }
    let i = match state.store.fetch_invite_by_token(&token_hash(&token)).await {
        Ok(i) => i,
        Err(crate::store::StoreError::NotFound) => return Err(unknown_invite()),
        Err(e) => return Err(e.into()),
    };
    Ok(Json(json!({
        "tenant": i.slug, "tenant_name": i.tenant_name, "email": i.email, "role": i.role,
        "tier": i.tier, "display_name": i.display_name, "expires_at": rfc3339(i.expires_at),
    })))
}

/// `POST /api/v1/invites/{token}/accept` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvite {
    /// 1..=64 characters.
    pub display_name: String,
    /// 8..=1024 bytes.
    pub password: String,
}

/// Checks a new password's length: 8..=1024 bytes (NIST SP 800-63B §5.1.1.2:
/// at least 8; a cap keeps argon2's input bounded).
pub(crate) fn check_password(p: &str) -> Result<(), ApiError> {
    if p.chars().count() < 8 || p.len() > 1024 {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "password must be 8 to 1024 characters",
        ));
    }
    Ok(())
}

/// Hashes a password with argon2 off the async threads, one per core at a
/// time (`login_work`).
pub(crate) async fn hash_password(state: &AppState, pw: String) -> Result<String, ApiError> {
    let _turn = state
        .login_work
        .acquire()
        .await
        .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the server is stopping"))?;
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing task failed");
            ApiError::new(ErrorCode::Internal, "internal error")
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::new(ErrorCode::Internal, "internal error")
        })
}

/// Public: accepts the invite: creates the member (the invite's email, role
/// and tier; this display name and password), marks the invite used and
/// audits `invite.accepted` in one transaction, sends MEMBER_UPDATE
/// `{user_id, role, tier, display_name}` to the tenant, and answers like
/// login: `{access_token, refresh_token, expires_in}`, or the two-factor
/// enrolment challenge when the tenant requires it of staff and admins
/// (`http::mfa::login_step`). 404 for an unknown, used (a second accept),
/// revoked or expired token; 400 for a bad name or password; 429 as
/// login's per-address limit.
#[utoipa::path(post, path = "/api/v1/invites/{token}/accept", request_body = AcceptInvite,
    params(("token" = String, Path)),
    responses((status = 200, body = LoginAnswer), (status = 400), (status = 404),
              (status = 409, description = "the email became a member meanwhile"), (status = 429)))]
pub async fn accept(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
    Body(b): Body<AcceptInvite>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let name = b.display_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "display_name must be 1 to 64 characters",
        ));
    }
    check_password(&b.password)?;
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
    if token.len() > 128 {
        return Err(unknown_invite());
    }
    let hash = token_hash(&token);
    // A cheap check before the argon2 work: an unknown token costs no hashing.
    match state.store.fetch_invite_by_token(&hash).await {
        Ok(_) => {}
        Err(crate::store::StoreError::NotFound) => return Err(unknown_invite()),
        Err(e) => return Err(e.into()),
    }
    let phc = hash_password(&state, b.password).await?;
    let user_id: UserId = state.ids.next_id().into();
    let audit = state.ids.next_id().0 as i64;
    let user = match state
        .store
        .accept_invite(&hash, user_id, &name, &phc, audit)
        .await
    {
        Ok(u) => u,
        Err(crate::store::StoreError::NotFound) => return Err(unknown_invite()),
        Err(crate::store::StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "this email is already a member",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    metrics::counter!("arena_invites_accepted_total").increment(1);
    state.publisher.committed(
        user.tenant_id,
        Audience::Tenant(user.tenant_id),
        Event::MemberUpdate(MemberUpdate {
            user_id: user.id.snowflake(),
            muted_until: None,
            role: Some(user.role.clone()),
            tier: user.tier.clone(),
            display_name: Some(user.display_name.clone()),
            ..Default::default()
        }),
    );
    // As login: a second step when the tenant requires two-factor login of
    // staff and admins (enrolment first), else the token pair.
    match super::mfa::login_step(&state, &user).await? {
        Some(challenge) => Ok(Json(LoginAnswer::Mfa(challenge))),
        None => Ok(Json(LoginAnswer::Tokens(
            super::auth::issue(&state, &user).await?,
        ))),
    }
}
