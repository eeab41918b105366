//! Gateway behaviour beyond chatting: HELLO/heartbeats, dispatch envelope
//! layout, IDENTIFY with a channel subset, presence, read states, members,
//! and RECONNECT on shutdown.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::frame::{Identify, PresenceUpdate};
use arena_protocol::model::{RequestedStatus, Status};
use arena_protocol::{ClientFrame, Encoding, Event};
use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_heartbeat_ack_and_dispatch_envelope() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let mut raw = s.raw_ws("v=1&encoding=json").await.unwrap();
    let hello: Value = match raw.next().await {
        RawFrame::Text(t) => serde_json::from_str(&t).unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(hello["op"], 10);
    assert_eq!(
        hello["d"]["heartbeat_interval_ms"],
        s.cfg.heartbeat_interval_ms
    );
    assert_eq!(hello["d"]["node_id"], "node-1");
    assert!(
        hello["s"].is_null() && hello["t"].is_null(),
        "s and t only on DISPATCH: {hello}"
    );
    let token = s.demo_token(ANA).await;
    raw.send_text(&json!({"op": 2, "d": {"token": token}}).to_string())
        .await;
    let ready = match raw.next().await {
        RawFrame::Text(t) => t,
        other => panic!("{other:?}"),
    };
    // docs/protocol.md: dispatch fields in the order op, t, d, s; s last.
    assert!(
        ready.starts_with(r#"{"op":0,"t":"READY","d":{"#),
        "{}",
        &ready[..60.min(ready.len())]
    );
    assert!(
        ready.ends_with(r#","s":1}"#),
        "…{}",
        &ready[ready.len().saturating_sub(40)..]
    );
    let v: Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(v["s"], 1);
    // Heartbeat after IDENTIFY: acknowledged.
    raw.send_text(r#"{"op":1,"d":1}"#).await;
    loop {
        match raw.next().await {
            RawFrame::Text(t) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["op"] == 11 {
                    break;
                }
                assert_eq!(v["op"], 0, "only dispatches before the ack: {t}");
            }
            other => panic!("expected HEARTBEAT_ACK, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_with_a_channel_subset_only_gets_those_channels() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let deals = channel(&ready, "deal-wins").id;
    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::MsgPack).await;
    let ready_b = ben
        .identify(Identify {
            token,
            presence: None,
            channels: Some(vec![deals]),
        })
        .await
        .unwrap();
    assert!(
        ready_b.channels.iter().all(|c| c.id == deals) && ready_b.channels.len() == 1,
        "READY lists only the requested subset"
    );
    post(&mut ana, general, "not for ben's subscription").await;
    let m = post(&mut ana, deals, "a deal").await;
    let got = next_create(&mut ben).await;
    assert_eq!(got, m, "only the subscribed channel's messages arrive");
    assert_no_event(&mut ben, "nothing from unsubscribed channels", |e| {
        e.channel_id() == Some(general)
    })
    .await;
    // Asking for a channel one may not read subscribes to nothing.
    let beta = channel(&ready, "beta-features").id;
    let token = s.demo_token(BEN).await;
    let mut ben2 = s.connect(Encoding::Json).await;
    ben2.identify(Identify {
        token,
        presence: None,
        channels: Some(vec![beta]),
    })
    .await
    .unwrap();
    post(&mut ana, beta, "gold only").await;
    assert_no_event(&mut ben2, "#beta-features is not ben's to subscribe", |e| {
        e.channel_id() == Some(beta)
    })
    .await;
    // Requests on other readable channels still work.
    let h = ben
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 1}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h["messages"][0]["content"], "not for ben's subscription");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_online_update_and_offline() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::MsgPack).await;
    let ready_b = ben
        .identify(Identify {
            token,
            presence: Some(PresenceUpdate {
                status: RequestedStatus::Idle,
            }),
            channels: None,
        })
        .await
        .unwrap();
    let ben_id = ready_b.user.id;
    let ana_id = arena_protocol::Snowflake(s.member("demo", ANA).await.1 as u64);
    assert!(
        ready_b
            .presences
            .iter()
            .any(|p| p.user_id == ana_id && p.status == Status::Online),
        "ana is online in ben's READY: {:?}",
        ready_b.presences
    );
    let wait_presence = |status: Status| move |e: &Event| matches!(e, Event::PresenceUpdate(p) if p.user_id == ben_id && p.status == status);
    ana.wait_for(WAIT, wait_presence(Status::Idle))
        .await
        .expect("ben idle (requested in IDENTIFY)");
    ben.send(&ClientFrame::PresenceUpdate(PresenceUpdate {
        status: RequestedStatus::Dnd,
    }))
    .await
    .unwrap();
    ana.wait_for(WAIT, wait_presence(Status::Dnd))
        .await
        .expect("ben dnd");
    let list = ana
        .request("presence.list", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert!(
        list["presences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["user_id"] == ben_id.to_string() && p["status"] == "dnd"),
        "{list}"
    );
    ben.send(&ClientFrame::PresenceUpdate(PresenceUpdate {
        status: RequestedStatus::Invisible,
    }))
    .await
    .unwrap();
    ana.wait_for(WAIT, wait_presence(Status::Offline))
        .await
        .expect("invisible shows as offline");
    ben.send(&ClientFrame::PresenceUpdate(PresenceUpdate {
        status: RequestedStatus::Online,
    }))
    .await
    .unwrap();
    ana.wait_for(WAIT, wait_presence(Status::Online))
        .await
        .expect("ben online");
    ben.close().await;
    ana.wait_for(WAIT, wait_presence(Status::Offline))
        .await
        .expect("ben offline after the last disconnect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_states_and_members() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let m1 = post(&mut ana, general, "one").await;
    let _m2 = post(&mut ana, general, "two").await;
    let _m3 = post(&mut ana, general, "three").await;
    assert_eq!(
        ben.request(
            "channel.ack",
            json!({"channel_id": general, "message_id": m1.id})
        )
        .await
        .unwrap(),
        Ok(json!({}))
    );
    let (_, ready_b) = s.login_ws(BEN, Encoding::MsgPack).await;
    let rs = ready_b
        .read_states
        .iter()
        .find(|r| r.channel_id == general)
        .expect("read state");
    assert_eq!(rs.last_read_id, Some(m1.id));
    assert_eq!(rs.unread, 2);
    let members = ben
        .request("member.list", json!({}))
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for email in [ANA, BEN, STAFF, ADMIN] {
        let id = s.member("demo", email).await.1.to_string();
        assert!(ids.contains(&id.as_str()), "{email} is a member: {members}");
    }
    let zoe = s.member("acme", ZOE).await.1.to_string();
    assert!(
        !ids.contains(&zoe.as_str()),
        "acme's member listed in demo: {members}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_sends_reconnect_and_closes() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    // ana on a raw socket: we see every frame as sent.
    let mut raw = s.raw_ws("v=1&encoding=json").await.unwrap();
    raw.next().await;
    let token = s.demo_token(ANA).await;
    raw.send_text(&json!({"op": 2, "d": {"token": token}}).to_string())
        .await;
    assert!(matches!(raw.next().await, RawFrame::Text(t) if t.contains("READY")));
    // ben on the typed client.
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    s.stop().await;

    let mut ops = Vec::new();
    let code = loop {
        match raw.next().await {
            RawFrame::Text(t) => ops.push(
                serde_json::from_str::<Value>(&t).unwrap()["op"]
                    .as_u64()
                    .unwrap(),
            ),
            RawFrame::Binary(b) => panic!("binary frame on json: {b:?}"),
            RawFrame::Closed(c) => break c,
        }
    };
    assert!(code.is_some(), "a close frame, not a dropped socket");
    assert!(
        ops.contains(&7),
        "RECONNECT (op 7) before the close; got ops {ops:?} then close {code:?}"
    );

    let code = loop {
        match ben.next_event(WAIT).await {
            Ok(_) => {}
            Err(arena_protocol::client::ClientError::Closed(code)) => break code,
            Err(e) => panic!("{e:?}"),
        }
    };
    assert!(code.is_some());
    assert!(ben.reconnect_requested(), "the typed client saw RECONNECT");
}
