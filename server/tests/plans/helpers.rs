//! Helpers of the app-plans tests: REST calls as a demo member, panel
//! requests, waiting for a plan's narrative, and a fake chat-completions
//! endpoint (a small axum server on an ephemeral port) for the writer.

use super::common::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::{Event, Snowflake};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

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

/// The wizard's answers for Harbor Gym (REST shape).
pub fn gym_answers(client: &str) -> Value {
    json!({
        "client_name": client,
        "template": "gym",
        "goals": "Fill the early classes",
        "audience": "Members who train before work",
        "colors": "navy, orange",
        "tone": "energetic",
        "features": ["push", "bookings"],
        "features_other": "class waitlists",
    })
}

/// Creates a plan as `email` over REST; answers the plan.
pub async fn create_plan(s: &TestServer, email: &str, client: &str) -> Value {
    let (status, v) = post(s, email, "/api/v1/app-plans", gym_answers(client)).await;
    assert_eq!(status, 201, "{v}");
    v
}

/// The plan once its narrative is no longer being written (bounded by
/// [`WAIT`], only to avoid a hang).
pub async fn written(s: &TestServer, email: &str, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, v) = get(s, email, &format!("/api/v1/app-plans/{id}")).await;
        assert_eq!(status, 200, "{v}");
        if v["narrative"] != "writing" {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "still writing: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
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

/// The next message created in `channel` on `c`.
pub async fn next_message_in(
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
        other => panic!("expected MESSAGE_CREATE, got {other:?}"),
    }
}

/// A fake OpenAI-compatible endpoint: `POST /v1/chat/completions` answers
/// "Rewritten: <section title>" once the gate lets a request through, or
/// HTTP 500 when `failing`. It records each request's body and
/// `Authorization` header.
pub struct FakeLlm {
    pub url: String,
    pub gate: Arc<Semaphore>,
    pub seen: Arc<Mutex<Vec<(Value, String)>>>,
}

#[derive(Clone)]
struct FakeState {
    gate: Arc<Semaphore>,
    seen: Arc<Mutex<Vec<(Value, String)>>>,
    failing: bool,
}

async fn completions(
    State(st): State<FakeState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    st.seen.lock().unwrap().push((body.clone(), auth));
    if let Ok(p) = st.gate.acquire().await {
        p.forget();
    }
    if st.failing {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": "down"})),
        );
    }
    let user = body["messages"][1]["content"].as_str().unwrap_or_default();
    let title = user
        .lines()
        .find_map(|l| l.strip_prefix("Section: "))
        .unwrap_or("?");
    (
        StatusCode::OK,
        Json(json!({
            "id": "chatcmpl-test", "object": "chat.completion",
            "choices": [{ "index": 0, "finish_reason": "stop",
                          "message": { "role": "assistant", "content": format!("Rewritten: {title}") } }],
        })),
    )
}

impl FakeLlm {
    /// Starts the fake; `open` requests pass the gate at once (more with
    /// `gate.add_permits`).
    pub async fn start(failing: bool, open: usize) -> FakeLlm {
        let gate = Arc::new(Semaphore::new(open));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/v1/chat/completions", routing::post(completions))
            .with_state(FakeState {
                gate: Arc::clone(&gate),
                seen: Arc::clone(&seen),
                failing,
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeLlm {
            url: format!("http://{addr}/v1"),
            gate,
            seen,
        }
    }

    /// A test server whose writer is this fake.
    pub async fn server(&self, db: &TestDb) -> TestServer {
        let mut cfg = test_config(&db.url);
        cfg.llm_url = Some(self.url.clone());
        cfg.llm_model = Some("test-model".into());
        cfg.llm_api_key = Some("sk-test-key".into());
        TestServer::start_with(cfg).await
    }
}
