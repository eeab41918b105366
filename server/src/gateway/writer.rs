//! The one task per socket that owns the sink. It drains the session's
//! bounded queue in batches (feed every queued frame, then one flush), has
//! the session number each dispatch (`s`), and sends the close frame when the
//! session or the socket is ended.

use crate::hub::{CloseLatch, Outbound};
use crate::session::Session;
use arena_protocol::{CloseCode, Encoding};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use bytes::{Bytes, BytesMut};
use futures_util::{Sink, SinkExt};
use std::sync::Arc;
use std::time::Duration;

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
/// `first` (READY, or a resume's replay) goes out before the queue.
pub async fn run<S>(
    mut sink: S,
    session: Arc<Session>,
    first: Vec<Outbound>,
    socket: Arc<CloseLatch>,
) where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    let mut rx = session.rx.lock().await;
    // Created once: re-polling them is a cheap flag check.
    let killed = session.outbox.kill.closed();
    let closed = socket.closed();
    tokio::pin!(killed, closed);
    let enc = session.outbox.encoding;
    let first: Vec<Outbound> = first
        .into_iter()
        .filter_map(|f| session.number(f))
        .collect();
    let mut ok = true;
    tokio::select! {
        w = write_all(&mut sink, enc, first) => ok = w,
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
                    let frames = number_batch(&session, queued);
                    let _ = tokio::time::timeout(CLOSE_GRACE, write_all(&mut sink, enc, frames)).await;
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
                let frames = number_batch(&session, buf);
                // A stalled peer must not pin this task: a kill or a socket close
                // interrupts the write, and the loop's first arms send the close.
                tokio::select! {
                    w = write_all(&mut sink, enc, frames) => ok = w,
                    _ = &mut killed => {}
                    _ = &mut closed => {}
                }
            }
        }
    }
    // Let the reader know the socket is done if the write side failed first.
    socket.close_silently();
}

/// Bytes per buffer that frames are built in (one allocation per chunk, not per delivery).
const CHUNK: usize = 16 * 1024;

/// Feeds every frame, then flushes once (one write syscall for a batch). A
/// dispatch's bytes are built only when it is written, so a stalled socket
/// holds one chunk of copies, not a whole batch. False if the socket failed.
async fn write_all<S>(sink: &mut S, enc: Encoding, frames: Vec<Outbound>) -> bool
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    let mut arena = BytesMut::new();
    for item in frames {
        let bytes = match item {
            Outbound::Frame(b) => b,
            Outbound::Numbered(s, prefix) => {
                let need = prefix.len() + 21;
                if arena.capacity() - arena.len() < need {
                    arena = BytesMut::with_capacity(need.max(CHUNK));
                }
                prefix.finish_into_buf(s, &mut arena);
                arena.split().freeze()
            }
            // The session numbers every dispatch before it gets here.
            Outbound::Dispatch { .. } | Outbound::Unkept(_) => {
                tracing::error!("unnumbered dispatch reached the writer; dropped");
                continue;
            }
        };
        let Some(m) = frame(enc, bytes) else { continue };
        if sink.feed(m).await.is_err() {
            return false;
        }
    }
    drop(arena);
    sink.flush().await.is_ok()
}

/// Takes a batch off the queue's books and numbers every dispatch in it now,
/// so each is in the replay buffer even if the write is cut short.
fn number_batch(session: &Session, items: Vec<Outbound>) -> Vec<Outbound> {
    items
        .into_iter()
        .filter_map(|item| {
            session.outbox.taken(&item);
            session.number(item)
        })
        .collect()
}
