//! Chatting over the gateway: JSON and MessagePack clients both ways, ids on
//! the wire, the per-member rate limit, and pipelined creates committing in
//! send order.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::model::Message;
use arena_protocol::{Encoding, ErrorCode, Event};
use common::*;
use serde_json::{json, Value};

fn assert_committed(m: &Message, content: &str) {
    assert_eq!(m.content, content);
    assert!(
        m.channel_seq > 0,
        "a committed message has its channel_seq: {m:?}"
    );
    assert!(m.id.0 > 0);
}

async fn expect_create(c: &mut GatewayClient, who: &str, want: &Message) {
    let got = next_create(c).await;
    assert_eq!(
        &got, want,
        "{who} got a MESSAGE_CREATE different from the committed message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_msgpack_clients_chat_both_ways() {
    let (_db, s) = setup().await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, ready_b) = s.login_ws(BEN, Encoding::MsgPack).await;
    assert_eq!(ana.encoding(), Encoding::Json);
    assert_eq!(ben.encoding(), Encoding::MsgPack);
    let general = channel(&ready_a, "general-chat").id;
    assert_eq!(
        channel(&ready_b, "general-chat").id,
        general,
        "both see the same #general-chat"
    );
    let head = channel(&ready_a, "general-chat").last_seq;

    // ana (JSON) → both, the sender included.
    let m1 = post(&mut ana, general, "hello from json").await;
    assert_committed(&m1, "hello from json");
    assert_eq!(m1.author.id, ready_a.user.id);
    assert_eq!(m1.channel_id, general);
    assert_eq!(
        m1.channel_seq,
        head + 1,
        "channel_seq continues the channel's log"
    );
    expect_create(&mut ana, "ana (sender)", &m1).await;
    expect_create(&mut ben, "ben", &m1).await;

    // ben (MessagePack) → both.
    let m2: Message = ben
        .call(
            "message.create",
            json!({"channel_id": general, "content": "hello from msgpack", "nonce": "n-42"}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_committed(&m2, "hello from msgpack");
    assert_eq!(m2.nonce.as_deref(), Some("n-42"), "the nonce is echoed");
    assert_eq!(m2.channel_seq, m1.channel_seq + 1);
    assert!(m2.id > m1.id, "ids sort by creation time");
    expect_create(&mut ben, "ben (sender)", &m2).await;
    expect_create(&mut ana, "ana", &m2).await;

    // A reply and a reaction travel both ways too.
    let m3: Message = ana
        .call(
            "message.create",
            json!({"channel_id": general, "content": "a reply", "reply_to": m2.id}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m3.reply_to, Some(m2.id));
    expect_create(&mut ben, "ben", &m3).await;
    expect_create(&mut ana, "ana", &m3).await;
    let r = ben
        .request("reaction.add", json!({"message_id": m3.id, "emoji": "🎉"}))
        .await
        .unwrap();
    assert_eq!(r, Ok(json!({})));
    for (who, c) in [("ana", &mut ana), ("ben", &mut ben)] {
        match c
            .wait_for(WAIT, |e| matches!(e, Event::ReactionAdd(_)))
            .await
        {
            Ok((_, Event::ReactionAdd(r))) => {
                assert_eq!(
                    (r.message_id, r.user_id, r.emoji.as_str()),
                    (m3.id, ready_b.user.id, "🎉"),
                    "{who}"
                );
                assert_eq!(
                    r.channel_seq,
                    m3.channel_seq + 1,
                    "{who}: reactions are logged"
                );
            }
            other => panic!("{who}: expected REACTION_ADD, got {other:?}"),
        }
    }

    // History agrees, newest first.
    let h = ana
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 3}),
        )
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<&str> = h["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [m3.id.to_string(), m2.id.to_string(), m1.id.to_string()]
    );
}

/// Reads raw frames until a DISPATCH `t`; returns its `d`.
async fn raw_until(ws: &mut RawWs, enc: Encoding, t: &str) -> Value {
    loop {
        let v: Value = match ws.next().await {
            RawFrame::Text(s) => {
                assert_eq!(enc, Encoding::Json, "text frame on a msgpack connection");
                serde_json::from_str(&s).unwrap()
            }
            RawFrame::Binary(b) => {
                assert_eq!(enc, Encoding::MsgPack, "binary frame on a json connection");
                rmp_serde::from_slice(&b).unwrap()
            }
            RawFrame::Closed(c) => panic!("closed ({c:?}) while waiting for {t}"),
        };
        if v["op"] == 0 && v["t"] == t {
            assert!(v["s"].is_u64(), "dispatch s is an integer: {v}");
            return v["d"].clone();
        }
        if v["op"] == 12 {
            return v["d"].clone();
        }
    }
}

