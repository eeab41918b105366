//! The REST request timeout (issue 12 item 10): a request under `/api/v1`
//! that takes longer than `request_timeout_ms`, reading its body included,
//! is answered 503 `unavailable` with the limit in the message. The
//! gateway upgrade is outside it (a WebSocket outlives its upgrade).

use crate::error::ApiError;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Middleware: runs the request within `limit`; past it the handler is
/// dropped and the answer is
/// 503 `{"error": {"code": "unavailable", "message": "request timed out
/// after N ms", "retry_after_ms": 1000}}` with `Retry-After: 1`. A write
/// already handed to the committer may still commit, as after any lost reply.
pub async fn request_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            metrics::counter!("arena_http_timeouts_total").increment(1);
            ApiError(ErrorBody::retry(
                ErrorCode::Unavailable,
                format!(
                    "request timed out after {} ms (request_timeout_ms)",
                    limit.as_millis()
                ),
                1000,
            ))
            .into_response()
        }
    }
}
