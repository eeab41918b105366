//! Drop and RESUME (PROTOCOL.md §6): from the session's buffer, from the
//! channel log by cursors (after a restart, or when the buffer is too short),
//! and INVALID_SESSION when neither can serve.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::{GatewayClient, ResumeOutcome};
use arena_protocol::frame::Resume;
use arena_protocol::request::Cursors;
use arena_protocol::{Encoding, Event, Snowflake};
use common::*;
use serde_json::json;

/// The channel log after `after_seq`, as the ground truth of what a resume must replay.
async fn log_after(c: &mut GatewayClient, channel: Snowflake, after_seq: u64) -> Vec<String> {
    let r = c
        .request(
            "channel.events",
            json!({"channel_id": channel, "after_seq": after_seq}),
        )
        .await
        .unwrap()
        .unwrap();
    r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| sig(&Event::from_parts(e["t"].as_str().unwrap(), e["d"].clone()).unwrap()))
        .collect()
}

/// Resumes and returns (RESUMED, replayed dispatches); panics on INVALID_SESSION.
async fn resume_ok(
    c: &mut GatewayClient,
    token: &str,
    session_id: &str,
    seq: u64,
    cursors: Option<Cursors>,
) -> (arena_protocol::event::Resumed, Vec<(u64, Event)>) {
    let d = Resume {
        token: token.to_owned(),
        session_id: session_id.to_owned(),
        seq,
        cursors,
    };
    match c.resume(d).await.expect("RESUME answered") {
        ResumeOutcome::Resumed { resumed, replayed } => (resumed, replayed),
        ResumeOutcome::Invalid { resumable } => {
            panic!("INVALID_SESSION (resumable: {resumable}) where a resume should work")
        }
    }
}

fn log_sigs(events: &[(u64, Event)]) -> Vec<String> {
    events
        .iter()
        .filter(|(_, e)| is_log_event(e))
        .map(|(_, e)| sig(e))
        .collect()
}

fn assert_seqs_continue(events: &[(u64, Event)], after: u64) {
    let mut prev = after;
    for (s, e) in events {
        assert!(
            *s > prev,
            "s must keep increasing after {after}: {s} after {prev} ({e:?})"
        );
        prev = *s;
    }
}

/// ana changes #general-chat while ben is away: three posts, an edit, a delete, a reaction.
async fn ana_changes_things(ana: &mut GatewayClient, general: Snowflake) {
    let m1 = post(ana, general, "one").await;
    let m2 = post(ana, general, "two").await;
    let m3 = post(ana, general, "three").await;
    assert!(ana
        .request(
            "message.edit",
            json!({"message_id": m1.id, "content": "one, edited"})
        )
        .await
        .unwrap()
        .is_ok());
    assert!(ana
        .request("message.delete", json!({"message_id": m2.id}))
        .await
        .unwrap()
        .is_ok());
    assert!(ana
        .request("reaction.add", json!({"message_id": m3.id, "emoji": "👍"}))
        .await
        .unwrap()
        .is_ok());
}

/// ben (MessagePack) drops without a close frame while ana changes #general-chat,
/// then RESUMEs with his session, seq and cursors. Returns what the scenario
/// saw: expected log, RESUMED, replayed before it, dispatches after it, ben's old seq.
struct Dropped {
    expected: Vec<String>,
    resumed: arena_protocol::event::Resumed,
    replayed: Vec<(u64, Event)>,
    after: Vec<(u64, Event)>,
    seq: u64,
    session_id: String,
    ana: GatewayClient,
    ben: GatewayClient,
    general: Snowflake,
    _s: TestServer,
    _db: TestDb,
}

