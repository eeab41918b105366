//! `saturate`: the `fanout` rig ([`super::rig`]) at rising rates, one step
//! after another, until delivery p99 exceeds the limit, anything is lost or
//! the server stops keeping up; reports the highest sustained deliveries/s.

use super::common::{ramp, Ctx};
use super::rig::{cpu_metrics, setup, step, StepResult};
use crate::report::Report;
use anyhow::Result;
use arena_protocol::Snowflake;
use clap::Args;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// Options of `saturate`.
#[derive(Debug, Clone, Args)]
pub struct SaturateArgs {
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    #[arg(long, default_value_t = 4)]
    pub publishers: usize,
    /// First step's total rate in messages/s.
    #[arg(long, default_value_t = 250.0)]
    pub start_rate: f64,
    /// Each step multiplies the rate by this.
    #[arg(long, default_value_t = 1.5)]
    pub factor: f64,
    /// Seconds per step.
    #[arg(long, default_value_t = 5.0)]
    pub step_s: f64,
    /// Most steps before stopping anyway.
    #[arg(long, default_value_t = 10)]
    pub max_steps: usize,
    /// A step fails when delivery p99 exceeds this, in milliseconds.
    #[arg(long, default_value_t = 100.0)]
    pub p99_limit_ms: f64,
    #[arg(long, default_value_t = 10.0)]
    pub settle_s: f64,
    /// Sessions beyond the rig that identify into the channel and then drop
    /// their TCP connection without a close frame before the first step, so
    /// the server holds them resumable meanwhile (issue 14: a network blip
    /// or a deploy must not leave the server doing the lost clients' work).
    #[arg(long, default_value_t = 0)]
    pub dropped: usize,
    /// A step that failed only on latency (p99 over the limit, or not keeping
    /// up) is run again at the same rate up to this many times, and passes
    /// if a rerun does: on a shared 2-core machine one stall (a checkpoint,
    /// another process) decides a single p99. Loss, duplicates and closed
    /// sessions are never retried.
    #[arg(long, default_value_t = 1)]
    pub retries: usize,
}

/// Runs `saturate`: raises the rate until p99 exceeds the limit or anything is lost.
pub async fn run(ctx: &Ctx, a: SaturateArgs) -> Result<Report> {
    let mut a = a;
    if ctx.args.smoke {
        a.subscribers = a.subscribers.min(20);
        a.max_steps = a.max_steps.min(2);
        a.step_s = a.step_s.min(1.0);
        a.dropped = a.dropped.min(20);
    }
    let params = json!({"subscribers": a.subscribers, "publishers": a.publishers, "start_rate": a.start_rate,
        "factor": a.factor, "step_s": a.step_s, "p99_limit_ms": a.p99_limit_ms, "dropped": a.dropped});
    let mut rep = Report::new("saturate", ctx.args.target.as_str(), ctx.enc(), params);
    let started = Instant::now();
    let (mut rig, _) = setup(ctx, a.subscribers, a.publishers, 0).await?;
    if a.dropped > 0 {
        drop_sessions(
            ctx,
            a.publishers.max(1) + a.subscribers,
            a.dropped,
            rig.channel,
        )
        .await?;
        rep.metric("dropped sessions", a.dropped as u64, "sessions");
    }
    let mut rate = a.start_rate;
    let mut best: Option<StepResult> = None;
    let mut steps = Vec::new();
    // Reruns of the current rate so far.
    let mut tries = 0;
    let mut passed = 0;
    while passed < a.max_steps {
        let r = step(ctx, &mut rig, rate, a.step_s, a.settle_s).await?;
        let kept_up = r.acked as f64 >= 0.95 * rate * a.step_s;
        let sound = r.lost == 0 && r.duplicates == 0 && r.sessions_ended == 0;
        let ok = sound && r.latency.p99_ms <= a.p99_limit_ms && kept_up;
        eprintln!(
            "step {rate:.0}/s: {:.0} deliveries/s p99 {:.1} ms lost {} acked {} {}",
            r.deliveries_per_s,
            r.latency.p99_ms,
            r.lost,
            r.acked,
            if ok { "ok" } else { "FAIL" }
        );
        rep.note(format!(
            "step {:.0} msgs/s: {:.0} deliveries/s, p50 {:.1} ms, p99 {:.1} ms, lost {}, dup {}, acked {}/{} {}",
            rate,
            r.deliveries_per_s,
            r.latency.p50_ms,
            r.latency.p99_ms,
            r.lost,
            r.duplicates,
            r.acked,
            r.sent,
            if ok { "✓" } else { "✗" }
        ));
        steps.push(r.clone());
        if !ok {
            if sound && tries < a.retries {
                tries += 1;
                continue;
            }
            break;
        }
        tries = 0;
        passed += 1;
        best = Some(r);
        rate *= a.factor;
    }
    let _ = rig.stop.send(true);
    match &best {
        Some(b) => {
            rep.metric(
                "highest sustained deliveries/s",
                b.deliveries_per_s.round(),
                "deliveries/s",
            );
            rep.metric("at rate", b.rate.round(), "msgs/s");
            rep.latencies
                .push(("delivery at best step".into(), b.latency.clone()));
            cpu_metrics(&mut rep, b);
        }
        None => rep.note("no step passed"),
    }
    rep.metric("subscribers", a.subscribers as u64, "sessions");
    rep.params["steps"] = serde_json::to_value(&steps)?;
    rep.duration_s = started.elapsed().as_secs_f64();
    Ok(rep)
}

/// Identifies `n` sessions (token indices from `first`) into `channel`, drops
/// each TCP connection as soon as it is READY (no close frame: resumable),
/// then gives the server a moment to see the last ones go.
async fn drop_sessions(ctx: &Ctx, first: usize, n: usize, channel: Snowflake) -> Result<()> {
    ctx.need_tokens(first + n)?;
    let (handles, took) = ramp(
        ctx,
        first..first + n,
        Some(vec![channel]),
        "sessions to drop",
        |_, s, _| async move { drop(s) },
    )
    .await?;
    for h in handles {
        h.await??;
    }
    eprintln!(
        "{n} sessions identified and dropped in {:.1} s",
        took.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
}
