//! The dispatcher: every [`TICK`] it claims up to [`BATCH`] due outbox rows
//! (across tenants; each row names its tenant), POSTs each to its
//! subscription's URL with the Standard Webhooks headers, and records the
//! attempt. A 2xx answer delivers it; anything else retries after 1 s, 2 s,
//! 4 s … (capped at an hour) until [`MAX_ATTEMPTS`], then gives up. Rows are
//! leased while in flight, so several nodes may run a dispatcher.

use super::signature;
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
/// Longest error text kept in the delivery log.
const MAX_ERROR: usize = 500;

/// The wait before attempt `n + 1` after `n` failed attempts (n ≥ 1).
pub fn backoff(failed: i32) -> Duration {
    let exp = u32::try_from(failed.saturating_sub(1)).unwrap_or(0).min(12);
    Duration::from_secs(2u64.pow(exp)).min(Duration::from_secs(3600))
}

/// Runs until `shutdown`; deliveries in flight finish first.
pub async fn run(store: Store, shutdown: CancellationToken) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client; outgoing webhooks are off");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(TICK) => {}
        }
        let due = match store.claim_due_webhooks(BATCH, LEASE_S).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "claiming webhooks");
                continue;
            }
        };
        let mut inflight = JoinSet::new();
        for w in due {
            let (store, client) = (store.clone(), client.clone());
            inflight.spawn(async move { deliver(&store, &client, w).await });
        }
        while inflight.join_next().await.is_some() {}
    }
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

async fn deliver(store: &Store, client: &reqwest::Client, w: DueWebhook) {
    let id = format!("msg_{}_{}", w.event_id, w.subscription_id);
    let ts = OffsetDateTime::now_utc().unix_timestamp();
    let body = body(&w);
    let started = Instant::now();
    let (delivered, status, error) = match signature::sign(&w.secret, &id, ts, &body) {
        None => (false, None, "malformed secret".to_owned()),
        Some(sig) => {
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
