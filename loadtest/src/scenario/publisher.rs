//! A publisher: sends `message.create` carrying a load mark at a paced rate
//! on one session, while a task on its reading half counts the answers (ok,
//! errors by code, send → RESPONSE latency). Used by `fanout`, `saturate` and
//! `storm`.

use crate::gw::{parse_u64, response_error, Mark, Session};
use crate::report::{histogram, record_ns};
use crate::sys::unix_nanos;
use crate::ws::opcode;
use arena_protocol::frame::op;
use arena_protocol::peek::{peek_op, peek_response_id, response_ok};
use arena_protocol::Snowflake;
use hdrhistogram::Histogram;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Counters of all publishers of one step.
#[derive(Debug)]
pub(crate) struct PubStats {
    pub(crate) sent: AtomicU64,
    pub(crate) ok: AtomicU64,
    pub(crate) errors: Mutex<HashMap<String, u64>>,
    pub(crate) ack: Mutex<Histogram<u64>>,
}

impl PubStats {
    pub(crate) fn new() -> Self {
        PubStats {
            sent: AtomicU64::new(0),
            ok: AtomicU64::new(0),
            errors: Mutex::new(HashMap::new()),
            ack: Mutex::new(histogram()),
        }
    }
    fn answered(&self) -> u64 {
        self.ok.load(Ordering::Relaxed)
            + self
                .errors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .sum::<u64>()
    }
}

/// Reads a publisher's RESPONSE frames until `stop`; returns the reader half.
async fn publisher_reader(
    mut rd: crate::ws::WsReader,
    enc: arena_protocol::Encoding,
    st: Arc<PubStats>,
    mut stop: watch::Receiver<bool>,
) -> crate::ws::WsReader {
    loop {
        tokio::select! {
            r = rd.fill() => if !matches!(r, Ok(true)) {
                let mut e = st.errors.lock().unwrap_or_else(|e| e.into_inner());
                *e.entry("publisher connection lost".into()).or_default() += 1;
                return rd;
            },
            _ = stop.changed() => return rd,
        }
        let now = unix_nanos();
        while let Ok(Some(f)) = rd.next_buffered() {
            if !matches!(f.opcode, opcode::TEXT | opcode::BINARY)
                || peek_op(enc, f.payload) != Some(op::RESPONSE)
            {
                continue;
            }
            if response_ok(enc, f.payload) {
                st.ok.fetch_add(1, Ordering::Relaxed);
                if let Some(sent) = peek_response_id(enc, f.payload).and_then(parse_u64) {
                    record_ns(
                        &mut st.ack.lock().unwrap_or_else(|e| e.into_inner()),
                        now.saturating_sub(sent),
                    );
                }
            } else {
                let code = response_error(enc, f.payload);
                *st.errors
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(code)
                    .or_default() += 1;
            }
        }
    }
}

/// Publishes `rate` messages/s for `dur` (numbers from `n0`), waits for the
/// answers (at most `settle`), and hands the session back with the next number.
#[allow(clippy::too_many_arguments)] // one call site per scenario; a struct would only rename the same list
pub(crate) async fn publisher(
    s: Session,
    idx: u32,
    rate: f64,
    dur: Duration,
    settle: Duration,
    channel: Snowflake,
    n0: u64,
    pad: usize,
    phase: Duration,
    st: Arc<PubStats>,
) -> (Option<Session>, u64) {
    let enc = s.enc;
    let (stop_tx, stop_rx) = watch::channel(false);
    // The reader half goes to its own task for the answers; the writer stays here.
    let Session {
        rd,
        mut wr,
        heartbeat,
        ..
    } = s;
    let reader = tokio::spawn(publisher_reader(rd, enc, st.clone(), stop_rx));
    let start = Instant::now();
    let mut last_hb = Instant::now();
    let mut n = n0;
    let mut sent = 0u64;
    let channel_id = channel.to_string();
    let op = if enc == arena_protocol::Encoding::Json {
        opcode::TEXT
    } else {
        opcode::BINARY
    };
    // Sleep until the next send is due (never more often than every millisecond), not on a
    // fixed 1 ms tick: hundreds of slow publishers must not flood the client with timer wake-ups.
    // Message k is due at `phase + k / rate`: publishers get different phases so that
    // together they send evenly spaced messages, not one burst per period.
    let period = if rate > 0.0 {
        1.0 / rate
    } else {
        f64::INFINITY
    };
    let (phase, dur_s) = (phase.as_secs_f64(), dur.as_secs_f64());
    while start.elapsed() < dur {
        let next_due = start + Duration::from_secs_f64((phase + sent as f64 * period).min(dur_s));
        let wake = next_due
            .min(last_hb + heartbeat)
            .max(Instant::now() + Duration::from_millis(1));
        tokio::time::sleep_until(wake).await;
        let elapsed = start.elapsed().as_secs_f64().min(dur_s);
        let due = if elapsed < phase {
            0
        } else {
            (((elapsed - phase) * rate) as u64 + 1).min((dur_s * rate).ceil() as u64)
        };
        let mut batch = 0;
        while sent < due && batch < 5000 {
            let sent_ns = unix_nanos();
            let mut content = Mark {
                sent_ns,
                publisher: idx,
                n,
            }
            .content();
            if content.len() < pad {
                content.push(' ');
                content.extend(std::iter::repeat_n('x', pad - content.len()));
            }
            let f =
                arena_protocol::ClientFrame::Request(Box::new(arena_protocol::request::Request {
                    id: sent_ns.to_string(),
                    method: "message.create".into(),
                    params: json!({ "channel_id": channel_id, "content": content }),
                }));
            if let Ok(bytes) = f.encode(enc) {
                wr.push(op, &bytes);
            }
            n += 1;
            sent += 1;
            batch += 1;
        }
        if last_hb.elapsed() >= heartbeat {
            let hb = arena_protocol::ClientFrame::Heartbeat(None)
                .encode(enc)
                .unwrap_or_default();
            wr.push(op, &hb);
            last_hb = Instant::now();
        }
        st.sent.fetch_add(batch, Ordering::Relaxed);
        if wr.flush().await.is_err() {
            break;
        }
    }
    let until = Instant::now() + settle;
    while st.answered() < st.sent.load(Ordering::Relaxed) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(true);
    // A reader task that failed leaves this publisher without a session for later steps.
    (
        reader.await.ok().map(|rd| Session {
            rd,
            wr,
            enc,
            heartbeat,
            last_s: 0,
        }),
        n,
    )
}
