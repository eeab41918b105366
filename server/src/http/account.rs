//! The member's own account (issue 13): `GET`/`PATCH /api/v1/me` (display
//! name, bio, time zone), `PUT /api/v1/me/avatar` and
//! `GET /api/v1/members/{id}/avatar`, and `POST /api/v1/me/password`
//! (other sessions signed out). A new display name reaches open sessions as
//! MEMBER_UPDATE.

use super::extract::{Authed, Body};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{FileRow, ProfilePatch, ProfileRow, StoreError};
use arena_protocol::event::MemberUpdate;
use arena_protocol::{ErrorCode, Event, Snowflake};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Largest avatar image, bytes (1 MiB).
pub const MAX_AVATAR_BYTES: usize = 1 << 20;
/// Longest display name, characters (Discord allows 32; partners' company
/// names run longer).
pub const MAX_NAME_CHARS: usize = 64;
/// Longest bio, characters (Discord's "About me" limit).
pub const MAX_BIO_CHARS: usize = 190;
/// Image types an avatar may be, decided from the bytes.
const AVATAR_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me).patch(update_me))
        .route("/me/password", post(change_password))
        .route(
            "/me/avatar",
            put(upload_avatar).layer(DefaultBodyLimit::max(MAX_AVATAR_BYTES)),
        )
        .route("/members/{user_id}/avatar", get(avatar))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(me, update_me, change_password, upload_avatar, avatar))]
pub struct Api;

/// The member's own profile.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub tier: Option<String>,
    pub bio: String,
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: Option<String>,
    /// `/api/v1/members/{id}/avatar` when one is set.
    pub avatar_url: Option<String>,
    pub mfa_enabled: bool,
    pub allow_partner_dms: bool,
}

impl From<ProfileRow> for Me {
    fn from(r: ProfileRow) -> Me {
        Me {
            id: r.id.to_string(),
            avatar_url: r
                .avatar_file_id
                .map(|_| format!("/api/v1/members/{}/avatar", r.id)),
            display_name: r.display_name,
            email: r.email,
            role: r.role,
            tier: r.tier,
            bio: r.bio,
            timezone: r.timezone,
            mfa_enabled: r.mfa_enabled,
            allow_partner_dms: r.allow_partner_dms,
        }
    }
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])), responses((status = 200, body = Me)))]
pub async fn me(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        state
            .store
            .fetch_profile(actor.tenant_id, actor.user_id)
            .await?
            .into(),
    ))
}

/// `{display_name?, bio?, timezone?}`; `timezone: null` clears it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub timezone: Option<Option<String>>,
}

/// A present field, even `null`, is `Some` (absent stays `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message)
}

/// Checks and trims a patch of the profile.
fn checked(p: MePatch) -> Result<ProfilePatch, ApiError> {
    let display_name = match p.display_name.as_deref().map(str::trim) {
        Some(n) if n.is_empty() || n.chars().count() > MAX_NAME_CHARS => {
            return Err(bad(format!(
                "display_name must be 1..{MAX_NAME_CHARS} characters"
            )))
        }
        Some(n) => {
            crate::text::check("display_name", n).map_err(ApiError)?;
            Some(n.to_owned())
        }
        None => None,
    };
    if let Some(b) = &p.bio {
        if b.chars().count() > MAX_BIO_CHARS {
            return Err(bad(format!(
                "bio must be at most {MAX_BIO_CHARS} characters"
            )));
        }
        crate::text::check("bio", b).map_err(ApiError)?;
    }
    if let Some(Some(tz)) = &p.timezone {
        if jiff::tz::TimeZone::get(tz).is_err() {
            return Err(bad(
                "timezone must be an IANA time zone name, e.g. Europe/Berlin",
            ));
        }
    }
    Ok(ProfilePatch {
        display_name,
        bio: p.bio,
        timezone: p.timezone,
    })
}

/// Changes the caller's profile; answers it as it now is. A new display
/// name goes to the tenant as MEMBER_UPDATE. 400 for a bad field.
#[utoipa::path(patch, path = "/api/v1/me", security(("bearer" = [])), request_body = MePatch,
    responses((status = 200, body = Me), (status = 400, description = "empty or long name, long bio, unknown time zone")))]
pub async fn update_me(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(p): Body<MePatch>,
) -> Result<Json<Me>, ApiError> {
    if actor.bot.is_some() {
        return Err(bad("a bot's profile is managed with the bot API"));
    }
    let p = checked(p)?;
    let before = state
        .store
        .fetch_profile(actor.tenant_id, actor.user_id)
        .await?;
    state
        .store
        .update_profile(actor.tenant_id, actor.user_id, &p)
        .await?;
    if let Some(name) = p.display_name.filter(|n| *n != before.display_name) {
        state
            .chat
            .member_renamed(actor.tenant_id, actor.user_id, &name)
            .await?;
        state.publisher.committed(
            actor.tenant_id,
            crate::bus::Audience::Tenant(actor.tenant_id),
            Event::MemberUpdate(MemberUpdate {
                user_id: actor.user_id.snowflake(),
                display_name: Some(name),
                ..Default::default()
            }),
        );
    }
    me(State(state), Authed(actor)).await
}

