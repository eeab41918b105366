//! Fast IDENTIFY (issue 14): IDENTIFY's batched member read reports
//! whether the member's welcome is settled (so the activation actor is
//! asked only when it may not be), concurrent reads of two tenants share
//! batches and each gets its own answer, many sessions of one member
//! identify side by side, and the cluster-wide session cap registers a
//! session under the cap without walking the member's other sessions.
//!
//! The cluster test needs `ARENA_TEST_REDIS_URL` (set by `./scripts/test`);
//! without it that test says so and skips.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::Encoding;
use arena_server::config::Config;
use arena_server::ids::{TenantId, UserId};
use arena_server::store::NewActivity;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_reads_report_a_settled_welcome() {
    let (_db, s) = setup().await;
    let store = &s.state.store;
    let (tid, ana, ..) = s.member("demo", ANA).await;
    let t = TenantId(tid);
    let loader = &s.state.loader;
    let welcomed = |id: UserId| async move {
        let read = loader.member(t, id).await.unwrap();
        read.map(|r| (r.user.id, r.welcomed))
    };
    // Seeded partners were welcomed before claims existed (NULL message id).
    assert_eq!(welcomed(UserId(ana)).await, Some((UserId(ana), true)));

    let nia: UserId = s.state.ids.next_id().into();
    store
        .insert_user(
            t,
            nia,
            "nia@demo.test",
            "Nia",
            "partner",
            Some("bronze"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(welcomed(nia).await, Some((nia, false)), "never welcomed");
    let activity = NewActivity {
        id: s.state.ids.next_id().0 as i64,
        partner: nia,
        actor: None,
        domain: "activation",
        verb: "welcome.posted",
        summary: "Welcomed in #welcome",
        data: serde_json::json!({}),
    };
    store
        .insert_welcome_claim(t, nia, s.state.ids.next_id().into(), &activity)
        .await
        .unwrap();
    assert_eq!(
        welcomed(nia).await,
        Some((nia, false)),
        "claimed but not posted: the actor must finish it"
    );
    store.update_welcome_posted(t, nia).await.unwrap();
    assert_eq!(welcomed(nia).await, Some((nia, true)));

    let nobody: UserId = s.state.ids.next_id().into();
    assert_eq!(welcomed(nobody).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_of_two_tenants_each_get_their_own_answer() {
    let (_db, s) = setup().await;
    let loader = &s.state.loader;
    let (demo, ana, ..) = s.member("demo", ANA).await;
    let (_, ben, ..) = s.member("demo", BEN).await;
    let (acme, zoe, ..) = s.member("acme", ZOE).await;
    let (demo, acme) = (TenantId(demo), TenantId(acme));
    let reg = s.state.registry.tenant(demo);
    let id_of = |key: &str| {
        reg.channels
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.id)
            .unwrap()
    };
    let (general, welcome) = (id_of("general-chat"), id_of("welcome"));
    // Asked all at once: they share batches, grouped by tenant and kind.
    let mut asks = Vec::new();
    for i in 0..60 {
        asks.push(async move {
            match i % 4 {
                0 => loader
                    .member(demo, UserId(ana))
                    .await
                    .map(|m| m.map(|m| m.user.id)),
                1 => loader
                    .member(acme, UserId(zoe))
                    .await
                    .map(|m| m.map(|m| m.user.id)),
                // Another tenant's member is not found, whatever the batch holds.
                2 => loader
                    .member(acme, UserId(ana))
                    .await
                    .map(|m| m.map(|m| m.user.id)),
                _ => loader
                    .member(demo, UserId(ben))
                    .await
                    .map(|m| m.map(|m| m.user.id)),
            }
        });
    }
    let got = futures_util::future::join_all(asks).await;
    for (i, g) in got.into_iter().enumerate() {
        let want = [
            Some(UserId(ana)),
            Some(UserId(zoe)),
            None,
            Some(UserId(ben)),
        ][i % 4];
        assert_eq!(g.unwrap(), want, "ask {i}");
    }
    // Heads per request: the channels that request named, nothing else.
    let (one, both, none) = futures_util::join!(
        loader.heads(demo, UserId(ana), vec![general]),
        loader.heads(demo, UserId(ana), vec![general, welcome]),
        loader.heads(acme, UserId(zoe), vec![general]),
    );
    let ids = |h: Vec<arena_server::store::ReadyHead>| {
        let mut v: Vec<_> = h.into_iter().map(|h| h.id).collect();
        v.sort();
        v
    };
    assert_eq!(ids(one.unwrap()), vec![general]);
    let mut want = vec![general, welcome];
    want.sort();
    assert_eq!(ids(both.unwrap()), want);
    assert!(none.unwrap().is_empty(), "demo's channel is not in acme");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sessions_of_one_member_identify_side_by_side() {
    const N: usize = 120;
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        sessions_per_user: N,
        ..test_config(&db.url)
    })
    .await;
    let (tid, ana, ..) = s.member("demo", ANA).await;
    let token = s.token("demo", ANA).await;
    let mut opening = Vec::new();
    for _ in 0..N {
        let (s2, token) = (&s, token.clone());
        opening.push(async move {
            let mut c = s2.connect(Encoding::MsgPack).await;
            let ready = c.identify(identify(&token)).await.unwrap();
            (c, ready)
        });
    }
    let opened = futures_util::future::join_all(opening).await;
    let mut ids: Vec<&str> = opened.iter().map(|(_, r)| r.session_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), N, "every IDENTIFY got its own session");
    assert!(opened
        .iter()
        .all(|(_, r)| r.user.id.0 == ana as u64 && channel(r, "general-chat").can_post));
    assert_eq!(
        s.state.sessions.count_of_user(TenantId(tid), UserId(ana)),
        N
    );
    // At the cap, one more closes the oldest (4015), which then leaves the table.
    let (_one_more, _) = s.login_ws(ANA, Encoding::Json).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while s.state.sessions.count_of_user(TenantId(tid), UserId(ana)) > N {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the oldest session was not closed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(opened);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_cap_prunes_dead_nodes_only_past_the_cap() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        redis_url: Some(redis_server.url()),
        node_id: 1,
        ..test_config(&db.url)
    })
    .await;
    let cluster = s.state.cluster.clone().unwrap();
    use arena_server::cluster::sessions::{register, sessions_key};
    let (t, u) = (TenantId(7), UserId(70));
    let key = sessions_key(t, u);
    let mut conn = redis::Client::open(redis_server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    // A session of node 999, which holds no claim (dead).
    let _: i64 = redis::cmd("ZADD")
        .arg(&key)
        .arg(1)
        .arg("999:1")
        .query_async(&mut conn)
        .await
        .unwrap();
    let dead_there = |mut c: redis::aio::MultiplexedConnection, key: String| async move {
        let score: Option<f64> = redis::cmd("ZSCORE")
            .arg(&key)
            .arg("999:1")
            .query_async(&mut c)
            .await
            .unwrap();
        score.is_some()
    };
    assert!(register(&cluster, t, u, 10, 3).await.unwrap().is_empty());
    assert!(register(&cluster, t, u, 11, 3).await.unwrap().is_empty());
    assert!(
        dead_there(conn.clone(), key.clone()).await,
        "under the cap nothing is walked"
    );
    // Past the cap counting the dead entry: it is pruned, no live one closed.
    assert!(register(&cluster, t, u, 12, 3).await.unwrap().is_empty());
    assert!(!dead_there(conn.clone(), key.clone()).await);
    // Past the cap with live sessions only: the oldest is popped.
    assert_eq!(
        register(&cluster, t, u, 13, 3).await.unwrap(),
        vec![(1, 10)]
    );
    s.stop().await;
}
