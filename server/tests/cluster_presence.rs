//! Node identity and presence across real Arena nodes on one Postgres and
//! one redis-server (issue 11): a user online on node A is online in READY
//! and `presence.list` on node B; status changes cross; a user on two nodes
//! stays online until their last node lets go; a node killed with -9 (a real
//! `arena serve` process) turns its users offline on the others within 15 s;
//! a node id held by a live node cannot be started twice; a node restarted
//! with the same id clears what its previous life left.
//!
//! Test databases are copies of one template (same tenant and user ids) and
//! Redis pub/sub is not per database, so each test starts its own
//! redis-server ([`private_redis`]).
//!
//! Needs `ARENA_TEST_REDIS_URL` (set by `./scripts/test`); without it each
//! test says so and skips.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::{ClientOptions, GatewayClient};
use arena_protocol::frame::{ClientFrame, PresenceUpdate};
use arena_protocol::model::{Presence, RequestedStatus, Status};
use arena_protocol::request::PresenceList;
use arena_protocol::{Encoding, Event, Snowflake};
use arena_server::config::Config;
use common::*;
use serde_json::json;
use std::time::Duration;

async fn redis_conn(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// The config of a node of the cluster.
fn node_config(db_url: &str, redis: &str, node_id: u16) -> Config {
    Config {
        redis_url: Some(redis.to_owned()),
        node_id,
        // A dropped session ends (and its presence with it) soon after.
        resume_window_s: 1,
        ..test_config(db_url)
    }
}

/// `presence.list` on `c`.
async fn list(c: &mut GatewayClient) -> Vec<Presence> {
    c.call::<PresenceList>("presence.list", json!({}))
        .await
        .unwrap()
        .unwrap()
        .presences
}

fn status_of(list: &[Presence], user: Snowflake) -> Status {
    list.iter()
        .find(|p| p.user_id == user)
        .map_or(Status::Offline, |p| p.status)
}

/// Polls `presence.list` on `c` until `user` shows `want`; panics after `within`.
async fn await_listed(c: &mut GatewayClient, user: Snowflake, want: Status, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let got = status_of(&list(c).await, user);
        if got == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "presence.list shows {user:?} {got:?}, expected {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to `within` for PRESENCE_UPDATE of `user` with `want` on `c`.
async fn await_update(c: &mut GatewayClient, user: Snowflake, want: Status, within: Duration) {
    match c
        .wait_for(
            within,
            |e| matches!(e, Event::PresenceUpdate(p) if p.user_id == user && p.status == want),
        )
        .await
    {
        Ok(_) => {}
        Err(e) => panic!("no PRESENCE_UPDATE {want:?} for {user:?}: {e:?}"),
    }
}

/// Sends op 3 PRESENCE_UPDATE.
async fn set_status(c: &mut GatewayClient, status: RequestedStatus) {
    c.send(&ClientFrame::PresenceUpdate(PresenceUpdate { status }))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_is_one_view_across_nodes() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    let a = TestServer::start_with(node_config(&db.url, &redis, 21)).await;
    let b = TestServer::start_with(node_config(&db.url, &redis, 22)).await;
    let (_, ana_id, ..) = a.member("demo", ANA).await;
    let ana = Snowflake(ana_id as u64);

    let (mut ana_on_a, ready) = a.login_ws(ANA, Encoding::Json).await;
    assert_eq!(ready.node_id, "node-21", "READY names the node");
    assert_eq!(ana_on_a.hello().node_id, "node-21", "HELLO names the node");
    let (mut staff_on_b, _) = b.login_ws(STAFF, Encoding::Json).await;
    await_listed(&mut staff_on_b, ana, Status::Online, WAIT).await;
    // READY on B shows her too (her entry is in Redis by now).
    let (mut ben_on_b, ready) = b.login_ws(BEN, Encoding::MsgPack).await;
    assert_eq!(
        status_of(&ready.presences, ana),
        Status::Online,
        "READY on B"
    );

    // Idle on A: B's clients are told and B's list says so.
    set_status(&mut ana_on_a, RequestedStatus::Idle).await;
    await_update(&mut ben_on_b, ana, Status::Idle, WAIT).await;
    await_listed(&mut ben_on_b, ana, Status::Idle, WAIT).await;

    // Also online on B: the most present status wins on both nodes.
    let (ana_on_b, _) = b.login_ws(ANA, Encoding::Json).await;
    await_listed(&mut ana_on_a, ana, Status::Online, WAIT).await;
    assert_eq!(status_of(&list(&mut ben_on_b).await, ana), Status::Online);

    // Leaving A while still on B: nobody is told she is offline.
    ana_on_a.close().await;
    assert_no_event(&mut ben_on_b, "ana is still on node B", |e| {
        matches!(e, Event::PresenceUpdate(p) if p.user_id == ana && p.status == Status::Offline)
    })
    .await;
    await_listed(&mut staff_on_b, ana, Status::Online, WAIT).await;
    let (mut ben_on_a, _) = a.login_ws(BEN, Encoding::Json).await;
    assert_eq!(
        status_of(&list(&mut ben_on_a).await, ana),
        Status::Online,
        "A reads B"
    );

    // Leaving B too: offline everywhere.
    ana_on_b.close().await;
    await_update(&mut ben_on_a, ana, Status::Offline, WAIT).await;
    await_update(&mut ben_on_b, ana, Status::Offline, WAIT).await;
    await_listed(&mut ben_on_a, ana, Status::Offline, WAIT).await;
    a.stop().await;
    b.stop().await;
}

/// A status set on one node is announced as the member's merged cluster
/// status: idle on B while online on A changes nothing anyone sees; leaving
/// A then shows idle, not offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_change_announces_the_merged_cluster_status() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    let a = TestServer::start_with(node_config(&db.url, &redis, 23)).await;
    let b = TestServer::start_with(node_config(&db.url, &redis, 24)).await;
    let (_, ana_id, ..) = a.member("demo", ANA).await;
    let ana = Snowflake(ana_id as u64);
    let (mut ben_on_a, _) = a.login_ws(BEN, Encoding::Json).await;
    let (mut staff_on_b, _) = b.login_ws(STAFF, Encoding::Json).await;

    let (ana_on_a, _) = a.login_ws(ANA, Encoding::Json).await;
    await_listed(&mut staff_on_b, ana, Status::Online, WAIT).await;
    let (mut ana_on_b, _) = b.login_ws(ANA, Encoding::Json).await;
    set_status(&mut ana_on_b, RequestedStatus::Idle).await;
    // Still online on A: nobody hears idle.
    for c in [&mut ben_on_a, &mut staff_on_b] {
        assert_no_event(c, "ana is online on node A", |e| {
            matches!(e, Event::PresenceUpdate(p) if p.user_id == ana && p.status != Status::Online)
        })
        .await;
    }
    await_listed(&mut ben_on_a, ana, Status::Online, WAIT).await;

    // Leaving A: idle (from B) everywhere, never offline.
    ana_on_a.close().await;
    await_update(&mut ben_on_a, ana, Status::Idle, WAIT).await;
    await_update(&mut staff_on_b, ana, Status::Idle, WAIT).await;
    await_listed(&mut ben_on_a, ana, Status::Idle, WAIT).await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_id_held_by_a_live_node_cannot_start_twice() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    let quick = |id| Config {
        node_heartbeat_ms: 200,
        node_ttl_ms: 1000,
        ..node_config(&db.url, &redis, id)
    };
    let a = TestServer::start_with(quick(23)).await;
    let mut conn = redis_conn(&redis).await;
    let holder: String = redis::cmd("GET")
        .arg("arena:node:23")
        .query_async(&mut conn)
        .await
        .unwrap();
    // Longer than the TTL: the start watches A refresh its claim, then gives up.
    let second =
        arena_server::build(quick(23), tokio_util::sync::CancellationToken::new(), None).await;
    let Err(e) = second else {
        panic!("a second node with node_id 23 started");
    };
    let text = e.to_string();
    assert!(
        matches!(
            e,
            arena_server::StartError::Cluster(arena_server::cluster::ClusterError::Taken {
                node_id: 23,
                ..
            })
        ),
        "{text}"
    );
    assert!(
        text.contains("node_id 23") && text.contains(&holder),
        "{text}"
    );

    // A clean stop releases the id at once.
    a.stop().await;
    let a2 = TestServer::start_with(quick(23)).await;
    a2.stop().await;
}

/// An `arena serve` process: a node that can be killed with -9.
struct Process {
    child: tokio::process::Child,
    ws: String,
}

impl Process {
    /// Starts `arena serve` with `cfg`'s database, Redis, node id and node
    /// timing, and waits (up to [`WAIT`] twice) until its gateway answers.
    async fn start(cfg: &Config) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("arena-node-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_arena"))
            .arg("serve")
            .current_dir(&dir)
            .env("ARENA_ADDR", format!("127.0.0.1:{port}"))
            .env("ARENA_DATABASE_URL", &cfg.database_url)
            .env("ARENA_DATABASE_POOL", "4")
            .env("ARENA_REDIS_URL", cfg.redis_url.as_deref().unwrap())
            .env("ARENA_NODE_ID", cfg.node_id.to_string())
            .env("ARENA_NODE_HEARTBEAT_MS", cfg.node_heartbeat_ms.to_string())
            .env("ARENA_NODE_TTL_MS", cfg.node_ttl_ms.to_string())
            .env("ARENA_CHANNELS", &cfg.channels)
            .env("ARENA_PROGRAM", &cfg.program)
            .env("ARENA_JWT_SECRET", &cfg.jwt_secret)
            .env("ARENA_WEB_DIR", &cfg.web_dir)
            .env("ARENA_FILES_DIR", &cfg.files_dir)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let p = Process {
            child,
            ws: format!("ws://127.0.0.1:{port}"),
        };
        let deadline = tokio::time::Instant::now() + WAIT * 2;
        loop {
            if GatewayClient::connect(&p.ws, ClientOptions::default())
                .await
                .is_ok()
            {
                return p;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "arena serve never answered"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// IDENTIFYs `email` (a token of `server`, which shares the secret).
    async fn login(&self, server: &TestServer, email: &str) -> GatewayClient {
        let mut c = GatewayClient::connect(&self.ws, ClientOptions::default())
            .await
            .unwrap();
        c.identify(identify(&server.demo_token(email).await))
            .await
            .unwrap();
        c
    }

    /// SIGKILL: no drain, no release, the heartbeat just stops.
    async fn kill9(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}

/// Members of the demo tenant: (tenant id, ana's id).
async fn demo_ana(server: &TestServer) -> (i64, Snowflake) {
    let (t, u, ..) = server.member("demo", ANA).await;
    (t, Snowflake(u as u64))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_s_users_go_offline_on_the_others_within_15_s() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    // Default node timing: heartbeat 3 s, TTL 10 s.
    let b = TestServer::start_with(node_config(&db.url, &redis, 24)).await;
    let a = Process::start(&node_config(&db.url, &redis, 25)).await;
    let (tenant, ana) = demo_ana(&b).await;
    let ana_on_a = a.login(&b, ANA).await;
    let (mut ben_on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    await_listed(&mut ben_on_b, ana, Status::Online, WAIT).await;

    a.kill9().await;
    drop(ana_on_a);
    await_update(&mut ben_on_b, ana, Status::Offline, Duration::from_secs(15)).await;
    assert_eq!(status_of(&list(&mut ben_on_b).await, ana), Status::Offline);
    // And B deletes what the dead node left (after its grace of two polls).
    let mut conn = redis_conn(&redis).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n: i64 = redis::cmd("EXISTS")
            .arg(format!("arena:p:{tenant}:25"))
            .arg("arena:pt:25")
            .query_async(&mut conn)
            .await
            .unwrap();
        if n == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dead node's presence is still in Redis"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_with_its_id_clears_its_previous_life() {
    let Some(redis_server) = private_redis().await else {
        return;
    };
    let redis = redis_server.url();
    let db = TestDb::create().await;
    // B polls rarely: what clears node 27's leftovers is its own restart.
    let b = TestServer::start_with(Config {
        node_heartbeat_ms: 10_000,
        node_ttl_ms: 20_000,
        ..node_config(&db.url, &redis, 26)
    })
    .await;
    let quick = Config {
        node_heartbeat_ms: 300,
        node_ttl_ms: 2000,
        ..node_config(&db.url, &redis, 27)
    };
    let a = Process::start(&quick).await;
    let (tenant, ana) = demo_ana(&b).await;
    let ana_on_a = a.login(&b, ANA).await;
    let (mut ben_on_b, _) = b.login_ws(BEN, Encoding::Json).await;
    await_listed(&mut ben_on_b, ana, Status::Online, WAIT).await;
    let mut conn = redis_conn(&redis).await;
    let hash = format!("arena:p:{tenant}:27");
    let before: i64 = redis::cmd("HLEN")
        .arg(&hash)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(before, 1, "ana's entry on node 27");

    a.kill9().await;
    drop(ana_on_a);
    // The new life waits out the old claim (2 s), then clears and tells the cluster.
    let a2 = TestServer::start_with(quick.clone()).await;
    let after: i64 = redis::cmd("HLEN")
        .arg(&hash)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(after, 0, "the previous life's presence is cleared at start");
    await_update(&mut ben_on_b, ana, Status::Offline, WAIT).await;
    assert_eq!(status_of(&list(&mut ben_on_b).await, ana), Status::Offline);
    let (mut ben_on_a2, ready) = a2.login_ws(BEN, Encoding::Json).await;
    assert_eq!(status_of(&ready.presences, ana), Status::Offline);
    assert_eq!(status_of(&list(&mut ben_on_a2).await, ana), Status::Offline);
    a2.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_presence_stays_on_the_node() {
    let db = TestDb::create().await;
    let a = TestServer::start(&db.url).await;
    let (_, ana) = demo_ana(&a).await;
    let (_ana_on_a, _) = a.login_ws(ANA, Encoding::Json).await;
    let (mut ben, ready) = a.login_ws(BEN, Encoding::Json).await;
    assert_eq!(status_of(&ready.presences, ana), Status::Online);
    assert_eq!(status_of(&list(&mut ben).await, ana), Status::Online);
    a.stop().await;
}