async fn drop_and_resume() -> Dropped {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, ready_b) = s.login_ws(BEN, Encoding::MsgPack).await;
    let general = channel(&ready_a, "general-chat").id;
    let m0 = post(&mut ana, general, "before the drop").await;
    assert_eq!(next_create(&mut ben).await.id, m0.id);
    let session_id = ben.session_id().unwrap().to_owned();
    let seq = ben.last_seq();
    let mut cursors = cursors_from(&ready_b);
    cursors.insert(general, m0.channel_seq);
    // Gone without a close frame (the tasks are aborted, the TCP stream just ends).
    drop(ben);

    ana_changes_things(&mut ana, general).await;
    let expected = log_after(&mut ana, general, m0.channel_seq).await;
    assert_eq!(
        expected.len(),
        6,
        "3 creates, an update, a delete, a reaction: {expected:?}"
    );

    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::MsgPack).await;
    let (resumed, replayed) = resume_ok(&mut ben, &token, &session_id, seq, Some(cursors)).await;
    let after: Vec<(u64, Event)> = drain(&mut ben).await;
    Dropped {
        expected,
        resumed,
        replayed,
        after,
        seq,
        session_id,
        ana,
        ben,
        general,
        _s: s,
        _db: db,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_and_resume_gets_exactly_what_was_missed() {
    let mut d = drop_and_resume().await;
    let mut all = d.replayed.clone();
    all.extend(d.after.iter().cloned());
    // No more, no less, in order (replayed and anything right after RESUMED together).
    assert_eq!(
        log_sigs(&all),
        d.expected,
        "what ben missed, exactly once, in order"
    );
    assert_seqs_continue(&all, d.seq);
    assert!(d.resumed.unrecovered.is_empty(), "{:?}", d.resumed);
    assert_eq!(d.ben.session_id(), Some(d.session_id.as_str()));

    // The resumed session is live: the next post arrives once.
    let m4 = post(&mut d.ana, d.general, "after the resume").await;
    let got = drain(&mut d.ben).await;
    let creates: Vec<_> = got
        .iter()
        .filter(|(_, e)| matches!(e, Event::MessageCreate(_)))
        .map(|(_, e)| sig(e))
        .collect();
    assert_eq!(creates, [sig(&Event::MessageCreate(Box::new(m4)))]);
}

/// PROTOCOL.md §6: the node replays the missed dispatches, *then* sends RESUMED
/// (whose `replayed` counts them). Events that reached the session while its
/// socket was gone must not trail after RESUMED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_events_are_replayed_before_resumed() {
    let d = drop_and_resume().await;
    assert_eq!(
        log_sigs(&d.replayed),
        d.expected,
        "the missed events must be replayed before RESUMED {:?}; after it came {:?}",
        d.resumed,
        d.after
            .iter()
            .map(|(s, e)| format!("s={s} {}", sig(e)))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        d.resumed.replayed as usize,
        d.replayed.len(),
        "RESUMED.replayed counts the replayed dispatches"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_server_restart_replays_from_the_channel_log() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, ready_b) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready_a, "general-chat").id;
    let m0 = post(&mut ana, general, "before the drop").await;
    assert_eq!(next_create(&mut ben).await.id, m0.id);
    let session_id = ben.session_id().unwrap().to_owned();
    let seq = ben.last_seq();
    let mut cursors = cursors_from(&ready_b);
    cursors.insert(general, m0.channel_seq);
    drop(ben);

    // Half the changes on the old server, half on the new one.
    let m1 = post(&mut ana, general, "one").await;
    let m2 = post(&mut ana, general, "two").await;
    drop(ana);
    let s = s.restart().await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    assert!(ana
        .request(
            "message.edit",
            json!({"message_id": m1.id, "content": "one, edited"})
        )
        .await
        .unwrap()
        .is_ok());
    assert!(ana
        .request("message.delete", json!({"message_id": m2.id}))
        .await
        .unwrap()
        .is_ok());
    assert!(ana
        .request("reaction.add", json!({"message_id": m1.id, "emoji": "🔥"}))
        .await
        .unwrap()
        .is_ok());
    let expected = log_after(&mut ana, general, m0.channel_seq).await;
    assert_eq!(expected.len(), 5, "{expected:?}");

    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::Json).await;
    let (resumed, replayed) = resume_ok(&mut ben, &token, &session_id, seq, Some(cursors)).await;
    assert_eq!(
        log_sigs(&replayed),
        expected,
        "replayed from the channel log, oldest first"
    );
    assert_eq!(resumed.replayed as usize, replayed.len());
    assert!(resumed.unrecovered.is_empty(), "{resumed:?}");
    assert_seqs_continue(&replayed, seq);
    let after = drain(&mut ben).await;
    assert!(
        log_sigs(&after).is_empty(),
        "nothing doubled after RESUMED: {after:?}"
    );

    // Live again on the new server.
    let m3 = post(&mut ana, general, "live").await;
    assert_eq!(next_create(&mut ben).await, m3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_of_an_unknown_session_without_cursors_is_invalid() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let token = s.demo_token(BEN).await;
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let mut c = s.connect(enc).await;
        let d = Resume {
            token: token.clone(),
            session_id: "0123456789abcdef0123456789abcdef".into(),
            seq: 7,
            cursors: None,
        };
        assert_eq!(
            c.resume(d).await.unwrap(),
            ResumeOutcome::Invalid { resumable: false },
            "{enc:?}"
        );
    }
    // The client IDENTIFYs again on a new connection and gets a new session.
    let mut c = s.connect(Encoding::Json).await;
    let ready = c.identify(identify(&token)).await.unwrap();
    assert_ne!(ready.session_id, "0123456789abcdef0123456789abcdef");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_behind_a_short_buffer_uses_cursors_or_is_invalid() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.replay_frames = 4;
    let s = TestServer::start_with(cfg).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, ready_b) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready_a, "general-chat").id;
    let ready_seq = ben.last_seq();
    for i in 0..10 {
        post(&mut ana, general, &format!("burst {i}")).await;
    }
    for _ in 0..10 {
        next_create(&mut ben).await;
    }
    let session_id = ben.session_id().unwrap().to_owned();
    drop(ben);
    let expected = log_after(
        &mut ana,
        general,
        channel(&ready_b, "general-chat").last_seq,
    )
    .await;
    assert_eq!(expected.len(), 10);

    // Claiming to have seen only READY: the buffer (4 frames) cannot cover it, the cursors can.
    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::Json).await;
    let (resumed, replayed) = resume_ok(
        &mut ben,
        &token,
        &session_id,
        ready_seq,
        Some(cursors_from(&ready_b)),
    )
    .await;
    assert_eq!(log_sigs(&replayed), expected);
    assert!(resumed.unrecovered.is_empty());
    let after = drain(&mut ben).await;
    assert!(log_sigs(&after).is_empty(), "nothing doubled: {after:?}");
    let seq_now = ben.last_seq();
    drop(ben);

    // The same gap without cursors: nothing can serve it.
    let mut ben = s.connect(Encoding::Json).await;
    let d = Resume {
        token: token.clone(),
        session_id: session_id.clone(),
        seq: ready_seq,
        cursors: None,
    };
    assert_eq!(
        ben.resume(d).await.unwrap(),
        ResumeOutcome::Invalid { resumable: false }
    );
    // That ended the session for good: even an exact seq no longer resumes it from the buffer.
    let mut ben = s.connect(Encoding::Json).await;
    let d = Resume {
        token,
        session_id,
        seq: seq_now,
        cursors: None,
    };
    assert_eq!(
        ben.resume(d).await.unwrap(),
        ResumeOutcome::Invalid { resumable: false }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_with_a_seq_from_the_future_closes_4007() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let session_id = ben.session_id().unwrap().to_owned();
    let seq = ben.last_seq();
    drop(ben);
    let token = s.demo_token(BEN).await;
    let mut c = s.connect(Encoding::Json).await;
    let d = Resume {
        token,
        session_id,
        seq: seq + 100,
        cursors: None,
    };
    match c.resume(d).await {
        Err(arena_protocol::client::ClientError::Closed(code)) => assert_eq!(code, Some(4007)),
        other => panic!("expected close 4007, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_close_ends_the_session() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let session_id = ben.session_id().unwrap().to_owned();
    let seq = ben.last_seq();
    ben.close().await; // 1000: not resumable (Discord's convention)
    let token = s.demo_token(BEN).await;
    let mut outcome = None;
    // The server learns of the close asynchronously; retry briefly.
    for _ in 0..20 {
        let mut c = s.connect(Encoding::Json).await;
        let d = Resume {
            token: token.clone(),
            session_id: session_id.clone(),
            seq,
            cursors: None,
        };
        let o = c.resume(d).await.unwrap();
        if o == (ResumeOutcome::Invalid { resumable: false }) {
            outcome = Some(o);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(outcome, Some(ResumeOutcome::Invalid { resumable: false }));
}

/// Live events queued for a detached session while the client resumes from the
/// log must not be delivered a second time after RESUMED (the floor drops them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_resume_does_not_double_events_queued_while_away() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.replay_frames = 4;
    let s = TestServer::start_with(cfg).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, ready_b) = s.login_ws(BEN, Encoding::MsgPack).await;
    let general = channel(&ready_a, "general-chat").id;
    let ready_seq = ben.last_seq();
    for i in 0..8 {
        post(&mut ana, general, &format!("seen {i}")).await;
    }
    for _ in 0..8 {
        next_create(&mut ben).await;
    }
    let session_id = ben.session_id().unwrap().to_owned();
    drop(ben);
    for i in 0..3 {
        post(&mut ana, general, &format!("missed {i}")).await;
    }
    let expected = log_after(
        &mut ana,
        general,
        channel(&ready_b, "general-chat").last_seq,
    )
    .await;
    assert_eq!(expected.len(), 11);
    // An old seq the 4-frame buffer cannot serve: replay from the cursors of READY.
    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::MsgPack).await;
    let (_, replayed) = resume_ok(
        &mut ben,
        &token,
        &session_id,
        ready_seq,
        Some(cursors_from(&ready_b)),
    )
    .await;
    let after = drain(&mut ben).await;
    let mut all = replayed.clone();
    all.extend(after.iter().cloned());
    assert_eq!(log_sigs(&all), expected, "each event once, in order");
    assert_seqs_continue(&all, ready_seq);
}

/// A RESUME that cannot take over the old session object (here: the client
/// comes back in the other encoding, so the server builds a new session from
/// the cursors under the same id) must not leave the old one subscribed in
/// the hub forever: once everyone has left and the resume window has passed,
/// nobody is subscribed any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_replaced_by_a_resume_do_not_stay_in_the_hub() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.resume_window_s = 1;
    let s = TestServer::start_with(cfg).await;
    let (ben, ready_b) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready_b, "general-chat").id;
    let general_i = general.0 as i64;
    assert_eq!(s.state.hub.channel_subscribers(general_i), 1);
    let session_id = ben.session_id().unwrap().to_owned();
    let seq = ben.last_seq();
    drop(ben);
    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::MsgPack).await;
    let (resumed, _) = resume_ok(
        &mut ben,
        &token,
        &session_id,
        seq,
        Some(cursors_from(&ready_b)),
    )
    .await;
    assert!(resumed.unrecovered.is_empty());
    ben.close().await; // 1000: the session ends now
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let subs = s.state.hub.channel_subscribers(general_i);
        let sessions = s.state.sessions.len();
        if subs == 0 && sessions == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "10 s after the last client left (resume window 1 s): {subs} subscriber(s) of #general-chat \
             and {sessions} session(s) remain on the server"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Cursors name channels; a RESUME must only replay channels the member may
