//! Reply byte budgets (issue 12 items 1 and 8): history, the channel log,
//! the member and presence lists and READY are paged by bytes as well as by
//! count and say `has_more`, so a large reply never drops the socket; a
//! RESUME replay is streamed within its byte budget, naming the channels
//! past it `unrecovered`.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::event::Ready;
use arena_protocol::model::{Message, RequestedStatus};
use arena_protocol::request::{EventsResult, HistoryResult, MemberList, PresenceList};
use arena_protocol::{Encoding, Event, Snowflake};
use arena_server::ids::{TenantId, UserId};
use arena_server::registry::Actor;
use common::*;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// A message of `max_content_chars` characters, numbered so each is distinct.
fn long_text(i: usize, ch: char) -> String {
    let head = format!("{i:04} ");
    let mut s = head.clone();
    s.extend(std::iter::repeat_n(ch, 4000 - head.chars().count()));
    s
}

/// A request that must be answered `ok`; the socket must still be up.
async fn ok<T: serde::de::DeserializeOwned>(
    c: &mut GatewayClient,
    method: &str,
    params: serde_json::Value,
) -> T {
    c.call(method, params)
        .await
        .unwrap_or_else(|e| panic!("{method}: no answer, the socket failed: {e:?}"))
        .unwrap_or_else(|e| panic!("{method} refused: {e:?}"))
}

/// The socket still answers: a cheap request after the large one.
async fn still_up(c: &mut GatewayClient) {
    let _: PresenceList = ok(c, "presence.list", json!({"limit": 1})).await;
}