/// `{current_password, new_password}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password: every other session and token ends (token
/// epoch moved on, refresh tokens deleted, sessions closed with 4004 on
/// every node); answers a fresh token pair for this client. 401 for a wrong
/// current password, 400 for a new one under 8 or over 1,024 characters.
#[utoipa::path(post, path = "/api/v1/me/password", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 200, body = super::auth::TokenPair), (status = 400, description = "new password too short or long"),
              (status = 401, description = "wrong current password")))]
pub async fn change_password(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(b): Body<PasswordChange>,
) -> Result<Json<super::auth::TokenPair>, ApiError> {
    super::invites::check_password(&b.new_password)?;
    if b.current_password.len() > 1024 {
        return Err(bad("current_password is at most 1024 bytes"));
    }
    let user = state
        .store
        .fetch_user(actor.tenant_id, actor.user_id)
        .await?;
    let Some(old) = user.password_hash.clone() else {
        return Err(bad("this account signs in without a password"));
    };
    if !crate::auth::password::verify_bounded(&state.login_work, b.current_password, old).await {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "wrong current password",
        ));
    }
    let hash = super::invites::hash_password(&state, b.new_password).await?;
    let audit = state.ids.next_id().0 as i64;
    state
        .store
        .update_password(actor.tenant_id, actor.user_id, &hash, actor.user_id, audit)
        .await?;
    crate::auth::watch::close_everywhere(
        &state.sessions,
        &state.publisher,
        actor.tenant_id,
        actor.user_id,
        arena_protocol::CloseCode::AuthenticationFailed,
    );
    let user = state
        .store
        .fetch_user(actor.tenant_id, actor.user_id)
        .await?;
    Ok(Json(super::auth::issue(&state, &user).await?))
}

/// Sets the caller's avatar from the raw body: a PNG, JPEG or WebP image
/// (decided from the bytes) of at most 1 MiB. 400 for another type or an
/// empty body, 413 when larger.
#[utoipa::path(put, path = "/api/v1/me/avatar", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, description = "{avatar_url}"), (status = 400, description = "empty, or not a PNG, JPEG or WebP image"),
              (status = 413, description = "over 1 MiB")))]
pub async fn upload_avatar(
    State(state): State<AppState>,
    Authed(actor): Authed,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::TooLarge, "an avatar may be at most 1 MiB")
        } else {
            bad(e.body_text())
        }
    })?;
    if body.is_empty() {
        return Err(bad("the image is empty"));
    }
    let kind = infer::get(&body).map(|k| k.mime_type());
    let Some(content_type) = kind.filter(|k| AVATAR_TYPES.contains(k)) else {
        return Err(bad("an avatar must be a PNG, JPEG or WebP image"));
    };
    let row = FileRow {
        id: state.ids.next_id().0 as i64,
        owner_id: actor.user_id,
        name: "avatar".into(),
        content_type: content_type.to_owned(),
        size: body.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&body)),
        created_at: time::OffsetDateTime::now_utc(),
    };
    state
        .files
        .put(actor.tenant_id, row.id, body)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "avatar storage failed");
            ApiError::new(ErrorCode::Unavailable, "file storage is unavailable; retry")
        })?;
    state.store.insert_file(actor.tenant_id, &row).await?;
    state
        .store
        .update_avatar(actor.tenant_id, actor.user_id, row.id)
        .await?;
    Ok(Json(serde_json::json!({
        "avatar_url": format!("/api/v1/members/{}/avatar", actor.user_id)
    })))
}

/// A member's avatar image, to any member of the tenant; 404 when they have none.
#[utoipa::path(get, path = "/api/v1/members/{user_id}/avatar", security(("bearer" = [])),
    params(("user_id" = String, Path)),
    responses((status = 200, description = "the image"), (status = 404, description = "no avatar")))]
pub async fn avatar(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(user_id): Path<Snowflake>,
) -> Result<Response, ApiError> {
    let none = || ApiError::new(ErrorCode::NotFound, "no avatar");
    let profile = match state
        .store
        .fetch_profile(actor.tenant_id, user_id.into())
        .await
    {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Err(none()),
        Err(e) => return Err(e.into()),
    };
    let id = profile.avatar_file_id.ok_or_else(none)?;
    let file = state.store.fetch_file(actor.tenant_id, id).await?;
    let bytes = state.files.get(actor.tenant_id, id).await.map_err(|e| {
        tracing::error!(error = %e, file = id, "avatar bytes missing or storage down");
        ApiError::new(ErrorCode::Unavailable, "file storage is unavailable; retry")
    })?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&file.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(resp)
}
