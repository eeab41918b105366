//! Helpers of the enablement tests: REST calls, a published course,
//! panels, cards in a channel, waiting for a message.

use crate::common::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::{Event, Snowflake};
use serde_json::{json, Value};

/// An HTTP call with a bearer token; (status, JSON body or null).
pub async fn call(
    s: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = s.http().request(m, s.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Staff create and publish a course with `modules` modules; its JSON.
pub async fn published_course(s: &TestServer, title: &str, modules: usize) -> Value {
    let staff = s.demo_token(STAFF).await;
    let mods: Vec<Value> = (1..=modules)
        .map(|i| json!({"title": format!("Module {i}")}))
        .collect();
    let (st, c) = call(
        s,
        "POST",
        "/api/v1/courses",
        &staff,
        Some(json!({"title": title, "modules": mods})),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["status"], "draft");
    let (st, c) = call(
        s,
        "POST",
        &format!("/api/v1/courses/{}/publish", c["id"].as_str().unwrap()),
        &staff,
        None,
    )
    .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["status"], "published");
    c
}

/// Completes every module of `course` over REST as `token`; the last answer.
pub async fn complete_all(s: &TestServer, token: &str, course: &Value) -> Value {
    let mut last = Value::Null;
    for m in course["modules"].as_array().unwrap() {
        let path = format!(
            "/api/v1/courses/{}/modules/{}/complete",
            course["id"].as_str().unwrap(),
            m["id"].as_str().unwrap()
        );
        let (st, v) = call(s, "POST", &path, token, None).await;
        assert_eq!(st, 200, "{v}");
        last = v;
    }
    last
}

pub async fn panel(c: &mut GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

/// The messages of `#key` (newest 100) whose card is of type `card`, as `token` reads them.
pub async fn cards(s: &TestServer, token: &str, channel: Snowflake, card: &str) -> Vec<Value> {
    let (st, v) = call(
        s,
        "GET",
        &format!("/api/v1/channels/{channel}/messages?limit=100"),
        token,
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["card"]["type"] == card)
        .cloned()
        .collect()
}

/// Waits for a MESSAGE_CREATE in `channel`.
pub async fn message_in(
    c: &mut GatewayClient,
    channel: Snowflake,
) -> arena_protocol::model::Message {
    match c
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MessageCreate(m) if m.channel_id == channel),
        )
        .await
    {
        Ok((_, Event::MessageCreate(m))) => *m,
        other => panic!("expected a MESSAGE_CREATE, got {other:?}"),
    }
}
