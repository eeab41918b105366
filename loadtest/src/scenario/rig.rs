//! The rig `fanout` and `saturate` share: subscribers and publishers in one
//! channel, connected once (`setup`), and one measured publishing step at a
//! given rate (`step` → [`StepResult`]).

use super::common::{probe, ramp_on, timed_phase, Ctx};
use super::nodes::Placement;
use super::publisher::{publisher, PubStats};
use super::subscriber::{subscriber, Latencies, SubStats};
use crate::gw::Session;
use crate::report::{Latency, Report};
use crate::sys::unix_nanos;
use anyhow::Result;
use arena_protocol::Snowflake;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// The result of one publishing step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepResult {
    /// Offered messages/s.
    pub rate: f64,
    /// Requests sent.
    pub sent: u64,
    /// Requests answered ok.
    pub acked: u64,
    /// Requests refused, by error code.
    pub errors: HashMap<String, u64>,
    /// `acked` × subscribers.
    pub expected: u64,
    /// Distinct deliveries seen.
    pub delivered: u64,
    /// Deliveries seen more than once by the same subscriber.
    pub duplicates: u64,
    /// `expected - delivered` (negative when messages whose answer was not seen were delivered).
    pub lost: i64,
    /// Deliveries over the time from the first send to the last delivery.
    pub deliveries_per_s: f64,
    /// Send → delivery.
    pub latency: Latency,
    /// Send → RESPONSE.
    pub ack_latency: Latency,
    /// Subscribers that ended before the step did.
    pub sessions_ended: usize,
    /// Server CPU seconds used during the step (with `--server-pid`).
    pub server_cpu_s: Option<f64>,
    /// This load generator's CPU seconds during the step.
    pub client_cpu_s: Option<f64>,
}

/// Connected subscribers and publishers, reusable across steps.
pub(crate) struct Rig {
    pub(crate) subs: Vec<Arc<SubStats>>,
    /// Every subscriber's send → delivery latencies.
    pub(crate) latencies: Arc<Latencies>,
    pub(crate) pubs: Vec<Option<Session>>,
    pub(crate) next_n: Vec<u64>,
    pub(crate) channel: Snowflake,
    pub(crate) stop: watch::Sender<bool>,
    /// Content padding in bytes.
    pub(crate) pad: usize,
}

/// Connects the rig with every group spread over the nodes.
pub(crate) async fn setup(
    ctx: &Ctx,
    subscribers: usize,
    publishers: usize,
    stalled: usize,
) -> Result<(Rig, Duration)> {
    setup_on(
        ctx,
        subscribers,
        publishers,
        stalled,
        Placement::Spread,
        Placement::Spread,
    )
    .await
}

/// Connects the rig with the publishers placed by `pubs_on` and the
/// subscribers and stalled readers by `subs_on`: `Only(0)` and `Except(0)`
/// put every publisher on node A and every receiver on the other nodes.
pub(crate) async fn setup_on(
    ctx: &Ctx,
    subscribers: usize,
    publishers: usize,
    stalled: usize,
    pubs_on: Placement,
    subs_on: Placement,
) -> Result<(Rig, Duration)> {
    let publishers = publishers.max(1);
    ctx.need_tokens(publishers + subscribers + stalled)?;
    let p = probe(ctx, 0).await?;
    let (stop, stop_rx) = watch::channel(false);
    let latencies = Arc::new(Latencies::new());
    let stats: Vec<Arc<SubStats>> = (0..subscribers)
        .map(|i| Arc::new(SubStats::new(latencies.clone(), i)))
        .collect();
    let stats_for_run = Arc::new(stats.clone());
    let np = publishers as u64;
    let (_subs, ramp_time) = ramp_on(
        ctx,
        subs_on,
        publishers..publishers + subscribers,
        Some(vec![p.channel_id]),
        "subscribers",
        move |i, s, _| {
            let st = stats_for_run[i - publishers].clone();
            let stop = stop_rx.clone();
            async move { subscriber(s, st, np, stop).await }
        },
    )
    .await?;
    if stalled > 0 {
        let stop_rx = stop.subscribe();
        let first = publishers + subscribers;
        ramp_on(
            ctx,
            subs_on,
            first..first + stalled,
            Some(vec![p.channel_id]),
            "stalled readers",
            move |_, s, _| {
                let mut stop = stop_rx.clone();
                // Hold the socket and never read it.
                async move {
                    let _ = stop.changed().await;
                    drop(s);
                }
            },
        )
        .await?;
    }
    let (pubs, _) = ramp_on(
        ctx,
        pubs_on,
        0..publishers,
        Some(vec![]),
        "publishers",
        |_, s, _| async move { s },
    )
    .await?;
    let mut sessions = Vec::with_capacity(publishers);
    for h in pubs {
        sessions.push(Some(h.await??));
    }
    Ok((
        Rig {
            subs: stats,
            latencies,
            pubs: sessions,
            next_n: vec![0; publishers],
            channel: p.channel_id,
            stop,
            pad: 0,
        },
        ramp_time,
    ))
}

