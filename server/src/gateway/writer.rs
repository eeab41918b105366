//! The one task per socket that owns the sink. It writes what the handshake
//! prepared (READY, or a resume's replay as it streams in), then drains the
//! session's bounded queue in batches (feed every queued frame, then one
//! flush), has the session number each dispatch (`s`), and sends the close
//! frame when the session or the socket is ended. It never feeds a frame
//! larger than `max_server_frame_bytes`, and the socket's write buffer
//! ([`write_buffer_cap`]) always has room for one that size, so a write
//! fails only when the peer's connection does (issue 12 item 1).

use crate::hub::{CloseLatch, Outbound};
use crate::session::Session;
use arena_protocol::{CloseCode, Encoding};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use bytes::Bytes;
use futures_util::{Sink, SinkExt};
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::mpsc;

/// Bytes tungstenite batches before it writes to the socket
/// (`WebSocketConfig::write_buffer_size`).
pub const WRITE_BUFFER: usize = 8 * 1024;

/// The socket's `max_write_buffer_size` for frames up to `max_frame` bytes.
/// tokio-tungstenite writes its buffer out once it passes [`WRITE_BUFFER`]
/// and, when the socket would block, flushes it all before taking the next
/// frame; so at most [`WRITE_BUFFER`] bytes wait when a frame is fed, and a
/// frame fits if its payload, its header (at most 14 bytes, RFC 6455 §5.2)
/// and a queued control frame (pong or close, at most 131 bytes) do.
pub fn write_buffer_cap(max_frame: usize) -> usize {
    WRITE_BUFFER + max_frame + 14 + 1024
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

/// What a writer sends before the session's queue: `first` (READY, or a
/// replay from the session's buffer), then every frame of `replay` (a resume
/// replayed from the channel log, streamed page by page by its producer)
/// until the producer is done; `max_frame` is `max_server_frame_bytes`.
pub struct Lead {
    pub first: Vec<Outbound>,
    pub replay: Option<mpsc::Receiver<Outbound>>,
    pub max_frame: usize,
}

/// Runs until the session is killed, the socket is closed, or a write fails.
/// The [`Lead`] goes out before the queue.
pub async fn run<S>(mut sink: S, session: Arc<Session>, lead: Lead, socket: Arc<CloseLatch>)
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    let Lead {
        first,
        replay,
        max_frame,
    } = lead;
    let mut rx = session.rx.lock().await;
    socket.also_wake(&session.outbox);
    let enc = session.outbox.encoding;
    let first = session.number_many(first);
    let mut ok = true;
    tokio::select! {
        // Boxed, as the other cold paths' writes: inline, their state would
        // grow every idle session's task (issue 14: ≤ 8 KiB per session).
        w = Box::pin(write_rounds(&mut sink, enc, &session, first, max_frame)) => ok = w,
        _ = ended(&session, &socket) => {}
    }
    if let Some(mut replay) = replay {
        // The replay's producer waits while this channel is full: the log is
        // read no faster than the socket takes it. Live events queue meanwhile.
        while ok && !session.outbox.kill.is_closed() && !socket.is_closed() {
            let mut buf = Vec::new();
            tokio::select! {
                biased;
                _ = ended(&session, &socket) => break,
                n = replay.recv_many(&mut buf, BATCH) => {
                    if n == 0 {
                        break;
                    }
                    let frames = session.number_many(buf);
                    tokio::select! {
                        w = Box::pin(write_rounds(&mut sink, enc, &session, frames, max_frame)) => ok = w,
                        _ = ended(&session, &socket) => {}
                    }
                }
            }
        }
    }
    while ok {
        // A kill or a socket close is seen at the top of each round (one
        // atomic load each). Only a writer whose queue is empty registers
        // its waker, in one slot: the kill latch's, which a frame landing in
        // the empty queue and a close of this socket also wake.
        let mut rest = Vec::new();
        let round = std::future::poll_fn(|cx| {
            let ended = || {
                if session.outbox.kill.is_closed() {
                    Some(Round::Killed)
                } else if socket.is_closed() {
                    Some(Round::Closed)
                } else {
                    None
                }
            };
            if let Some(end) = ended() {
                return Poll::Ready(end);
            }
            if let Some(first) = rx.take(&mut rest, BATCH, ROUND_BYTES) {
                return Poll::Ready(Round::Frames(first));
            }
            // One slot for frames, a kill and (linked below) a socket close.
            rx.register(cx);
            // Registered before these checks: what happens after them wakes `cx`.
            if let Some(end) = ended() {
                return Poll::Ready(end);
            }
            match rx.take(&mut rest, BATCH, ROUND_BYTES) {
                Some(first) => Poll::Ready(Round::Frames(first)),
                None => Poll::Pending,
            }
        })
        .await;
        match round {
            Round::Killed => {
                let code = session
                    .outbox
                    .close_code()
                    .unwrap_or(CloseCode::UnknownError);
                // Frames already queued (a RESPONSE, RECONNECT on drain) still go out
                // first, except to a slow consumer, whose queue is the problem.
                // All of them, not one batch: on drain the RECONNECT is queued
                // behind whatever the session had pending. The queue's own frame
                // and byte limits bound this; CLOSE_GRACE bounds the time.
                if code != CloseCode::SlowConsumer {
                    let flush = async {
                        loop {
                            let mut queued = Vec::new();
                            while let Ok(item) = rx.try_recv() {
                                queued.push(item);
                                if queued.len() == BATCH {
                                    break;
                                }
                            }
                            if queued.is_empty() {
                                break;
                            }
                            let frames = session.number_many(queued);
                            if !Box::pin(write_rounds(&mut sink, enc, &session, frames, max_frame))
                                .await
                            {
                                break;
                            }
                        }
                    };
                    let _ = tokio::time::timeout(CLOSE_GRACE, flush).await;
                }
                let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(close_frame(code))).await;
                break;
            }
            Round::Closed => {
                if let Some(code) = socket.code() {
                    let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(close_frame(code))).await;
                }
                break;
            }
            Round::Frames(first) => {
                // Number and build the whole round first: every dispatch taken off
                // the queue is in the replay buffer even if the write below is cut
                // short. A one-frame round (the common case) allocates no batch.
                let frames: Frames = if rest.is_empty() {
                    Frames::One(session.build_one(first))
                } else {
                    rest.insert(0, first);
                    Frames::from(session.build(rest))
                };
                // A stalled peer must not pin this task: a kill or a socket close
                // interrupts the write (their futures are polled only while it
                // waits), and the next round sends the close.
                tokio::select! {
                    biased;
                    w = write_all(&mut sink, enc, frames, max_frame) => ok = w,
                    _ = ended(&session, &socket) => {}
                }
            }
        }
    }
    // Let the reader know the socket is done if the write side failed first.
    socket.close_silently();
}

