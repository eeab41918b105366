//! Incoming webhooks' rate: [`WebhookLimiter`] bounds each webhook's
//! requests. The bodies (Discord's and Slack's) and their rendering to one
//! message are part of the contract, in [`arena_protocol::webhook`] (where
//! they are fuzzed with the frame decoders).

pub use arena_protocol::webhook::{render, IncomingBody};
use arena_protocol::{ErrorBody, ErrorCode};
use std::num::NonZeroU32;

/// Requests per minute one webhook may make: Discord's figure for its
/// webhooks (30 a minute), as issue 8 asks.
pub const PER_MINUTE: u32 = 30;
/// Requests one webhook may make at once before the rate applies.
pub const BURST: u32 = 10;

/// Each webhook's request budget (governor's GCRA), keyed by webhook id and
/// counted on this node. Only webhooks whose token was verified take a key,
/// so the map holds at most one entry per existing webhook; idle entries are
/// dropped as the limiter is used.
#[derive(Debug)]
pub struct WebhookLimiter {
    rate: governor::DefaultKeyedRateLimiter<i64>,
}

impl Default for WebhookLimiter {
    fn default() -> Self {
        Self::new(PER_MINUTE, BURST)
    }
}

impl WebhookLimiter {
    /// `per_minute` requests a minute per webhook, `burst` at once (0 reads as 1).
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let b = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        WebhookLimiter {
            rate: governor::RateLimiter::keyed(governor::Quota::per_minute(n).allow_burst(b)),
        }
    }

    /// Takes one request from the webhook's budget, or `rate_limited` with
    /// the wait in `retry_after_ms`.
    pub fn check(&self, webhook_id: i64) -> Result<(), ErrorBody> {
        let r = self.rate.check_key(&webhook_id).map_err(|not_until| {
            let clock = governor::clock::DefaultClock::default();
            let ms = not_until
                .wait_time_from(governor::clock::Clock::now(&clock))
                .as_millis() as u64
                + 1;
            ErrorBody::retry(
                ErrorCode::RateLimited,
                format!("this webhook may post {PER_MINUTE} times a minute; slow down"),
                ms,
            )
        });
        self.rate.retain_recent();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_allows_the_burst_then_refuses_with_a_wait() {
        let l = WebhookLimiter::new(30, 3);
        for _ in 0..3 {
            assert!(l.check(7).is_ok());
        }
        let e = l
            .check(7)
            .err()
            .map(|e| (e.code, e.retry_after_ms.is_some()));
        assert_eq!(e, Some((ErrorCode::RateLimited, true)));
        assert!(l.check(8).is_ok(), "each webhook has its own budget");
    }
}
