//! `/healthz` (process up), `/readyz` (Postgres and, on a cluster, Redis
//! reachable), `/metrics` (Prometheus text).

use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// 200 while the process serves.
#[utoipa::path(get, path = "/healthz", responses((status = 200)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Longest wait for Postgres to answer `SELECT 1` before `/readyz` says it is
/// unavailable (issue 11: red within 5 s of losing it).
pub const DATABASE_PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// 200 `ready` when Postgres answers within [`DATABASE_PROBE_TIMEOUT`] and
/// the bus reaches the other nodes (with Redis: a PING answered within the
/// last 3 s); else 503 with the reason (`database unavailable`,
/// `redis unavailable`). A load balancer takes the node out while red.
#[utoipa::path(get, path = "/readyz", responses((status = 200), (status = 503, description = "database or redis unavailable")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(DATABASE_PROBE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => {}
        _ => return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
    match state.bus.ready() {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

/// Prometheus exposition on the main listener (issue 12 item 12): only with
/// `Authorization: Bearer <metrics_token>` (compared in constant time);
/// 401 with another or none; 404 when no `metrics_token` is set (serve it
/// on `metrics_addr` instead, or not at all).
#[utoipa::path(get, path = "/metrics", security(("bearer" = [])), responses((status = 200, description = "Prometheus text"), (status = 401, description = "missing or wrong metrics token"), (status = 404, description = "no metrics_token configured")))]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(want) = state.cfg.metrics_token.as_deref() else {
        return (
            StatusCode::NOT_FOUND,
            "metrics are not served here: set metrics_token or metrics_addr",
        )
            .into_response();
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Hashes first: equal lengths, and the comparison does not stop early.
    let (a, b) = (
        Sha256::digest(want.as_bytes()),
        Sha256::digest(given.as_bytes()),
    );
    if a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        != 0
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need Authorization: Bearer <metrics_token>",
        )
            .into_response();
    }
    metrics_open(State(state)).await.into_response()
}

/// Prometheus exposition: connections, sessions, committed messages, fan-out
/// deliveries, queue-full closes, request latency. Unauthenticated: served
/// so only on the separate `metrics_addr` listener.
pub async fn metrics_open(State(state): State<AppState>) -> impl IntoResponse {
    metrics::gauge!("arena_sessions").set(state.sessions.len() as f64);
    metrics::gauge!("arena_resume_ring_bytes").set(state.hub.ring_bytes() as f64);
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
}