/// 25 messages of 4,000 characters in #off-topic (the scenario):
/// the server, the channel, its `last_seq` before them, and their ids.
async fn long_messages() -> (TestDb, TestServer, Snowflake, u64, Vec<Snowflake>) {
    let (db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let off_topic = channel(&ready, "off-topic").id;
    let start_seq = channel(&ready, "off-topic").last_seq;
    let mut posted = Vec::new();
    for i in 0..25 {
        posted.push(post(&mut ana, off_topic, &long_text(i, 'x')).await.id);
    }
    (db, s, off_topic, start_seq, posted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_of_long_messages_is_paged_by_bytes() {
    let (_db, s, off_topic, _, posted) = long_messages().await;
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let (mut c, _) = s.login_ws(BEN, enc).await;
        // The exact scenario: 25 × 4,000 characters, limit 50.
        let first: HistoryResult = ok(
            &mut c,
            "channel.history",
            json!({"channel_id": off_topic.to_string(), "limit": 50}),
        )
        .await;
        let n = first.messages.len();
        assert!(n > 0 && n < 25, "{enc:?}: a shorter page, got {n}");
        assert!(first.has_more, "{enc:?}: the page says there is more");
        still_up(&mut c).await;
        // The rest comes with the next pages, newest first, nothing twice.
        let mut got: Vec<Message> = first.messages;
        let mut more = true;
        for _ in 0..25 {
            if !more {
                break;
            }
            let before = got.last().unwrap().id;
            let page: HistoryResult = ok(
                &mut c,
                "channel.history",
                json!({"channel_id": off_topic.to_string(), "before": before.to_string(), "limit": 50}),
            )
            .await;
            more = page.has_more;
            got.extend(page.messages);
        }
        let ours: Vec<Snowflake> = got
            .iter()
            .map(|m| m.id)
            .filter(|id| posted.contains(id))
            .collect();
        let mut want = posted.clone();
        want.reverse();
        assert_eq!(ours, want, "{enc:?}: every message once, newest first");
        still_up(&mut c).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_long_messages_are_paged_by_bytes() {
    let (_db, s, off_topic, start_seq, _) = long_messages().await;
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let (mut c, _) = s.login_ws(BEN, enc).await;
        let mut seqs = Vec::new();
        let mut after = start_seq;
        let mut pages = 0;
        loop {
            let page: EventsResult = ok(
                &mut c,
                "channel.events",
                json!({"channel_id": off_topic.to_string(), "after_seq": after, "limit": 1000}),
            )
            .await;
            pages += 1;
            assert!(!page.events.is_empty(), "{enc:?}: progress on every page");
            for e in &page.events {
                let seq = e.d["channel_seq"].as_u64().unwrap();
                seqs.push(seq);
                after = seq;
            }
            if !page.has_more {
                assert_eq!(
                    after, page.last_seq,
                    "{enc:?}: the last page reaches the head"
                );
                break;
            }
            assert!(pages < 30, "{enc:?}: too many pages");
        }
        assert!(
            pages > 1,
            "{enc:?}: 100 KB of events take more than one page"
        );
        let want: Vec<u64> = (start_seq + 1..=start_seq + 25).collect();
        assert_eq!(seqs, want, "{enc:?}: every event once, in order");
        still_up(&mut c).await;
    }
}

/// `n` members seeded straight into the database of `tenant`, with long names.
async fn seed_members(s: &TestServer, tenant: TenantId, n: usize) -> Vec<UserId> {
    let users: Vec<(UserId, String, String)> = (0..n)
        .map(|i| {
            let id = UserId::from(s.state.ids.next_id());
            let name = format!("Seeded partner number {i:05} of a very large workspace");
            (id, format!("seeded-{i}@demo.test"), name)
        })
        .collect();
    s.state
        .store
        .insert_users_bulk(tenant, &users, "partner", None)
        .await
        .unwrap();
    users.into_iter().map(|(id, _, _)| id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_list_of_a_large_tenant_is_paged_by_bytes() {
    let (_db, s) = setup().await;
    let (tid, ..) = s.member("demo", ANA).await;
    let seeded = seed_members(&s, TenantId(tid), 3000).await;
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let (mut c, _) = s.login_ws(ANA, enc).await;
        let mut ids: Vec<u64> = Vec::new();
        let mut after: Option<Snowflake> = None;
        let mut pages = 0;
        loop {
            let params = match after {
                Some(a) => json!({"after": a.to_string()}),
                None => json!({}),
            };
            let page: MemberList = ok(&mut c, "member.list", params).await;
            pages += 1;
            assert!(!page.members.is_empty() && page.members.len() <= 1000);
            ids.extend(page.members.iter().map(|m| m.id.0));
            after = page.members.last().map(|m| m.id);
            if !page.has_more {
                break;
            }
            assert!(pages < 100, "{enc:?}: too many pages");
        }
        assert!(
            pages > 3,
            "{enc:?}: 3,000 long names take pages of less than 1,000"
        );
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, ids, "{enc:?}: by id, nothing twice");
        for u in &seeded {
            assert!(ids.contains(&(u.0 as u64)), "{enc:?}: member {u} listed");
        }
        still_up(&mut c).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_in_a_large_tenant_stays_within_the_budget() {
    let (_db, s) = setup().await;
    let (tid, ..) = s.member("demo", ANA).await;
    let seeded = seed_members(&s, TenantId(tid), 1500).await;
    // Online members, as if each had a socket on this node.
    for u in &seeded {
        let actor = Actor::member(
            TenantId(tid),
            *u,
            arena_protocol::model::Role::Partner,
            None,
        );
        s.state.presence.connect(&actor, RequestedStatus::Online);
    }
    let mut raw = s.raw_ws("v=1&encoding=json").await.unwrap();
    let _hello = raw.next().await;
    let token = s.demo_token(ANA).await;
    raw.send_text(&json!({"op": 2, "d": {"token": token}}).to_string())
        .await;
    let ready_bytes = loop {
        match raw.next().await {
            RawFrame::Text(t) if t.contains("\"t\":\"READY\"") => break t,
            RawFrame::Text(_) => {}
            other => panic!("READY never came: {other:?}"),
        }
    };
    assert!(
        ready_bytes.len() <= s.cfg.reply_budget_bytes,
        "READY is {} bytes",
        ready_bytes.len()
    );
    let v: serde_json::Value = serde_json::from_str(&ready_bytes).unwrap();
    let ready: Ready = serde_json::from_value(v["d"].clone()).unwrap();
    assert!(
        ready.presences_partial,
        "READY says its presences are partial"
    );
    assert!(!ready.presences.is_empty() && ready.presences.len() < 1500);

    // The rest by presence.list pages.
    let (mut c, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let mut online = HashSet::new();
    let mut after: Option<Snowflake> = None;
    for _ in 0..100 {
        let params = match after {
            Some(a) => json!({"after": a.to_string()}),
            None => json!({}),
        };
        let page: PresenceList = ok(&mut c, "presence.list", params).await;
        online.extend(page.presences.iter().map(|p| p.user_id.0));
        after = page.presences.last().map(|p| p.user_id);
        if !page.has_more {
            break;
        }
    }
    for u in &seeded {
        assert!(online.contains(&(u.0 as u64)), "presence of {u} listed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_replays_many_large_events_within_its_budget() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    // 400 posts from one socket, past the default 240 frames a minute.
    cfg.frames_per_minute = 10_000;
    let s = TestServer::start_with(cfg).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (_, ready_b) = s.login_ws(BEN, Encoding::Json).await;
    let keys = ["general-chat", "help-desk", "office-hours", "off-topic"];
    let chans: Vec<Snowflake> = keys.iter().map(|k| channel(&ready_a, k).id).collect();
    // 100 messages of 12 KB (4,000 three-byte characters) per channel: 1.2 MB
    // of log each, 4.8 MB in all, past the 4 MiB replay budget by one channel.
    for (n, &ch) in chans.iter().enumerate() {
        for i in 0..100 {
            post(&mut ana, ch, &long_text(n * 100 + i, '€')).await;
        }
    }
    let cursors = cursors_from(&ready_b);
    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::MsgPack).await;
    let session = "0123456789abcdef0123456789abcdef";
    let (resumed, replayed) = resume_ok(&mut ben, &token, session, 0, Some(cursors.clone())).await;
    assert_eq!(
        resumed.unrecovered.len(),
        1,
        "one channel past the budget: {resumed:?}"
    );
    let lost = resumed.unrecovered[0];
    assert!(chans.contains(&lost));
    assert_eq!(resumed.replayed as usize, replayed.len());
    let mut by_channel: HashMap<Snowflake, Vec<u64>> = HashMap::new();
    for (_, e) in &replayed {
        if let Event::MessageCreate(m) = e {
            by_channel
                .entry(m.channel_id)
                .or_default()
                .push(m.channel_seq);
        }
    }
    for &ch in chans.iter().filter(|&&c| c != lost) {
        let from = cursors[&ch];
        let want: Vec<u64> = (from + 1..=from + 100).collect();
        assert_eq!(
            by_channel.get(&ch),
            Some(&want),
            "channel {ch} whole, in order"
        );
    }
    assert!(
        !by_channel.contains_key(&lost),
        "the unrecovered channel is not half sent"
    );
    // The socket lives, and the lost channel is backfilled page by page.
    let mut after = cursors[&lost];
    for _ in 0..100 {
        let page: EventsResult = ok(
            &mut ben,
            "channel.events",
            json!({"channel_id": lost.to_string(), "after_seq": after, "limit": 1000}),
        )
        .await;
        if let Some(e) = page.events.last() {
            after = e.d["channel_seq"].as_u64().unwrap();
        }
        if !page.has_more {
            break;
        }
    }
    assert_eq!(after, cursors[&lost] + 100, "backfilled to the head");
}
