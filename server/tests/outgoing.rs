//! Outgoing webhooks end to end: a real receiver on a loopback port, events
//! from the outbox signed per Standard Webhooks, retried after an error.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::Encoding;
use base64::Engine;
use common::*;
use hmac::Mac;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver saw: (headers we check, body).
type Seen = Arc<Mutex<Vec<(String, String, String, String)>>>;

/// A receiver that answers 500 to its first request and 204 after.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s2 = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = Arc::clone(&s2);
            async move {
                let h = |k: &str| {
                    headers
                        .get(k)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let mut v = seen.lock().unwrap();
                v.push((
                    h("webhook-id"),
                    h("webhook-timestamp"),
                    h("webhook-signature"),
                    body,
                ));
                if v.len() == 1 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), seen)
}

/// Verifies a signature independently of the server's code.
fn verify(secret: &str, id: &str, ts: &str, body: &str, sig: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    sig.split(' ').any(|s| s == format!("v1,{want}"))
}

async fn wait_for(seen: &Seen, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while seen.lock().unwrap().len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} deliveries",
            seen.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_signed_and_retried_after_a_receiver_error() {
    let (_db, s) = setup().await;
    let (url, seen) = receiver().await;
    let admin = s.demo_token(ADMIN).await;
    let r = s
        .http()
        .post(s.url("/api/v1/webhook-subscriptions"))
        .bearer_auth(&admin)
        .json(&json!({"url": url, "event_types": ["deal_win.recorded", "message.created"], "channels": ["general-chat"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let sub: Value = r.json().await.unwrap();
    let secret = sub["secret"].as_str().unwrap().to_owned();

    // A message in a subscribed channel: message.created.
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let m = post(
        &mut ana,
        channel(&ready, "general-chat").id,
        "hello integrations",
    )
    .await;
    // Refused first (500), delivered on the retry about a second later.
    wait_for(&seen, 2).await;
    let v = seen.lock().unwrap().clone();
    assert_eq!(v[0].0, v[1].0, "a retry keeps its webhook-id");
    for (id, ts, sig, body) in &v {
        assert!(verify(&secret, id, ts, body, sig), "signature of {body}");
        let b: Value = serde_json::from_str(body).unwrap();
        assert_eq!(b["type"], "message.created");
        assert_eq!(b["data"]["id"], m.id.to_string());
    }
    // A message elsewhere is not sent.
    post(&mut ana, channel(&ready, "off-topic").id, "not subscribed").await;
    // A staff deal win: deal_win.recorded.
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let staff = s.demo_token(STAFF).await;
    let r = s
        .http()
        .post(s.url("/api/v1/revenue/deal-wins"))
        .bearer_auth(&staff)
        .json(
            &json!({"partner_id": ana_id.to_string(), "client": "Harbor Gym", "amount_minor": 1000,
                      "currency": "USD", "deal_id": "hook-1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    wait_for(&seen, 3).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let v = seen.lock().unwrap().clone();
    assert_eq!(v.len(), 3, "nothing for #off-topic: {v:?}");
    let b: Value = serde_json::from_str(&v[2].3).unwrap();
    assert_eq!(b["type"], "deal_win.recorded");
    assert_eq!(b["data"]["deal_id"], "hook-1");
    assert!(verify(&secret, &v[2].0, &v[2].1, &v[2].3, &v[2].2));

    // The delivery log shows the failed and the good attempt.
    let id = sub["id"].as_str().unwrap();
    let log: Value = s
        .http()
        .get(s.url(&format!("/api/v1/webhook-subscriptions/{id}/deliveries")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<i64> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["status"].as_i64())
        .collect();
    assert!(statuses.contains(&500) && statuses.contains(&204), "{log}");
    // Partners may not subscribe; bad event types are named.
    let r = s
        .http()
        .post(s.url("/api/v1/webhook-subscriptions"))
        .bearer_auth(s.demo_token(ANA).await)
        .json(&json!({"url": url, "event_types": ["deal_win.recorded"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .http()
        .post(s.url("/api/v1/webhook-subscriptions"))
        .bearer_auth(&admin)
        .json(&json!({"url": "ftp://x", "event_types": ["deal_win.recorded"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
