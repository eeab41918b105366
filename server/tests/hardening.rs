//! Issue 12 item 12, the smaller holes: the gateway's origin allowlist (403
//! before the upgrade), one `not_found` for message ids the caller cannot
//! see, the moderation rank check, RESUME `seq` kept in range, `/metrics`
//! behind a token or its own listener, and a CSP `connect-src` of the
//! configured origins only. (MessagePack depth: protocol/tests/depth.rs.)

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::ClientError;
use arena_protocol::{Encoding, ErrorCode};
use arena_server::config::Config;
use common::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// Opens `/gateway` with this `Origin` (none: `None`); the HTTP status of a refusal, or 101.
async fn upgrade_status(s: &TestServer, origin: Option<&str>) -> u16 {
    let mut req = format!("{}/gateway?v=1&encoding=json", s.ws)
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut()
            .insert("origin", HeaderValue::from_str(o).unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((_, resp)) => resp.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("upgrade: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_refuses_other_sites_origins_before_the_upgrade() {
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        allowed_origins: vec!["http://localhost:5173".into()],
        public_url: Some("https://partners.example.com".into()),
        ..test_config(&db.url)
    })
    .await;
    let same_host = s.http.clone();
    assert_eq!(upgrade_status(&s, None).await, 101, "bots send no Origin");
    assert_eq!(
        upgrade_status(&s, Some(&same_host)).await,
        101,
        "the served page"
    );
    assert_eq!(upgrade_status(&s, Some("http://localhost:5173")).await, 101);
    assert_eq!(
        upgrade_status(&s, Some("https://partners.example.com")).await,
        101
    );
    for evil in ["https://evil.example", "null", "http://127.0.0.1:1"] {
        assert_eq!(upgrade_status(&s, Some(evil)).await, 403, "{evil}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_id_in_a_hidden_channel_is_as_unknown_as_a_missing_one() {
    let (_db, s) = setup().await;
    let (mut staff, sready) = s.login_ws(STAFF, Encoding::Json).await;
    let hidden = channel(&sready, "executive-briefing").id;
    let secret = post(&mut staff, hidden, "board only").await;
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let missing = "4242424242424242";
    for (method, hidden_params, missing_params) in [
        (
            "reaction.add",
            json!({"message_id": secret.id, "emoji": "👀"}),
            json!({"message_id": missing, "emoji": "👀"}),
        ),
        (
            "message.edit",
            json!({"message_id": secret.id, "content": "x"}),
            json!({"message_id": missing, "content": "x"}),
        ),
        (
            "message.delete",
            json!({"message_id": secret.id}),
            json!({"message_id": missing}),
        ),
        (
            "message.create",
            json!({"channel_id": general, "content": "re", "reply_to": secret.id}),
            json!({"channel_id": general, "content": "re", "reply_to": missing}),
        ),
    ] {
        let a = ben
            .request(method, hidden_params)
            .await
            .unwrap()
            .unwrap_err();
        let b = ben
            .request(method, missing_params)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(a.code, ErrorCode::NotFound, "{method}: {a:?}");
        assert_eq!(a, b, "{method}: the same answer for hidden and missing");
    }
    // REST: the same body for a hidden message (through a readable channel's
    // path) and a missing one.
    let token = s.demo_token(BEN).await;
    let mut bodies = Vec::new();
    for id in [secret.id.to_string(), missing.to_owned()] {
        let r = s
            .http()
            .patch(s.url(&format!("/api/v1/channels/{general}/messages/{id}")))
            .bearer_auth(&token)
            .json(&json!({"content": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        bodies.push(r.text().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_cannot_time_out_or_kick_their_rank_or_above() {
    let (_db, s) = setup().await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut admin, aready) = s.login_ws(ADMIN, Encoding::Json).await;
    let (_ben, bready) = s.login_ws(BEN, Encoding::Json).await;
    let admin_id = aready.user.id;
    let staff_id = staff_user_id(&s).await;
    for (method, params) in [
        (
            "moderation.timeout",
            json!({"user_id": admin_id, "minutes": 5, "reason": "coup"}),
        ),
        (
            "moderation.kick",
            json!({"user_id": admin_id, "reason": "coup"}),
        ),
        (
            "moderation.timeout",
            json!({"user_id": staff_id, "minutes": 5, "reason": "self"}),
        ),
    ] {
        let e = staff.request(method, params).await.unwrap().unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{method}: {e:?}");
    }
    // Downwards it works: staff on a partner, admin on staff.
    staff
        .request(
            "moderation.timeout",
            json!({"user_id": bready.user.id, "minutes": 1, "reason": "calm"}),
        )
        .await
        .unwrap()
        .unwrap();
    admin
        .request(
            "moderation.timeout",
            json!({"user_id": staff_id, "minutes": 1, "reason": "calm"}),
        )
        .await
        .unwrap()
        .unwrap();
    let e = admin
        .request(
            "moderation.kick",
            json!({"user_id": admin_id, "reason": "self"}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::Forbidden,
        "an admin is not above themselves"
    );
}

async fn staff_user_id(s: &TestServer) -> arena_protocol::Snowflake {
    let store = &s.state.store;
    let t = store.fetch_tenant_by_slug(tenant_of(STAFF)).await.unwrap();
    let u = store.fetch_user_by_email(t.id, STAFF).await.unwrap();
    u.id.snowflake()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_seq_out_of_range_is_4007() {
    let (_db, s) = setup().await;
    let token = s.demo_token(BEN).await;
    let resume = |session_id: String, seq: u64| arena_protocol::frame::Resume {
        token: token.clone(),
        session_id,
        seq,
        cursors: Some(Default::default()),
        panels: None,
    };
    // A session this node does not hold: a seq no client can have seen.
    let mut c = s.connect(Encoding::Json).await;
    let r = c.resume(resume("f".repeat(32), u64::MAX)).await;
    assert!(matches!(r, Err(ClientError::Closed(Some(4007)))), "{r:?}");
    // A session it holds: past its last `s`.
    // Still attached: a RESUME takes a held session over from its socket.
    let (c1, ready) = s.login_ws(BEN, Encoding::Json).await;
    let held = c1.last_seq();
    let mut c = s.connect(Encoding::Json).await;
    let r = c
        .resume(resume(ready.session_id.clone(), held + 1000))
        .await;
    assert!(matches!(r, Err(ClientError::Closed(Some(4007)))), "{r:?}");
    drop(c1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_token_or_their_own_listener() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let get = |url: String, token: Option<&'static str>| {
        let mut r = s.http().get(url);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(s.url("/metrics"), None).await, 404, "off by default");
    s.stop().await;

    let port = free_port();
    let s = TestServer::start_with(Config {
        metrics_token: Some("metrics-token-0123456789".into()),
        metrics_addr: Some(([127, 0, 0, 1], port).into()),
        ..test_config(&db.url)
    })
    .await;
    let client = s.http().clone();
    let get = |url: String, token: Option<&'static str>| {
        let mut r = client.get(url);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(s.url("/metrics"), None).await, 401);
    assert_eq!(
        get(s.url("/metrics"), Some("wrong-token-0123456789")).await,
        401
    );
    assert_eq!(
        get(s.url("/metrics"), Some("metrics-token-0123456789")).await,
        200
    );
    let own = format!("http://127.0.0.1:{port}/metrics");
    assert_eq!(
        get(own, None).await,
        200,
        "the metrics listener needs no token"
    );
    let other = format!("http://127.0.0.1:{port}/healthz");
    assert_eq!(get(other, None).await, 404, "and serves nothing else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csp_connects_only_to_the_configured_origins() {
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        public_url: Some("https://partners.example.com".into()),
        allowed_origins: vec!["http://localhost:5173".into()],
        ..test_config(&db.url)
    })
    .await;
    let r = s.http().get(s.url("/healthz")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let connect = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("connect-src"))
        .unwrap();
    let sources: Vec<&str> = connect.split_whitespace().skip(1).collect();
    assert_eq!(
        sources,
        [
            "'self'",
            "https://partners.example.com",
            "wss://partners.example.com",
            "http://localhost:5173",
            "ws://localhost:5173"
        ],
        "{csp}"
    );
}
