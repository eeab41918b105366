//! RESUME from the channel log by cursors (PROTOCOL.md §6): after a server
//! restart, behind a buffer too short to serve, without doubling events queued
//! while away, only into channels the member may read, and without leaving a
//! replaced session in the hub; INVALID_SESSION when neither the buffer nor
//! the cursors can serve.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::ResumeOutcome;
use arena_protocol::frame::Resume;
use arena_protocol::Encoding;
use common::*;
use serde_json::json;

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
            panels: None,
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
        panels: None,
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
        panels: None,
    };
    assert_eq!(
        ben.resume(d).await.unwrap(),
        ResumeOutcome::Invalid { resumable: false }
    );
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
    let general_i = arena_server::ids::ChannelId::from(general);
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
