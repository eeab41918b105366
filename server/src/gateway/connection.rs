//! One WebSocket connection: HELLO, then IDENTIFY or RESUME within the
//! identify timeout, then the read loop (heartbeats, presence, requests) with
//! the 4009 timeout. Bad input closes with its code (PROTOCOL.md §5).

use super::handshake::{identify, resume, Handshake};
use super::requests;
use super::writer::{self, close_frame, frame};
use crate::chat::Turn;
use crate::hub::Outbound;
use crate::state::AppState;
use arena_protocol::frame::Hello;
use arena_protocol::{ClientFrame, CloseCode, DecodeError, Encoding, ServerFrame};
use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// What one received WebSocket message turned into.
enum Incoming {
    Frame(ClientFrame),
    Close(CloseCode),
    /// The peer closed or the socket failed.
    Gone,
    /// Ping/pong: nothing to do.
    Skip,
}

fn decode(enc: Encoding, msg: Result<Message, axum::Error>) -> Incoming {
    let msg = match msg {
        Ok(m) => m,
        Err(e) => {
            let too_large = e
                .into_inner()
                .downcast::<tokio_tungstenite::tungstenite::Error>()
                .is_ok_and(|e| matches!(*e, tokio_tungstenite::tungstenite::Error::Capacity(_)));
            return if too_large {
                Incoming::Close(CloseCode::FrameTooLarge)
            } else {
                Incoming::Gone
            };
        }
    };
    let bytes: &[u8] = match (&msg, enc) {
        (Message::Text(t), Encoding::Json) => t.as_bytes(),
        (Message::Binary(b), Encoding::MsgPack) => b,
        (Message::Text(_) | Message::Binary(_), _) => {
            return Incoming::Close(CloseCode::DecodeError)
        }
        (Message::Close(_), _) => return Incoming::Gone,
        (Message::Ping(_) | Message::Pong(_), _) => return Incoming::Skip,
    };
    match ClientFrame::decode(enc, bytes) {
        Ok(f) => Incoming::Frame(f),
        Err(DecodeError::UnknownOpcode(_)) => Incoming::Close(CloseCode::UnknownOpcode),
        Err(DecodeError::Malformed(_)) => Incoming::Close(CloseCode::DecodeError),
    }
}

/// Requests one socket may have in progress at once.
const MAX_IN_FLIGHT: usize = 32;

/// How long a closing socket keeps reading for the peer's close reply.
const LINGER: Duration = Duration::from_secs(2);

