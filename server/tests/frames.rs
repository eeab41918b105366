//! Bad input closes with its code (PROTOCOL.md §2, §5): every case on a real socket.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::{ClientError, ClientOptions, GatewayClient};
use arena_protocol::frame::{Identify, Resume};
use arena_protocol::{ClientFrame, Encoding};
use common::*;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A server with short identify and heartbeat timeouts (1 s heartbeat → 4009 after 1.5 s).
async fn server() -> (TestDb, TestServer) {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.identify_timeout_ms = 800;
    cfg.heartbeat_interval_ms = 1000;
    let s = TestServer::start_with(cfg).await;
    (db, s)
}

async fn identified(s: &TestServer, enc: Encoding) -> GatewayClient {
    s.login_ws(BEN, enc).await.0
}

/// Sends `msg` and expects the server to close with `code`.
async fn expect_close(c: &mut GatewayClient, msg: WsMessage, code: u16, what: &str) {
    c.send_raw(msg).await.unwrap();
    assert_eq!(c.closed(WAIT).await, Ok(Some(code)), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_frames_close_4002() {
    let (_db, s) = server().await;
    for (enc, msg) in [
        (Encoding::Json, WsMessage::text("this is not json")),
        (Encoding::Json, WsMessage::text(r#"{"op": "one"}"#)),
        (
            Encoding::Json,
            WsMessage::text(r#"{"op": 8, "d": {"nonsense": true}}"#),
        ),
        (Encoding::MsgPack, WsMessage::binary(vec![0xc1, 0xff, 0x00])),
        // JSON in a binary frame on a json connection, and text on a msgpack one.
        (
            Encoding::Json,
            WsMessage::binary(br#"{"op":1,"d":null}"#.to_vec()),
        ),
        (Encoding::MsgPack, WsMessage::text(r#"{"op":1,"d":null}"#)),
    ] {
        let what = format!("{enc:?} {msg:?}");
        let mut c = identified(&s, enc).await;
        expect_close(
            &mut c,
            msg.clone(),
            4002,
            &format!("after IDENTIFY: {what}"),
        )
        .await;
        let mut c = s.connect(enc).await;
        expect_close(&mut c, msg, 4002, &format!("before IDENTIFY: {what}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_opcodes_close_4001() {
    let (_db, s) = server().await;
    for op in [99u8, 11, 10, 0, 12, 4] {
        let json_frame = json!({"op": op, "d": null}).to_string();
        let mut c = identified(&s, Encoding::Json).await;
        expect_close(
            &mut c,
            WsMessage::text(json_frame),
            4001,
            &format!("json op {op}"),
        )
        .await;
        let bin = rmp_serde::to_vec_named(&json!({"op": op, "d": null})).unwrap();
        let mut c = identified(&s, Encoding::MsgPack).await;
        expect_close(
            &mut c,
            WsMessage::binary(bin),
            4001,
            &format!("msgpack op {op}"),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anything_but_heartbeat_before_identify_closes_4003() {
    let (_db, s) = server().await;
    let req = ClientFrame::Request(Box::new(arena_protocol::request::Request {
        id: "r1".into(),
        method: "presence.list".into(),
        params: json!({}),
    }));
    let mut c = s.connect(Encoding::Json).await;
    c.send(&req).await.unwrap();
    assert_eq!(
        c.closed(WAIT).await,
        Ok(Some(4003)),
        "REQUEST before IDENTIFY"
    );
    let mut c = s.connect(Encoding::MsgPack).await;
    c.send(&ClientFrame::PresenceUpdate(
        arena_protocol::frame::PresenceUpdate {
            status: arena_protocol::model::RequestedStatus::Idle,
        },
    ))
    .await
    .unwrap();
    assert_eq!(
        c.closed(WAIT).await,
        Ok(Some(4003)),
        "PRESENCE_UPDATE before IDENTIFY"
    );

    // A heartbeat before IDENTIFY is fine: it is acknowledged and IDENTIFY still works.
    let mut raw = s.raw_ws("v=1&encoding=json").await.unwrap();
    assert!(matches!(raw.next().await, RawFrame::Text(t) if t.contains("\"op\":10")));
    raw.send_text(r#"{"op":1,"d":null}"#).await;
    match raw.next().await {
        RawFrame::Text(t) => {
            assert_eq!(serde_json::from_str::<Value>(&t).unwrap()["op"], 11, "{t}")
        }
        other => panic!("expected HEARTBEAT_ACK, got {other:?}"),
    }
    let token = s.demo_token(BEN).await;
    raw.send_text(&json!({"op": 2, "d": {"token": token}}).to_string())
        .await;
    match raw.next().await {
        RawFrame::Text(t) => assert_eq!(serde_json::from_str::<Value>(&t).unwrap()["t"], "READY"),
        other => panic!("expected READY, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_identify_in_time_closes_4003() {
    let (_db, s) = server().await;
    for enc in [Encoding::Json, Encoding::MsgPack] {
        // Heartbeats do not extend the identify deadline.
        let mut c = s.connect(enc).await;
        assert_eq!(c.hello().heartbeat_interval_ms, 1000);
        assert_eq!(c.closed(WAIT).await, Ok(Some(4003)), "{enc:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_identify_or_resume_closes_4005() {
    let (_db, s) = server().await;
    let token = s.demo_token(BEN).await;
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let mut c = identified(&s, enc).await;
        c.send(&ClientFrame::Identify(Box::new(identify(&token))))
            .await
            .unwrap();
        assert_eq!(
            c.closed(WAIT).await,
            Ok(Some(4005)),
            "{enc:?} second IDENTIFY"
        );
        let mut c = identified(&s, enc).await;
        let sid = c.session_id().unwrap().to_owned();
        let seq = c.last_seq();
        c.send(&ClientFrame::Resume(Box::new(Resume {
            token: token.clone(),
            session_id: sid,
            seq,
            cursors: None,
            panels: None,
        })))
        .await
        .unwrap();
        assert_eq!(
            c.closed(WAIT).await,
            Ok(Some(4005)),
            "{enc:?} RESUME after IDENTIFY"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_close_4004() {
    let (_db, s) = server().await;
    let (tid, uid, role, tier) = s.member("demo", BEN).await;
    let other_key = arena_server::auth::Tokens::new("some-other-secret-0123456789", 60).issue(
        arena_server::ids::TenantId(tid),
        arena_server::ids::UserId(uid),
        role,
        tier.clone(),
        0,
        60,
    );
    // Expired a minute ago (beyond any leeway), otherwise valid.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = arena_server::auth::Claims {
        sub: uid.to_string(),
        tid: tid.to_string(),
        role,
        tier,
        epoch: 0,
        exp: now - 60,
        iat: now - 3600,
        iss: "arena".into(),
        aud: "arena-gateway".into(),
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(s.state.tokens.current_kid().to_owned());
    let expired = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let alg_none = {
        use base64_like::b64;
        let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = b64(format!(
            r#"{{"sub":"{uid}","tid":"{tid}","role":"admin","exp":9999999999,"iat":1,"iss":"arena","aud":"arena-gateway"}}"#
        )
        .as_bytes());
        format!("{header}.{claims}.")
    };
    for (what, token) in [
        ("garbage", "not-a-token".to_owned()),
        ("empty", String::new()),
        ("signed with another key", other_key),
        ("alg none", alg_none),
        ("expired", expired),
    ] {
        for enc in [Encoding::Json, Encoding::MsgPack] {
            let mut c = s.connect(enc).await;
            match c
                .identify(Identify {
                    token: token.clone(),
                    presence: None,
                    channels: None,
                })
                .await
            {
                Err(ClientError::Closed(code)) => assert_eq!(code, Some(4004), "{what} {enc:?}"),
                other => panic!("{what} {enc:?}: expected close 4004, got {other:?}"),
            }
            let mut c = s.connect(enc).await;
            let d = Resume {
                token: token.clone(),
                session_id: "x".repeat(32),
                seq: 1,
                cursors: Some(Default::default()),
                panels: None,
            };
            match c.resume(d).await {
                Err(ClientError::Closed(code)) => {
                    assert_eq!(code, Some(4004), "RESUME {what} {enc:?}")
                }
                other => panic!("RESUME {what} {enc:?}: expected close 4004, got {other:?}"),
            }
        }
    }
}

/// Base64url without padding, enough to hand-make a JWT.
mod base64_like {
    pub fn b64(input: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_over_the_limit_close_4011() {
    let (_db, s) = server().await;
    assert_eq!(s.cfg.max_frame_bytes, 65_536, "docs/protocol.md: 64 KiB");
    let big = "x".repeat(70_000);
    let mut c = identified(&s, Encoding::Json).await;
    let frame = json!({"op": 8, "d": {"id": "r1", "method": "message.create", "params": {"channel_id": "1", "content": big}}});
    expect_close(
        &mut c,
        WsMessage::text(frame.to_string()),
        4011,
        "json, identified",
    )
    .await;
    let mut c = identified(&s, Encoding::MsgPack).await;
    expect_close(
        &mut c,
        WsMessage::binary(rmp_serde::to_vec_named(&frame).unwrap()),
        4011,
        "msgpack, identified",
    )
    .await;
    let mut c = s.connect(Encoding::Json).await;
    let frame = json!({"op": 2, "d": {"token": big}});
    expect_close(
        &mut c,
        WsMessage::text(frame.to_string()),
        4011,
        "json, before IDENTIFY",
    )
    .await;
    // Just under the limit is a normal (refused: too long) request, not a close.
    let mut c = identified(&s, Encoding::Json).await;
    let r = c
        .request(
            "message.create",
            json!({"channel_id": "1", "content": "y".repeat(60_000)}),
        )
        .await
        .unwrap();
    assert!(r.is_err(), "{r:?}");
    assert!(
        c.request("presence.list", json!({})).await.unwrap().is_ok(),
        "still connected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_silence_closes_4009() {
    let (_db, s) = server().await;
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let token = s.demo_token(BEN).await;
        let mut c = s
            .connect_opts(ClientOptions {
                encoding: enc,
                auto_heartbeat: false,
                ..ClientOptions::default()
            })
            .await;
        c.identify(identify(&token)).await.unwrap();
        assert_eq!(c.closed(WAIT).await, Ok(Some(4009)), "{enc:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_errors_never_close_the_connection() {
    let (_db, s) = server().await;
    let mut c = identified(&s, Encoding::Json).await;
    for (method, params) in [
        ("no.such.method", json!({})),
        (
            "message.create",
            json!({"channel_id": "not-a-number", "content": "x"}),
        ),
        ("message.create", json!({"content": "missing channel"})),
        ("channel.history", json!({"channel_id": "1", "limit": 1000})),
        (
            "message.edit",
            json!({"message_id": "123", "content": "nope"}),
        ),
    ] {
        let e = c.request(method, params.clone()).await.unwrap();
        assert!(e.is_err(), "{method} {params}: {e:?}");
    }
    assert!(
        c.request("presence.list", json!({})).await.unwrap().is_ok(),
        "still connected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_version_or_encoding_is_http_400_before_upgrade() {
    let (_db, s) = server().await;
    for q in [
        "v=2&encoding=json",
        "encoding=json",
        "v=1&encoding=xml",
        "v=1",
        "v=1&encoding=JSON2",
        "v=one&encoding=msgpack",
    ] {
        match s.raw_ws(q).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 400, "{q}")
            }
            Err(e) => panic!("{q}: expected HTTP 400, got {e}"),
            Ok(_) => panic!("{q}: the upgrade must be refused"),
        }
        // The body is the usual error shape.
        let r = s
            .http()
            .get(s.url(&format!("/gateway?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{q}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{q}: {body}");
    }
    // The good ones upgrade.
    for enc in ["json", "msgpack"] {
        assert!(
            s.raw_ws(&format!("v=1&encoding={enc}")).await.is_ok(),
            "{enc}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flooding_frames_closes_4008() {
    let (_db, s) = server().await;
    assert_eq!(
        s.cfg.frames_per_minute, 240,
        "default: 240 a minute, burst 60"
    );
    let mut c = identified(&s, Encoding::Json).await;
    // 200 frames at once: the limiter trips at ~61 while the rest are still in
    // flight. The client must still learn why it was closed (4008), i.e. the
    // server must not reset the TCP connection under the close frame.
    for _ in 0..200 {
        if c.send(&ClientFrame::Heartbeat(None)).await.is_err() {
            break;
        }
    }
    assert_eq!(
        c.closed(WAIT).await,
        Ok(Some(4008)),
        "no close code: the connection was reset (RST) before the client could read the close frame"
    );
    // Another session of the same member is unaffected.
    let mut other = identified(&s, Encoding::Json).await;
    assert!(other
        .request("presence.list", json!({}))
        .await
        .unwrap()
        .is_ok());
}
