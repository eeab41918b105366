//! Ack after commit: with Postgres unreachable (a proxy between the server and
//! Postgres is severed), `message.create` answers `unavailable` and nothing is
//! dispatched; once Postgres is back, sends work again.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::{Encoding, ErrorCode, Event};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_create_is_unavailable_while_postgres_is_down_and_nothing_is_dispatched() {
    let db = TestDb::create().await;
    let proxy = PgProxy::start(&db.url).await;
    let s = TestServer::start(&proxy.url(&db.url)).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let general = channel(&ready, "general-chat").id;
    let before = post(&mut ana, general, "before the outage").await;
    assert_eq!(next_create(&mut ben).await.id, before.id);
    assert_eq!(next_create(&mut ana).await.id, before.id);

    let token = s.demo_token(STAFF).await;
    proxy.sever();
    // Gateway: ok:false, code unavailable (retryable), and the connection lives.
    let e = ana
        .request(
            "message.create",
            json!({"channel_id": general, "content": "lost in the outage", "nonce": "o1"}),
        )
        .await
        .expect("an answer, not a timeout or a close")
        .expect_err("no ack while Postgres is down");
    assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");
    // MessagePack client too.
    let e = ben
        .request(
            "message.create",
            json!({"channel_id": general, "content": "also lost"}),
        )
        .await
        .unwrap()
        .expect_err("no ack while Postgres is down");
    assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");
    // REST: 503 with the error shape.
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{general}/messages")))
        .bearer_auth(&token)
        .json(&json!({"content": "rest in the outage"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let r = s.http().get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503, "/readyz reports the database");
    // Nothing was dispatched to anyone.
    for (who, c) in [("ben", &mut ben), ("ana", &mut ana)] {
        assert_no_event(
            c,
            &format!("{who}: no MESSAGE_CREATE for an unacknowledged message"),
            |e| matches!(e, Event::MessageCreate(_)),
        )
        .await;
    }

    proxy.restore();
    // The pool reconnects; the first sends may still fail while it does.
    let mut after = None;
    for _ in 0..30 {
        match ana
            .request(
                "message.create",
                json!({"channel_id": general, "content": "after the outage"}),
            )
            .await
            .unwrap()
        {
            Ok(v) => {
                after = Some(v);
                break;
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    let after: arena_protocol::model::Message =
        serde_json::from_value(after.expect("sends work again after the restore")).unwrap();
    assert_eq!(
        after.channel_seq,
        before.channel_seq + 1,
        "the failed sends left no trace in the log"
    );
    assert_eq!(next_create(&mut ben).await, after);
    assert_eq!(next_create(&mut ana).await, after);
    let r = s.http().get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // History holds neither of the refused messages.
    let h = ana
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 5}),
        )
        .await
        .unwrap()
        .unwrap();
    let contents: Vec<&str> = h["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(&contents[..2], ["after the outage", "before the outage"]);
    for lost in ["lost in the outage", "also lost", "rest in the outage"] {
        assert!(!contents.contains(&lost), "{lost:?} was refused but stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_writes_are_unavailable_too_and_the_connection_survives() {
    let db = TestDb::create().await;
    let proxy = PgProxy::start(&db.url).await;
    let s = TestServer::start(&proxy.url(&db.url)).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let m = post(&mut ana, general, "edit me later").await;
    next_create(&mut ben).await;

    proxy.sever();
    for (method, params) in [
        (
            "message.edit",
            json!({"message_id": m.id, "content": "edited in the dark"}),
        ),
        ("message.delete", json!({"message_id": m.id})),
        ("reaction.add", json!({"message_id": m.id, "emoji": "🌑"})),
        ("channel.history", json!({"channel_id": general})),
        (
            "channel.events",
            json!({"channel_id": general, "after_seq": 0}),
        ),
    ] {
        let e = ana
            .request(method, params)
            .await
            .expect("answered")
            .expect_err("must fail while Postgres is down");
        assert_eq!(e.code, ErrorCode::Unavailable, "{method}: {e:?}");
    }
    assert_no_event(&mut ben, "no change dispatched", is_log_event).await;
    proxy.restore();
    let mut ok = false;
    for _ in 0..30 {
        if ana
            .request(
                "message.edit",
                json!({"message_id": m.id, "content": "edited in the light"}),
            )
            .await
            .unwrap()
            .is_ok()
        {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ok, "edits work again after the restore");
    match ben
        .wait_for(WAIT, |e| matches!(e, Event::MessageUpdate(_)))
        .await
    {
        Ok((_, Event::MessageUpdate(u))) => assert_eq!(u.content, "edited in the light"),
        other => panic!("expected MESSAGE_UPDATE, got {other:?}"),
    }
}
