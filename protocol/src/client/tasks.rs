//! The three background tasks of one connection: the **reader** decodes every
//! frame, routes RESPONSEs by request id to the waiting call, answers a server
//! HEARTBEAT at once, records the last `s`, and forwards the rest as
//! [`Incoming`] items; the **writer** batches queued messages into the sink;
//! the **heartbeat** task sends op 1 every HELLO interval.

use super::{encode_message, Incoming, Ws};
use crate::frame::{ClientFrame, Encoding, ServerFrame};
use crate::request::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Responses awaited by id; a short synchronous lock, never held across `.await`.
pub(super) type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Response>>>>;

pub(super) fn lock(
    p: &Pending,
) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<Response>>> {
    // A poisoned map only means another thread panicked mid-insert; the map itself is still usable.
    p.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) async fn write_loop(mut sink: SplitSink<Ws, Message>, mut rx: mpsc::Receiver<Message>) {
    while let Some(msg) = rx.recv().await {
        let is_close = matches!(msg, Message::Close(_));
        if sink.feed(msg).await.is_err() {
            return;
        }
        // Batch whatever else is already queued before flushing.
        while let Ok(more) = rx.try_recv() {
            if sink.feed(more).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() || is_close {
            return;
        }
    }
    let _ = sink.close().await;
}

pub(super) async fn read_loop(
    mut stream: SplitStream<Ws>,
    enc: Encoding,
    tx: mpsc::Sender<Incoming>,
    out: mpsc::Sender<Message>,
    pending: Pending,
    seen_seq: Arc<AtomicU64>,
) {
    let code = loop {
        let msg = match stream.next().await {
            None | Some(Err(_)) => break None,
            Some(Ok(m)) => m,
        };
        let bytes = match &msg {
            Message::Text(t) => t.as_bytes(),
            Message::Binary(b) => b.as_ref(),
            Message::Close(cf) => break cf.as_ref().map(|c| u16::from(c.code)),
            // tungstenite answers pings itself.
            _ => continue,
        };
        let item = match ServerFrame::decode(enc, bytes) {
            Ok(f @ ServerFrame::Dispatch { s, .. }) => {
                seen_seq.store(s, Ordering::Relaxed);
                Incoming::Frame(f)
            }
            Ok(ServerFrame::Response(r)) => {
                let waiter = lock(&pending).remove(&r.id);
                match waiter {
                    Some(w) => {
                        let _ = w.send(*r);
                        continue;
                    }
                    None => {
                        Incoming::DecodeError(format!("RESPONSE for unknown request id {:?}", r.id))
                    }
                }
            }
            Ok(ServerFrame::Heartbeat) => {
                let last = seen_seq.load(Ordering::Relaxed);
                if let Ok(m) =
                    encode_message(enc, &ClientFrame::Heartbeat((last > 0).then_some(last)))
                {
                    // Skipped when the writer queue is full: a heartbeat is already on its way.
                    let _ = out.try_send(m);
                }
                continue;
            }
            Ok(ServerFrame::HeartbeatAck) | Ok(ServerFrame::Hello(_)) => continue,
            Ok(f @ (ServerFrame::Reconnect | ServerFrame::InvalidSession(_))) => Incoming::Frame(f),
            Err(e) => Incoming::DecodeError(e.to_string()),
        };
        if tx.send(item).await.is_err() {
            return;
        }
    };
    // Waiting calls learn of the close through their dropped senders.
    lock(&pending).clear();
    let _ = tx.send(Incoming::Closed(code)).await;
}

pub(super) async fn heartbeat_loop(
    every: Duration,
    enc: Encoding,
    out: mpsc::Sender<Message>,
    seen_seq: Arc<AtomicU64>,
) {
    let mut tick = tokio::time::interval_at(Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let last = seen_seq.load(Ordering::Relaxed);
        let Ok(m) = encode_message(enc, &ClientFrame::Heartbeat((last > 0).then_some(last))) else {
            return;
        };
        if out.send(m).await.is_err() {
            return;
        }
    }
}
