//! Two real Arena nodes on one Postgres and one Redis (issue 11): a client
//! on node B gets what is posted and typed on node A (and the other way),
//! in order and exactly once, and again after Redis drops the nodes'
//! pub/sub connections; each node holds one subscription per tenant with
//! sessions on it.
//!
//! Needs `ARENA_TEST_REDIS_URL` (set by `./scripts/test`, which installs
//! redis-server); each test starts its own redis-server. Without it the test
//! says so and skips.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::{ClientError, GatewayClient};
use arena_protocol::model::Message;
use arena_protocol::{Encoding, Event, Snowflake};
use arena_server::config::Config;
use common::*;
use serde_json::json;
use std::time::Duration;

/// A node of the cluster: the test config with the Redis bus and its own node id.
async fn node(db_url: &str, redis: &str, node_id: u16) -> TestServer {
    TestServer::start_with(Config {
        redis_url: Some(redis.to_owned()),
        node_id,
        // 70+ posts and typings from one socket: above the default burst.
        frames_per_minute: 100_000,
        // A dropped session ends (and leaves its tenant) soon after.
        resume_window_s: 1,
        // Closes across nodes must come from the bus, not a node's own
        // periodic token check.
        token_check_ms: 600_000,
        ..test_config(db_url)
    })
    .await
}

/// Two nodes (ids 1 and 2) on a fresh test database and a private
/// redis-server; `None` (the test skips) without `ARENA_TEST_REDIS_URL`.
/// Keep the Redis process and the database alive while the nodes run.
async fn two_nodes() -> Option<(RedisProcess, TestDb, TestServer, TestServer)> {
    let redis_server = private_redis().await?;
    let redis = redis_server.url();
    let db = TestDb::create().await;
    let a = node(&db.url, &redis, 1).await;
    let b = node(&db.url, &redis, 2).await;
    Some((redis_server, db, a, b))
}

/// Sends `typing.start` on `from` until `to` sees TYPING_START in `channel`
/// (the other node's subscription may still be on its way); panics after [`WAIT`].
async fn typing_crosses(from: &mut GatewayClient, to: &mut GatewayClient, channel: Snowflake) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        from.request("typing.start", json!({"channel_id": channel}))
            .await
            .unwrap()
            .unwrap();
        match to
            .wait_for(
                Duration::from_millis(300),
                |e| matches!(e, Event::TypingStart(t) if t.channel_id == channel),
            )
            .await
        {
            Ok(_) => return,
            Err(ClientError::Timeout) => {}
            Err(e) => panic!("node B's client failed: {e:?}"),
        }
    }
    panic!("TYPING_START on node A never reached node B");
}

/// Posts `n` messages on `from` and checks that the client `to` (on the
/// other node) and `from` itself each get every one once, in order, with
/// contiguous `channel_seq`s, and nothing after.
async fn messages_cross(
    from: &mut GatewayClient,
    to: &mut GatewayClient,
    channel: Snowflake,
    n: usize,
    label: &str,
) {
    let mut posted: Vec<Message> = Vec::with_capacity(n);
    for i in 0..n {
        posted.push(post(from, channel, &format!("{label} {i}")).await);
    }
    let first = posted[0].channel_seq;
    for (i, want) in posted.iter().enumerate() {
        assert_eq!(
            want.channel_seq,
            first + i as u64,
            "node A committed in order"
        );
    }
    // The other node's client, then the poster's own (its node ignores the Redis echo).
    for (who, c) in [("node B", to), ("node A", from)] {
        for (i, want) in posted.iter().enumerate() {
            let got = next_create(c).await;
            assert_eq!(
                (got.channel_seq, got.id, &got.content),
                (want.channel_seq, want.id, &want.content),
                "{who}: message {i} of {label} (gap, duplicate or reorder)"
            );
        }
        assert_no_event(c, &format!("{who} after the last message"), |e| {
            matches!(e, Event::MessageCreate(_))
        })
        .await;
    }
}

/// How many Redis connections are subscribed to the tenant's topic.
async fn subscribers(conn: &mut redis::aio::MultiplexedConnection, tenant_id: i64) -> i64 {
    let (_, n): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(format!("arena:t:{tenant_id}"))
        .query_async(conn)
        .await
        .unwrap();
    n
}

