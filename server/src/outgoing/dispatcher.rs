//! The dispatcher: every [`TICK`] it claims due outbox rows (across
//! tenants; each row names its tenant) for its free slots, at most [`BATCH`]
//! deliveries in flight, POSTs each to its
//! subscription's URL with the Standard Webhooks headers, and records the
//! attempt. A 2xx answer delivers it; anything else retries after 1 s, 2 s,
//! 4 s … (capped at an hour) until [`MAX_ATTEMPTS`], then gives up. Rows are
//! leased while in flight, so several nodes may run a dispatcher.

use super::signature;
use super::target::{check_literal, PublicOnly};
use crate::store::{DueWebhook, Store};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How often due rows are looked for.
pub const TICK: Duration = Duration::from_millis(500);
/// Deliveries in flight at once (and rows claimed per tick).
pub const BATCH: i64 = 32;
/// Attempts before an event is given up (the last wait is about an hour).
pub const MAX_ATTEMPTS: i32 = 12;
/// How long a claimed row is kept from other dispatchers, s (above the timeout).
const LEASE_S: i64 = 60;
/// Time a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often delivered and given-up events are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Days delivered and given-up events (and their attempt log) are kept.
const KEEP_DAYS: i32 = 7;
/// Longest error text kept in the delivery log.
const MAX_ERROR: usize = 500;

/// The wait before attempt `n + 1` after `n` failed attempts (n ≥ 1).
pub fn backoff(failed: i32) -> Duration {
    let exp = u32::try_from(failed.saturating_sub(1)).unwrap_or(0).min(12);
    Duration::from_secs(2u64.pow(exp)).min(Duration::from_secs(3600))
}

/// Runs until `shutdown`; deliveries in flight finish first. Receivers must
/// be public addresses unless `allow_private` ([`super::target`]).
pub async fn run(store: Store, shutdown: CancellationToken, allow_private: bool) {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(std::sync::Arc::new(PublicOnly { allow_private }))
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client; outgoing webhooks are off");
            return;
        }
    };
    let mut inflight = JoinSet::new();
    let mut pruned = Instant::now();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(TICK) => {}
        }
        while inflight.try_join_next().is_some() {}
        // A slow receiver holds one slot, not the whole round.
        let free = BATCH - inflight.len() as i64;
        if free > 0 {
            match store.claim_due_webhooks(free, LEASE_S).await {
                Ok(due) => {
                    for w in due {
                        let (store, client) = (store.clone(), client.clone());
                        inflight
                            .spawn(async move { deliver(&store, &client, w, allow_private).await });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming webhooks"),
            }
        }
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = Instant::now();
            if let Err(e) = store.delete_old_webhook_events(KEEP_DAYS).await {
                tracing::warn!(error = %e, "pruning webhook events");
            }
        }
    }
    // Deliveries in flight finish (each is bounded by the timeout).
    while inflight.join_next().await.is_some() {}
}

/// The JSON body: `{type, timestamp, data}` (Standard Webhooks' payload shape).
fn body(w: &DueWebhook) -> String {
    let data: serde_json::Value =
        serde_json::from_str(&w.payload).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "type": w.event_type,
        "timestamp": crate::store::rfc3339(w.created_at),
        "data": data,
    })
    .to_string()
}

async fn deliver(store: &Store, client: &reqwest::Client, w: DueWebhook, allow_private: bool) {
    let id = format!("msg_{}_{}", w.event_id, w.subscription_id);
    let ts = OffsetDateTime::now_utc().unix_timestamp();
    let body = body(&w);
    let started = Instant::now();
    let target = reqwest::Url::parse(&w.url)
        .map_err(|e| e.to_string())
        .and_then(|u| check_literal(&u, allow_private));
    let (delivered, status, error) = match (target, signature::sign(&w.secret, &id, ts, &body)) {
        (Err(e), _) => (false, None, e),
        (_, None) => (false, None, "malformed secret".to_owned()),
        (Ok(()), Some(sig)) => {
            let r = client
                .post(&w.url)
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", sig)
                .body(body)
                .send()
                .await;
            match r {
                Ok(resp) if resp.status().is_success() => {
                    (true, Some(resp.status().as_u16()), String::new())
                }
                Ok(resp) => (
                    false,
                    Some(resp.status().as_u16()),
                    format!("HTTP {}", resp.status()),
                ),
                Err(e) => (false, None, e.to_string().chars().take(MAX_ERROR).collect()),
            }
        }
    };
    let ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let failed = w.attempts + 1;
    let retry_at =
        (!delivered && failed < MAX_ATTEMPTS).then(|| OffsetDateTime::now_utc() + backoff(failed));
    metrics::counter!("arena_webhook_attempts_total", "delivered" => if delivered { "yes" } else { "no" }).increment(1);
    if let Err(e) = store
        .update_webhook_attempt(&w, delivered, status.map(i32::from), &error, ms, retry_at)
        .await
    {
        // The lease runs out and the row is tried again: at least once.
        tracing::warn!(error = %e, event = w.event_id, "recording a webhook attempt");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(40), Duration::from_secs(3600));
    }
}
