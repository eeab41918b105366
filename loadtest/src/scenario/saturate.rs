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
    /// After the first failed step, this many more steps bisect (geometric
    /// midpoint) between the highest passing rate and the lowest failing
    /// one, so the figure's resolution is finer than `factor`: with 1.25
    /// and 2, a server is placed within ~6 % instead of 25 %. A step that
    /// lost frames or sessions ends the search (its subscribers may be gone).
    #[arg(long, default_value_t = 0)]
    pub refine: usize,
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
        "factor": a.factor, "step_s": a.step_s, "p99_limit_ms": a.p99_limit_ms, "dropped": a.dropped,
        "refine": a.refine});
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
    let mut best: Option<StepResult> = None;
    let mut steps = Vec::new();
    // Rising: multiply by `factor` after each pass; once a rate fails,
    // bisect between the best pass and the lowest failure `refine` times.
    let mut rate = a.start_rate;
    let mut failed_at: Option<f64> = None;
    let (mut passed, mut refined) = (0, 0);
    loop {
        let mut tries = 0;
        let (ok, sound, r) = loop {
            let r = step(ctx, &mut rig, rate, a.step_s, a.settle_s).await?;
            let (ok, sound) = judge(&a, rate, &r);
            note_step(&mut rep, rate, &r, ok);
            steps.push(r.clone());
            if ok || !sound || tries >= a.retries {
                break (ok, sound, r);
            }
            tries += 1;
        };
        if !sound {
            // Lost frames or closed sessions: the rig's subscribers may be
            // gone, so a lower rate would measure a broken rig. Stop here.
            break;
        }
        if ok {
            passed += 1;
            best = Some(r);
        } else {
            failed_at = Some(rate);
        }
        let lo = best.as_ref().map(|b| b.rate);
        match next_rate(&a, lo, failed_at, passed, refined) {
            Some(next) => rate = next,
            None => break,
        }
        if failed_at.is_some() {
            refined += 1;
        }
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

/// The next step's rate: `factor` above the best pass `lo` while nothing
/// failed (at most `max_steps` passes), then the geometric midpoint of `lo`
/// and the lowest failure `hi`, `refine` times; `None` when done (also when
/// the first step failed).
fn next_rate(
    a: &SaturateArgs,
    lo: Option<f64>,
    hi: Option<f64>,
    passed: usize,
    refined: usize,
) -> Option<f64> {
    match (lo, hi) {
        (Some(lo), None) if passed < a.max_steps => Some(lo * a.factor),
        (Some(lo), Some(hi)) if refined < a.refine => Some((lo * hi).sqrt()),
        _ => None,
    }
}

/// Whether step `r` at `rate` passed, and whether it was sound (no loss,
/// duplicate or closed session: only an unsound step is never rerun).
fn judge(a: &SaturateArgs, rate: f64, r: &StepResult) -> (bool, bool) {
    let kept_up = r.acked as f64 >= 0.95 * rate * a.step_s;
    let sound = r.lost == 0 && r.duplicates == 0 && r.sessions_ended == 0;
    (
        sound && r.latency.p99_ms <= a.p99_limit_ms && kept_up,
        sound,
    )
}

/// Logs one step to stderr and to the report's notes.
fn note_step(rep: &mut Report, rate: f64, r: &StepResult, ok: bool) {
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
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        a: SaturateArgs,
    }

    fn args(extra: &[&str]) -> SaturateArgs {
        let base = [
            "t",
            "--start-rate",
            "100",
            "--factor",
            "1.25",
            "--max-steps",
            "3",
        ];
        Cli::parse_from(base.iter().chain(extra)).a
    }

    #[test]
    fn rates_rise_by_factor_then_bisect_refine_times() {
        let a = args(&["--refine", "2"]);
        // Rising while every step passes, up to max_steps passes.
        assert_eq!(next_rate(&a, Some(100.0), None, 1, 0), Some(125.0));
        assert_eq!(next_rate(&a, Some(125.0), None, 3, 0), None);
        // 156.25 failed after 125 passed: bisect, then bisect the new bracket.
        let m = next_rate(&a, Some(125.0), Some(156.25), 2, 0).unwrap();
        assert!((m - (125.0f64 * 156.25).sqrt()).abs() < 1e-9 && m > 125.0 && m < 156.25);
        assert!(
            next_rate(&a, Some(m), Some(156.25), 3, 1).unwrap() > m,
            "passed: go up"
        );
        assert!(
            next_rate(&a, Some(125.0), Some(m), 2, 1).unwrap() < m,
            "failed: go down"
        );
        assert_eq!(
            next_rate(&a, Some(125.0), Some(m), 2, 2),
            None,
            "refine spent"
        );
    }

    #[test]
    fn no_pass_means_no_refinement_and_refine_zero_stops_at_the_first_failure() {
        assert_eq!(
            next_rate(&args(&["--refine", "2"]), None, Some(100.0), 0, 0),
            None
        );
        assert_eq!(next_rate(&args(&[]), Some(125.0), Some(156.25), 2, 0), None);
    }
}
