//! The members directory and account administration (issue 13):
//! `GET /api/v1/members` (staff: everyone with email, status and last seen;
//! partners: the public directory when the tenant allows it),
//! `PATCH /api/v1/members/{id}` (role, tier, deactivation),
//! `POST /api/v1/members/{id}/revoke-sessions`, and the tenant's account
//! settings. Every change is audited, reaches open sessions at once
//! (MEMBER_UPDATE; a tier or role change re-evaluates which channels the
//! member's sessions see) and ends the tokens it must (deactivation).

use super::extract::{page_limit, Authed, Body};
use crate::domains::revenue::Command;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::state::AppState;
use crate::store::{rfc3339, MemberFilter, MemberRow, StoreError};
use arena_protocol::event::MemberUpdate;
use arena_protocol::model::Role;
use arena_protocol::{CloseCode, ErrorCode, Event, Snowflake};
use axum::extract::{Path, Query, State};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members", get(list))
        .route("/members/{user_id}", patch(update))
        .route("/members/{user_id}/revoke-sessions", post(revoke_sessions))
        .route("/members/{user_id}/password-reset", post(reset_password))
        .route("/tenant/settings", get(settings).patch(update_settings))
}

/// This file's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    update,
    revoke_sessions,
    reset_password,
    settings,
    update_settings
))]
pub struct Api;

/// `?q=&role=&tier=&status=active|deactivated&limit=&after=`; `after` is the
/// `next` of the previous page.
#[derive(Debug, Deserialize)]
pub struct DirectoryQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    pub tier: Option<String>,
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub after: Option<String>,
}

/// One member in the directory. Staff see every field; partners only id,
/// display name, role, tier and bio.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub id: String,
    pub display_name: String,
    pub role: String,
    pub tier: Option<String>,
    pub bio: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
    /// RFC 3339: the last sign-in or token refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_enabled: Option<bool>,
}

impl Member {
    fn of(row: MemberRow, staff: bool) -> Member {
        Member {
            id: row.id.to_string(),
            display_name: row.display_name,
            role: row.role,
            tier: row.tier,
            bio: row.bio,
            email: staff.then_some(row.email),
            deactivated: staff.then_some(row.deactivated_at.is_some()),
            last_seen_at: staff.then(|| row.last_seen_at.map(rfc3339)).flatten(),
            muted_until: staff.then(|| row.muted_until.map(rfc3339)).flatten(),
            mfa_enabled: staff.then_some(row.mfa_enabled),
        }
    }
}

/// `{members, next}`: `next` is the cursor of the following page, absent on the last.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Directory {
    pub members: Vec<Member>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The cursor of a page: `{display_name}\u{1f}{id}`, base64url.
fn cursor(row: &MemberRow) -> String {
    use base64::Engine;
    let raw = format!("{}\u{1f}{}", row.display_name, row.id.0);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn parse_cursor(s: &str) -> Option<(String, UserId)> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (name, id) = raw.split_once('\u{1f}')?;
    Some((name.to_owned(), UserId(id.parse().ok()?)))
}

/// The members directory by display name: staff see everyone (filters by
/// words of name or email, role, tier and status); partners see active
/// members' public fields when the tenant allows it (403 otherwise).
#[utoipa::path(get, path = "/api/v1/members", security(("bearer" = [])),
    params(("q" = Option<String>, Query, description = "words of the name or email"), ("role" = Option<String>, Query),
           ("tier" = Option<String>, Query), ("status" = Option<String>, Query, description = "active | deactivated (staff)"),
           ("limit" = Option<i64>, Query, description = "1..200, default 50"), ("after" = Option<String>, Query, description = "the previous page's next")),
    responses((status = 200, body = Directory), (status = 400, description = "bad filter or cursor"),
              (status = 403, description = "the tenant keeps the directory from partners")))]
pub async fn list(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<DirectoryQuery>,
) -> Result<Json<Directory>, ApiError> {
    let staff = actor.role.is_staff();
    if !staff
        && !state
            .store
            .fetch_account_settings(actor.tenant_id)
            .await?
            .partner_directory
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this workspace keeps its directory to staff",
        ));
    }
    let deactivated = match q.status.as_deref() {
        None => None,
        Some("active") => Some(false),
        Some("deactivated") if staff => Some(true),
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "status must be active or deactivated",
            ))
        }
    };
    if q.q.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "q is at most 100 characters",
        ));
    }
    let after = match q.after.as_deref() {
        None => None,
        Some(c) => Some(
            parse_cursor(c).ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "bad cursor"))?,
        ),
    };
    let limit = page_limit(q.limit, 50, 200)?;
    let filter = MemberFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        role: q.role,
        tier: q.tier,
        // Partners never see deactivated members.
        deactivated: if staff { deactivated } else { Some(false) },
        after,
        limit: limit + 1,
    };
    let mut rows = state
        .store
        .fetch_directory(actor.tenant_id, &filter)
        .await?;
    let next = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(cursor)
    });
    Ok(Json(Directory {
        members: rows.into_iter().map(|r| Member::of(r, staff)).collect(),
        next: next.flatten(),
    }))
}

