//! One WebSocket connection: HELLO, then the handshake phase (only
//! HEARTBEAT, IDENTIFY or RESUME, within the identify timeout), then the
//! writer task and the read loop (heartbeats, presence, requests) with the
//! 4009 timeout. Bad input closes with its code (PROTOCOL.md §5).

use super::handshake::{identify, resume};
use super::incoming::{decode, Incoming};
use super::requests;
use super::sessions::{self, Attached};
use super::writer::{self, close_frame, frame};
use crate::chat::Turn;
use crate::hub::{CloseLatch, Outbound};
use crate::session::Session;
use crate::state::AppState;
use arena_protocol::frame::{Hello, InvalidSession};
use arena_protocol::request::{MethodName, Response};
use arena_protocol::{ClientFrame, CloseCode, Encoding, ServerFrame};
use arena_protocol::{ErrorBody, ErrorCode};
use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Requests one socket may have in progress at once; past it the reader
/// waits, which pushes back on the client.
const MAX_IN_FLIGHT: usize = 32;

/// How long a closing socket keeps reading for the peer's close reply.
const LINGER: Duration = Duration::from_secs(2);

type Sink = SplitSink<WebSocket, Message>;
type Stream = SplitStream<WebSocket>;

/// After our close frame, reads and discards until the peer's close or EOF
/// (bounded by [`LINGER`]): dropping a socket with unread input makes the
/// kernel send a reset, and the peer would never see the close code.
async fn linger(stream: &mut Stream) {
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
    match handshake(&state, enc, &mut sink, &mut stream).await {
        Some(Attached {
            session,
            first,
            replay,
            socket,
        }) => {
            let lead = writer::Lead {
                first,
                replay,
                max_frame: state.cfg.max_server_frame_bytes,
            };
            let writer = state.tasks.spawn(writer::run(
                sink,
                Arc::clone(&session),
                lead,
                Arc::clone(&socket),
            ));
            let client_closed = read_loop(&state, enc, &session, &socket, &mut stream).await;
            let _ = writer.await;
            if !client_closed {
                linger(&mut stream).await;
            }
            sessions::detach(&state, &session, &socket, client_closed);
        }
        None => linger(&mut stream).await,
    }
    metrics::gauge!("arena_connections").decrement(1.0);
}

/// Sends an encoded frame; false if the socket failed.
async fn send(sink: &mut Sink, enc: Encoding, f: ServerFrame) -> bool {
    match f.encode(enc).ok().and_then(|b| frame(enc, b)) {
        Some(m) => sink.send(m).await.is_ok(),
        None => true,
    }
}

/// HELLO, then HEARTBEATs until IDENTIFY or RESUME succeeds (the session,
/// attached) or the connection ends here (`None`, after our close frame).
/// The reader owns the sink until a writer takes it.
async fn handshake(
    state: &AppState,
    enc: Encoding,
    sink: &mut Sink,
    stream: &mut Stream,
) -> Option<Attached> {
    let cfg = &state.cfg;
    let hello = ServerFrame::Hello(Hello {
        heartbeat_interval_ms: cfg.heartbeat_interval_ms,
        node_id: state.node_name.clone(),
    });
    if !send(sink, enc, hello).await {
        return None;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_millis(cfg.identify_timeout_ms);
    // IDENTIFY/RESUME are boxed: inline, their large state would be part of
    // the connection's future for its whole life.
    let refused = loop {
        let incoming = match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => Incoming::Close(CloseCode::NotAuthenticated),
            Ok(None) => Incoming::Gone,
            Ok(Some(m)) => decode(enc, m),
        };
        match incoming {
            Incoming::Skip => {}
            Incoming::Frame(ClientFrame::Heartbeat(_)) => {
                if !send(sink, enc, ServerFrame::HeartbeatAck).await {
                    return None;
                }
            }
            Incoming::Frame(ClientFrame::Identify(d)) => {
                match Box::pin(identify(state, enc, *d)).await {
                    Ok(attached) => return Some(attached),
                    Err(code) => break code,
                }
            }
            Incoming::Frame(ClientFrame::Resume(d)) => match Box::pin(resume(state, enc, *d)).await
            {
                Ok(Some(attached)) => return Some(attached),
                Ok(None) => {
                    // INVALID_SESSION {resumable:false}: the client IDENTIFYs on a new socket.
                    let inv = ServerFrame::InvalidSession(InvalidSession { resumable: false });
                    send(sink, enc, inv).await;
                    break CloseCode::NotAuthenticated;
                }
                Err(code) => break code,
            },
            Incoming::Frame(_) => break CloseCode::NotAuthenticated,
            Incoming::Close(code) => break code,
            Incoming::Gone => return None,
        }
    };
    let _ = sink.send(close_frame(refused)).await;
    None
}

