//! `fanout` and `saturate`: N subscribers in one channel, P publishers at a
//! total of R messages/s. Each delivery is checked by its marker
//! (`lt:<sent_ns>:<publisher>:<n>` in the content): latency from the
//! `message.create` send to the delivery, and a per-subscriber bitset of
//! (publisher, n) so losses and duplicates are exact. Publishers subscribe to
//! nothing, so deliveries = acknowledged messages × N.

use super::common::{probe, ramp, timed_phase, Ctx};
use crate::gw::{find_mark, parse_u64, response_error, Closed, Mark, Session};
use crate::report::{histogram, record_ns, Latency, Report};
use crate::sys::unix_nanos;
use crate::ws::opcode;
use anyhow::Result;
use arena_protocol::frame::op;
use arena_protocol::peek::{peek_op, peek_response_id, peek_t, response_ok};
use arena_protocol::Snowflake;
use clap::Args;
use hdrhistogram::Histogram;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

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
}

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
}

/// Counters of one subscriber, read by the coordinator.
#[derive(Debug)]
struct SubStats {
    unique: AtomicU64,
    dups: AtomicU64,
    /// Unix ns of the latest delivery.
    last_ns: AtomicU64,
    /// Delivery latency (µs) since the coordinator last took it.
    hist: Mutex<Histogram<u64>>,
    /// Why the session ended early, if it did.
    ended: Mutex<Option<String>>,
}

impl SubStats {
    fn new() -> Self {
        SubStats {
            unique: AtomicU64::new(0),
            dups: AtomicU64::new(0),
            last_ns: AtomicU64::new(0),
            hist: Mutex::new(histogram()),
            ended: Mutex::new(None),
        }
    }

    fn end(&self, why: String) {
        *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    fn take_hist(&self) -> Histogram<u64> {
        std::mem::replace(
            &mut *self.hist.lock().unwrap_or_else(|e| e.into_inner()),
            histogram(),
        )
    }
}

/// A growable bitset of seen message indexes (`n * publishers + publisher`).
#[derive(Debug, Default)]
pub struct Seen(Vec<u64>);

impl Seen {
    /// Marks `i`; false if it was already marked. Indexes past 2^31 are refused (counted as duplicates).
    pub fn insert(&mut self, i: u64) -> bool {
        if i >= 1 << 31 {
            return false;
        }
        let (w, b) = ((i / 64) as usize, i % 64);
        if w >= self.0.len() {
            self.0.resize((w + 1).next_power_of_two(), 0);
        }
        let fresh = self.0[w] & (1 << b) == 0;
        self.0[w] |= 1 << b;
        fresh
    }

    /// Whether `i` was marked.
    pub fn contains(&self, i: u64) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// One subscriber: reads every frame, checks MESSAGE_CREATE markers, heartbeats.
async fn subscriber(
    mut s: Session,
    st: Arc<SubStats>,
    publishers: u64,
    mut stop: watch::Receiver<bool>,
) {
    let enc = s.enc;
    let mut seen = Seen::default();
    let mut lat: Vec<u64> = Vec::with_capacity(256);
    let mut hb = tokio::time::interval_at(Instant::now() + s.heartbeat, s.heartbeat);
    hb.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            r = s.rd.fill() => match r {
                Ok(true) => {}
                Ok(false) => return st.end("connection closed by the server".into()),
                Err(e) => return st.end(format!("read error: {e:#}")),
            },
            _ = hb.tick() => {
                if let Err(e) = s.heartbeat(0).await {
                    return st.end(format!("heartbeat failed: {e:#}"));
                }
                continue;
            }
            _ = stop.changed() => {
                s.wr.close(1000).await;
                return;
            }
        }
        let now = unix_nanos();
        let (mut fresh, mut dup, mut ping) = (0u64, 0u64, false);
        loop {
            match s.rd.next_buffered() {
                Ok(Some(f)) => match f.opcode {
                    opcode::TEXT | opcode::BINARY
                        if peek_t(enc, f.payload) == Some(b"MESSAGE_CREATE".as_slice()) =>
                    {
                        if let Some(m) = find_mark(f.payload) {
                            if seen.insert(m.n * publishers + u64::from(m.publisher)) {
                                fresh += 1;
                                lat.push(now.saturating_sub(m.sent_ns));
                            } else {
                                dup += 1;
                            }
                        }
                    }
                    opcode::CLOSE => return st.end(Closed::of(&f).to_string()),
                    opcode::PING => ping = true,
                    _ => {}
                },
                Ok(None) => break,
                Err(e) => return st.end(format!("bad frame: {e:#}")),
            }
        }
        if ping && s.wr.send(opcode::PONG, b"").await.is_err() {
            return st.end("pong failed".into());
        }
        if fresh > 0 {
            st.unique.fetch_add(fresh, Ordering::Relaxed);
            st.last_ns.store(now, Ordering::Relaxed);
            let mut h = st.hist.lock().unwrap_or_else(|e| e.into_inner());
            for ns in lat.drain(..) {
                record_ns(&mut h, ns);
            }
        }
        if dup > 0 {
            st.dups.fetch_add(dup, Ordering::Relaxed);
        }
    }
}

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
struct Rig {
    subs: Vec<Arc<SubStats>>,
    pubs: Vec<Option<Session>>,
    next_n: Vec<u64>,
    channel: Snowflake,
    stop: watch::Sender<bool>,
    /// Content padding in bytes.
    pad: usize,
}

