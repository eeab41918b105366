//! `persist`: many sessions send `message.create` at once, each in a closed
//! loop (the next send after the previous answer), spread over every chat
//! channel the load user may post in. Committed messages/s counts `ok`
//! answers (Arena answers ok only after the commit); ack latency is send →
//! RESPONSE. Sessions subscribe to no channel, so fan-out stays out of it.

use super::common::{probe, ramp, timed_phase, Ctx};
use crate::gw::{parse_u64, response_error, Closed, Session};
use crate::report::{histogram, record_ns, Report};
use crate::sys::unix_nanos;
use crate::ws::opcode;
use anyhow::Result;
use arena_protocol::frame::op;
use arena_protocol::peek::{peek_op, peek_response_id, response_ok};
use arena_protocol::Snowflake;
use clap::Args;
use hdrhistogram::Histogram;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Options of `persist`.
#[derive(Debug, Clone, Args)]
pub struct PersistArgs {
    /// Sending sessions, each with one request in flight.
    #[arg(long, default_value_t = 500)]
    pub sessions: usize,
    /// Sending time in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub duration_s: f64,
    /// Use at most this many channels (0 = every postable chat channel).
    #[arg(long, default_value_t = 0)]
    pub channels: usize,
    /// Requests in flight per session.
    #[arg(long, default_value_t = 1)]
    pub window: usize,
    /// Most sends per second per session (0 = as fast as answers come back).
    #[arg(long, default_value_t = 0.0)]
    pub session_rate: f64,
}

#[derive(Debug)]
struct Stats {
    ok: AtomicU64,
    errors: Mutex<HashMap<String, u64>>,
    ack: Mutex<Histogram<u64>>,
    go: AtomicBool,
    ended: Mutex<Option<String>>,
}

fn count_err(st: &Stats, code: String) {
    *st.errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(code)
        .or_default() += 1;
}

/// One sender: `window` requests in flight, next send on each answer, until `end`.
async fn sender(
    mut s: Session,
    i: usize,
    channels: Arc<Vec<Snowflake>>,
    (window, session_rate): (usize, f64),
    st: Arc<Stats>,
    end: Instant,
) {
    let enc = s.enc;
    let gap = if session_rate > 0.0 {
        Duration::from_secs_f64(1.0 / session_rate)
    } else {
        Duration::ZERO
    };
    let mut next_send = Instant::now();
    let mut n = 0usize;
    let mut in_flight = 0usize;
    let mut last_hb = Instant::now();
    let mut lat = Vec::with_capacity(16);
    loop {
        let now = Instant::now();
        if now < end {
            if !gap.is_zero() && in_flight == 0 {
                tokio::time::sleep_until(next_send).await;
                next_send = Instant::now() + gap;
            }
            while in_flight < window {
                let ch = channels[(i + n) % channels.len()];
                let sent = unix_nanos();
                let params =
                    json!({"channel_id": ch.to_string(), "content": format!("persist {i}:{n}")});
                if s.push_request(&sent.to_string(), "message.create", params)
                    .is_err()
                {
                    break;
                }
                n += 1;
                in_flight += 1;
            }
        } else if in_flight == 0 {
            break;
        }
        if last_hb.elapsed() >= s.heartbeat {
            let hb = arena_protocol::ClientFrame::Heartbeat(None)
                .encode(enc)
                .unwrap_or_default();
            s.wr.push(
                if enc == arena_protocol::Encoding::Json {
                    opcode::TEXT
                } else {
                    opcode::BINARY
                },
                &hb,
            );
            last_hb = Instant::now();
        }
        if let Err(e) = s.wr.flush().await {
            *st.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("write: {e:#}"));
            return;
        }
        // Wait for answers (at most until the end plus 10 s for stragglers).
        match tokio::time::timeout_at(end.max(now) + Duration::from_secs(10), s.rd.fill()).await {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) | Ok(Err(_)) | Err(_) => {
                *st.ended.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some("connection ended or stalled".into());
                return;
            }
        }
        let recv = unix_nanos();
        while let Ok(Some(f)) = s.rd.next_buffered() {
            match f.opcode {
                opcode::TEXT | opcode::BINARY if peek_op(enc, f.payload) == Some(op::RESPONSE) => {
                    in_flight = in_flight.saturating_sub(1);
                    if response_ok(enc, f.payload) {
                        st.ok.fetch_add(1, Ordering::Relaxed);
                        if let Some(sent) = peek_response_id(enc, f.payload).and_then(parse_u64) {
                            lat.push(recv.saturating_sub(sent));
                        }
                    } else {
                        count_err(&st, response_error(enc, f.payload));
                    }
                }
                opcode::CLOSE => {
                    *st.ended.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(Closed::of(&f).to_string());
                    return;
                }
                _ => {}
            }
        }
        if !lat.is_empty() {
            let mut h = st.ack.lock().unwrap_or_else(|e| e.into_inner());
            for ns in lat.drain(..) {
                record_ns(&mut h, ns);
            }
        }
    }
    s.wr.close(1000).await;
}

