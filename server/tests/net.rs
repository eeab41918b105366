//! Issue 12 item 10 and the X-Forwarded-For fix, over real sockets: a
//! client slow to send headers is cut off; a slow REST request is answered
//! 503 with the limit named; connections past the node's and a peer's cap
//! are closed at accept (gateway sockets count too); a member's sessions past
//! `sessions_per_user` evict the oldest with 4015; a client's own
//! X-Forwarded-For line ahead of the proxy's does not change its address.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::ClientError;
use arena_protocol::Encoding;
use arena_server::config::Config;
use common::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (or [`WAIT`] passes:
/// `None`); what it sent before closing.
async fn read_to_close(tcp: &mut TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(WAIT, read).await.ok()?;
    Some(String::from_utf8_lossy(&got).into_owned())
}

/// One `GET /healthz` on a kept-alive connection: the status line, or
/// `None` when the server closed it without answering.
async fn healthz(tcp: &mut TcpStream) -> Option<String> {
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .ok()?;
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
        .await
        .expect("an answer or a close within the wait")
        .ok()?;
    (n > 0).then(|| {
        String::from_utf8_lossy(&buf[..n])
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_slow_to_send_its_headers_is_cut_off() {
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        header_read_timeout_ms: 300,
        ..test_config(&db.url)
    })
    .await;
    let mut tcp = TcpStream::connect(s.addr).await.unwrap();
    // Half a request, then nothing (Slowloris).
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    assert!(
        read_to_close(&mut tcp).await.is_some(),
        "the server closes a connection whose headers never end"
    );
    // A whole request on a new connection is served.
    let mut ok = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(healthz(&mut ok).await.as_deref(), Some("HTTP/1.1 200 OK"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_rest_request_is_answered_503_with_the_limit_but_a_gateway_socket_lives_on() {
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        request_timeout_ms: 300,
        ..test_config(&db.url)
    })
    .await;
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let mut tcp = TcpStream::connect(s.addr).await.unwrap();
    // The body is announced but never sent in full.
    tcp.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"tenant\":",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
        .await
        .expect("an answer before the test's wait")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("request timed out after 300 ms"),
        "{answer}"
    );
    // The gateway socket, open for longer than the request timeout, still answers.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let general = channel(&ready, "general-chat").id;
    post(&mut ben, general, "still connected").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_a_peer_s_cap_are_closed_at_accept_gateway_sockets_included() {
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        max_connections_per_ip: 2,
        // Loopback is a client here, not a proxy.
        trusted_proxies: Vec::new(),
        ..test_config(&db.url)
    })
    .await;
    // One gateway socket and one kept-alive HTTP connection.
    let (ws, _) = s.login_ws(BEN, Encoding::Json).await;
    let mut http = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(healthz(&mut http).await.as_deref(), Some("HTTP/1.1 200 OK"));
    let mut third = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(
        healthz(&mut third).await,
        None,
        "the third is closed unanswered"
    );
    // A place freed (the gateway socket closed) is free again.
    ws.close().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut again = TcpStream::connect(s.addr).await.unwrap();
        if healthz(&mut again).await.as_deref() == Some("HTTP/1.1 200 OK") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_node_s_cap_are_closed_at_accept() {
    let db = TestDb::create().await;
    // Loopback is a trusted proxy by default: only the node's cap applies.
    let s = TestServer::start_with(Config {
        max_connections: 2,
        max_connections_per_ip: 1,
        ..test_config(&db.url)
    })
    .await;
    let mut a = TcpStream::connect(s.addr).await.unwrap();
    let mut b = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(healthz(&mut a).await.as_deref(), Some("HTTP/1.1 200 OK"));
    assert_eq!(healthz(&mut b).await.as_deref(), Some("HTTP/1.1 200 OK"));
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(healthz(&mut c).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_s_sessions_past_the_limit_evict_the_oldest_with_4015() {
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        sessions_per_user: 2,
        ..test_config(&db.url)
    })
    .await;
    let (mut first, ready) = s.login_ws(BEN, Encoding::Json).await;
    let (mut second, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let (mut third, _) = s.login_ws(BEN, Encoding::Json).await;
    assert_eq!(first.closed(WAIT).await, Ok(Some(4015)), "the oldest goes");
    let general = channel(&ready, "general-chat").id;
    post(&mut second, general, "second stays").await;
    post(&mut third, general, "third stays").await;
    // Other members are not affected.
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    post(&mut ana, general, "ana too").await;
    // The evicted session cannot be resumed into a fourth place.
    let sid = ready.session_id.clone();
    assert!(s
        .state
        .sessions
        .get(&sid)
        .is_none_or(|x| x.outbox.kill.is_closed()));
    let mut c = s.connect(Encoding::Json).await;
    let r = c
        .resume(arena_protocol::frame::Resume {
            token: s.demo_token(BEN).await,
            session_id: sid,
            seq: 1,
            cursors: None,
            panels: None,
        })
        .await;
    assert!(
        matches!(
            r,
            Ok(arena_protocol::client::ResumeOutcome::Invalid { .. }) | Err(ClientError::Closed(_))
        ),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_s_own_forwarded_for_line_ahead_of_the_proxy_s_is_not_its_address() {
    let db = TestDb::create().await;
    // 8 a minute per address, burst 2; loopback (the test) is a trusted proxy.
    let s = TestServer::start_with(Config {
        http_requests_per_minute_per_ip: 8,
        ..test_config(&db.url)
    })
    .await;
    let mut limited = false;
    for i in 0..10 {
        // The client wrote its own line with a new address each time; the
        // proxy appended the address it saw as a second line.
        let r = s
            .http()
            .get(s.url("/api/v1/channels"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .header("x-forwarded-for", "203.0.113.7")
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "every request counted against 203.0.113.7");
    // Another client behind the same proxy has its own budget.
    let r = s
        .http()
        .get(s.url("/api/v1/channels"))
        .header("x-forwarded-for", "203.0.113.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "not throttled, only unauthenticated");
}
