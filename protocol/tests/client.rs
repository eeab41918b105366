//! The async client against a scripted in-test gateway on port 0: HELLO,
//! IDENTIFY → READY, requests with interleaved events, heartbeats, RESUME and close codes.

#![allow(clippy::result_large_err)] // the handshake callback's error type is tungstenite's HTTP response

mod common;

use arena_protocol::client::{ClientError, ClientOptions, GatewayClient, ResumeOutcome};
use arena_protocol::event::Resumed;
use arena_protocol::frame::{Hello, Identify, InvalidSession, Resume};
use arena_protocol::request::Response;
use arena_protocol::{ClientFrame, Encoding, ErrorBody, ErrorCode, Event, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const T: Duration = Duration::from_secs(5);

fn msg(enc: Encoding, f: &ServerFrame) -> WsMessage {
    let b = f.encode(enc).unwrap_or_default();
    match enc {
        Encoding::Json => WsMessage::text(String::from_utf8(b).unwrap_or_default()),
        Encoding::MsgPack => WsMessage::binary(b),
    }
}

/// A scripted gateway: one connection per accept; counts heartbeats it hears.
async fn mock_gateway(heartbeats: Arc<AtomicU64>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let heartbeats = heartbeats.clone();
            tokio::spawn(async move {
                let mut enc = Encoding::Json;
                let cb = |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                          resp: tokio_tungstenite::tungstenite::handshake::server::Response| {
                    if req.uri().query().is_some_and(|q| q.contains("encoding=msgpack")) {
                        enc = Encoding::MsgPack;
                    }
                    Ok(resp)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await else {
                    return;
                };
                let hello = Hello {
                    heartbeat_interval_ms: 50,
                    node_id: "mock".into(),
                };
                let _ = ws.send(msg(enc, &ServerFrame::Hello(hello))).await;
                let mut s = 0u64;
                while let Some(Ok(m)) = ws.next().await {
                    let bytes = match &m {
                        WsMessage::Text(t) => t.as_bytes().to_vec(),
                        WsMessage::Binary(b) => b.to_vec(),
                        _ => continue,
                    };
                    let Ok(frame) = ClientFrame::decode(enc, &bytes) else {
                        let _ = ws
                            .close(Some(CloseFrame {
                                code: CloseCode::from(4002),
                                reason: "decode".into(),
                            }))
                            .await;
                        return;
                    };
                    match frame {
                        ClientFrame::Heartbeat(_) => {
                            heartbeats.fetch_add(1, Ordering::Relaxed);
                            let _ = ws.send(msg(enc, &ServerFrame::HeartbeatAck)).await;
                        }
                        ClientFrame::Identify(d) if d.token == "bad" => {
                            let _ = ws
                                .close(Some(CloseFrame {
                                    code: CloseCode::from(4004),
                                    reason: "auth".into(),
                                }))
                                .await;
                            return;
                        }
                        ClientFrame::Identify(_) => {
                            s += 1;
                            let ready = Event::Ready(Box::new(common::ready()));
                            let _ = ws
                                .send(msg(enc, &ServerFrame::Dispatch { s, event: ready }))
                                .await;
                        }
                        ClientFrame::Resume(r) if r.session_id == "gone" => {
                            let _ = ws
                                .send(msg(
                                    enc,
                                    &ServerFrame::InvalidSession(InvalidSession {
                                        resumable: false,
                                    }),
                                ))
                                .await;
                        }
                        ClientFrame::Resume(r) => {
                            s = r.seq;
                            for _ in 0..2 {
                                s += 1;
                                let ev = Event::MessageCreate(Box::new(common::plain_message()));
                                let _ = ws
                                    .send(msg(enc, &ServerFrame::Dispatch { s, event: ev }))
                                    .await;
                            }
                            s += 1;
                            let ev = Event::Resumed(Resumed {
                                replayed: 2,
                                unrecovered: vec![],
                            });
                            let _ = ws
                                .send(msg(enc, &ServerFrame::Dispatch { s, event: ev }))
                                .await;
                        }
                        ClientFrame::Request(r) => match r.method.as_str() {
                            "kick.me" => {
                                let _ = ws
                                    .close(Some(CloseFrame {
                                        code: CloseCode::from(4014),
                                        reason: "kick".into(),
                                    }))
                                    .await;
                                return;
                            }
                            "fail" => {
                                let e = ErrorBody::retry(ErrorCode::RateLimited, "slow down", 250);
                                let _ = ws
                                    .send(msg(
                                        enc,
                                        &ServerFrame::Response(Box::new(Response::err(r.id, e))),
                                    ))
                                    .await;
                            }
                            "ask.heartbeat" => {
                                let _ = ws.send(msg(enc, &ServerFrame::Heartbeat)).await;
                                let ok = Response::ok(r.id, json!({}));
                                let _ = ws
                                    .send(msg(enc, &ServerFrame::Response(Box::new(ok))))
                                    .await;
                            }
                            _ => {
                                // An event before the answer: the client must keep it.
                                s += 1;
                                let ev = Event::MessageCreate(Box::new(common::message()));
                                let _ = ws
                                    .send(msg(enc, &ServerFrame::Dispatch { s, event: ev }))
                                    .await;
                                let ok = Response::ok(
                                    r.id,
                                    serde_json::to_value(common::message()).unwrap_or_default(),
                                );
                                let _ = ws
                                    .send(msg(enc, &ServerFrame::Response(Box::new(ok))))
                                    .await;
                            }
                        },
                        ClientFrame::PresenceUpdate(_) => {}
                    }
                }
            });
        }
    });
    format!("ws://{addr}")
}

