//! Limits hold across the nodes of a cluster (issue 11, "Cluster-wide
//! state"): two real nodes on one Postgres and one Redis count one member's
//! budget and slow mode together, so connecting to both does not double
//! the rate. Without Redis answering, each node counts alone (unit test
//! `chat::limits::tests::while_redis_does_not_answer_the_node_counts_alone`).
//!
//! Each test starts its own redis-server ([`private_redis`]): the budgets
//! and slow-mode windows are keyed by member and channel ids, which every
//! test database shares, and they outlive the test (a second run within a
//! slow-mode window on a shared Redis was refused its first post). Without
//! `ARENA_TEST_REDIS_URL` (set by `./scripts/test`) the test says so and skips.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::{Encoding, ErrorBody, ErrorCode, Snowflake};
use arena_server::config::Config;
use common::*;
use serde_json::json;

/// A node of the cluster with `cfg`'s limits, the Redis bus and its own node id.
async fn node(cfg: Config, redis: &str, node_id: u16) -> TestServer {
    TestServer::start_with(Config {
        redis_url: Some(redis.to_owned()),
        node_id,
        ..cfg
    })
    .await
}

/// Posts `content` in `channel`: the refusal, if any.
async fn try_post(c: &mut GatewayClient, channel: Snowflake, content: &str) -> Option<ErrorBody> {
    c.request(
        "message.create",
        json!({"channel_id": channel, "content": content}),
    )
    .await
    .unwrap()
    .err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_on_two_nodes_gets_one_message_budget() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    // 1 a second, burst 3: one node alone allows 3 at once (plus what a
    // slow run earns back, one a second).
    let cfg = Config {
        messages_per_second: 1,
        ..test_config(&db.url)
    };
    let a = node(cfg.clone(), &redis, 31).await;
    let b = node(cfg, &redis, 32).await;
    let (mut on_a, ready) = a.login_ws(BEN, Encoding::Json).await;
    let (mut on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let started = std::time::Instant::now();
    let (mut ok, mut refused) = (0u64, None);
    // Alternate nodes: per-node counting would allow 3 + 3 at once.
    for i in 0..12 {
        let c = if i % 2 == 0 { &mut on_a } else { &mut on_b };
        match try_post(c, general, &format!("both nodes {i}")).await {
            None => ok += 1,
            Some(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    let earned = started.elapsed().as_secs() + 1;
    let e = refused.expect("12 posts through two nodes must hit one burst of 3");
    assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
    assert!(e.retry_after_ms.is_some_and(|ms| ms > 0), "{e:?}");
    assert!(
        ok <= 3 + earned,
        "{ok} posts passed through two nodes in {earned} s: the single-node budget is 3 + 1 a second"
    );
    // Another member's budget is their own, on either node.
    let (mut ana, _) = b.login_ws(ANA, Encoding::Json).await;
    assert!(try_post(&mut ana, general, "ana").await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_budget_is_shared_by_the_nodes() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    // Burst 1, one more every 15 s.
    let cfg = Config {
        edits_per_minute: 4,
        ..test_config(&db.url)
    };
    let a = node(cfg.clone(), &redis, 33).await;
    let b = node(cfg, &redis, 34).await;
    let (mut on_a, ready) = a.login_ws(BEN, Encoding::Json).await;
    let (mut on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let m = post(&mut on_a, general, "draft").await;
    let edit = json!({"message_id": m.id, "content": "edited"});
    on_a.request("message.edit", edit.clone())
        .await
        .unwrap()
        .expect("the burst of 1");
    let e = on_b
        .request("message.edit", edit)
        .await
        .unwrap()
        .expect_err("the other node knows the budget is spent");
    assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_mode_holds_across_nodes() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    let cfg = test_config(&db.url);
    let a = node(cfg.clone(), &redis, 35).await;
    let b = node(cfg, &redis, 36).await;
    let (mut staff, ready) = a.login_ws(STAFF, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    staff
        .request(
            "channel.update",
            json!({"channel_id": general, "slow_mode_s": 600}),
        )
        .await
        .unwrap()
        .expect("slow mode on");
    let (mut on_a, _) = a.login_ws(BEN, Encoding::Json).await;
    let (mut on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    // Node A applied the change: Ben's post there opens his 600 s window.
    assert!(try_post(&mut on_a, general, "first on A").await.is_none());
    // Node B reads channel settings again within 5 s (chat::settings).
    // While its copy says no slow mode, its posts pass; once it knows,
    // Ben's window opened on A must hold: counting per node would let
    // B's first post under slow mode through.
    let tenant = arena_server::ids::TenantId(b.member("demo", BEN).await.0);
    let slow_on_b = || {
        b.state
            .registry
            .tenant(tenant)
            .get(general.into())
            .is_some_and(|c| c.slow_mode_s == 600)
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    let e = loop {
        match try_post(&mut on_b, general, "then on B").await {
            Some(e) => break e,
            None => assert!(
                !slow_on_b(),
                "node B knew the channel is slow and still let Ben post: the window is per node"
            ),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node B never applied slow mode"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(e.code, ErrorCode::SlowMode, "{e:?}");
    assert!(
        e.retry_after_ms.is_some_and(|ms| ms > 500_000),
        "the wait is what is left of 600 s: {e:?}"
    );
    // Another member has their own window.
    let (mut ana, _) = a.login_ws(ANA, Encoding::Json).await;
    assert!(try_post(&mut ana, general, "ana").await.is_none());
}

/// Slow mode set on node A holds on node B as soon as B has the
/// CHANNEL_UPDATE, even when B read the channel's settings moments before
/// (its periodic re-read would not come for another 5 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_update_from_another_node_applies_at_once() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    let cfg = test_config(&db.url);
    let a = node(cfg.clone(), &redis, 37).await;
    let b = node(cfg, &redis, 38).await;
    let (mut staff, ready) = a.login_ws(STAFF, Encoding::Json).await;
    let (mut on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    // B reads the settings now (no slow mode).
    assert!(try_post(&mut on_b, general, "before").await.is_none());
    staff
        .request(
            "channel.update",
            json!({"channel_id": general, "slow_mode_s": 600}),
        )
        .await
        .unwrap()
        .expect("slow mode on");
    on_b.wait_for(
        WAIT,
        |e| matches!(e, arena_protocol::Event::ChannelUpdate(c) if c.channel.id == general),
    )
    .await
    .expect("CHANNEL_UPDATE reaches node B");
    assert!(try_post(&mut on_b, general, "opens the window")
        .await
        .is_none());
    let e = try_post(&mut on_b, general, "inside the window")
        .await
        .expect("slow mode holds on B at once");
    assert_eq!(e.code, ErrorCode::SlowMode, "{e:?}");
}
