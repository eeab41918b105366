//! `storm`: N sessions in one channel while a publisher posts at R msgs/s;
//! all N drop their TCP connection at once and RESUME (`seq` = last `s`,
//! `cursors` = last `channel_seq`). Measures the time until every session got
//! RESUMED and checks that each one ends up with every acknowledged message
//! (live, replayed, or backfilled with `channel.events` after INVALID_SESSION).

use super::common::{open_identified, probe, ramp, timed_phase, Ctx};
use super::publisher::{publisher, PubStats};
use super::subscriber::Seen;
use crate::gw::{find_mark, Closed, Session, Target};
use crate::report::{histogram, record_ns, Report};
use crate::ws::opcode;
use anyhow::{bail, Context, Result};
use arena_protocol::frame::{op, Resume};
use arena_protocol::peek::{peek_channel_seq, peek_op, peek_s, peek_t};
use arena_protocol::request::EventsResult;
use arena_protocol::{ServerFrame, Snowflake};
use clap::Args;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, MissedTickBehavior};

/// Options of `storm`.
#[derive(Debug, Clone, Args)]
pub struct StormArgs {
    /// Sessions that drop and resume.
    #[arg(long, default_value_t = 2000)]
    pub sessions: usize,
    /// Messages/s the publisher posts throughout.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Seconds of publishing before the drop.
    #[arg(long, default_value_t = 3.0)]
    pub warm_s: f64,
    /// Longest time allowed for all sessions to resume, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub resume_budget_s: f64,
    /// Seconds of publishing after everyone resumed.
    #[arg(long, default_value_t = 3.0)]
    pub after_s: f64,
    /// Reconnects in flight at once.
    #[arg(long, default_value_t = 1000)]
    pub resume_concurrency: usize,
}

/// What one session observed.
#[derive(Debug, Default)]
struct Track {
    last_s: u64,
    cseq: u64,
    seen: Seen,
    unique: u64,
    dups: u64,
    resumed: bool,
    invalid: bool,
}

