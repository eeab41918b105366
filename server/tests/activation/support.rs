//! Helpers of the activation tests: panels, actions, waiting for a
//! PANEL_UPDATE, reading blocks, REST calls.

use crate::common::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::{ErrorBody, Event, Snowflake};
use serde_json::{json, Value};

pub async fn panel(c: &mut GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

pub async fn act(
    c: &mut GatewayClient,
    channel: Snowflake,
    action: &str,
    params: Value,
) -> Result<Value, ErrorBody> {
    c.request(
        "panel.action",
        json!({"channel_id": channel, "action": action, "params": params}),
    )
    .await
    .unwrap()
}

/// The next PANEL_UPDATE of `channel` whose data satisfies `pred`.
pub async fn update_where(
    c: &mut GatewayClient,
    channel: Snowflake,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        match c.next_event(WAIT).await.unwrap() {
            (_, Event::PanelUpdate(u)) if u.channel_id == channel => {
                let p = serde_json::to_value(u.panel).unwrap();
                if pred(&p) {
                    return p;
                }
            }
            _ => {}
        }
    }
}

/// The block of `kind` in a panel.
pub fn block<'a>(panel: &'a Value, kind: &str) -> &'a Value {
    panel["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} block in {panel}"))
}

/// Is checklist item `key` done in a partner's checklist panel?
pub fn item_done(panel: &Value, key: &str) -> bool {
    block(panel, "checklist")["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == key)
        .unwrap_or_else(|| panic!("no item {key} in {panel}"))["done"]
        .as_bool()
        .unwrap()
}

/// The row of the progress table naming `name`.
pub fn row_of<'a>(panel: &'a Value, name: &str) -> &'a Value {
    block(panel, "table")["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row {name} in {panel}"))
}

pub async fn rest(
    s: &TestServer,
    email: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let token = s.demo_token(email).await;
    let mut r = match method {
        "GET" => s.http().get(s.url(path)),
        "PUT" => s.http().put(s.url(path)),
        _ => s.http().post(s.url(path)),
    }
    .bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}
