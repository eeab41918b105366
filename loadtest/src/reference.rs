//! The reference server: the smallest thing that speaks Arena's gateway
//! envelope, built the way Arena's fan-out is meant to be (encode once per
//! encoding, shared bytes, one bounded queue and one writer per socket, feed
//! then flush). No auth, no persistence, one channel. Every benchmark also runs
//! against it, so Arena's numbers come with the ceiling of this stack on this
//! machine in the same run.
//!
//! Speaks: HELLO; IDENTIFY (any token) → READY with one channel; HEARTBEAT →
//! HEARTBEAT_ACK; REQUEST `message.create` → MESSAGE_CREATE to every
//! subscribed session, then RESPONSE ok with the message; any other method →
//! RESPONSE ok `{}`; RESUME → INVALID_SESSION `{resumable: false}`.
//! A full outbound queue closes that session with 4010.

use anyhow::Result;
use arena_protocol::event::Ready;
use arena_protocol::frame::{Hello, InvalidSession};
use arena_protocol::model::{Category, Channel, ChannelKind, Message, Role, TenantInfo, User};
use arena_protocol::request::{MessageCreate, Response};
use arena_protocol::{
    ClientFrame, CloseCode, DispatchPrefix, Encoding, ErrorBody, ErrorCode, Event, ServerFrame,
    Snowflake, SnowflakeGenerator,
};
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// The one channel's id.
const CHANNEL_ID: Snowflake = Snowflake(1);
/// Outbound queue per session, in frames.
const QUEUE_FRAMES: usize = 1024;
/// Largest frame or message a client may send (close 4011 above it).
const MAX_MESSAGE: usize = 64 << 10;
const HEARTBEAT_MS: u32 = 41_250;

/// What a session's writer sends.
enum Out {
    /// Shared dispatch bytes; the writer appends its own `s`.
    Dispatch(DispatchPrefix),
    /// A complete frame (HELLO, RESPONSE, HEARTBEAT_ACK …).
    Frame(Bytes),
    /// Close with this code and stop.
    Close(CloseCode),
}

/// Shared state: the subscribers of the one channel, by encoding.
struct Shared {
    /// Session id → its queue. A std lock: held only to copy nothing and `try_send`, never across `.await`.
    subs: RwLock<HashMap<u64, (Encoding, mpsc::Sender<Out>)>>,
    next_session: AtomicU64,
    channel_seq: AtomicU64,
    ids: SnowflakeGenerator,
    /// Extra (unsubscribable) channels listed in READY, to mimic a real workspace's READY size.
    ready_padding: usize,
    /// tungstenite's write buffer target per connection, bytes.
    write_buffer: usize,
}

