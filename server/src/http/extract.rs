//! Request extractors: the bearer token as an [`Actor`], and JSON bodies whose
//! rejections answer in our error shape.

use crate::error::ApiError;
use crate::registry::Actor;
use crate::state::AppState;
use arena_protocol::ErrorCode;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The member an HTTP request acts for (`Authorization: Bearer <jwt or bot
/// token>`, or `Bot <token>`); 401 otherwise, 503 when a bot token cannot be
/// checked, 429 past the member's REST write budget when the request writes
/// ([`super::limits::rest_write`]).
pub struct Authed(pub Actor);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::auth::bots::from_header)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "missing bearer token"))?;
        let actor = crate::auth::authenticate(&state.tokens, &state.store, token)
            .await
            .map_err(|e| match e {
                crate::auth::AuthError::Invalid(_) => {
                    ApiError::new(ErrorCode::Unauthorized, "invalid or expired token")
                }
                crate::auth::AuthError::Unavailable(_) => {
                    ApiError(arena_protocol::ErrorBody::retry(
                        ErrorCode::Unavailable,
                        "the database is unavailable; retry",
                        1000,
                    ))
                }
            })?;
        super::limits::rest_write(state, &actor, &parts.method).await?;
        state
            .registry
            .ensure_tenant(&state.store, actor.tenant_id)
            .await?;
        Ok(Authed(actor))
    }
}

/// A JSON body; malformed JSON or a wrong shape is 400 `bad_request` with the reason.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError::new(ErrorCode::BadRequest, e.body_text())),
        }
    }
}

/// The peer address when the server runs with connect info (it does), else none.
pub struct Peer(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// `limit` (or `default` when absent) as a page size within `1..=max`;
/// else 400 `bad_request` "limit must be 1..{max}".
pub fn page_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::new(
            arena_protocol::ErrorCode::BadRequest,
            format!("limit must be 1..{max}"),
        ))
    }
}
