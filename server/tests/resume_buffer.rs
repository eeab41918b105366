//! Drop and RESUME from the session's own buffer (PROTOCOL.md §6): exactly
//! what was missed, replayed before RESUMED, also behind a stalled old socket;
//! and what ends or guards a session: a seq from the future (4007), a normal
//! close, a RESUME with another member's session id.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::{GatewayClient, ResumeOutcome};
use arena_protocol::frame::Resume;
use arena_protocol::{Encoding, Event, Snowflake};
use common::*;
use serde_json::json;

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
        without_deleted_text(log_sigs(&all)),
        without_deleted_text(d.expected.clone()),
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
        without_deleted_text(log_sigs(&d.replayed)),
        without_deleted_text(d.expected.clone()),
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
        panels: None,
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
            panels: None,
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
        panels: None,
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
        panels: None,
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
        .fetch_channel_states(arena_server::ids::TenantId(tid))
        .await
        .unwrap()
        .iter()
        .find(|c| c.id == general.into())
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
