//! A client that stops reading while messages keep coming is closed with 4010
//! (slow consumer: its bounded outbound queue is full), and the server lets go
//! of it.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::CloseCode;
use common::*;
use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A server with small outbound queues (16 frames, 256 KiB): a client that
/// reads keeps up with bursts of 4 messages of 24 KB; one that stops reading
/// overflows once the kernel's socket buffers (up to 4 MiB) are full.
async fn server() -> (TestDb, TestServer) {
    let db = TestDb::create().await;
    let mut cfg = test_config(&db.url);
    cfg.outbound_queue_frames = 16;
    cfg.outbound_queue_bytes = 256 * 1024;
    let s = TestServer::start_with(cfg).await;
    (db, s)
}

/// staff posts big messages (16 KB of 4-byte characters plus an 8 KB card) into
/// #general-chat over REST, 4 at a time, until `session_id`'s queue overflows;
/// panics if it never does. (The kernel alone buffers up to 4 MiB per socket.)
async fn flood_until_killed(s: &TestServer, session_id: &str) {
    let token = s.demo_token(STAFF).await;
    let (tid, ..) = s.member("demo", STAFF).await;
    let general = channel_id(s, tid, "general-chat");
    let content = "🦀".repeat(3990);
    let card = json!({"type": "filler", "data": {"blob": "c".repeat(8000)}});
    let url = s.url(&format!("/api/v1/channels/{general}/messages"));
    for round in 0..150 {
        let posts = (0..4).map(|i| {
            s.http()
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({"content": format!("{round}.{i} {content}"), "card": card}))
                .send()
        });
        for r in futures_util::future::join_all(posts).await {
            let r = r.unwrap();
            assert_eq!(r.status(), 201, "{:?}", r.text().await);
        }
        let session = s.state.sessions.get(session_id);
        if session.is_none_or(|x| x.outbox.close_code().is_some()) {
            let code = s
                .state
                .sessions
                .get(session_id)
                .and_then(|x| x.outbox.close_code());
            assert!(
                code.is_none() || code == Some(CloseCode::SlowConsumer),
                "closed with {code:?}"
            );
            return;
        }
    }
    panic!("600 messages of 24 KB never filled a 16-frame / 256 KiB queue of a client that does not read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_closed_4010() {
    let (_db, s) = server().await;
    let (mut ben, session_id) = stalled_client(&s, BEN).await;
    // A reading client in the same channel is not affected.
    let (mut ana, _) = s.login_ws(ANA, arena_protocol::Encoding::MsgPack).await;
    let reader = tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            match ana.next_event(Duration::from_secs(3)).await {
                Ok((_, arena_protocol::Event::MessageCreate(_))) => n += 1,
                Ok(_) => {}
                Err(arena_protocol::client::ClientError::Timeout) => return Ok(n),
                Err(e) => return Err(e),
            }
        }
    });
    flood_until_killed(&s, &session_id).await;

    // Now ben reads: what was buffered, then the close frame 4010.
    let code = loop {
        match tokio::time::timeout(WAIT, ben.next())
            .await
            .expect("ben's socket neither closed nor sent anything")
        {
            None | Some(Err(_)) => break None,
            Some(Ok(WsMessage::Close(cf))) => break cf.map(|c| u16::from(c.code)),
            Some(Ok(_)) => {}
        }
    };
    assert_eq!(code, Some(4010), "slow consumer close code");
    let n = reader
        .await
        .unwrap()
        .expect("ana, who reads, stays connected");
    assert!(n > 0, "ana got the messages");
}

/// The stalled client keeps not reading. The server must still end the session
/// (close frame attempted, socket dropped) rather than hold it forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_is_let_go_after_4010() {
    let (_db, s) = server().await;
    let (_ben, session_id) = stalled_client(&s, BEN).await;
    flood_until_killed(&s, &session_id).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while s.state.sessions.get(&session_id).is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "10 s after its 4010, the stalled session is still held by the server (its connection task never ends)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