/// Waits (up to [`WAIT`]) until `subscribers` is `want`.
async fn await_subscribers(
    conn: &mut redis::aio::MultiplexedConnection,
    tenant_id: i64,
    want: i64,
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let n = subscribers(conn, tenant_id).await;
        if n == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "tenant {tenant_id}: {n} subscriptions, expected {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_messages_and_typing_through_redis() {
    let Some((redis_server, _db, a, b)) = two_nodes().await else {
        return;
    };
    assert_ne!(a.addr, b.addr);

    let (mut ben_on_a, ready_a) = a.login_ws(BEN, Encoding::Json).await;
    let (mut ana_on_b, ready_b) = b.login_ws(ANA, Encoding::MsgPack).await;
    let general = channel(&ready_a, "general-chat").id;
    assert_eq!(
        channel(&ready_b, "general-chat").id,
        general,
        "one registry"
    );

    // Typing on A reaches B (also waits for B's subscription).
    typing_crosses(&mut ben_on_a, &mut ana_on_b, general).await;
    messages_cross(&mut ben_on_a, &mut ana_on_b, general, 50, "first").await;

    // One subscription per node and tenant with sessions there, never one per socket.
    let client = redis::Client::open(redis_server.url().as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (demo, ..) = a.member(tenant_of(ANA), ANA).await;
    let (acme, ..) = a.member(tenant_of(ZOE), ZOE).await;
    assert_eq!(subscribers(&mut conn, demo).await, 2);
    assert_eq!(subscribers(&mut conn, acme).await, 0);
    let (ben_on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    let (zoe_on_b, _) = b.login_ws(ZOE, Encoding::Json).await;
    await_subscribers(&mut conn, acme, 1).await;
    assert_eq!(subscribers(&mut conn, demo).await, 2);
    // Zoe's session ends (after the resume window): B leaves acme's topic.
    drop(zoe_on_b);
    drop(ben_on_b);
    await_subscribers(&mut conn, acme, 0).await;
    assert_eq!(subscribers(&mut conn, demo).await, 2, "ana is still on B");

    // Redis drops every pub/sub connection: the nodes subscribe again by themselves.
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        killed >= 2,
        "both nodes' subscriptions were dropped ({killed})"
    );
    typing_crosses(&mut ben_on_a, &mut ana_on_b, general).await;
    messages_cross(&mut ben_on_a, &mut ana_on_b, general, 20, "after reconnect").await;

    // And the other way: posted on B, received on A.
    messages_cross(&mut ana_on_b, &mut ben_on_a, general, 10, "from node B").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_changed_on_one_node_is_current_on_the_other() {
    let Some((_redis, _db, a, b)) = two_nodes().await else {
        return;
    };
    let (_, ana_id, ..) = a.member(tenant_of(ANA), ANA).await;
    let (mut ana_on_b, ready) = b.login_ws(ANA, Encoding::Json).await;
    let commissions = channel(&ready, "commissions").id;
    // B's revenue actor builds and caches ana's commissions panel.
    let before = panel_of(&mut ana_on_b, commissions).await;

    // Staff record a win for ana through node A: A's actor rebuilds and publishes.
    let staff = a.demo_token(STAFF).await;
    let r = a
        .http()
        .post(a.url("/api/v1/revenue/deal-wins"))
        .bearer_auth(&staff)
        .json(
            &json!({"partner_id": ana_id.to_string(), "client": "Harbor Gym",
                      "amount_minor": 1_000_000, "currency": "USD", "deal_id": "cluster-1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let pushed = match ana_on_b
        .wait_for(
            WAIT,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == commissions),
        )
        .await
        .unwrap()
        .1
    {
        Event::PanelUpdate(u) => serde_json::to_value(u.panel).unwrap(),
        _ => unreachable!(),
    };
    assert_ne!(pushed["data"], before["data"], "the win moved ana's panel");

    // Reading the panel on B now gives what A pushed, not B's older build.
    let now = panel_of(&mut ana_on_b, commissions).await;
    assert_eq!(
        now["data"], pushed["data"],
        "node B answers the current panel"
    );
    assert_eq!(now["version"], pushed["version"]);
    a.stop().await;
    b.stop().await;
}

/// `panel.get` of `channel` as this client sees it.
async fn panel_of(c: &mut GatewayClient, channel: Snowflake) -> serde_json::Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_and_a_kick_on_one_node_hold_on_the_other() {
    let Some((_redis, _db, a, b)) = two_nodes().await else {
        return;
    };
    let (mut ben_on_b, ready) = b.login_ws(BEN, Encoding::Json).await;
    let (mut staff_on_a, _) = a.login_ws(STAFF, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let ben_id = ready.user.id;
    // B has just read ben's (absent) timeout and caches it.
    post(&mut ben_on_b, general, "before").await;
    typing_crosses(&mut staff_on_a, &mut ben_on_b, general).await;

    staff_on_a
        .request(
            "moderation.timeout",
            json!({"user_id": ben_id, "minutes": 10, "reason": "cool down"}),
        )
        .await
        .unwrap()
        .unwrap();
    // B forgets its cached copy when A says so, well before its cache ages out.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let r = ben_on_b
            .request(
                "message.create",
                json!({"channel_id": general, "content": "still here"}),
            )
            .await
            .unwrap();
        match r {
            Err(e) => {
                assert_eq!(e.code, arena_protocol::ErrorCode::Forbidden, "{e:?}");
                break;
            }
            Ok(_) => assert!(
                tokio::time::Instant::now() < deadline,
                "node B still lets a timed-out member post"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A kick on A closes ben's socket on B (4014).
    staff_on_a
        .request(
            "moderation.kick",
            json!({"user_id": ben_id, "reason": "bye"}),
        )
        .await
        .unwrap()
        .unwrap();
    let code = ben_on_b.closed(WAIT).await.expect("closed by the kick");
    assert_eq!(code, Some(4014));
    a.stop().await;
    b.stop().await;
}

/// Logout on node A closes the member's open session on node B at once
/// (a bus control), not at B's next periodic token check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_on_one_node_closes_sessions_on_the_other() {
    let Some((_redis, _db, a, b)) = two_nodes().await else {
        return;
    };
    let (mut ben_on_b, ready) = b.login_ws(BEN, Encoding::Json).await;
    let (mut ben_on_a, _) = a.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    // Both nodes hold the tenant's subscription.
    typing_crosses(&mut ben_on_a, &mut ben_on_b, general).await;

    let token = a.demo_token(BEN).await;
    let r = a
        .http()
        .post(a.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(ben_on_a.closed(WAIT).await.unwrap(), Some(4004));
    assert_eq!(ben_on_b.closed(WAIT).await.unwrap(), Some(4004));
    a.stop().await;
    b.stop().await;
}

/// A DM opened on node A reaches its other member on node B at once: B
/// loads the channel and joins the member's session (CHANNEL_CREATE), and
/// messages in it cross like any channel's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_opened_on_one_node_reaches_the_member_on_the_other() {
    let Some((_redis, _db, a, b)) = two_nodes().await else {
        return;
    };
    let (mut ana_on_a, ready) = a.login_ws(ANA, Encoding::Json).await;
    let (mut ben_on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    typing_crosses(&mut ana_on_a, &mut ben_on_b, general).await;
    let ben_id = Snowflake(b.member("demo", BEN).await.1 as u64);

    let dm: arena_protocol::model::Channel = ana_on_a
        .call("dm.open", json!({ "user_id": ben_id }))
        .await
        .unwrap()
        .unwrap();
    ben_on_b
        .wait_for(
            WAIT,
            |e| matches!(e, Event::ChannelCreate(c) if c.id == dm.id),
        )
        .await
        .expect("CHANNEL_CREATE on node B");
    let m = post(&mut ana_on_a, dm.id, "across nodes, privately").await;
    let got = ben_on_b
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MessageCreate(x) if x.id == m.id),
        )
        .await;
    assert!(got.is_ok(), "the DM message reaches node B: {got:?}");
    // B's registry has it: Ben can answer there.
    post(&mut ben_on_b, dm.id, "received").await;
    a.stop().await;
    b.stop().await;
}

/// `sessions_per_user` holds across the nodes: a member's oldest session
/// is closed with 4015 on whichever node holds it when a newer one opens on
/// any node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cap_holds_across_nodes() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    let capped = |node_id| Config {
        redis_url: Some(redis.clone()),
        node_id,
        sessions_per_user: 2,
        ..test_config(&db.url)
    };
    let a = TestServer::start_with(capped(1)).await;
    let b = TestServer::start_with(capped(2)).await;
    let (mut first_on_a, _) = a.login_ws(ANA, Encoding::Json).await;
    let (mut second_on_b, _) = b.login_ws(ANA, Encoding::Json).await;
    // Two sessions: within the cap.
    assert_no_event(&mut first_on_a, "two sessions are allowed", |_| false).await;
    let (_third_on_b, _) = b.login_ws(ANA, Encoding::Json).await;
    assert_eq!(
        first_on_a.closed(WAIT).await.unwrap(),
        Some(4015),
        "the oldest, on the other node, is closed"
    );
    let (_fourth_on_a, _) = a.login_ws(ANA, Encoding::Json).await;
    assert_eq!(second_on_b.closed(WAIT).await.unwrap(), Some(4015));
    a.stop().await;
    b.stop().await;
}
