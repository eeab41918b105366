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
    let enc = session.outbox.encoding;
    let first: Vec<Pending> = first
        .into_iter()
        .filter_map(|f| first_pending(&session, f))
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
                    let frames = sequence_batch(&session, queued);
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
                let frames = sequence_batch(&session, buf);
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
    socket.drop_silently();
}

/// A frame whose `s` is assigned (and kept for replay) but whose bytes are
/// built only when it is written: a stalled socket holds one chunk of copies,
/// not a whole batch.
enum Pending {
    Bytes(Bytes),
    Seq(DispatchPrefix, u64),
}

/// Bytes per buffer that frames are built in (one allocation per chunk, not per delivery).
const CHUNK: usize = 16 * 1024;

/// Feeds every frame, then flushes once (one write syscall for a batch). False if the socket failed.
async fn write_all<S>(sink: &mut S, enc: Encoding, frames: Vec<Pending>) -> bool
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    let mut arena = BytesMut::new();
    for p in frames {
        let bytes = match p {
            Pending::Bytes(b) => b,
            Pending::Seq(prefix, s) => {
                let need = prefix.len() + 21;
                if arena.capacity() - arena.len() < need {
                    arena = BytesMut::with_capacity(need.max(CHUNK));
                }
                prefix.finish_into_buf(s, &mut arena);
                arena.split().freeze()
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
fn sequence_batch(session: &Session, items: Vec<Outbound>) -> Vec<Pending> {
    items
        .into_iter()
        .filter_map(|item| {
            session.outbox.taken(&item);
            match item {
                Outbound::Frame(b) => Some(Pending::Bytes(b)),
                Outbound::Dispatch {
                    prefix,
                    channel_id,
                    channel_seq,
                } => {
                    let s = session.sequence(&prefix, channel_id, channel_seq)?;
                    Some(Pending::Seq(prefix, s))
                }
            }
        })
        .collect()
}

fn first_pending(session: &Session, f: First) -> Option<Pending> {
    Some(match f {
        First::Frame(b) => Pending::Bytes(b),
        First::Dispatch(p) => {
            let s = session.sequence(&p, 0, 0)?;
            Pending::Seq(p, s)
        }
        First::Unkept(p) => {
            let s = session.next_seq();
            Pending::Seq(p, s)
        }
        First::Replayed(s, p) => Pending::Seq(p, s),
    })
}