/// read in their own tenant, whatever the cursors say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_cursors_cannot_reach_unreadable_or_foreign_channels() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (mut zoe, ready_z) = s.login_ws(ZOE, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let beta = channel(&ready_a, "beta-features").id;
    let acme_general = channel(&ready_z, "general-chat").id;
    let tenant = ready_a.tenant.id.0 as i64;
    let exec = channel_id(&s, tenant, "executive-briefing");
    post(&mut ana, beta, "gold only").await;
    post(&mut zoe, acme_general, "acme only").await;
    post(&mut staff, exec, "platinum only").await;

    let token = s.demo_token(BEN).await;
    let mut cursors: arena_protocol::request::Cursors = Default::default();
    cursors.insert(beta, 0);
    cursors.insert(exec, 0);
    cursors.insert(acme_general, 0);
    let mut ben = s.connect(Encoding::Json).await;
    let (resumed, replayed) = resume_ok(&mut ben, &token, &"f".repeat(32), 1, Some(cursors)).await;
    assert!(replayed.is_empty(), "ben (silver, demo) got {replayed:?}");
    assert_eq!(resumed.replayed, 0);
    assert_no_event(&mut ben, "nothing from those channels later either", |e| {
        e.channel_id()
            .is_some_and(|c| [beta, exec, acme_general].contains(&c))
    })
    .await;
    post(&mut ana, beta, "still gold only").await;
    post(&mut zoe, acme_general, "still acme only").await;
    assert_no_event(&mut ben, "no live events from those channels", |e| {
        e.channel_id()
            .is_some_and(|c| [beta, exec, acme_general].contains(&c))
    })
    .await;
}

