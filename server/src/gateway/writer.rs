//! The one task per socket that owns the sink. It drains the session's
//! bounded queue in batches (feed every queued frame, then one flush), assigns
//! each dispatch its `s`, and sends the close frame when the session or the
//! socket is ended.

use super::session::Session;
use crate::hub::Outbound;
use arena_protocol::{CloseCode, DispatchPrefix, Encoding};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use bytes::{Bytes, BytesMut};
use futures_util::{Sink, SinkExt};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Frames a writer sends before draining the queue (READY, or a resume's replay).
#[derive(Debug)]
pub enum First {
    /// A complete frame.
    Frame(Bytes),
    /// A dispatch that gets the next `s`.
    Dispatch(DispatchPrefix),
    /// A dispatch that gets the next `s` but is not kept for replay (READY).
    Unkept(DispatchPrefix),
    /// A dispatch re-sent with the `s` it had.
    Replayed(u64, DispatchPrefix),
}

/// Ends one socket (not the session) with a close code, e.g. 4009.
#[derive(Debug, Default)]
pub struct SocketClose {
    pub token: CancellationToken,
    code: AtomicU16,
}

impl SocketClose {
    /// Closes the socket with `code`; the first code wins.
    pub fn close(&self, code: CloseCode) {
        let _ = self
            .code
            .compare_exchange(0, code.code(), Ordering::AcqRel, Ordering::Acquire);
        self.token.cancel();
    }

    /// Closes without a close frame of ours (the peer went away or another socket took over).
    pub fn drop_silently(&self) {
        self.token.cancel();
    }

    fn code(&self) -> Option<CloseCode> {
        CloseCode::from_code(self.code.load(Ordering::Acquire))
    }
}

/// Wraps encoded bytes in the frame type of the encoding (text for JSON).
pub fn frame(enc: Encoding, bytes: impl Into<Bytes>) -> Option<Message> {
    let bytes = bytes.into();
    match enc {
        Encoding::MsgPack => Some(Message::Binary(bytes)),
        Encoding::Json => match Utf8Bytes::try_from(bytes) {
            Ok(s) => Some(Message::Text(s)),
            Err(e) => {
                tracing::error!(error = %e, "non-UTF-8 JSON frame dropped");
                None
            }
        },
    }
}

/// A close frame with `code` and its reason.
pub fn close_frame(code: CloseCode) -> Message {
    Message::Close(Some(CloseFrame {
        code: code.code(),
        reason: code.reason().into(),
    }))
}

/// Frames taken off the queue per batch before a flush.
const BATCH: usize = 64;
/// How long a close frame may take to go out before the socket is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Runs until the session is killed, the socket is closed, or a write fails.
pub async fn run<S>(mut sink: S, session: Arc<Session>, first: Vec<First>, socket: Arc<SocketClose>)
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    let mut rx = session.rx.lock().await;
    // Created once: re-polling them is a cheap flag check.
    let killed = session.outbox.kill.cancelled();
    let closed = socket.token.cancelled();
    tokio::pin!(killed, closed);
    let mut arena = BytesMut::new();
    let first: Vec<Message> = first
        .into_iter()
        .filter_map(|f| first_frame(&session, f, &mut arena))
        .collect();
    arena = BytesMut::new();
    let mut ok = true;
    tokio::select! {
        w = write_all(&mut sink, first) => ok = w,
        _ = &mut killed => {}
        _ = &mut closed => {}
    }
    while ok {
        // A fresh batch vector each round: an idle session holds no batch capacity.
        let mut buf = Vec::new();
        tokio::select! {
            biased;
            _ = &mut killed => {
                let code = session.outbox.close_code().unwrap_or(CloseCode::UnknownError);
                // Frames already queued (a RESPONSE, RECONNECT on drain) still go out
                // first, except to a slow consumer, whose queue is the problem.
                if code != CloseCode::SlowConsumer {
                    let mut queued = Vec::new();
                    while let Ok(item) = rx.try_recv() {
                        queued.push(item);
                        if queued.len() == BATCH { break; }
                    }
                    let frames = batch(&session, queued.drain(..), &mut arena);
                    let _ = tokio::time::timeout(CLOSE_GRACE, write_all(&mut sink, frames)).await;
                }
                let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(close_frame(code))).await;
                break;
            }
            _ = &mut closed => {
                if let Some(code) = socket.code() {
                    let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(close_frame(code))).await;
                }
                break;
            }
            n = rx.recv_many(&mut buf, BATCH) => {
                if n == 0 {
                    break;
                }
                // Number the whole batch first: every dispatch taken off the queue is
                // in the replay buffer even if the write below is cut short.
                let frames = batch(&session, buf.drain(..), &mut arena);
                // A stalled peer must not pin this task: a kill or a socket close
                // interrupts the write, and the loop's first arms send the close.
                tokio::select! {
                    w = write_all(&mut sink, frames) => ok = w,
                    _ = &mut killed => {}
                    _ = &mut closed => {}
                }
            }
        }
    }
    // Let the reader know the socket is done if the write side failed first.
    socket.drop_silently();
}

/// Feeds every frame, then flushes once (one write syscall for a batch). False if the socket failed.
async fn write_all<S>(sink: &mut S, frames: Vec<Message>) -> bool
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    for m in frames {
        if sink.feed(m).await.is_err() {
            return false;
        }
    }
    sink.flush().await.is_ok()
}

/// Turns queued items into frames. Every dispatch of the batch is written into
/// one buffer (one allocation per batch, not per delivery) and split off it.
fn batch(
    session: &Session,
    items: impl Iterator<Item = Outbound>,
    arena: &mut BytesMut,
) -> Vec<Message> {
    let items: Vec<Outbound> = items.collect();
    let need: usize = items
        .iter()
        .map(|i| match i {
            Outbound::Dispatch { prefix, .. } => prefix.len() + 21,
            Outbound::Frame(_) => 0,
        })
        .sum();
    arena.reserve(need);
    let frames = items
        .into_iter()
        .filter_map(|i| queued_frame(session, i, arena))
        .collect();
    // Let go of the batch's allocation: the frames own it until written, and an
    // idle session must not keep its last batch alive through the arena's tail.
    *arena = BytesMut::new();
    frames
}

fn first_frame(session: &Session, f: First, arena: &mut BytesMut) -> Option<Message> {
    let bytes = match f {
        First::Frame(b) => b,
        First::Dispatch(p) => finish(&p, session.sequence(&p, 0, 0)?, arena),
        First::Unkept(p) => finish(&p, session.next_seq(), arena),
        First::Replayed(s, p) => finish(&p, s, arena),
    };
    frame(session.outbox.encoding, bytes)
}

fn queued_frame(session: &Session, item: Outbound, arena: &mut BytesMut) -> Option<Message> {
    session.outbox.taken(&item);
    let bytes = match item {
        Outbound::Frame(b) => b,
        Outbound::Dispatch {
            prefix,
            channel_id,
            channel_seq,
        } => finish(
            &prefix,
            session.sequence(&prefix, channel_id, channel_seq)?,
            arena,
        ),
    };
    frame(session.outbox.encoding, bytes)
}

fn finish(p: &DispatchPrefix, s: u64, arena: &mut BytesMut) -> Bytes {
    p.finish_into_buf(s, arena);
    arena.split().freeze()
}