async fn raw_send(ws: &mut RawWs, enc: Encoding, v: Value) {
    match enc {
        Encoding::Json => ws.send_text(&v.to_string()).await,
        Encoding::MsgPack => ws.send_binary(rmp_serde::to_vec_named(&v).unwrap()).await,
    }
}

fn assert_decimal_string(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} must be a decimal string, got {v}"));
    assert!(
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        "{what} must be a decimal string, got {s:?}"
    );
}

fn assert_message_ids(m: &Value, what: &str) {
    assert_decimal_string(&m["id"], &format!("{what}.id"));
    assert_decimal_string(&m["channel_id"], &format!("{what}.channel_id"));
    assert_decimal_string(&m["author"]["id"], &format!("{what}.author.id"));
    assert!(
        m["channel_seq"].is_u64(),
        "{what}.channel_seq is a number: {m}"
    );
    assert!(
        m["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.contains('T')),
        "{what}.created_at RFC 3339 UTC: {m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_are_decimal_strings_on_the_wire_in_both_encodings() {
    let (_db, s) = setup().await;
    let mut socks = Vec::new();
    for (enc, email) in [(Encoding::Json, ANA), (Encoding::MsgPack, BEN)] {
        let token = s.demo_token(email).await;
        let mut ws = s
            .raw_ws(&format!("v=1&encoding={}", enc.as_str()))
            .await
            .unwrap();
        let hello = match (enc, ws.next().await) {
            (Encoding::Json, RawFrame::Text(t)) => serde_json::from_str::<Value>(&t).unwrap(),
            (Encoding::MsgPack, RawFrame::Binary(b)) => rmp_serde::from_slice::<Value>(&b).unwrap(),
            (_, other) => panic!("HELLO in the wrong frame type for {enc:?}: {other:?}"),
        };
        assert_eq!(hello["op"], 10, "HELLO first: {hello}");
        assert!(hello["d"]["heartbeat_interval_ms"].is_u64());
        raw_send(&mut ws, enc, json!({"op": 2, "d": {"token": token}})).await;
        let ready = raw_until(&mut ws, enc, "READY").await;
        assert_decimal_string(&ready["user"]["id"], "READY user.id");
        assert_decimal_string(&ready["tenant"]["id"], "READY tenant.id");
        for c in ready["channels"].as_array().unwrap() {
            assert_decimal_string(&c["id"], "READY channel id");
        }
        socks.push((enc, ws, ready));
    }
    let general = socks[0].2["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "general-chat")
        .unwrap()["id"]
        .clone();
    // The msgpack client posts; both see the message with string ids.
    {
        let (enc, ws, _) = &mut socks[1];
        raw_send(ws, *enc, json!({"op": 8, "d": {"id": "x1", "method": "message.create", "params": {"channel_id": general, "content": "wire check"}}})).await;
    }
    for (enc, ws, _) in socks.iter_mut() {
        let mut got_response = *enc == Encoding::Json; // only the sender gets a RESPONSE
        let mut got_create = false;
        while !(got_response && got_create) {
            let v: Value = match ws.next().await {
                RawFrame::Text(s) => serde_json::from_str(&s).unwrap(),
                RawFrame::Binary(b) => rmp_serde::from_slice(&b).unwrap(),
                RawFrame::Closed(c) => panic!("{enc:?} closed ({c:?})"),
            };
            if v["op"] == 12 {
                assert_eq!(v["d"]["id"], "x1");
                assert_eq!(v["d"]["ok"], true, "{v}");
                assert_message_ids(&v["d"]["result"], "RESPONSE result");
                got_response = true;
            } else if v["op"] == 0 && v["t"] == "MESSAGE_CREATE" {
                assert_message_ids(&v["d"], &format!("{enc:?} MESSAGE_CREATE"));
                assert_eq!(v["d"]["content"], "wire check");
                got_create = true;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_too_fast_is_rate_limited_without_closing() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.messages_per_second = 10;
    let s = TestServer::start_with(cfg).await;
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let mut limited = None;
    for i in 0..60 {
        match ben
            .request(
                "message.create",
                json!({"channel_id": general, "content": format!("spam {i}")}),
            )
            .await
            .unwrap()
        {
            Ok(_) => {}
            Err(e) => {
                limited = Some(e);
                break;
            }
        }
    }
    let e = limited.expect("60 messages at once must hit a 10/s limit");
    assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
    assert!(e.retry_after_ms.is_some_and(|ms| ms > 0), "{e:?}");
    // Still connected; other requests work.
    assert!(ben
        .request("presence.list", json!({}))
        .await
        .unwrap()
        .is_ok());
}

/// Requests of one socket run concurrently, but one client's creates keep
/// their order: 40 pipelined message.create frames commit in send order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_creates_commit_in_send_order() {
    let (_db, s) = setup().await;
    let (_ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let mut ws = s.raw_ws("v=1&encoding=json").await.unwrap();
    let _hello = ws.next().await;
    let token = s.demo_token(ANA).await;
    raw_send(
        &mut ws,
        Encoding::Json,
        json!({"op": 2, "d": {"token": token, "channels": [general]}}),
    )
    .await;
    raw_until(&mut ws, Encoding::Json, "READY").await;
    for i in 0..40 {
        let d = json!({"id": format!("p{i}"), "method": "message.create",
                       "params": {"channel_id": general, "content": format!("pipelined {i}")}});
        raw_send(&mut ws, Encoding::Json, json!({"op": 8, "d": d})).await;
    }
    let mut seen = Vec::new();
    let mut acks = 0;
    while seen.len() < 40 || acks < 40 {
        let d = raw_until(&mut ws, Encoding::Json, "MESSAGE_CREATE").await;
        if d.get("ok").is_some() {
            assert_eq!(d["ok"], true, "{d}");
            acks += 1;
        } else if d["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("pipelined "))
        {
            seen.push((
                d["channel_seq"].as_u64().unwrap(),
                d["content"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let want: Vec<String> = (0..40).map(|i| format!("pipelined {i}")).collect();
    let got: Vec<String> = seen.iter().map(|(_, c)| c.clone()).collect();
    assert_eq!(got, want, "dispatch order is send order");
    assert!(
        seen.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "gap-free, increasing channel_seq: {seen:?}"
    );
}

/// Issue 12 item 2: NUL and other C0 controls (not tab, not newline) are
/// refused with `bad_request` before group commit, so creates pipelined
/// around them commit in order and none answers `internal`; edits, card
/// data, nonces, emoji and topics are checked the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_refused_before_commit() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let mut ws = s.raw_ws("v=1&encoding=json").await.unwrap();
    let _hello = ws.next().await;
    let token = s.demo_token(ANA).await;
    raw_send(
        &mut ws,
        Encoding::Json,
        json!({"op": 2, "d": {"token": token, "channels": [general]}}),
    )
    .await;
    raw_until(&mut ws, Encoding::Json, "READY").await;
    let bad = |i: usize| i % 3 == 1;
    for i in 0..30 {
        let content = if bad(i) {
            format!("nul \u{0} {i}")
        } else {
            format!("clean\t{i}\n")
        };
        let d = json!({"id": format!("c{i}"), "method": "message.create",
                       "params": {"channel_id": general, "content": content}});
        raw_send(&mut ws, Encoding::Json, json!({"op": 8, "d": d})).await;
    }
    let (mut answers, mut seen) = (Vec::new(), Vec::new());
    while answers.len() < 30 || seen.len() < 20 {
        let d = raw_until(&mut ws, Encoding::Json, "MESSAGE_CREATE").await;
        if d.get("ok").is_some() {
            answers.push(d);
        } else if let Some(c) = d["content"].as_str() {
            assert!(!c.contains('\u{0}'), "a NUL message was committed: {d}");
            seen.push(c.to_owned());
        }
    }
    for a in &answers {
        let i: usize = a["id"].as_str().unwrap()[1..].parse().unwrap();
        if bad(i) {
            assert_eq!(a["ok"], false, "{a}");
            assert_eq!(a["error"]["code"], "bad_request", "{a}");
            assert!(a["error"]["message"].as_str().unwrap().contains("U+0000"));
        } else {
            assert_eq!(a["ok"], true, "a clean create beside a NUL one: {a}");
        }
    }
    let want: Vec<String> = (0..30)
        .filter(|i| !bad(*i))
        .map(|i| format!("clean\t{i}\n"))
        .collect();
    assert_eq!(seen, want, "the clean creates commit in send order");

    let m = post(&mut ana, general, "to edit").await;
    let refused = [
        (
            "message.edit",
            json!({"message_id": m.id, "content": "x\u{1b}[31m"}),
        ),
        (
            "message.create",
            json!({"channel_id": general, "content": "a\rb"}),
        ),
        (
            "message.create",
            json!({"channel_id": general, "content": "ok", "nonce": "n\u{0}"}),
        ),
        (
            "message.create",
            json!({"channel_id": general, "content": "ok",
            "card": {"type": "note", "data": {"items": [{"t": "\u{7}"}]}}}),
        ),
        (
            "reaction.add",
            json!({"message_id": m.id, "emoji": "\u{0}"}),
        ),
    ];
    for (method, params) in refused {
        let e = ana
            .request(method, params.clone())
            .await
            .unwrap()
            .expect_err(method);
        assert_eq!(e.code, ErrorCode::BadRequest, "{method} {params}: {e:?}");
    }
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let e = staff
        .request(
            "channel.update",
            json!({"channel_id": general, "topic": "t\u{0}"}),
        )
        .await
        .unwrap()
        .expect_err("topic with NUL");
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
}
