//! `/healthz` (process up), `/readyz` (Postgres and, on a cluster, Redis
//! reachable), `/metrics` (Prometheus text).

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

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

/// Prometheus exposition: connections, sessions, committed messages, fan-out
/// deliveries, queue-full closes, request latency.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    metrics::gauge!("arena_sessions").set(state.sessions.len() as f64);
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
