//! Helpers of the support tests: REST calls as a demo member, uploads,
//! panel requests and waiting for PANEL_UPDATE.

use super::common::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::{Event, Snowflake};
use serde_json::{json, Value};

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

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

/// Opens a case as `email` over REST; answers its id.
pub async fn open_case(s: &TestServer, email: &str, subject: &str, priority: &str) -> String {
    let (status, v) = post(
        s,
        email,
        "/api/v1/support/cases",
        json!({"subject": subject, "body": "The payout report shows nothing since Monday.", "priority": priority}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

pub async fn upload(s: &TestServer, email: &str, name: &str) -> String {
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/files?name={name}")))
        .bearer_auth(s.demo_token(email).await)
        .header("content-type", "application/pdf")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
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

/// The next PANEL_UPDATE of `channel` on `c`.
pub async fn next_update(c: &mut GatewayClient, channel: Snowflake) -> Value {
    match c
        .wait_for(
            WAIT,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == channel),
        )
        .await
    {
        Ok((_, Event::PanelUpdate(u))) => serde_json::to_value(u.panel).unwrap(),
        other => panic!("expected PANEL_UPDATE, got {other:?}"),
    }
}

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

pub fn block_types(panel: &Value) -> Vec<String> {
    panel["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn ana_id(s: &TestServer) -> String {
    s.member("demo", ANA).await.1.to_string()
}
