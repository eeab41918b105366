//! Two real Arena nodes on one Postgres and one Redis (issue 11): a client
//! on node B gets what is posted and typed on node A (and the other way),
//! in order and exactly once, and again after Redis drops the nodes'
//! pub/sub connections; each node holds one subscription per tenant with
//! sessions on it.
//!
//! Needs `ARENA_TEST_REDIS_URL` (set by `./scripts/test`, which starts a
//! private redis-server); without it the test says so and skips.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::{ClientError, GatewayClient};
use arena_protocol::model::Message;
use arena_protocol::{Encoding, Event, Snowflake};
use arena_server::config::Config;
use common::*;
use serde_json::json;
use std::time::Duration;

/// The Redis of the cluster tests, or `None` (the test skips).
fn redis_url() -> Option<String> {
    let url = std::env::var("ARENA_TEST_REDIS_URL").ok();
    if url.is_none() {
        eprintln!("SKIPPED: ARENA_TEST_REDIS_URL is not set (./scripts/test starts a redis-server and sets it)");
    }
    url
}

/// A node of the cluster: the test config with the Redis bus and its own node id.
async fn node(db_url: &str, redis: &str, node_id: u16) -> TestServer {
    TestServer::start_with(Config {
        redis_url: Some(redis.to_owned()),
        node_id,
        // 70+ posts and typings from one socket: above the default burst.
        frames_per_minute: 100_000,
        // A dropped session ends (and leaves its tenant) soon after.
        resume_window_s: 1,
        ..test_config(db_url)
    })
    .await
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
    let Some(redis) = redis_url() else { return };
    let db = TestDb::create().await;
    let a = node(&db.url, &redis, 1).await;
    let b = node(&db.url, &redis, 2).await;
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
    let client = redis::Client::open(redis.as_str()).unwrap();
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