/// `{role?, tier?, deactivated?}`: what to change; absent fields stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// `admin`, `staff` or `partner` (admins only).
    pub role: Option<String>,
    /// A tier of program.toml (partners only).
    pub tier: Option<String>,
    pub deactivated: Option<bool>,
}

/// `forbidden` unless `actor` may administer `target`: staff act on
/// partners, admins on everyone; nobody on themselves or on bots.
fn check_may_administer(actor: &Actor, target: UserId, role: &str) -> Result<(), ApiError> {
    if !actor.role.is_staff() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    if actor.user_id == target {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "you cannot change your own account here",
        ));
    }
    match Role::parse(role) {
        Some(Role::Bot) | None => Err(ApiError::new(
            ErrorCode::BadRequest,
            "bots are managed with the bot API",
        )),
        Some(Role::Partner) => Ok(()),
        Some(_) if actor.role == Role::Admin => Ok(()),
        Some(_) => Err(ApiError::new(
            ErrorCode::Forbidden,
            "only admins change staff and admin accounts",
        )),
    }
}

/// Changes a member's role, tier or status; answers the member as the
/// directory shows them to staff. Takes effect on open sessions at once:
/// MEMBER_UPDATE goes to the tenant, a new role or tier re-evaluates the
/// member's channels (CHANNEL_CREATE / CHANNEL_DELETE), deactivation closes
/// their sessions on every node with 4004 and refuses their tokens and
/// logins. 400 for an unknown role or tier or a tier of a non-partner, 403
/// outside the actor's rights, 404 for no such member.
#[utoipa::path(patch, path = "/api/v1/members/{user_id}", security(("bearer" = [])),
    params(("user_id" = String, Path)), request_body = MemberPatch,
    responses((status = 200, body = Member), (status = 400, description = "bad role or tier"), (status = 403, description = "not allowed"),
              (status = 404, description = "no such member")))]
pub async fn update(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(user_id): Path<Snowflake>,
    Body(p): Body<MemberPatch>,
) -> Result<Json<Member>, ApiError> {
    let target: UserId = user_id.into();
    let row = state.store.fetch_user(actor.tenant_id, target).await?;
    check_may_administer(&actor, target, &row.role)?;
    if let Some(role) = &p.role {
        Role::parse(role)
            .filter(|r| *r != Role::Bot)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    "role must be admin, staff or partner",
                )
            })?;
        if actor.role != Role::Admin {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "only admins change roles",
            ));
        }
        let audit = state.ids.next_id().0 as i64;
        if state
            .store
            .update_member_role(actor.tenant_id, target, role, actor.user_id, audit)
            .await?
        {
            announce(
                &state,
                &actor,
                MemberUpdate {
                    user_id,
                    role: Some(role.clone()),
                    ..Default::default()
                },
            );
        }
    }
    if let Some(tier) = p.tier {
        let by = actor.clone();
        let asked = state
            .domains
            .revenue()
            .ask(actor.tenant_id, |reply| Command::SetTier {
                by,
                partner: target,
                tier,
                reply,
            })
            .await;
        asked?;
    }
    if let Some(deactivated) = p.deactivated {
        let audit = state.ids.next_id().0 as i64;
        if state
            .store
            .update_member_deactivated(actor.tenant_id, target, deactivated, actor.user_id, audit)
            .await?
        {
            if deactivated {
                crate::auth::watch::close_everywhere(
                    &state.sessions,
                    &state.publisher,
                    actor.tenant_id,
                    target,
                    CloseCode::AuthenticationFailed,
                );
            }
            announce(
                &state,
                &actor,
                MemberUpdate {
                    user_id,
                    deactivated: Some(deactivated),
                    ..Default::default()
                },
            );
        }
    }
    let row = state
        .store
        .fetch_directory_member(actor.tenant_id, target)
        .await?;
    Ok(Json(Member::of(row, true)))
}

/// Sends MEMBER_UPDATE to the tenant (every node), after the commit.
fn announce(state: &AppState, actor: &Actor, update: MemberUpdate) {
    state.publisher.committed(
        actor.tenant_id,
        crate::bus::Audience::Tenant(actor.tenant_id),
        Event::MemberUpdate(update),
    );
}