/// Resolves once the session is killed or the socket closed: what cuts a
/// stalled write short. It waits in the session's writer slot, which a kill
/// and a close of the socket (linked by [`CloseLatch::also_wake`]) both wake
/// (a frame queued meanwhile wakes it too: it checks and waits again). No
/// state of its own, unlike the latches' token futures (~80 bytes each in
/// every writer's task, issue 14: ≤ 8 KiB per session).
fn ended<'a>(session: &'a Session, socket: &'a CloseLatch) -> impl Future<Output = ()> + 'a {
    let done = move || session.outbox.kill.is_closed() || socket.is_closed();
    std::future::poll_fn(move |cx| {
        if done() {
            return Poll::Ready(());
        }
        session.outbox.kill.register_writer(cx);
        if done() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

/// What a writer's round found: frames to write (the oldest here, the
/// rest beside it), or why it ends.
enum Round {
    Frames(Outbound),
    Killed,
    Closed,
}

/// Built frames to write: a one-frame round carries no `Vec`.
enum Frames {
    One(Option<Bytes>),
    Many(std::vec::IntoIter<Bytes>),
}

impl From<Vec<Bytes>> for Frames {
    fn from(v: Vec<Bytes>) -> Self {
        Frames::Many(v.into_iter())
    }
}

impl Iterator for Frames {
    type Item = Bytes;
    fn next(&mut self) -> Option<Bytes> {
        match self {
            Frames::One(f) => f.take(),
            Frames::Many(v) => v.next(),
        }
    }
}

/// Frame bytes a writer builds per round: a round takes frames off the
/// queue up to this much ([`crate::hub::Receiver::take`], at least one), so
/// a stalled socket's writer holds one round of copies at most.
pub const ROUND_BYTES: usize = 16 * 1024;

/// Writes numbered frames (READY, a replay, what a killed session had
/// queued), built a round's worth of bytes at a time.
async fn write_rounds<S>(
    sink: &mut S,
    enc: Encoding,
    session: &Session,
    frames: Vec<Outbound>,
    max_frame: usize,
) -> bool
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    let mut frames = frames.into_iter().peekable();
    loop {
        let (mut round, mut bytes) = (Vec::new(), 0);
        while let Some(f) = frames.next_if(|f| round.is_empty() || bytes + f.room() <= ROUND_BYTES)
        {
            bytes += f.room();
            round.push(f);
        }
        if round.is_empty() {
            return true;
        }
        if !write_all(sink, enc, session.build(round), max_frame).await {
            return false;
        }
    }
}

/// Feeds every frame, then flushes once (one write syscall for a batch). A
/// frame over `max_frame` is a server bug: logged, counted and dropped,
/// never fed (it would fail the socket). False if the socket failed.
async fn write_all<S>(
    sink: &mut S,
    enc: Encoding,
    frames: impl Into<Frames>,
    max_frame: usize,
) -> bool
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    for bytes in frames.into() {
        if bytes.len() > max_frame {
            tracing::error!(
                bytes = bytes.len(),
                max_frame,
                "server frame over max_server_frame_bytes dropped"
            );
            metrics::counter!("arena_oversize_frames_total").increment(1);
            continue;
        }
        let Some(m) = frame(enc, bytes) else { continue };
        if sink.feed(m).await.is_err() {
            return false;
        }
    }
    sink.flush().await.is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    use tokio_tungstenite::WebSocketStream;

    /// A server socket with this write-buffer cap, behind a 64-byte pipe
    /// whose far end reads slowly: every write would block.
    async fn socket(cap: usize) -> WebSocketStream<tokio::io::DuplexStream> {
        let (near, mut far) = tokio::io::duplex(64);
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while far.read(&mut buf).await.is_ok_and(|n| n > 0) {
                tokio::task::yield_now().await;
            }
        });
        let cfg = WebSocketConfig::default()
            .write_buffer_size(WRITE_BUFFER)
            .max_write_buffer_size(cap);
        WebSocketStream::from_raw_socket(near, Role::Server, Some(cfg)).await
    }

    #[tokio::test]
    async fn a_frame_of_the_hard_cap_is_writable_behind_a_full_batch_buffer() {
        let max = 256 * 1024;
        let mut ws = socket(write_buffer_cap(max)).await;
        for _ in 0..3 {
            // Just under the batching buffer: it stays buffered.
            ws.feed(WsMessage::binary(vec![1u8; WRITE_BUFFER - 1]))
                .await
                .expect("small frame");
            ws.feed(WsMessage::binary(vec![2u8; max]))
                .await
                .expect("a frame of max_server_frame_bytes is writable");
        }
        ws.flush().await.expect("flushed");
        // The old sizing (one client frame plus 16 KiB) fails on such a frame.
        let mut old = socket(64 * 1024 + 16 * 1024).await;
        old.feed(WsMessage::binary(vec![1u8; WRITE_BUFFER - 1]))
            .await
            .expect("small frame");
        assert!(old.feed(WsMessage::binary(vec![2u8; max])).await.is_err());
    }

    #[tokio::test]
    async fn a_frame_over_the_cap_is_dropped_and_the_rest_written() {
        let written = Arc::new(std::sync::Mutex::new(Vec::<usize>::new()));
        let w = Arc::clone(&written);
        // A sink that fails, as tungstenite does, on a frame over 1,000 bytes.
        let sink = futures_util::sink::unfold((), move |(), m: Message| {
            let w = Arc::clone(&w);
            async move {
                let n = match &m {
                    Message::Text(t) => t.len(),
                    Message::Binary(b) => b.len(),
                    _ => 0,
                };
                if n > 1000 {
                    return Err(axum::Error::new("WriteBufferFull"));
                }
                w.lock().unwrap().push(n);
                Ok(())
            }
        });
        let mut sink = Box::pin(sink);
        let frames = vec![
            Bytes::from(vec![b'a'; 10]),
            Bytes::from(vec![b'b'; 5000]),
            Bytes::from(vec![b'c'; 20]),
        ];
        assert!(write_all(&mut sink, Encoding::MsgPack, frames, 1000).await);
        assert_eq!(*written.lock().unwrap(), vec![10, 20]);
    }
}