async fn setup(
    ctx: &Ctx,
    subscribers: usize,
    publishers: usize,
    stalled: usize,
) -> Result<(Rig, Duration)> {
    let publishers = publishers.max(1);
    ctx.need_tokens(publishers + subscribers + stalled)?;
    let p = probe(ctx, 0).await?;
    let (stop, stop_rx) = watch::channel(false);
    let stats: Vec<Arc<SubStats>> = (0..subscribers)
        .map(|_| Arc::new(SubStats::new()))
        .collect();
    let stats_for_run = Arc::new(stats.clone());
    let np = publishers as u64;
    let (_subs, ramp_time) = ramp(
        ctx,
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
        ramp(
            ctx,
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
    let (pubs, _) = ramp(
        ctx,
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
            pubs: sessions,
            next_n: vec![0; publishers],
            channel: p.channel_id,
            stop,
            pad: 0,
        },
        ramp_time,
    ))
}

async fn step(ctx: &Ctx, rig: &mut Rig, rate: f64, secs: f64, settle_s: f64) -> Result<StepResult> {
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
    for s in &rig.subs {
        s.take_hist();
    }
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
    let mut h = histogram();
    for s in &rig.subs {
        let _ = h.add(s.take_hist());
    }
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
fn cpu_metrics(rep: &mut Report, r: &StepResult) {
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

fn first_end_reason(rig: &Rig) -> Option<String> {
    rig.subs
        .iter()
        .find_map(|s| s.ended.lock().ok().and_then(|e| e.clone()))
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
    let params = json!({"subscribers": a.subscribers, "publishers": a.publishers, "rate": a.rate, "duration_s": a.duration_s});
    let mut rep = Report::new("fanout", ctx.args.target.as_str(), ctx.enc(), params);
    let started = Instant::now();
    let (mut rig, ramp_time) = setup(ctx, a.subscribers, a.publishers, a.stalled).await?;
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

/// Runs `saturate`: raises the rate until p99 exceeds the limit or anything is lost.
pub async fn run_saturate(ctx: &Ctx, a: SaturateArgs) -> Result<Report> {
    let mut a = a;
    if ctx.args.smoke {
        a.subscribers = a.subscribers.min(20);
        a.max_steps = a.max_steps.min(2);
        a.step_s = a.step_s.min(1.0);
    }
    let params = json!({"subscribers": a.subscribers, "publishers": a.publishers, "start_rate": a.start_rate,
        "factor": a.factor, "step_s": a.step_s, "p99_limit_ms": a.p99_limit_ms});
    let mut rep = Report::new("saturate", ctx.args.target.as_str(), ctx.enc(), params);
    let started = Instant::now();
    let (mut rig, _) = setup(ctx, a.subscribers, a.publishers, 0).await?;
    let mut rate = a.start_rate;
    let mut best: Option<StepResult> = None;
    let mut steps = Vec::new();
    for _ in 0..a.max_steps {
        let r = step(ctx, &mut rig, rate, a.step_s, a.settle_s).await?;
        let kept_up = r.acked as f64 >= 0.95 * rate * a.step_s;
        let ok = r.lost == 0
            && r.duplicates == 0
            && r.latency.p99_ms <= a.p99_limit_ms
            && kept_up
            && r.sessions_ended == 0;
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
            break;
        }
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
