//! `storm`: N sessions in one channel while a publisher posts at R msgs/s;
//! all N drop their TCP connection at once and RESUME (`seq` = last `s`,
//! `cursors` = last `channel_seq`). Measures the time until every session got
//! RESUMED and checks that each one ends up with every acknowledged message
//! (live, replayed, or backfilled with `channel.events` after INVALID_SESSION).
//! Each session's life is in [`super::resumer`].

use super::common::{probe, ramp, timed_phase, Ctx};
use super::nodes::Placement;
use super::publisher::{publisher, PubStats};
use super::resumer::{live, recover, Outcome, Track};
use crate::report::{histogram, record_ns, Report};
use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;

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
    // A session resumes on the node it identified on (sessions are per node).
    let (nodes, outs, tokens) = (
        ctx.nodes.clone(),
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
                nodes[Placement::Spread.node(i, nodes.len())].clone(),
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