fn opts(encoding: Encoding) -> ClientOptions {
    ClientOptions {
        encoding,
        ..ClientOptions::default()
    }
}

fn identify(token: &str) -> Identify {
    Identify {
        token: token.into(),
        presence: None,
        channels: None,
    }
}

#[tokio::test]
async fn identify_request_events_and_close_in_both_encodings() {
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let hb = Arc::new(AtomicU64::new(0));
        let url = mock_gateway(hb.clone()).await;
        let mut c = GatewayClient::connect(&url, opts(enc))
            .await
            .expect("connect");
        assert_eq!(c.hello().node_id, "mock");
        let ready = c.identify(identify("good")).await.expect("ready");
        assert_eq!(c.session_id(), Some(ready.session_id.as_str()));
        assert_eq!(c.last_seq(), 1);

        let m: arena_protocol::model::Message = c
            .call("message.create", json!({"channel_id": "1", "content": "x"}))
            .await
            .expect("io")
            .expect("ok");
        assert_eq!(m, common::message());
        // The dispatch sent before the RESPONSE was kept.
        let (s, ev) = c.next_event(T).await.expect("kept event");
        assert_eq!(s, 2);
        assert!(matches!(ev, Event::MessageCreate(_)));
        assert_eq!(c.last_seq(), 2);

        let err = c
            .request("fail", json!({}))
            .await
            .expect("io")
            .expect_err("ok:false");
        assert_eq!(err.code, ErrorCode::RateLimited);
        assert_eq!(err.retry_after_ms, Some(250));

        // A server-requested heartbeat is answered, and the heartbeat task runs (50 ms interval).
        c.request("ask.heartbeat", json!({}))
            .await
            .expect("io")
            .expect("ok");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            hb.load(Ordering::Relaxed) >= 3,
            "heartbeats sent: {}",
            hb.load(Ordering::Relaxed)
        );

        assert!(matches!(
            c.next_event(Duration::from_millis(50)).await,
            Err(ClientError::Timeout)
        ));

        let e = c.request("kick.me", json!({})).await.expect_err("closed");
        assert_eq!(e, ClientError::Closed(Some(4014)));
        assert_eq!(c.closed(T).await, Ok(Some(4014)));
        assert!(matches!(
            c.next_event(T).await,
            Err(ClientError::Closed(Some(4014)))
        ));
    }
}

#[tokio::test]
async fn bad_token_is_closed_with_its_code() {
    let url = mock_gateway(Arc::default()).await;
    let mut c = GatewayClient::connect(&url, opts(Encoding::Json))
        .await
        .expect("connect");
    assert_eq!(
        c.identify(identify("bad")).await.expect_err("refused"),
        ClientError::Closed(Some(4004))
    );
}

#[tokio::test]
async fn resume_collects_replayed_dispatches() {
    let url = mock_gateway(Arc::default()).await;
    let mut c = GatewayClient::connect(&url, opts(Encoding::MsgPack))
        .await
        .expect("connect");
    let r = Resume {
        token: "t".into(),
        session_id: "s-1".into(),
        seq: 10,
        cursors: None,
        panels: None,
    };
    match c.resume(r).await.expect("resume") {
        ResumeOutcome::Resumed { resumed, replayed } => {
            assert_eq!(resumed.replayed, 2);
            assert_eq!(
                replayed.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
                [11, 12]
            );
        }
        other => panic!("expected RESUMED, got {other:?}"),
    }
    assert_eq!(c.last_seq(), 13);
    assert_eq!(c.session_id(), Some("s-1"));

    let mut c = GatewayClient::connect(&url, opts(Encoding::Json))
        .await
        .expect("connect");
    let r = Resume {
        token: "t".into(),
        session_id: "gone".into(),
        seq: 1,
        cursors: None,
        panels: None,
    };
    assert_eq!(
        c.resume(r).await.expect("answer"),
        ResumeOutcome::Invalid { resumable: false }
    );
}

#[tokio::test]
async fn malformed_frames_are_answered_with_a_close_code() {
    let url = mock_gateway(Arc::default()).await;
    let mut c = GatewayClient::connect(
        &url,
        ClientOptions {
            auto_heartbeat: false,
            ..opts(Encoding::Json)
        },
    )
    .await
    .expect("connect");
    c.send_raw(WsMessage::text("{not json"))
        .await
        .expect("sent");
    assert_eq!(c.closed(T).await, Ok(Some(4002)));
}

#[tokio::test]
async fn connect_to_nothing_is_an_io_error() {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    let e = GatewayClient::connect(&format!("ws://{addr}"), ClientOptions::default())
        .await
        .expect_err("refused");
    assert!(matches!(e, ClientError::Io(_)), "{e:?}");
}