/// Shared results of one session.
#[derive(Debug, Default)]
struct Outcome {
    unique: AtomicU64,
    dups: AtomicU64,
    /// Nanoseconds from the drop to RESUMED (0 = not resumed).
    resume_ns: AtomicU64,
    how: Mutex<Option<String>>,
    /// Message numbers below the final acked count that never arrived (filled at the end).
    missing: Mutex<Vec<u64>>,
    /// Set by the coordinator once the publisher is done: the acked count to check against.
    acked: AtomicU64,
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
async fn live(
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
async fn recover(
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

/// Runs `storm` and returns its report.
pub async fn run(ctx: &Ctx, a: StormArgs) -> Result<Report> {
    let mut a = a;
    if ctx.args.smoke {
        a.sessions = a.sessions.min(20);
        a.warm_s = a.warm_s.min(1.0);
        a.after_s = a.after_s.min(1.0);
    }
    ctx.need_tokens(a.sessions + 1)?;
    let params =
        json!({"sessions": a.sessions, "rate": a.rate, "warm_s": a.warm_s, "after_s": a.after_s});
    let mut rep = Report::new("storm", ctx.args.target.as_str(), ctx.enc(), params);
    let started = Instant::now();
    let p = probe(ctx, 0).await?;
    let channel = p.channel_id;
    let (drop_tx, drop_rx) = watch::channel(false);
    let (stop_tx, stop_rx) = watch::channel(false);
    let outcomes: Arc<Vec<Arc<Outcome>>> = Arc::new(
        (0..a.sessions)
            .map(|_| Arc::new(Outcome::default()))
            .collect(),
    );
    let sem = Arc::new(Semaphore::new(a.resume_concurrency.max(1)));
    let drop_at = Arc::new(Mutex::new(Instant::now()));
    let budget = Duration::from_secs_f64(a.resume_budget_s);
    let (target, outs, tokens) = (
        ctx.target.clone(),
        outcomes.clone(),
        Arc::new(ctx.tokens.clone()),
    );
    let is_ref = ctx.args.target == super::common::TargetKind::Reference;
    let drop_at2 = drop_at.clone();
    let (handles, _) = ramp(
        ctx,
        1..a.sessions + 1,
        Some(vec![channel]),
        "sessions",
        move |i, s, session_id| {
            let (target, out, sem, drop_at) = (
                target.clone(),
                outs[i - 1].clone(),
                sem.clone(),
                drop_at2.clone(),
            );
            let token = if is_ref {
                format!("reference-{i}")
            } else {
                tokens.get(i).cloned().unwrap_or_default()
            };
            let (mut drop_rx, mut stop_rx) = (drop_rx.clone(), stop_rx.clone());
            async move {
                let mut s = s;
                let mut tr = Track {
                    last_s: s.last_s,
                    cseq: p.channel_last_seq,
                    ..Track::default()
                };
                if let Err(e) = live(&mut s, &mut tr, &mut drop_rx, &out).await {
                    *out.how.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(format!("before the drop: {e:#}"));
                }
                drop(s);
                let t0 = *drop_at.lock().unwrap_or_else(|e| e.into_inner());
                let recovered = {
                    let _permit = sem.acquire().await;
                    recover(&target, &token, &session_id, channel, &mut tr, budget).await
                };
                match recovered {
                    Ok((mut s, how)) => {
                        out.resume_ns
                            .store(t0.elapsed().as_nanos().max(1) as u64, Ordering::Relaxed);
                        *out.how.lock().unwrap_or_else(|e| e.into_inner()) = Some(how.into());
                        out.unique.store(tr.unique, Ordering::Relaxed);
                        if let Err(e) = live(&mut s, &mut tr, &mut stop_rx, &out).await {
                            *out.how.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(format!("after resuming: {e:#}"));
                        }
                        s.wr.close(1000).await;
                    }
                    Err(e) => {
                        *out.how.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(format!("not recovered: {e:#}"))
                    }
                }
                out.unique.store(tr.unique, Ordering::Relaxed);
                out.dups.store(tr.dups, Ordering::Relaxed);
                let acked = out.acked.load(Ordering::Relaxed);
                let missing: Vec<u64> = (0..acked)
                    .filter(|n| !tr.seen.contains(*n))
                    .take(20)
                    .collect();
                *out.missing.lock().unwrap_or_else(|e| e.into_inner()) = missing;
            }
        },
    )
    .await?;
    let (pubs, _) = ramp(
        ctx,
        0..1,
        Some(vec![]),
        "publisher",
        |_, s, _| async move { s },
    )
    .await?;
    let mut pub_session = None;
    for h in pubs {
        pub_session = Some(h.await??);
    }
    let pub_session = pub_session.context("no publisher session")?;
    let pst = Arc::new(PubStats::new());
    let total_s = a.warm_s + a.resume_budget_s + a.after_s;
    let pub_task = tokio::spawn(publisher(
        pub_session,
        0,
        a.rate,
        Duration::from_secs_f64(total_s),
        Duration::from_secs(10),
        channel,
        0,
        0,
        Duration::ZERO,
        pst.clone(),
    ));
    let p2 = pst.clone();
    timed_phase(ctx, a.warm_s, "warm-up", move || {
        format!("acked {}", p2.ok.load(Ordering::Relaxed))
    })
    .await;

    *drop_at.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    let t0 = Instant::now();
    let _ = drop_tx.send(true);
    let pb = ctx.bar(a.sessions as u64, "resuming");
    let mut all_resumed = None;
    while t0.elapsed() < budget {
        let done = outcomes
            .iter()
            .filter(|o| o.resume_ns.load(Ordering::Relaxed) > 0)
            .count();
        pb.set_position(done as u64);
        if done == a.sessions {
            all_resumed = Some(t0.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    pb.finish_and_clear();
    // Keep publishing a little after the storm, then stop the publisher's clock early.
    tokio::time::sleep(Duration::from_secs_f64(a.after_s)).await;
    let (_session, _) = pub_task.await?;
    // Wait (at most 15 s) until every session has every acknowledged message, then stop them.
    let acked = pst.ok.load(Ordering::Relaxed);
    for o in outcomes.iter() {
        o.acked.store(acked, Ordering::Relaxed);
    }
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until
        && outcomes
            .iter()
            .any(|o| o.unique.load(Ordering::Relaxed) < acked)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_tx.send(true);
    for h in handles {
        let _ = tokio::time::timeout(Duration::from_secs(10), h).await;
    }
    let mut h = histogram();
    let (mut lost, mut dups, mut resumed, mut backfilled, mut failed) =
        (0u64, 0u64, 0u64, 0u64, Vec::new());
    for o in outcomes.iter() {
        let u = o.unique.load(Ordering::Relaxed);
        lost += acked.saturating_sub(u);
        dups += o.dups.load(Ordering::Relaxed);
        let ns = o.resume_ns.load(Ordering::Relaxed);
        if ns > 0 {
            record_ns(&mut h, ns);
        }
        match o.how.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            Some(w) if w == "resumed" => resumed += 1,
            Some(w) if w.starts_with("invalid") => backfilled += 1,
            Some(w) => failed.push(w),
            None => failed.push("no outcome".into()),
        }
    }
    rep.metric("sessions", a.sessions as u64, "sessions");
    rep.metric("publisher acked", acked, "msgs");
    match all_resumed {
        Some(d) => rep.metric(
            "time until all resumed",
            (d.as_secs_f64() * 1000.0).round() / 1000.0,
            "s",
        ),
        None => rep.note(format!(
            "not all sessions recovered within {} s",
            a.resume_budget_s
        )),
    }
    rep.metric("resumed (RESUMED)", resumed, "sessions");
    rep.metric(
        "invalid session → identify + backfill",
        backfilled,
        "sessions",
    );
    rep.metric("failed", failed.len() as u64, "sessions");
    rep.metric("lost events", lost, "events");
    rep.metric("duplicate events", dups, "events");
    rep.latency("drop → RESUMED per session", &h);
    let mut shown = 0;
    for (i, o) in outcomes.iter().enumerate() {
        let m = o.missing.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if !m.is_empty() && shown < 5 {
            let how = o
                .how
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .unwrap_or_default();
            rep.note(format!(
                "session {} ({how}) is missing message numbers {m:?}",
                i + 1
            ));
            shown += 1;
        }
    }
    if let Some(w) = failed.first() {
        rep.note(format!("first failure: {w}"));
    }
    rep.note(if lost == 0 {
        "zero lost events".to_string()
    } else {
        format!("LOSS: {lost} events missing")
    });
    rep.duration_s = started.elapsed().as_secs_f64();
    Ok(rep)
}
