//! One `storm` session's life: it tracks what it receives (highest `s` and
//! `channel_seq`, the load marks seen), reads live until the drop, then
//! reconnects and RESUMEs, or IDENTIFYs again and backfills with
//! `channel.events` after INVALID_SESSION, and reads live again.

use super::common::open_identified;
use super::subscriber::Seen;
use crate::gw::{find_mark, Closed, Session, Target};
use crate::ws::opcode;
use anyhow::{bail, Context, Result};
use arena_protocol::frame::{op, Resume};
use arena_protocol::peek::{peek_channel_seq, peek_op, peek_s, peek_t};
use arena_protocol::request::EventsResult;
use arena_protocol::{ServerFrame, Snowflake};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// What one session observed.
#[derive(Debug, Default)]
pub(crate) struct Track {
    pub(crate) last_s: u64,
    pub(crate) cseq: u64,
    pub(crate) seen: Seen,
    pub(crate) unique: u64,
    pub(crate) dups: u64,
    pub(crate) resumed: bool,
    pub(crate) invalid: bool,
}

/// Shared results of one session.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) unique: AtomicU64,
    pub(crate) dups: AtomicU64,
    /// Nanoseconds from the drop to RESUMED (0 = not resumed).
    pub(crate) resume_ns: AtomicU64,
    pub(crate) how: Mutex<Option<String>>,
    /// Message numbers below the final acked count that never arrived (filled at the end).
    pub(crate) missing: Mutex<Vec<u64>>,
    /// Set by the coordinator once the publisher is done: the acked count to check against.
    pub(crate) acked: AtomicU64,
}

/// Processes every buffered frame. Errors: a close frame or a bad frame.
fn process(s: &mut Session, tr: &mut Track) -> Result<bool> {
    let enc = s.enc;
    let mut ping = false;
    while let Some(f) = s.rd.next_buffered()? {
        match f.opcode {
            opcode::TEXT | opcode::BINARY => match peek_op(enc, f.payload) {
                Some(op::DISPATCH) => {
                    if let Some(v) = peek_s(enc, f.payload) {
                        tr.last_s = tr.last_s.max(v);
                    }
                    match peek_t(enc, f.payload) {
                        Some(b"MESSAGE_CREATE") => {
                            if let Some(c) = peek_channel_seq(enc, f.payload) {
                                tr.cseq = tr.cseq.max(c);
                            }
                            if let Some(m) = find_mark(f.payload) {
                                if tr.seen.insert(m.n) {
                                    tr.unique += 1;
                                } else {
                                    tr.dups += 1;
                                }
                            }
                        }
                        Some(b"RESUMED") => tr.resumed = true,
                        _ => {}
                    }
                }
                Some(op::INVALID_SESSION) => tr.invalid = true,
                _ => {}
            },
            opcode::CLOSE => return Err(Closed::of(&f).into()),
            opcode::PING => ping = true,
            _ => {}
        }
    }
    Ok(ping)
}

/// Reads until `pred(track)` holds or `deadline`. Errors: connection end, close, timeout.
async fn read_until(
    s: &mut Session,
    tr: &mut Track,
    deadline: Instant,
    pred: impl Fn(&Track) -> bool,
) -> Result<()> {
    while !pred(tr) {
        match tokio::time::timeout_at(deadline, s.rd.fill()).await {
            Err(_) => bail!("timed out"),
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => bail!("connection closed"),
            Ok(Err(e)) => return Err(e),
        }
        if process(s, tr)? {
            s.wr.send(opcode::PONG, b"").await?;
        }
    }
    Ok(())
}

/// Live phase: track frames and heartbeat until `until` fires, publishing the
/// unique count to `out` as it goes. Errors end the session.
pub(crate) async fn live(
    s: &mut Session,
    tr: &mut Track,
    until: &mut watch::Receiver<bool>,
    out: &Outcome,
) -> Result<()> {
    let mut hb = tokio::time::interval_at(Instant::now() + s.heartbeat, s.heartbeat);
    hb.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            r = s.rd.fill() => if !r? { bail!("connection closed") },
            _ = hb.tick() => { s.heartbeat(tr.last_s).await?; continue; }
            _ = until.changed() => return Ok(()),
        }
        if process(s, tr)? {
            s.wr.send(opcode::PONG, b"").await?;
        }
        out.unique.store(tr.unique, Ordering::Relaxed);
    }
}