/// A RESUME naming someone else's session (here ana's token with ben's
/// session id) must neither take it over nor evict it: ben can still resume
/// his own session from its buffer afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_with_another_members_session_id_does_not_evict_it() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    let (ben, ready_b) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready_a, "general-chat").id;
    let session_id = ben.session_id().unwrap().to_owned();
    let seq = ben.last_seq();
    drop(ben);
    let m = post(&mut ana, general, "while ben is away").await;

    let ana_token = s.demo_token(ANA).await;
    let mut intruder = s.connect(Encoding::Json).await;
    let d = Resume {
        token: ana_token,
        session_id: session_id.clone(),
        seq,
        cursors: Some(cursors_from(&ready_b)),
    };
    if let Ok(ResumeOutcome::Resumed { resumed, replayed }) = intruder.resume(d).await {
        // Whatever ana got, it is ana's own view, never ben's session.
        assert_eq!(resumed.replayed as usize, replayed.len());
    }

    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::Json).await;
    let d = Resume {
        token,
        session_id,
        seq,
        cursors: None,
    };
    match ben.resume(d).await.unwrap() {
        ResumeOutcome::Resumed { replayed, .. } => {
            let mut all = replayed;
            all.extend(drain(&mut ben).await);
            assert_eq!(
                log_sigs(&all),
                [sig(&Event::MessageCreate(Box::new(m)))],
                "ben's own session, with what he missed"
            );
        }
        ResumeOutcome::Invalid { .. } => {
            panic!(
                "ben's session was evicted by a RESUME that named it with another member's token"
            )
        }
    }
}