/// Signs the member out everywhere: token epoch moved on, refresh tokens
/// deleted, sessions on every node closed with 4004; audited as
/// `member.sessions_revoked`. 204.
#[utoipa::path(post, path = "/api/v1/members/{user_id}/revoke-sessions", security(("bearer" = [])),
    params(("user_id" = String, Path)),
    responses((status = 204, description = "signed out everywhere"), (status = 403, description = "not allowed"),
              (status = 404, description = "no such member")))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(user_id): Path<Snowflake>,
) -> Result<axum::http::StatusCode, ApiError> {
    let target: UserId = user_id.into();
    let row = state.store.fetch_user(actor.tenant_id, target).await?;
    check_may_administer(&actor, target, &row.role)?;
    state
        .chat
        .audit(&actor, "member.sessions_revoked", &target.to_string(), "")
        .await;
    crate::auth::watch::end_tokens(
        &state.store,
        &state.sessions,
        &state.publisher,
        actor.tenant_id,
        target,
        CloseCode::AuthenticationFailed,
    )
    .await
    .map_err(|e| match e {
        StoreError::NotFound => ApiError::new(ErrorCode::NotFound, "not found"),
        e => e.into(),
    })?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Starts a password reset for the member (staff on partners, admins on
/// anyone but themselves): `{url, mailed}`: the single-use link (30 min),
/// mailed when SMTP is configured, else to be handed over by the staff
/// member. Their current password and sessions stay until the link is used.
/// Audited as `member.password_reset`.
#[utoipa::path(post, path = "/api/v1/members/{user_id}/password-reset", security(("bearer" = [])),
    params(("user_id" = String, Path)),
    responses((status = 200, description = "{url, mailed}"), (status = 403, description = "not allowed"),
              (status = 404, description = "no such member")))]
pub async fn reset_password(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(user_id): Path<Snowflake>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let target: UserId = user_id.into();
    let row = state.store.fetch_user(actor.tenant_id, target).await?;
    check_may_administer(&actor, target, &row.role)?;
    let (url, mailed) =
        super::password_reset::create_reset(&state, actor.tenant_id, target).await?;
    state
        .chat
        .audit(&actor, "member.password_reset", &target.to_string(), "")
        .await;
    Ok(Json(serde_json::json!({ "url": url, "mailed": mailed })))
}

/// The tenant's account settings: `{require_staff_mfa, partner_directory}`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountSettings {
    /// Staff and admins must sign in with a second factor (TOTP); those
    /// without one enrol at their next login.
    pub require_staff_mfa: bool,
    /// Partners may browse the members directory (names, tiers, bios).
    pub partner_directory: bool,
}

/// A change of the account settings; absent fields stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountSettingsPatch {
    pub require_staff_mfa: Option<bool>,
    pub partner_directory: Option<bool>,
}

/// The tenant's account settings (staff).
#[utoipa::path(get, path = "/api/v1/tenant/settings", security(("bearer" = [])),
    responses((status = 200, body = AccountSettings), (status = 403, description = "staff only")))]
pub async fn settings(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<AccountSettings>, ApiError> {
    if !actor.role.is_staff() {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff only"));
    }
    let s = state.store.fetch_account_settings(actor.tenant_id).await?;
    Ok(Json(AccountSettings {
        require_staff_mfa: s.require_staff_mfa,
        partner_directory: s.partner_directory,
    }))
}

/// Changes the account settings (admins); audited as `tenant.settings`.
#[utoipa::path(patch, path = "/api/v1/tenant/settings", security(("bearer" = [])), request_body = AccountSettingsPatch,
    responses((status = 200, body = AccountSettings), (status = 403, description = "admins only")))]
pub async fn update_settings(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Body(p): Body<AccountSettingsPatch>,
) -> Result<Json<AccountSettings>, ApiError> {
    if actor.role != Role::Admin {
        return Err(ApiError::new(ErrorCode::Forbidden, "admins only"));
    }
    let audit = state.ids.next_id().0 as i64;
    let s = state
        .store
        .update_account_settings(
            actor.tenant_id,
            p.require_staff_mfa,
            p.partner_directory,
            actor.user_id,
            audit,
        )
        .await?;
    Ok(Json(AccountSettings {
        require_staff_mfa: s.require_staff_mfa,
        partner_directory: s.partner_directory,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_names_with_any_character() {
        let row = MemberRow {
            id: UserId(42),
            email: String::new(),
            display_name: "Ana, \"the\" Ünïcode".into(),
            role: "partner".into(),
            tier: None,
            bio: String::new(),
            deactivated_at: None,
            last_seen_at: None,
            muted_until: None,
            mfa_enabled: false,
        };
        assert_eq!(
            parse_cursor(&cursor(&row)),
            Some((row.display_name.clone(), UserId(42)))
        );
        assert_eq!(parse_cursor("!!"), None);
    }
}
