//! The Redis health probe of the bus: a PING every [`PROBE_EVERY`], its
//! round trip recorded in `arena_redis_rtt_seconds`, and when it last
//! answered, which [`super::Bus::ready`] (and so `/readyz`) reads.

use ::redis::aio::ConnectionManager;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How often the health probe PINGs Redis.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);
/// A PING not answered within this counts as failed.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Not ready once no PING answered for this long (issue 11: `/readyz` red
/// within 5 s of losing Redis: this, plus one probe period and timeout).
pub const READY_WITHIN: Duration = Duration::from_secs(3);

/// PINGs Redis every [`PROBE_EVERY`] and records when it last answered
/// (ms since `started`, never 0 once answered) and the round trip.
pub(super) async fn run(
    client: ::redis::Client,
    started: Instant,
    last_pong: Arc<AtomicU64>,
    stop: CancellationToken,
) {
    let mut conn: Option<ConnectionManager> = None;
    loop {
        if conn.is_none() {
            conn = tokio::time::timeout(PROBE_TIMEOUT, client.get_connection_manager())
                .await
                .ok()
                .and_then(Result::ok);
        }
        if let Some(c) = conn.as_mut() {
            let t0 = Instant::now();
            let pong: Result<Result<String, _>, _> =
                tokio::time::timeout(PROBE_TIMEOUT, ::redis::cmd("PING").query_async(c)).await;
            if let Ok(Ok(_)) = pong {
                metrics::histogram!("arena_redis_rtt_seconds").record(t0.elapsed().as_secs_f64());
                let now = (started.elapsed().as_millis() as u64).max(1);
                last_pong.store(now, Ordering::Relaxed);
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(PROBE_EVERY) => {}
        }
    }
}