/// After our close frame, reads and discards until the peer's close or EOF
/// (bounded by [`LINGER`]): dropping a socket with unread input makes the
/// kernel send a reset, and the peer would never see the close code.
async fn linger(stream: &mut futures_util::stream::SplitStream<WebSocket>) {
    let _ = tokio::time::timeout(LINGER, async {
        while let Some(Ok(m)) = stream.next().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// Serves one upgraded socket to the end.
pub async fn serve(socket: WebSocket, state: AppState, enc: Encoding) {
    metrics::gauge!("arena_connections").increment(1.0);
    let (mut sink, mut stream) = socket.split();
    let cfg = &state.cfg;
    let hello = ServerFrame::Hello(Hello {
        heartbeat_interval_ms: cfg.heartbeat_interval_ms,
        node_id: state.node_name.clone(),
    });
    let Some(hello) = hello.encode(enc).ok().and_then(|b| frame(enc, b)) else {
        return;
    };
    if sink.send(hello).await.is_err() {
        metrics::gauge!("arena_connections").decrement(1.0);
        return;
    }

    // Before IDENTIFY only HEARTBEAT is allowed; the reader owns the sink.
    // IDENTIFY/RESUME are boxed: inline, their large state would be part of
    // this future for the whole life of the connection.
    let deadline = tokio::time::Instant::now() + Duration::from_millis(cfg.identify_timeout_ms);
    let handshake = loop {
        let next = tokio::time::timeout_at(deadline, stream.next()).await;
        let incoming = match next {
            Err(_) => Incoming::Close(CloseCode::NotAuthenticated),
            Ok(None) => Incoming::Gone,
            Ok(Some(m)) => decode(enc, m),
        };
        match incoming {
            Incoming::Skip => continue,
            Incoming::Frame(ClientFrame::Heartbeat(_)) => {
                let ack = ServerFrame::HeartbeatAck
                    .encode(enc)
                    .ok()
                    .and_then(|b| frame(enc, b));
                if let Some(ack) = ack {
                    if sink.send(ack).await.is_err() {
                        break None;
                    }
                }
            }
            Incoming::Frame(ClientFrame::Identify(d)) => {
                match Box::pin(identify(&state, enc, *d)).await {
                    Ok(h) => break Some(h),
                    Err(code) => {
                        let _ = sink.send(close_frame(code)).await;
                        break None;
                    }
                }
            }
            Incoming::Frame(ClientFrame::Resume(d)) => {
                match Box::pin(resume(&state, enc, *d)).await {
                    Ok(Some(h)) => break Some(h),
                    Ok(None) => {
                        // INVALID_SESSION {resumable:false}: the client IDENTIFYs on a new socket.
                        let inv =
                            ServerFrame::InvalidSession(arena_protocol::frame::InvalidSession {
                                resumable: false,
                            });
                        if let Some(m) = inv.encode(enc).ok().and_then(|b| frame(enc, b)) {
                            let _ = sink.send(m).await;
                        }
                        let _ = sink.send(close_frame(CloseCode::NotAuthenticated)).await;
                        break None;
                    }
                    Err(code) => {
                        let _ = sink.send(close_frame(code)).await;
                        break None;
                    }
                }
            }
            Incoming::Frame(_) => {
                let _ = sink.send(close_frame(CloseCode::NotAuthenticated)).await;
                break None;
            }
            Incoming::Close(code) => {
                let _ = sink.send(close_frame(code)).await;
                break None;
            }
            Incoming::Gone => break None,
        }
    };
    let Some(Handshake {
        session,
        first,
        socket,
    }) = handshake
    else {
        linger(&mut stream).await;
        metrics::gauge!("arena_connections").decrement(1.0);
        return;
    };

    let writer = tokio::spawn(writer::run(
        sink,
        Arc::clone(&session),
        first,
        Arc::clone(&socket),
    ));

    let interval = Duration::from_millis(u64::from(cfg.heartbeat_interval_ms));
    let timeout = interval + interval / 2;
    let per_minute = NonZeroU32::new(cfg.frames_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new((cfg.frames_per_minute / 4).max(1)).unwrap_or(NonZeroU32::MIN);
    let limiter = RateLimiter::direct(Quota::per_minute(per_minute).allow_burst(burst));
    let mut client_closed = false;
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut last_create: Option<tokio::sync::oneshot::Receiver<()>> = None;
    loop {
        let next = tokio::select! {
            biased;
            _ = socket.token.cancelled() => break,
            _ = session.outbox.kill.cancelled() => break,
            n = tokio::time::timeout(timeout, stream.next()) => n,
        };
        let incoming = match next {
            Err(_) => {
                socket.close(CloseCode::SessionTimedOut);
                break;
            }
            Ok(None) => Incoming::Gone,
            Ok(Some(Ok(Message::Close(frame)))) => {
                // 1000/1001 from the client ends the session (Discord: not resumable).
                client_closed = frame
                    .as_ref()
                    .is_some_and(|f| f.code == 1000 || f.code == 1001);
                Incoming::Gone
            }
            Ok(Some(m)) => decode(enc, m),
        };
        if matches!(incoming, Incoming::Frame(_)) && limiter.check().is_err() {
            session.outbox.close(CloseCode::RateLimited);
            break;
        }
        match incoming {
            Incoming::Skip => {}
            Incoming::Gone => {
                socket.drop_silently();
                break;
            }
            Incoming::Close(code) => {
                session.outbox.close(code);
                break;
            }
            Incoming::Frame(ClientFrame::Heartbeat(_)) => {
                if let Ok(b) = ServerFrame::HeartbeatAck.encode(enc) {
                    session.outbox.push(Outbound::Frame(b.into()));
                }
            }
            Incoming::Frame(ClientFrame::Identify(_) | ClientFrame::Resume(_)) => {
                session.outbox.close(CloseCode::AlreadyAuthenticated);
                break;
            }
            Incoming::Frame(ClientFrame::PresenceUpdate(p)) => {
                session.state().status = Some(p.status);
                state.presence.update(session.actor(), p.status)
            }
            Incoming::Frame(ClientFrame::Request(r)) => {
                // Requests run concurrently (answers carry their id), at most
                // MAX_IN_FLIGHT per socket: past that the reader waits, which
                // pushes back on the client. Creates keep their order via Turn.
                let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else {
                    break;
                };
                let turn = (r.method == "message.create").then(|| {
                    let (turn, rx) = Turn::after(last_create.take());
                    last_create = Some(rx);
                    turn
                });
                let (state, session) = (state.clone(), Arc::clone(&session));
                tokio::spawn(async move {
                    let resp = requests::handle(&state, &session, *r, turn).await;
                    match ServerFrame::Response(Box::new(resp)).encode(enc) {
                        Ok(b) => {
                            session.outbox.push(Outbound::Frame(b.into()));
                        }
                        Err(e) => tracing::error!(error = %e, "response encode failed"),
                    }
                    drop(permit);
                });
            }
        }
    }
    let _ = writer.await;
    if !client_closed {
        linger(&mut stream).await;
    }
    super::handshake::detach(&state, &session, &socket, client_closed);
    metrics::gauge!("arena_connections").decrement(1.0);
}
