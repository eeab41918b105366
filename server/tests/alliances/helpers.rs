//! Shared steps of the alliance tests: REST calls as a demo member, a
//! multipart CSV upload, panel reads and waits, and a second staff member.

use crate::common::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::{Event, Snowflake};
use serde_json::{json, Value};

pub const DIRECTORY: &str = "alliance-directory";
pub const WORKSPACE: &str = "partner-workspace";
pub const NOTICES: &str = "alliance-notices";
/// A second staff member of the demo tenant (added by [`add_staff`]).
pub const SAM: &str = "second-staff@demo.test";

/// A REST call with `token`: (status, body).
pub async fn call_as(
    s: &TestServer,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = s.url(path);
    let req = match method {
        "GET" => s.http().get(url),
        "PATCH" => s.http().patch(url),
        _ => s.http().post(url),
    }
    .bearer_auth(token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A REST call as demo member `email`.
pub async fn call(
    s: &TestServer,
    email: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let token = s.demo_token(email).await;
    call_as(s, &token, method, path, body).await
}

/// Adds SAM, a staff member of the demo tenant; their token.
pub async fn add_staff(s: &TestServer) -> String {
    let (tid, _, _, _) = s.member("demo", STAFF).await;
    s.state
        .store
        .insert_user(
            arena_server::ids::TenantId(tid),
            arena_server::ids::UserId(9_000_000_001),
            SAM,
            "Second Staff",
            "staff",
            None,
            None,
        )
        .await
        .unwrap();
    s.token("demo", SAM).await
}

/// The demo member's id as a decimal string.
pub async fn member_id(s: &TestServer, email: &str) -> String {
    let (_, uid, _, _) = s.member(tenant_of(email), email).await;
    uid.to_string()
}

/// Staff creates an alliance named `name` with `members` (emails); its id.
pub async fn alliance(s: &TestServer, name: &str, members: &[&str]) -> String {
    let mut ids = Vec::new();
    for m in members {
        ids.push(member_id(s, m).await);
    }
    let (status, a) = call(s, STAFF, "POST", "/api/v1/alliances",
        Some(json!({"name": name, "tier": "gold", "region": "EMEA", "industry": "Retail", "member_ids": ids}))).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["status"], "prospect");
    a["id"].as_str().unwrap().to_owned()
}

/// Moves alliance `id` to `to` as `email`: (status, body).
pub async fn move_to(s: &TestServer, email: &str, id: &str, to: &str) -> (u16, Value) {
    call(
        s,
        email,
        "POST",
        &format!("/api/v1/alliances/{id}/status"),
        Some(json!({"status": to, "reason": "test"})),
    )
    .await
}

/// POSTs `csv` to the import as `email` (multipart, part `file`).
pub async fn import(s: &TestServer, email: &str, csv: &str) -> (u16, Value) {
    let token = s.demo_token(email).await;
    let b = "arenaAllianceBoundary7";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"alliances.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    );
    let r = s
        .http()
        .post(s.url("/api/v1/alliances/import"))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// The panel of `channel` as the client's member sees it.
pub async fn panel(c: &mut GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

/// The next PANEL_UPDATE of `channel` whose data contains `needle`.
pub async fn update_with(c: &mut GatewayClient, channel: Snowflake, needle: &str) -> Value {
    loop {
        match c
            .wait_for(
                WAIT,
                |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == channel),
            )
            .await
        {
            Ok((_, Event::PanelUpdate(u))) => {
                let v = serde_json::to_value(u.panel).unwrap();
                if v.to_string().contains(needle) {
                    return v;
                }
            }
            other => panic!("expected PANEL_UPDATE with {needle:?}, got {other:?}"),
        }
    }
}

/// The verbs of alliance `id`'s timeline, newest first.
pub async fn verbs(s: &TestServer, id: &str) -> Vec<String> {
    let (status, page) = call(
        s,
        STAFF,
        "GET",
        &format!("/api/v1/alliances/{id}/activities?limit=100"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["verb"].as_str().unwrap().to_owned())
        .collect()
}