/// Encodes a RESPONSE. One over `max` bytes (`max_server_frame_bytes`) is a
/// server bug, since replies are paged within `reply_budget_bytes`: it is
/// logged and answered `internal` instead, and the socket lives on.
fn encode_response(enc: Encoding, resp: Response, max: usize) -> Option<Vec<u8>> {
    let id = resp.id.clone();
    match ServerFrame::Response(Box::new(resp)).encode(enc) {
        Ok(b) if b.len() <= max => Some(b),
        Ok(b) => {
            tracing::error!(bytes = b.len(), max, request = %id, "reply over max_server_frame_bytes");
            metrics::counter!("arena_oversize_frames_total").increment(1);
            let e = ErrorBody::new(ErrorCode::Internal, "reply too large");
            ServerFrame::Response(Box::new(Response::err(id, e)))
                .encode(enc)
                .ok()
        }
        Err(e) => {
            tracing::error!(error = %e, "response encode failed");
            None
        }
    }
}

/// The frame limiter's clock, made once: `QuantaClock::default()` probes
/// the CPU (`cpuid`) each time, ~1 % of the server's CPU during an IDENTIFY
/// ramp when every connection made its own (profile in docs/benchmarks.md).
fn clock() -> governor::clock::QuantaClock {
    static CLOCK: std::sync::OnceLock<governor::clock::QuantaClock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(Default::default).clone()
}

/// Reads frames until the session or socket ends; returns whether the client
/// closed normally (1000/1001: the session is not resumable, as Discord's).
async fn read_loop(
    state: &AppState,
    enc: Encoding,
    session: &Arc<Session>,
    socket: &CloseLatch,
    stream: &mut Stream,
) -> bool {
    let cfg = &state.cfg;
    let interval = Duration::from_millis(u64::from(cfg.heartbeat_interval_ms));
    let timeout = interval + interval / 2;
    let per_minute = NonZeroU32::new(cfg.frames_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new((cfg.frames_per_minute / 4).max(1)).unwrap_or(NonZeroU32::MIN);
    let limiter =
        RateLimiter::direct_with_clock(Quota::per_minute(per_minute).allow_burst(burst), clock());
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut last_create: Option<tokio::sync::oneshot::Receiver<()>> = None;
    loop {
        // Ended meanwhile: one atomic load each. Their futures are polled
        // only while no frame is waiting (each poll takes the token's lock).
        if socket.is_closed() || session.outbox.kill.is_closed() {
            return false;
        }
        let next = tokio::select! {
            biased;
            n = tokio::time::timeout(timeout, stream.next()) => n,
            _ = socket.closed() => return false,
            _ = session.outbox.kill.closed() => return false,
        };
        let incoming = match next {
            Err(_) => {
                socket.close(CloseCode::SessionTimedOut);
                return false;
            }
            Ok(None) => Incoming::Gone,
            Ok(Some(Ok(Message::Close(frame)))) => {
                socket.close_silently();
                return frame
                    .as_ref()
                    .is_some_and(|f| f.code == 1000 || f.code == 1001);
            }
            Ok(Some(m)) => decode(enc, m),
        };
        if matches!(incoming, Incoming::Frame(_)) && limiter.check().is_err() {
            session.outbox.close(CloseCode::RateLimited);
            return false;
        }
        match incoming {
            Incoming::Skip => {}
            Incoming::Gone => {
                socket.close_silently();
                return false;
            }
            Incoming::Close(code) => {
                session.outbox.close(code);
                return false;
            }
            Incoming::Frame(ClientFrame::Heartbeat(_)) => {
                if let Ok(b) = ServerFrame::HeartbeatAck.encode(enc) {
                    session.outbox.push(Outbound::Frame(b.into()));
                }
            }
            Incoming::Frame(ClientFrame::Identify(_) | ClientFrame::Resume(_)) => {
                session.outbox.close(CloseCode::AlreadyAuthenticated);
                return false;
            }
            Incoming::Frame(ClientFrame::PresenceUpdate(p)) => {
                session.state().status = Some(p.status);
                state.presence.update(&session.actor(), p.status)
            }
            Incoming::Frame(ClientFrame::Request(r)) => {
                // Requests run concurrently (answers carry their id), at most
                // MAX_IN_FLIGHT per socket. Creates keep their order via Turn.
                let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else {
                    return false;
                };
                let turn =
                    (MethodName::parse(&r.method) == Some(MethodName::MessageCreate)).then(|| {
                        let (turn, rx) = Turn::after(last_create.take());
                        last_create = Some(rx);
                        turn
                    });
                let (state, session) = (state.clone(), Arc::clone(session));
                state.tasks.clone().spawn(async move {
                    let resp = requests::handle(&state, &session, *r, turn).await;
                    let max = state.cfg.max_server_frame_bytes;
                    if let Some(b) = encode_response(enc, resp, max) {
                        session.outbox.push(Outbound::Frame(b.into()));
                    }
                    drop(permit);
                });
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_over_the_hard_cap_is_answered_internal() {
        let big = Response::ok("r7".into(), serde_json::json!({"x": "y".repeat(5000)}));
        for enc in [Encoding::Json, Encoding::MsgPack] {
            let b = encode_response(enc, big.clone(), 4096).unwrap();
            assert!(b.len() < 4096);
            let ServerFrame::Response(r) = ServerFrame::decode(enc, &b).unwrap() else {
                panic!("not a RESPONSE");
            };
            assert_eq!(r.id, "r7");
            assert_eq!(r.error.unwrap().code, ErrorCode::Internal);
            let fits = encode_response(enc, big.clone(), 64 * 1024).unwrap();
            assert!(fits.len() > 5000, "within the cap: answered as is");
        }
    }
}
