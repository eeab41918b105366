//! Helpers of the growth tests: REST calls as a demo member, a browser-like
//! client that does not follow redirects, panel requests, and direct reads
//! of the test database.

use super::common::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::Snowflake;
use serde_json::{json, Value};

/// A desktop browser's User-Agent.
pub const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

pub async fn call(
    s: &TestServer,
    method: reqwest::Method,
    email: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let token = s.demo_token(email).await;
    let mut r = s.http().request(method, s.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub async fn post(s: &TestServer, email: &str, path: &str, body: Value) -> (u16, Value) {
    call(s, reqwest::Method::POST, email, path, Some(body)).await
}

pub async fn get(s: &TestServer, email: &str, path: &str) -> (u16, Value) {
    call(s, reqwest::Method::GET, email, path, None).await
}

/// A client like a visitor's browser: no redirects followed.
pub fn visitor() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(BROWSER)
        .build()
        .unwrap()
}

pub async fn panel(c: &mut GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

pub async fn action(
    c: &mut GatewayClient,
    channel: Snowflake,
    action: &str,
    params: Value,
) -> Result<Value, arena_protocol::ErrorBody> {
    c.request(
        "panel.action",
        json!({"channel_id": channel, "action": action, "params": params}),
    )
    .await
    .unwrap()
}

pub fn block_types(panel: &Value) -> Vec<String> {
    panel["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap().to_owned())
        .collect()
}

/// The partner's first referral code (created on first need).
pub async fn first_code(s: &TestServer, email: &str) -> Value {
    let (status, v) = get(s, email, "/api/v1/growth/codes").await;
    assert_eq!(status, 200, "{v}");
    v["codes"][0].clone()
}

/// Clicks of `code` as its partner sees them.
pub async fn clicks(s: &TestServer, email: &str, code: &str) -> i64 {
    let (_, v) = get(s, email, "/api/v1/growth/codes").await;
    v["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap()["clicks"]
        .as_i64()
        .unwrap()
}

/// A pool on the test database for direct reads.
pub async fn pool(db: &TestDb) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&db.url)
        .await
        .unwrap()
}

/// Adds a lead over REST as `email`; answers it.
pub async fn add_lead(s: &TestServer, email: &str, name: &str) -> Value {
    let (status, v) = post(
        s,
        email,
        "/api/v1/growth/leads",
        json!({"name": name, "email": "lead@example.com", "company": "Harbor Gym"}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v
}

/// The next PANEL_UPDATE of `channel` on `c`.
pub async fn next_update(c: &mut GatewayClient, channel: Snowflake) -> Value {
    match c
        .wait_for(
            WAIT,
            |e| matches!(e, arena_protocol::Event::PanelUpdate(u) if u.channel_id == channel),
        )
        .await
    {
        Ok((_, arena_protocol::Event::PanelUpdate(u))) => serde_json::to_value(u.panel).unwrap(),
        other => panic!("expected PANEL_UPDATE, got {other:?}"),
    }
}

/// The value of figure `label` in a panel.
pub fn figure(panel: &Value, label: &str) -> Value {
    panel["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "figures")
        .flat_map(|b| b["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["label"] == label)
        .map(|i| i["value"].clone())
        .unwrap_or_else(|| panic!("no figure {label} in {panel}"))
}