/// Backfills with `channel.events` after `tr.cseq` until the log is exhausted.
async fn backfill(s: &mut Session, tr: &mut Track, channel: Snowflake) -> Result<()> {
    for round in 0..1000u64 {
        let id = format!("bf{round}");
        let params =
            json!({"channel_id": channel.to_string(), "after_seq": tr.cseq, "limit": 1000});
        s.push_request(&id, "channel.events", params)?;
        s.wr.flush().await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let res: EventsResult = loop {
            match tokio::time::timeout_at(deadline, s.rd.next_frame()).await {
                Err(_) => bail!("channel.events timed out"),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(f)) => {
                    if f.opcode == opcode::CLOSE {
                        return Err(anyhow::Error::new(Closed::of(&f)).context("during backfill"));
                    }
                    if peek_op(s.enc, f.payload) == Some(op::RESPONSE) {
                        if let Ok(ServerFrame::Response(r)) = ServerFrame::decode(s.enc, f.payload)
                        {
                            if r.id == id {
                                let v = r.result.with_context(|| {
                                    format!("channel.events failed: {:?}", r.error)
                                })?;
                                break serde_json::from_value(v)?;
                            }
                        }
                    }
                    // Live dispatches are tracked again by the live phase through cursors; count their marks now.
                    if let Some(m) = (peek_t(s.enc, f.payload) == Some(b"MESSAGE_CREATE"))
                        .then(|| find_mark(f.payload))
                        .flatten()
                    {
                        if tr.seen.insert(m.n) {
                            tr.unique += 1;
                        }
                    }
                }
            }
        };
        if res.events.is_empty() {
            return Ok(());
        }
        for ev in &res.events {
            if let Some(seq) = ev.d.get("channel_seq").and_then(|v| v.as_u64()) {
                tr.cseq = tr.cseq.max(seq);
            }
            if ev.t == "MESSAGE_CREATE" {
                if let Some(m) =
                    ev.d.get("content")
                        .and_then(|c| c.as_str())
                        .and_then(|c| find_mark(c.as_bytes()))
                {
                    if tr.seen.insert(m.n) {
                        tr.unique += 1;
                    }
                }
            }
        }
        if tr.cseq >= res.last_seq {
            return Ok(());
        }
    }
    Ok(())
}

/// Reconnects and resumes (or re-identifies and backfills), retrying for up to `budget`.
pub(crate) async fn recover(
    target: &Target,
    token: &str,
    session_id: &str,
    channel: Snowflake,
    tr: &mut Track,
    budget: Duration,
) -> Result<(Session, &'static str)> {
    let deadline = Instant::now() + budget;
    let mut last_err = None;
    while Instant::now() < deadline {
        let attempt = async {
            let mut s = Session::open(target).await?;
            let cursors: HashMap<Snowflake, u64> = [(channel, tr.cseq)].into_iter().collect();
            s.send_resume(Resume {
                token: token.to_owned(),
                session_id: session_id.to_owned(),
                seq: tr.last_s,
                cursors: Some(cursors),
                panels: None,
            })
            .await?;
            tr.resumed = false;
            tr.invalid = false;
            read_until(&mut s, tr, deadline, |t| t.resumed || t.invalid).await?;
            if tr.resumed {
                return Ok((s, "resumed"));
            }
            drop(s);
            let (mut s, _) = open_identified(target, token, Some(vec![channel]), 0).await?;
            tr.last_s = s.last_s;
            backfill(&mut s, tr, channel).await?;
            Ok::<_, anyhow::Error>((s, "invalid session → identify + backfill"))
        };
        match attempt.await {
            Ok(r) => return Ok(r),
            Err(e) => {
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    Err(last_err.unwrap_or_else(|| anyhow::anyhow!("no attempt")))
}
