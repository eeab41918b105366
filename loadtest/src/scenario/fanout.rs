//! `fanout`: N subscribers in one channel, P publishers at a total of R
//! messages/s. Each delivery is checked by its marker
//! (`lt:<sent_ns>:<publisher>:<n>` in the content): latency from the
//! `message.create` send to the delivery, and a per-subscriber bitset of
//! (publisher, n) so losses and duplicates are exact. Publishers subscribe to
//! nothing, so deliveries = acknowledged messages × N. The subscribers,
//! publishers and the measured step are in [`super::rig`].
//!
//! With `--nodes`, sessions are spread over the nodes round robin; with
//! `--cross-node` too, every publisher is on the first node and every
//! subscriber on the others, so each delivery takes the cross-node path
//! (commit and publish on node A, Redis, fan-out on node B). The same run
//! without `--cross-node` against one node is its single-node baseline.

use super::common::Ctx;
use super::nodes::Placement;
use super::rig::{cpu_metrics, first_end_reason, setup_on, step};
use crate::report::Report;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Options of `fanout`.
#[derive(Debug, Clone, Args)]
pub struct FanoutArgs {
    /// Subscribed sessions in the channel.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Publishing sessions (the rate is split between them).
    #[arg(long, default_value_t = 4)]
    pub publishers: usize,
    /// Total messages per second over all publishers.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Publishing time in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub duration_s: f64,
    /// Longest wait for outstanding deliveries after publishing stops, in seconds.
    #[arg(long, default_value_t = 15.0)]
    pub settle_s: f64,
    /// Extra sessions in the channel that never read after READY (slow consumers);
    /// the report shows the server's RSS growth while they stall.
    #[arg(long, default_value_t = 0)]
    pub stalled: usize,
    /// Pad each message's content to about this many bytes.
    #[arg(long, default_value_t = 0)]
    pub content_bytes: usize,
    /// Publishers on the first of `--nodes`, subscribers (and stalled readers)
    /// on the others: every delivery crosses nodes. Needs at least 2 nodes.
    #[arg(long)]
    pub cross_node: bool,
}

/// Runs `fanout` and writes its report.
pub async fn run_fanout(ctx: &Ctx, a: FanoutArgs) -> Result<Report> {
    let mut a = a;
    if ctx.args.smoke {
        // Polite enough for a server with default per-session frame budgets.
        a.subscribers = a.subscribers.min(20);
        a.publishers = a.publishers.clamp(2, 2);
        a.rate = a.rate.min(10.0);
        a.duration_s = a.duration_s.min(2.0);
        a.settle_s = a.settle_s.min(5.0);
    }
    let nodes = ctx.nodes.len();
    if a.cross_node && nodes < 2 {
        anyhow::bail!("--cross-node needs --nodes with at least 2 nodes (has {nodes})");
    }
    let mut params = json!({"subscribers": a.subscribers, "publishers": a.publishers, "rate": a.rate, "duration_s": a.duration_s});
    if nodes > 1 || a.cross_node {
        params["nodes"] = json!(nodes);
        params["cross_node"] = json!(a.cross_node);
    }
    let mut rep = Report::new("fanout", ctx.args.target.as_str(), ctx.enc(), params);
    let started = Instant::now();
    let (pubs_on, subs_on) = if a.cross_node {
        (Placement::Only(0), Placement::Except(0))
    } else {
        (Placement::Spread, Placement::Spread)
    };
    let (mut rig, ramp_time) = setup_on(
        ctx,
        a.subscribers,
        a.publishers,
        a.stalled,
        pubs_on,
        subs_on,
    )
    .await?;
    rig.pad = a.content_bytes;
    let pid = ctx.args.server_pid;
    let rss0 = pid.and_then(|p| crate::sys::rss_kib(p).ok());
    let peak = Arc::new(AtomicU64::new(rss0.unwrap_or(0)));
    let sampler = pid.map(|p| {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                if let Ok(k) = crate::sys::rss_kib(p) {
                    peak.fetch_max(k, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let r = step(ctx, &mut rig, a.rate, a.duration_s, a.settle_s).await?;
    if let Some(h) = sampler {
        h.abort();
    }
    if let Some(r0) = rss0 {
        rep.metric("server RSS before publishing", r0, "KiB");
        rep.metric(
            "server RSS peak while publishing",
            peak.load(Ordering::Relaxed),
            "KiB",
        );
        rep.metric(
            "server RSS growth (peak)",
            (peak.load(Ordering::Relaxed).saturating_sub(r0) as f64 / 1024.0 * 10.0).round() / 10.0,
            "MiB",
        );
    }
    if a.stalled > 0 {
        rep.metric("stalled readers", a.stalled as u64, "sessions");
    }
    let _ = rig.stop.send(true);
    if nodes > 1 {
        rep.metric("nodes", nodes as u64, "nodes");
        let names: Vec<String> = ctx.nodes.iter().map(|t| t.addr.to_string()).collect();
        rep.note(if a.cross_node {
            format!(
                "cross-node: publishers on {}, subscribers on {}",
                names[0],
                names[1..].join(", ")
            )
        } else {
            format!("sessions spread round robin over {}", names.join(", "))
        });
    }
    rep.metric("subscribers", a.subscribers as u64, "sessions");
    rep.metric("subscribe ramp", ramp_time.as_secs_f64(), "s");
    rep.metric("offered rate", a.rate, "msgs/s");
    rep.metric("acked", r.acked, "msgs");
    rep.metric("deliveries", r.delivered, "frames");
    rep.metric("expected deliveries", r.expected, "frames");
    rep.metric("lost", r.lost, "frames");
    rep.metric("duplicates", r.duplicates, "frames");
    rep.metric("deliveries/s", r.deliveries_per_s.round(), "deliveries/s");
    rep.metric("sessions ended early", r.sessions_ended as u64, "sessions");
    cpu_metrics(&mut rep, &r);
    for (code, n) in &r.errors {
        rep.metric(&format!("request errors: {code}"), *n, "requests");
    }
    rep.latencies
        .push(("delivery (send → delivery)".into(), r.latency.clone()));
    rep.latencies
        .push(("ack (send → RESPONSE)".into(), r.ack_latency.clone()));
    if r.lost != 0 || r.duplicates != 0 {
        rep.note(format!(
            "LOSS: {} lost, {} duplicates",
            r.lost, r.duplicates
        ));
    } else {
        rep.note("zero loss, zero duplicates");
    }
    if let Some(why) = first_end_reason(&rig) {
        rep.note(format!("a subscriber ended early: {why}"));
    }
    rep.duration_s = started.elapsed().as_secs_f64();
    // The smoke run asserts correctness only (no timing): something acked, nothing lost or doubled.
    if ctx.args.smoke && (r.acked == 0 || r.lost != 0 || r.duplicates != 0 || r.sessions_ended != 0)
    {
        print!("{}", rep.markdown());
        anyhow::bail!(
            "smoke fanout failed: acked {}, lost {}, duplicates {}, sessions ended {}",
            r.acked,
            r.lost,
            r.duplicates,
            r.sessions_ended
        );
    }
    Ok(rep)
}
