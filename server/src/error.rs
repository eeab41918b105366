//! The one error type at the HTTP boundary and the mapping of store errors to
//! wire error codes. Internal details are logged once here and never sent.

use crate::store::StoreError;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(store_error(e))
    }
}

/// Maps a store error to the wire error (PROTOCOL.md §4 codes).
pub fn store_error(e: StoreError) -> ErrorBody {
    match e {
        StoreError::Unavailable(detail) => {
            tracing::warn!(%detail, "store unavailable");
            ErrorBody::retry(
                ErrorCode::Unavailable,
                "the database is unavailable; retry",
                1000,
            )
        }
        StoreError::NotFound => ErrorBody::new(ErrorCode::NotFound, "not found"),
        StoreError::Conflict(what) => {
            ErrorBody::new(ErrorCode::Conflict, format!("already exists ({what})"))
        }
        StoreError::Other(detail) => {
            tracing::error!(%detail, "store error");
            ErrorBody::new(ErrorCode::Internal, "internal error")
        }
    }
}

/// An HTTP error: status from the code, body `{"error": {code, message,
/// retry_after_ms?}}`; with `retry_after_ms`, also `Retry-After` in whole
/// seconds, rounded up (RFC 9110 §10.2.3; RFC 6585 §4 for 429).
#[derive(Debug)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError(ErrorBody::new(code, message))
    }
}

impl From<ErrorBody> for ApiError {
    fn from(e: ErrorBody) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self
            .0
            .retry_after_ms
            .map(|ms| ms.div_ceil(1000).to_string());
        let mut response = (status, Json(serde_json::json!({ "error": self.0 }))).into_response();
        if let Some(v) = retry_after.and_then(|s| axum::http::HeaderValue::from_str(&s).ok()) {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}