/// Runs `persist` and returns its report.
pub async fn run(ctx: &Ctx, a: PersistArgs) -> Result<Report> {
    let mut a = a;
    if ctx.args.smoke {
        // Polite enough for a server with default per-session frame budgets.
        a.sessions = a.sessions.min(10);
        a.duration_s = a.duration_s.min(2.0);
        a.window = 1;
        a.session_rate = 5.0;
    }
    ctx.need_tokens(a.sessions)?;
    let p = probe(ctx, 0).await?;
    let mut channels = if p.postable.is_empty() {
        vec![p.channel_id]
    } else {
        p.postable.clone()
    };
    if a.channels > 0 {
        channels.truncate(a.channels);
    }
    let params = json!({"sessions": a.sessions, "duration_s": a.duration_s, "channels": channels.len(), "window": a.window});
    let mut rep = Report::new("persist", ctx.args.target.as_str(), ctx.enc(), params);
    let started = Instant::now();
    let st = Arc::new(Stats {
        ok: AtomicU64::new(0),
        errors: Mutex::new(HashMap::new()),
        ack: Mutex::new(histogram()),
        go: AtomicBool::new(false),
        ended: Mutex::new(None),
    });
    let channels = Arc::new(channels);
    // The end is fixed after the ramp; the senders wait for `go` first.
    let (st2, ch2, window) = (
        st.clone(),
        channels.clone(),
        (a.window.max(1), a.session_rate),
    );
    let end_cell = Arc::new(tokio::sync::OnceCell::new());
    let end_for_run = end_cell.clone();
    let (handles, ramp_time) = ramp(
        ctx,
        0..a.sessions,
        Some(vec![]),
        "senders",
        move |i, s, _| {
            let (st, ch, end_cell) = (st2.clone(), ch2.clone(), end_for_run.clone());
            async move {
                while !st.go.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let end = end_cell.get().copied().unwrap_or_else(Instant::now);
                sender(s, i, ch, window, st, end).await
            }
        },
    )
    .await?;
    let t0 = Instant::now();
    let _ = end_cell.set(t0 + Duration::from_secs_f64(a.duration_s));
    st.go.store(true, Ordering::Relaxed);
    let st3 = st.clone();
    timed_phase(ctx, a.duration_s, "sending", move || {
        format!("committed {}", st3.ok.load(Ordering::Relaxed))
    })
    .await;
    let ok_at_end = st.ok.load(Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    for h in handles {
        let _ = tokio::time::timeout(Duration::from_secs(15), h).await;
    }
    let ok = st.ok.load(Ordering::Relaxed);
    rep.metric("sessions", a.sessions as u64, "sessions");
    rep.metric("channels", channels.len() as u64, "channels");
    rep.metric("ramp", ramp_time.as_secs_f64(), "s");
    rep.metric("committed (acked ok)", ok, "msgs");
    rep.metric(
        "committed/s",
        (ok_at_end as f64 / elapsed).round(),
        "msgs/s",
    );
    for (code, n) in st.errors.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        rep.metric(&format!("request errors: {code}"), *n, "requests");
    }
    rep.latency(
        "ack (send → RESPONSE ok)",
        &st.ack.lock().unwrap_or_else(|e| e.into_inner()),
    );
    if let Some(why) = st.ended.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        rep.note(format!("a sender ended early: {why}"));
    }
    rep.duration_s = started.elapsed().as_secs_f64();
    // The smoke run asserts correctness only (no timing): messages were committed, none refused.
    let errors: u64 = st
        .errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .sum();
    if ctx.args.smoke && (ok == 0 || errors > 0) {
        print!("{}", rep.markdown());
        anyhow::bail!("smoke persist failed: {ok} committed, {errors} refused");
    }
    Ok(rep)
}
