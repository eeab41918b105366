//! History, channel.events and READY heads survive a server restart on the
//! same database; the log continues where it stopped.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::{Encoding, Event};
use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_channel_events_survive_a_restart() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let general = channel(&ready, "general-chat").id;
    let head = channel(&ready, "general-chat").last_seq;

    let m1 = post(&mut ana, general, "first").await;
    let m2 = post(&mut ben, general, "second").await;
    let m3 = post(&mut ana, general, "third").await;
    assert!(ana
        .request(
            "message.edit",
            json!({"message_id": m1.id, "content": "first, edited"})
        )
        .await
        .unwrap()
        .is_ok());
    assert!(ben
        .request("reaction.add", json!({"message_id": m3.id, "emoji": "✅"}))
        .await
        .unwrap()
        .is_ok());
    assert!(ben
        .request("message.delete", json!({"message_id": m2.id}))
        .await
        .unwrap()
        .is_ok());
    assert!(ana
        .request(
            "channel.ack",
            json!({"channel_id": general, "message_id": m3.id})
        )
        .await
        .unwrap()
        .is_ok());

    let history_before = ana
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 100}),
        )
        .await
        .unwrap()
        .unwrap();
    let events_before = ana
        .request(
            "channel.events",
            json!({"channel_id": general, "after_seq": head, "limit": 1000}),
        )
        .await
        .unwrap()
        .unwrap();
    let all_events_before = ana
        .request(
            "channel.events",
            json!({"channel_id": general, "after_seq": 0, "limit": 1000}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(events_before["last_seq"], head + 6);
    let kinds: Vec<&str> = events_before["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["t"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "MESSAGE_CREATE",
            "MESSAGE_CREATE",
            "MESSAGE_CREATE",
            "MESSAGE_UPDATE",
            "REACTION_ADD",
            "MESSAGE_DELETE"
        ]
    );
    drop(ana);
    drop(ben);

    let s = s.restart().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::MsgPack).await;
    let c = channel(&ready, "general-chat");
    assert_eq!(c.id, general, "channel ids are stable across restarts");
    assert_eq!(c.last_seq, head + 6, "READY carries the log head");
    assert_eq!(
        c.last_message_id,
        Some(m3.id),
        "the last (undeleted) message"
    );
    let rs = ready
        .read_states
        .iter()
        .find(|r| r.channel_id == general)
        .expect("read state of #general-chat");
    assert_eq!(rs.last_read_id, Some(m3.id), "channel.ack survived");
    assert_eq!(rs.unread, 0);

    let history_after = ana
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 100}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(history_after, history_before, "history after the restart");
    let msgs = history_after["messages"].as_array().unwrap();
    assert_eq!(msgs[0]["id"], m3.id.to_string());
    assert_eq!(msgs[0]["reactions"], json!([{"emoji": "✅", "count": 1}]));
    assert_eq!(msgs[1]["content"], "first, edited");
    assert!(msgs[1]["edited_at"].is_string());
    assert!(
        !msgs.iter().any(|m| m["id"] == m2.id.to_string()),
        "the deleted message stays deleted"
    );

    let events_after = ana
        .request(
            "channel.events",
            json!({"channel_id": general, "after_seq": head, "limit": 1000}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        events_after, events_before,
        "channel.events after the restart"
    );
    let all_events_after = ana
        .request(
            "channel.events",
            json!({"channel_id": general, "after_seq": 0, "limit": 1000}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(all_events_after, all_events_before);
    // Paging the log: limit and cursor.
    let page = ana
        .request(
            "channel.events",
            json!({"channel_id": general, "after_seq": head + 2, "limit": 2}),
        )
        .await
        .unwrap()
        .unwrap();
    let e = page["events"].as_array().unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["t"], "MESSAGE_CREATE");
    assert_eq!(e[0]["d"]["id"], m3.id.to_string());
    assert_eq!(e[0]["d"]["channel_seq"], head + 3);
    assert_eq!(page["last_seq"], head + 6);

    // REST sees the same history.
    let token = s.demo_token(ANA).await;
    let r: Value = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{general}/messages?limit=100")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r, history_before);

    // The log continues, gap-free, with later ids.
    let m4 = post(&mut ana, general, "after the restart").await;
    assert_eq!(m4.channel_seq, head + 7);
    assert!(m4.id > m3.id);
    match ana
        .wait_for(WAIT, |e| matches!(e, Event::MessageCreate(_)))
        .await
    {
        Ok((_, Event::MessageCreate(m))) => assert_eq!(*m, m4),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_seq_is_gap_free_under_concurrent_senders() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (_, ready) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let head = channel(&ready, "general-chat").last_seq;
    let mut tasks = Vec::new();
    for (i, email) in [ANA, BEN, STAFF, ADMIN].into_iter().enumerate() {
        let (mut c, _) = s
            .login_ws(
                email,
                if i % 2 == 0 {
                    Encoding::Json
                } else {
                    Encoding::MsgPack
                },
            )
            .await;
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for n in 0..15 {
                seqs.push(
                    post(&mut c, general, &format!("{email} #{n}"))
                        .await
                        .channel_seq,
                );
            }
            seqs
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    let want: Vec<u64> = (head + 1..=head + 60).collect();
    assert_eq!(
        all, want,
        "every ack has its own channel_seq, no gaps, no repeats"
    );
    let s = s.restart().await;
    let (mut c, _) = s.login_ws(BEN, Encoding::Json).await;
    let ev = c
        .request(
            "channel.events",
            json!({"channel_id": general, "after_seq": head, "limit": 1000}),
        )
        .await
        .unwrap()
        .unwrap();
    let seqs: Vec<u64> = ev["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["d"]["channel_seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, want, "the stored log, in order, after a restart");
}

/// Nodes of a cluster started at the same moment each sync `channels.toml`
/// into the shared database (issue 11): they take turns, none fails on a
/// duplicate key, and all end with the same channel ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_share_one_registry() {
    let db = TestDb::create().await;
    let starts = (0..4).map(|_| {
        let cfg = test_config(&db.url);
        tokio::spawn(async move {
            arena_server::build(cfg, tokio_util::sync::CancellationToken::new(), None).await
        })
    });
    let states: Vec<_> = futures_util::future::join_all(starts)
        .await
        .into_iter()
        .map(|r| r.unwrap().expect("every node starts"))
        .collect();
    let tenant: i64 = sqlx::query_scalar("SELECT id FROM tenants ORDER BY id LIMIT 1")
        .fetch_one(&sqlx::PgPool::connect(&db.url).await.unwrap())
        .await
        .unwrap();
    let ids = |s: &arena_server::state::AppState| {
        let mut v: Vec<_> = s
            .registry
            .tenant(arena_server::ids::TenantId(tenant))
            .channels
            .iter()
            .map(|c| (c.key.clone(), c.id))
            .collect();
        v.sort();
        v
    };
    let first = ids(&states[0]);
    assert!(first.len() > 20, "the registry is loaded: {first:?}");
    for s in &states[1..] {
        assert_eq!(ids(s), first);
    }
}