pub(crate) async fn step(
    ctx: &Ctx,
    rig: &mut Rig,
    rate: f64,
    secs: f64,
    settle_s: f64,
) -> Result<StepResult> {
    let before: u64 = rig
        .subs
        .iter()
        .map(|s| s.unique.load(Ordering::Relaxed))
        .sum();
    let dups_before: u64 = rig
        .subs
        .iter()
        .map(|s| s.dups.load(Ordering::Relaxed))
        .sum();
    rig.latencies.take();
    let st = Arc::new(PubStats::new());
    let cpu0 = (
        ctx.args.server_pid.and_then(crate::sys::cpu_seconds),
        crate::sys::cpu_seconds(0),
    );
    let per = rate / rig.pubs.len() as f64;
    let start_ns = unix_nanos();
    let mut tasks = Vec::new();
    for (i, slot) in rig.pubs.iter_mut().enumerate() {
        let Some(s) = slot.take() else { continue };
        tasks.push(tokio::spawn(publisher(
            s,
            i as u32,
            per,
            Duration::from_secs_f64(secs),
            Duration::from_secs_f64(settle_s),
            rig.channel,
            rig.next_n[i],
            rig.pad,
            Duration::from_secs_f64(i as f64 / rate.max(1e-9)),
            st.clone(),
        )));
    }
    let subs = rig.subs.clone();
    let n_subs = subs.len() as u64;
    let st2 = st.clone();
    timed_phase(ctx, secs, &format!("publishing {rate:.0}/s"), move || {
        let d: u64 = subs
            .iter()
            .map(|s| s.unique.load(Ordering::Relaxed))
            .sum::<u64>()
            - before;
        format!("acked {} delivered {}", st2.ok.load(Ordering::Relaxed), d)
    })
    .await;
    for (i, t) in tasks.into_iter().enumerate() {
        let (s, n) = t.await?;
        rig.pubs[i] = s;
        rig.next_n[i] = n;
    }
    let acked = st.ok.load(Ordering::Relaxed);
    let expected = acked * n_subs;
    // Wait for deliveries to arrive, stopping early when nothing moves for 3 s.
    let until = Instant::now() + Duration::from_secs_f64(settle_s);
    let (mut last, mut last_change) = (0, Instant::now());
    loop {
        let d: u64 = rig
            .subs
            .iter()
            .map(|s| s.unique.load(Ordering::Relaxed))
            .sum::<u64>()
            - before;
        if d >= expected
            || Instant::now() >= until
            || last_change.elapsed() > Duration::from_secs(3)
        {
            break;
        }
        if d != last {
            last = d;
            last_change = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered: u64 = rig
        .subs
        .iter()
        .map(|s| s.unique.load(Ordering::Relaxed))
        .sum::<u64>()
        - before;
    let duplicates: u64 = rig
        .subs
        .iter()
        .map(|s| s.dups.load(Ordering::Relaxed))
        .sum::<u64>()
        - dups_before;
    let last_ns = rig
        .subs
        .iter()
        .map(|s| s.last_ns.load(Ordering::Relaxed))
        .max()
        .unwrap_or(start_ns);
    let h = rig.latencies.take();
    let server_cpu_s = cpu0
        .0
        .zip(ctx.args.server_pid.and_then(crate::sys::cpu_seconds))
        .map(|(a, b)| b - a);
    let client_cpu_s = cpu0.1.zip(crate::sys::cpu_seconds(0)).map(|(a, b)| b - a);
    let ended = rig
        .subs
        .iter()
        .filter(|s| s.ended.lock().map(|e| e.is_some()).unwrap_or(true))
        .count();
    let window_s = (last_ns.saturating_sub(start_ns) as f64 / 1e9).max(secs);
    let errors = st.errors.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let ack = st.ack.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(StepResult {
        rate,
        sent: st.sent.load(Ordering::Relaxed),
        acked,
        errors,
        expected,
        delivered,
        duplicates,
        lost: expected as i64 - delivered as i64,
        deliveries_per_s: delivered as f64 / window_s,
        latency: Latency::of(&h),
        ack_latency: Latency::of(&ack),
        sessions_ended: ended,
        server_cpu_s,
        client_cpu_s,
    })
}

/// Server and client CPU per delivery, when measured.
pub(crate) fn cpu_metrics(rep: &mut Report, r: &StepResult) {
    if let Some(c) = r.server_cpu_s {
        rep.metric("server CPU", (c * 100.0).round() / 100.0, "s");
        if r.delivered > 0 {
            rep.metric(
                "server CPU per delivery",
                (c * 1e9 / r.delivered as f64).round(),
                "ns",
            );
        }
    }
    if let Some(c) = r.client_cpu_s {
        rep.metric("load client CPU", (c * 100.0).round() / 100.0, "s");
        if r.delivered > 0 {
            rep.metric(
                "load client CPU per delivery",
                (c * 1e9 / r.delivered as f64).round(),
                "ns",
            );
        }
    }
}

pub(crate) fn first_end_reason(rig: &Rig) -> Option<String> {
    rig.subs
        .iter()
        .find_map(|s| s.ended.lock().ok().and_then(|e| e.clone()))
}