/// Runs the reference server on `addr` until the process is stopped. READY
/// lists the one real channel plus `ready_padding` placeholder channels (0 =
/// a minimal READY; ~50 gives a READY as large as Arena's for its workspace).
/// `write_buffer` is tungstenite's per-connection write buffer target in bytes (8 KiB by default).
pub async fn serve(addr: SocketAddr, ready_padding: usize, write_buffer: usize) -> Result<()> {
    crate::sys::ensure_loopback(&addr)?;
    let shared = Arc::new(Shared {
        subs: RwLock::new(HashMap::new()),
        next_session: AtomicU64::new(1),
        channel_seq: AtomicU64::new(0),
        ids: SnowflakeGenerator::new(1),
        ready_padding,
        write_buffer,
    });
    let app = Router::new()
        .route("/gateway", get(upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(shared);
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!(
        "reference server on ws://{}/gateway",
        listener.local_addr()?
    );
    // Small frames must not wait for the peer's delayed ACK (Nagle): up to 40 ms on loopback.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await?;
    Ok(())
}

async fn upgrade(
    ws: WebSocketUpgrade,
    Query(q): Query<HashMap<String, String>>,
    State(shared): State<Arc<Shared>>,
) -> HttpResponse {
    let enc = match (
        q.get("v").map(String::as_str),
        q.get("encoding").and_then(|e| Encoding::parse(e)),
    ) {
        (Some("1"), Some(enc)) => enc,
        _ => return (StatusCode::BAD_REQUEST, "unknown v or encoding").into_response(),
    };
    ws.read_buffer_size(4096)
        .write_buffer_size(shared.write_buffer)
        .max_write_buffer_size(1 << 20)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| session(socket, enc, shared))
}

fn frame_message(enc: Encoding, bytes: Vec<u8>) -> WsMessage {
    match enc {
        Encoding::Json => match String::from_utf8(bytes) {
            Ok(s) => WsMessage::Text(Utf8Bytes::from(s)),
            Err(e) => WsMessage::Binary(Bytes::from(e.into_bytes())),
        },
        Encoding::MsgPack => WsMessage::Binary(Bytes::from(bytes)),
    }
}

fn encode(enc: Encoding, f: &ServerFrame) -> Bytes {
    Bytes::from(f.encode(enc).unwrap_or_default())
}

async fn session(socket: WebSocket, enc: Encoding, shared: Arc<Shared>) {
    let id = shared.next_session.fetch_add(1, Ordering::Relaxed);
    let (tx, mut rx) = mpsc::channel::<Out>(QUEUE_FRAMES);
    let (mut sink, mut stream) = socket.split();

    // Writer: owns the sink, appends `s` to shared dispatch bytes, batches what is queued.
    let writer = tokio::spawn(async move {
        let mut s = 0u64;
        let mut buf = Vec::with_capacity(512);
        while let Some(first) = rx.recv().await {
            let mut next = Some(first);
            while let Some(out) = next.take() {
                let msg = match out {
                    Out::Dispatch(prefix) => {
                        s += 1;
                        buf.clear();
                        prefix.finish_into(s, &mut buf);
                        frame_message(enc, buf.clone())
                    }
                    Out::Frame(b) => match enc {
                        Encoding::Json => frame_message(enc, b.to_vec()),
                        Encoding::MsgPack => WsMessage::Binary(b),
                    },
                    Out::Close(code) => {
                        let cf = CloseFrame {
                            code: code.code(),
                            reason: Utf8Bytes::from_static(code.reason()),
                        };
                        let _ = sink.send(WsMessage::Close(Some(cf))).await;
                        return;
                    }
                };
                if sink.feed(msg).await.is_err() {
                    return;
                }
                next = rx.try_recv().ok();
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    });

    let hello = ServerFrame::Hello(Hello {
        heartbeat_interval_ms: HEARTBEAT_MS,
        node_id: "reference".into(),
    });
    let _ = tx.send(Out::Frame(encode(enc, &hello))).await;
    let mut identified = false;
    let close = |code: CloseCode| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(Out::Close(code)).await;
        }
    };
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = &mut deadline, if !identified => { close(CloseCode::NotAuthenticated).await; break; }
        };
        let bytes = match msg {
            Some(Ok(WsMessage::Text(t))) if enc == Encoding::Json => Bytes::from(t),
            Some(Ok(WsMessage::Binary(b))) if enc == Encoding::MsgPack => b,
            Some(Ok(WsMessage::Text(_) | WsMessage::Binary(_))) => {
                close(CloseCode::DecodeError).await;
                break;
            }
            Some(Ok(WsMessage::Close(_))) | None => break,
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                if e.to_string().contains("too long") || e.to_string().contains("Space limit") {
                    close(CloseCode::FrameTooLarge).await;
                }
                break;
            }
        };
        let frame = match ClientFrame::decode(enc, &bytes) {
            Ok(f) => f,
            Err(arena_protocol::DecodeError::UnknownOpcode(_)) => {
                close(CloseCode::UnknownOpcode).await;
                break;
            }
            Err(_) => {
                close(CloseCode::DecodeError).await;
                break;
            }
        };
        match frame {
            ClientFrame::Heartbeat(_) => {
                let _ = tx.try_send(Out::Frame(encode(enc, &ServerFrame::HeartbeatAck)));
            }
            ClientFrame::Identify(_) if identified => {
                close(CloseCode::AlreadyAuthenticated).await;
                break;
            }
            ClientFrame::Identify(d) => {
                identified = true;
                let subscribe = d.channels.as_ref().is_none_or(|c| c.contains(&CHANNEL_ID));
                if subscribe {
                    write_lock(&shared.subs).insert(id, (enc, tx.clone()));
                }
                let ready = Event::Ready(Box::new(ready(id, &shared)));
                let Ok(prefix) = DispatchPrefix::encode(enc, &ready) else {
                    break;
                };
                let _ = tx.send(Out::Dispatch(prefix)).await;
            }
            ClientFrame::Resume(_) => {
                let f = ServerFrame::InvalidSession(InvalidSession { resumable: false });
                let _ = tx.send(Out::Frame(encode(enc, &f))).await;
            }
            _ if !identified => {
                close(CloseCode::NotAuthenticated).await;
                break;
            }
            ClientFrame::PresenceUpdate(_) => {}
            ClientFrame::Request(r) => {
                let resp = match r.method.as_str() {
                    "message.create" => match serde_json::from_value::<MessageCreate>(r.params) {
                        Ok(p) => match publish(&shared, id, p) {
                            Ok(m) => {
                                Response::ok(r.id, serde_json::to_value(m).unwrap_or_default())
                            }
                            Err(e) => Response::err(r.id, e),
                        },
                        Err(e) => Response::err(
                            r.id,
                            ErrorBody::new(ErrorCode::BadRequest, e.to_string()),
                        ),
                    },
                    _ => Response::ok(r.id, serde_json::json!({})),
                };
                if tx
                    .send(Out::Frame(encode(
                        enc,
                        &ServerFrame::Response(Box::new(resp)),
                    )))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    write_lock(&shared.subs).remove(&id);
    drop(tx);
    let _ = writer.await;
}

fn write_lock<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

fn user(session: u64) -> User {
    User {
        id: Snowflake(1000 + session),
        display_name: format!("user{session}"),
        role: Role::Partner,
        tier: None,
    }
}

fn ready(session: u64, shared: &Shared) -> Ready {
    let padding = (0..shared.ready_padding).map(|i| Channel {
        id: Snowflake(100 + i as u64),
        key: format!("padding-channel-{i}"),
        name: format!("padding-channel-{i}"),
        category: "daily-communications".into(),
        kind: ChannelKind::Chat,
        domain: Some("community".into()),
        topic: Some("A placeholder channel that makes READY as large as a real workspace's".into()),
        position: i as i32 + 1,
        can_post: false,
        slow_mode_s: 0,
        locked: false,
        last_seq: 0,
        last_message_id: None,
    });
    Ready {
        session_id: format!("ref-{session}"),
        user: user(session),
        tenant: TenantInfo {
            id: Snowflake(1),
            slug: "load".into(),
            name: "Reference".into(),
        },
        categories: vec![Category {
            key: "daily-communications".into(),
            name: "Daily".into(),
            position: 0,
        }],
        channels: vec![Channel {
            id: CHANNEL_ID,
            key: "general-chat".into(),
            name: "general-chat".into(),
            category: "daily-communications".into(),
            kind: ChannelKind::Chat,
            domain: None,
            topic: None,
            position: 0,
            can_post: true,
            slow_mode_s: 0,
            locked: false,
            last_seq: shared.channel_seq.load(Ordering::Relaxed),
            last_message_id: None,
        }]
        .into_iter()
        .chain(padding)
        .collect(),
        presences: vec![],
        presences_partial: false,
        read_states: vec![],
        node_id: "reference".into(),
        muted_until: None,
        muted_reason: None,
    }
}

/// Encodes MESSAGE_CREATE once per encoding and queues it for every subscriber.
fn publish(shared: &Shared, session: u64, p: MessageCreate) -> Result<Message, ErrorBody> {
    if p.channel_id != CHANNEL_ID {
        return Err(ErrorBody::new(ErrorCode::NotFound, "unknown channel"));
    }
    let m = Message {
        id: shared.ids.next_id(),
        channel_id: CHANNEL_ID,
        channel_seq: shared.channel_seq.fetch_add(1, Ordering::Relaxed) + 1,
        author: user(session),
        content: p.content,
        card: p.card,
        reply_to: p.reply_to,
        nonce: p.nonce,
        created_at: "2026-11-22T00:00:00Z".into(),
        edited_at: None,
        pinned: false,
        reactions: vec![],
        mentions: Vec::new(),
    };
    let ev = Event::MessageCreate(Box::new(m.clone()));
    let internal =
        |e: arena_protocol::frame::EncodeError| ErrorBody::new(ErrorCode::Internal, e.to_string());
    let json = DispatchPrefix::encode(Encoding::Json, &ev).map_err(internal)?;
    let mp = DispatchPrefix::encode(Encoding::MsgPack, &ev).map_err(internal)?;
    let mut slow = Vec::new();
    {
        let subs = shared.subs.read().unwrap_or_else(|e| e.into_inner());
        for (sid, (enc, tx)) in subs.iter() {
            let prefix = if *enc == Encoding::Json {
                json.clone()
            } else {
                mp.clone()
            };
            if tx.try_send(Out::Dispatch(prefix)).is_err() {
                slow.push((*sid, tx.clone()));
            }
        }
    }
    for (sid, tx) in slow {
        write_lock(&shared.subs).remove(&sid);
        // The queue is full: the close goes out when the writer catches up, or the session ends anyway.
        tokio::spawn(async move {
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                tx.send(Out::Close(CloseCode::SlowConsumer)),
            )
            .await;
        });
    }
    Ok(m)
}
