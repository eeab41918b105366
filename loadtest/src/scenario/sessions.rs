//! `sessions`: N identified idle sessions (each subscribed to one channel,
//! heartbeating at HELLO's interval). Reports the server's resident memory per
//! session right after the ramp and again after `--hold-s` of heartbeats, the
//! connect rate, and how many sessions the server closed. `--users K` spreads
//! the sessions over K members only (`--users 1`: every session is the same
//! member), to compare N sessions of one member with N members.

use super::common::{probe, ramp, timed_phase, Ctx};
use crate::gw::Session;
use crate::report::Report;
use crate::sys::rss_kib;
use crate::ws::opcode;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// Options of `sessions`.
#[derive(Debug, Clone, Args)]
pub struct SessionsArgs {
    /// Sessions to hold open.
    #[arg(long, default_value_t = 1000)]
    pub sessions: usize,
    /// Seconds to hold them (heartbeating) before the second measurement.
    #[arg(long, default_value_t = 60.0)]
    pub hold_s: f64,
    /// Members the sessions belong to: session i uses token line i mod K
    /// (1 = every session is the first member; 0 = one member per session).
    /// Arena closes a member's sessions past `ARENA_SESSIONS_PER_USER`
    /// (4015): raise it to at least sessions / K for this run.
    #[arg(long, default_value_t = 0)]
    pub users: usize,
}

/// `ctx` with its tokens cycled so that session i uses token i mod `users`
/// (`users` 0: `ctx`'s own tokens, one per session).
fn for_users(ctx: &Ctx, sessions: usize, users: usize) -> Ctx {
    let tokens = if users == 0 || ctx.tokens.is_empty() {
        ctx.tokens.clone()
    } else {
        (0..sessions)
            .map(|i| ctx.tokens[i % users.min(ctx.tokens.len())].clone())
            .collect()
    };
    Ctx {
        args: ctx.args.clone(),
        target: ctx.target.clone(),
        nodes: ctx.nodes.clone(),
        tokens,
        reference_users: (users > 0).then_some(users),
    }
}

/// Reads and discards frames, heartbeats, until `stop`; counts a server close in `ended`.
pub(crate) async fn idle(mut s: Session, ended: Arc<AtomicU64>, mut stop: watch::Receiver<bool>) {
    let mut hb = tokio::time::interval_at(Instant::now() + s.heartbeat, s.heartbeat);
    hb.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            r = s.rd.fill() => if !matches!(r, Ok(true)) {
                ended.fetch_add(1, Ordering::Relaxed);
                return;
            },
            _ = hb.tick() => {
                if s.heartbeat(0).await.is_err() {
                    ended.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                continue;
            }
            _ = stop.changed() => {
                s.wr.close(1000).await;
                return;
            }
        }
        let mut ping = false;
        while let Ok(Some(f)) = s.rd.next_buffered() {
            match f.opcode {
                opcode::CLOSE => {
                    ended.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                opcode::PING => ping = true,
                _ => {}
            }
        }
        if ping {
            let _ = s.wr.send(opcode::PONG, b"").await;
        }
    }
}

/// Runs `sessions` and returns its report.
pub async fn run(ctx: &Ctx, a: SessionsArgs) -> Result<Report> {
    let mut a = a;
    if ctx.args.smoke {
        a.sessions = a.sessions.min(50);
        a.hold_s = a.hold_s.min(2.0);
    }
    ctx.need_tokens(
        a.sessions
            .min(if a.users == 0 { a.sessions } else { a.users }),
    )?;
    let ctx = &for_users(ctx, a.sessions, a.users);
    let params = json!({"sessions": a.sessions, "hold_s": a.hold_s, "users": a.users});
    let mut rep = Report::new("sessions", ctx.args.target.as_str(), ctx.enc(), params);
    let started = Instant::now();
    let p = probe(ctx, 0).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = ctx.args.server_pid;
    let before = pid.and_then(|p| rss_kib(p).ok());
    let ended = Arc::new(AtomicU64::new(0));
    let (stop, stop_rx) = watch::channel(false);
    let ended2 = ended.clone();
    let (handles, ramp_time) = ramp(
        ctx,
        0..a.sessions,
        Some(vec![p.channel_id]),
        "sessions",
        move |_, s, _| idle(s, ended2.clone(), stop_rx.clone()),
    )
    .await?;
    let n = a.sessions as f64;
    rep.metric("sessions", a.sessions as u64, "sessions");
    let members = if a.users == 0 {
        a.sessions
    } else {
        a.users.min(a.sessions)
    };
    rep.metric("members", members as u64, "members");
    rep.metric(
        "connect + identify rate",
        (n / ramp_time.as_secs_f64()).round(),
        "sessions/s",
    );
    rep.metric("ramp time", ramp_time.as_secs_f64(), "s");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_ramp = pid.and_then(|p| rss_kib(p).ok());
    let ended3 = ended.clone();
    timed_phase(ctx, a.hold_s, "holding", move || {
        format!("closed by server {}", ended3.load(Ordering::Relaxed))
    })
    .await;
    let after_hold = pid.and_then(|p| rss_kib(p).ok());
    match (before, after_ramp, after_hold) {
        (Some(b), Some(r), Some(h)) => {
            rep.metric("server RSS before", b, "KiB");
            rep.metric("server RSS after ramp", r, "KiB");
            rep.metric("server RSS after hold", h, "KiB");
            rep.metric(
                "RSS per session after ramp",
                ((r.saturating_sub(b)) as f64 / n * 100.0).round() / 100.0,
                "KiB",
            );
            rep.metric(
                "RSS per session after hold",
                ((h.saturating_sub(b)) as f64 / n * 100.0).round() / 100.0,
                "KiB",
            );
        }
        _ => rep.note("server RSS not measured (pass --server-pid)"),
    }
    let closed = ended.load(Ordering::Relaxed);
    rep.metric("sessions closed by the server", closed, "sessions");
    if closed > 0 {
        rep.note(format!("{closed} sessions were closed during the hold"));
    }
    let _ = stop.send(true);
    for h in handles {
        let _ = tokio::time::timeout(Duration::from_secs(5), h).await;
    }
    rep.duration_s = started.elapsed().as_secs_f64();
    Ok(rep)
}
