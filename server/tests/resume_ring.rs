//! A session that loses its socket leaves the fan-out at once (issue 14):
//! the hub stops pushing to it, and its RESUME takes what it missed from the
//! channel's shared ring, or from the channel log by the position it left
//! at when the ring no longer holds it, with tenant events (a member's new
//! name) replayed too. Never a gap, never a double.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::{Encoding, Event, Snowflake};
use common::*;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// Waits (up to WAIT) until `channel` has `n` attached subscribers on the node.
async fn subscribers_become(s: &TestServer, channel: Snowflake, n: usize) {
    let deadline = Instant::now() + WAIT;
    let id = channel.into();
    loop {
        let now = s.state.hub.channel_subscribers(id);
        if now == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "#{channel:?} kept {now} subscribers, expected {n}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// ben drops (no close frame) and is out of the fan-out; ana posts `n`
/// messages and renames herself; ben resumes WITHOUT cursors, so nothing
/// but the server's own record of where he left can fill the gap.
async fn away_then_resume(cfg: arena_server::config::Config, n: usize) -> Resumed {
    let s = TestServer::start_with(cfg).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let general = channel(&ready, "general-chat").id;
    let m0 = post(&mut ana, general, "before").await;
    assert_eq!(next_create(&mut ben).await.id, m0.id);
    let before = s.state.hub.channel_subscribers(general.into());
    let (session_id, seq) = (ben.session_id().unwrap().to_owned(), ben.last_seq());
    drop(ben);
    subscribers_become(&s, general, before - 1).await;

    for i in 0..n {
        post(&mut ana, general, &format!("while away {i}")).await;
    }
    let (st, body) = s
        .api(
            reqwest::Method::PATCH,
            ANA,
            "/api/v1/me",
            Some(json!({"display_name": "Ana Away"})),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let expected = log_after(&mut ana, general, m0.channel_seq).await;
    assert_eq!(expected.len(), n);
    // What the rings hold for him (the /metrics gauge arena_resume_ring_bytes).
    let ring_held = s.state.hub.ring_bytes();

    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::MsgPack).await;
    let (resumed, replayed) = resume_ok(&mut ben, &token, &session_id, seq, None).await;
    subscribers_become(&s, general, before).await;
    // Live again: the next post arrives once.
    let m = post(&mut ana, general, "after").await;
    let got = drain(&mut ben).await;
    let creates: Vec<_> = got
        .iter()
        .filter_map(|(_, e)| match e {
            Event::MessageCreate(c) => Some(c.id),
            _ => None,
        })
        .collect();
    assert_eq!(creates, [m.id], "live after the resume, once");
    Resumed {
        resumed,
        replayed,
        expected,
        ring_held,
        _ben: ben,
        _s: s,
    }
}

/// What [`away_then_resume`] saw: RESUMED, the frames replayed before it,
/// the log events ben missed; the client and server stay up until dropped.
struct Resumed {
    resumed: arena_protocol::event::Resumed,
    replayed: Vec<(u64, Event)>,
    expected: Vec<String>,
    /// Bytes the node's rings held while ben was away.
    ring_held: usize,
    _ben: GatewayClient,
    _s: TestServer,
}

fn renamed(events: &[(u64, Event)]) -> bool {
    events.iter().any(|(_, e)| {
        matches!(e, Event::MemberUpdate(u) if u.display_name.as_deref() == Some("Ana Away"))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_away_session_resumes_from_the_ring() {
    let db = TestDb::create().await;
    let Resumed {
        resumed,
        replayed,
        expected,
        ring_held,
        ..
    } = away_then_resume(test_config(&db.url), 5).await;
    assert!(ring_held > 0, "the rings kept what ben missed");
    assert_eq!(
        log_sigs(&replayed),
        expected,
        "what ben missed, once, in order"
    );
    assert!(resumed.unrecovered.is_empty(), "{resumed:?}");
    assert!(
        renamed(&replayed),
        "the tenant event he missed: {replayed:?}"
    );
    assert_eq!(resumed.replayed as usize, replayed.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_ring_the_log_fills_the_gap_from_where_the_session_left() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.resume_ring_bytes = 0;
    let Resumed {
        resumed,
        replayed,
        expected,
        ring_held,
        ..
    } = away_then_resume(cfg, 4).await;
    assert_eq!(ring_held, 0, "no ring kept");
    assert_eq!(
        log_sigs(&replayed),
        expected,
        "from the log, once, in order"
    );
    assert!(resumed.unrecovered.is_empty(), "{resumed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ring_that_evicted_falls_back_to_the_log() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    // Room for about two events: the older ones are only in the log.
    cfg.resume_ring_bytes = 2_000;
    let Resumed {
        resumed,
        replayed,
        expected,
        ..
    } = away_then_resume(cfg, 12).await;
    assert_eq!(log_sigs(&replayed), expected);
    assert!(resumed.unrecovered.is_empty(), "{resumed:?}");
}