/// ben's old socket is stalled (the network went quiet, he reads nothing) while
/// bursts of messages arrive, so its writer is blocked with a batch in hand.
/// He then RESUMEs on a new socket from READY's seq: every message must reach
/// him exactly once, whether replayed or live (no channel_seq missing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_while_the_old_socket_is_stalled_loses_nothing() {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.replay_frames = 2048;
    cfg.outbound_queue_frames = 4096;
    cfg.outbound_queue_bytes = 16 * 1024 * 1024;
    let s = TestServer::start_with(cfg).await;
    let (_stalled, session_id) = stalled_client(&s, BEN).await;
    let token = s.demo_token(STAFF).await;
    let (tid, ..) = s.member("demo", STAFF).await;
    let general = channel_id(&s, tid, "general-chat");
    let head = s
        .state
        .store
        .fetch_channel_states(tid)
        .await
        .unwrap()
        .iter()
        .find(|c| c.id == general.0 as i64)
        .unwrap()
        .last_seq as u64;
    let content = "🦀".repeat(3990);
    let card = json!({"type": "filler", "data": {"blob": "c".repeat(8000)}});
    let url = s.url(&format!("/api/v1/channels/{general}/messages"));
    let seq_of = |s: &TestServer| s.state.sessions.get(&session_id).map(|x| x.state().seq);
    let (mut posted, mut still, mut extra) = (0u64, 0, 0);
    for round in 0..150 {
        let before = seq_of(&s);
        let posts = (0..8).map(|i| {
            s.http()
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({"content": format!("{round}.{i} {content}"), "card": card}))
                .send()
        });
        for r in futures_util::future::join_all(posts).await {
            assert_eq!(r.unwrap().status(), 201);
            posted += 1;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if seq_of(&s) == before {
            still += 1;
        }
        if still >= 2 {
            extra += 1;
            if extra > 2 {
                break;
            }
        }
    }
    assert!(still >= 2, "the stalled socket never blocked the writer");
    let killed = s
        .state
        .sessions
        .get(&session_id)
        .and_then(|x| x.outbox.close_code());
    assert_eq!(
        killed, None,
        "the queue limits are large enough for this test"
    );

    let ben_token = s.demo_token(BEN).await;
    let mut ben = s
        .connect_opts(arena_protocol::client::ClientOptions {
            encoding: Encoding::Json,
            event_buffer: 4096,
            ..Default::default()
        })
        .await;
    let (_, replayed) = resume_ok(&mut ben, &ben_token, &session_id, 1, None).await;
    let mut all = replayed;
    all.extend(drain(&mut ben).await);
    let seqs: Vec<u64> = all
        .iter()
        .filter_map(|(_, e)| match e {
            Event::MessageCreate(m) if m.channel_id == general => Some(m.channel_seq),
            _ => None,
        })
        .collect();
    let want: Vec<u64> = (head + 1..=head + posted).collect();
    let missing: Vec<u64> = want.iter().filter(|x| !seqs.contains(x)).copied().collect();
    assert!(
        missing.is_empty(),
        "{} of {posted} messages never reached ben: channel_seq {missing:?}",
        missing.len()
    );
    assert_eq!(seqs, want, "each once, in order");
}
