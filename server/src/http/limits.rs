//! HTTP rate limits (issue 12 item 3): a budget of requests per client
//! address on this node ([`per_ip`], `http_requests_per_minute_per_ip`),
//! and a budget of writes per authenticated member or bot ([`rest_write`],
//! `rest_writes_per_minute`, cluster-wide with Redis). Both answer 429
//! `rate_limited` with `Retry-After` (seconds, RFC 9110 §10.2.3) and
//! `retry_after_ms` in the JSON error body.

use crate::chat::Kind;
use crate::error::ApiError;
use crate::registry::Actor;
use crate::state::AppState;
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Requests between two sweeps of idle addresses out of the counters.
const SWEEP_EVERY: u64 = 4096;

/// Requests per client address on this node: governor's keyed GCRA. One
/// entry per address seen recently; idle ones are swept every
/// [`SWEEP_EVERY`] requests. Node-local by design: a per-address flood is
/// stopped at each node without a Redis round trip per request.
pub struct IpLimiter {
    limiter: governor::DefaultKeyedRateLimiter<IpAddr>,
    requests: AtomicU64,
    /// The proxies whose `X-Forwarded-For` is believed (`trusted_proxies`).
    trusted: Vec<ipnet::IpNet>,
}

impl IpLimiter {
    /// `per_minute` requests per address, burst a quarter of that; the
    /// address is found past the `trusted` proxies ([`crate::client_ip`]).
    pub fn new(per_minute: u32, trusted: Vec<ipnet::IpNet>) -> IpLimiter {
        IpLimiter {
            limiter: governor::RateLimiter::keyed(
                crate::chat::limits::Budget::per_minute(per_minute).quota(),
            ),
            requests: AtomicU64::new(0),
            trusted,
        }
    }

    /// Takes one request of `ip`'s budget; `Err` with the wait in ms.
    fn take(&self, ip: IpAddr) -> Result<(), u64> {
        if self.requests.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            let clock = governor::clock::DefaultClock::default();
            not_until
                .wait_time_from(governor::clock::Clock::now(&clock))
                .as_millis() as u64
                + 1
        })
    }
}

/// Middleware: counts the request against its client address (the peer,
/// or the rightmost `X-Forwarded-For` entry past the trusted proxies,
/// [`crate::client_ip`]); 429 past the budget. A request without either is
/// not counted.
pub async fn per_ip(State(limiter): State<Arc<IpLimiter>>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if let Some(ip) = crate::client_ip::client_ip(peer, req.headers(), &limiter.trusted) {
        if let Err(ms) = limiter.take(ip) {
            metrics::counter!("arena_rate_limited_total", "kind" => "http_ip").increment(1);
            return ApiError(ErrorBody::retry(
                ErrorCode::RateLimited,
                "too many requests from this address; slow down",
                ms,
            ))
            .into_response();
        }
    }
    next.run(req).await
}

/// Whether `method` writes (POST, PATCH, PUT, DELETE).
pub fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    )
}

/// Takes one REST write from `actor`'s budget when `method` writes; 429
/// `rate_limited` past it.
pub async fn rest_write(state: &AppState, actor: &Actor, method: &Method) -> Result<(), ApiError> {
    if is_write(method) {
        state.chat.limiter.check(actor, Kind::RestWrite).await?;
    }
    Ok(())
}
