//! What every scenario shares: the command-line options common to all, the
//! run context (target, tokens, channel), session ramps with bounded
//! concurrency, and progress bars.

use super::nodes::{parse_nodes, Placement};
use crate::gw::{Closed, Session, Target};
use crate::sys::{self, SourceAddrs};
use anyhow::{bail, Context, Result};
use arena_protocol::model::ChannelKind;
use arena_protocol::{CloseCode, Encoding, Snowflake};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Which server a run drives; both speak the same envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetKind {
    /// The Arena server (`arena serve`): needs `--tokens`.
    Arena,
    /// `arena-loadtest reference`: any token is accepted.
    Reference,
}

impl TargetKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Arena => "arena",
            TargetKind::Reference => "reference",
        }
    }
}

/// Options every scenario takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Base WebSocket URL of the server (loopback only), e.g. ws://127.0.0.1:8080.
    #[arg(long, default_value = "ws://127.0.0.1:8080")]
    pub url: String,
    /// Gateway nodes to spread the sessions over, round robin by session index
    /// (instead of `--url`): a count N = the N ports after `--url`'s (the layout
    /// of `scripts/up --nodes N`: `--url ws://127.0.0.1:8080 --nodes 2` is 8081
    /// and 8082), or a comma-separated list of loopback `host:port`.
    #[arg(long)]
    pub nodes: Option<String>,
    /// Which server this is (for tokens and the report name).
    #[arg(long, value_enum, default_value = "arena")]
    pub target: TargetKind,
    /// Wire encoding: json or msgpack.
    #[arg(long, default_value = "msgpack")]
    pub encoding: String,
    /// File of tokens, one per line (`user_id<TAB>jwt` or just the jwt), as printed by
    /// `arena token --tenant load --all`. Each session uses its own line. Required for arena.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Key of the channel the scenario uses.
    #[arg(long, default_value = "general-chat")]
    pub channel_key: String,
    /// PID of the server process, for resident-memory measurements.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Directory for the JSON and Markdown results.
    #[arg(long, default_value = "loadtest-results")]
    pub out: PathBuf,
    /// A few-second run that only checks the tool and the server work (no timing assertions).
    #[arg(long)]
    pub smoke: bool,
    /// Number of loopback source addresses (127.0.0.2 …) client sockets are spread over.
    #[arg(long, default_value_t = 16)]
    pub source_addrs: usize,
    /// Sessions connecting at once during ramps.
    #[arg(long, default_value_t = 256)]
    pub connect_concurrency: usize,
    /// Name of the result files and report heading (default: the scenario's name).
    #[arg(long)]
    pub label: Option<String>,
    /// Hard limit on the whole run, in seconds; the run fails past it.
    #[arg(long, default_value_t = 600)]
    pub max_seconds: u64,
}

/// The resolved context of one run.
#[derive(Debug)]
pub struct Ctx {
    /// The options as given.
    pub args: CommonArgs,
    /// Where sessions connect: the first node (or `--url` without `--nodes`);
    /// the probe session and single-node paths use it.
    pub target: Arc<Target>,
    /// Every node sessions are spread over (`--nodes`), in order; `[target]` without it.
    pub nodes: Arc<Vec<Arc<Target>>>,
    /// One token per session index (empty for the reference server).
    pub tokens: Vec<String>,
    /// For the reference server: session i is member `i mod K` (its token
    /// `reference-{i mod K}`); `None`: one member per session.
    pub reference_users: Option<usize>,
}

impl Ctx {
    /// Parses the URL and encoding, loads tokens, raises the open-file limit.
    pub fn new(args: CommonArgs) -> Result<Ctx> {
        let (addr, host) = sys::parse_ws_url(&args.url)?;
        let encoding = Encoding::parse(&args.encoding)
            .with_context(|| format!("encoding {:?}", args.encoding))?;
        let tokens = match (&args.tokens, args.target) {
            (Some(p), _) => std::fs::read_to_string(p)
                .with_context(|| format!("read {}", p.display()))?
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.rsplit('\t').next().unwrap_or(l).trim().to_owned())
                .collect(),
            (None, TargetKind::Reference) => Vec::new(),
            (None, TargetKind::Arena) => {
                bail!("--tokens is required for --target arena (arena token --all)")
            }
        };
        let nofile = sys::raise_nofile();
        let addrs = match &args.nodes {
            Some(spec) => parse_nodes(spec, addr)?,
            None => vec![(addr, host)],
        };
        let names: Vec<String> = addrs.iter().map(|(a, _)| a.to_string()).collect();
        eprintln!(
            "open-file limit {nofile}; target {} {} ({} node{}: {})",
            args.target.as_str(),
            args.url,
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
        let nodes: Vec<Arc<Target>> = addrs
            .into_iter()
            .map(|(addr, host)| {
                Arc::new(Target {
                    addr,
                    host,
                    encoding,
                    sources: SourceAddrs::new(args.source_addrs),
                })
            })
            .collect();
        Ok(Ctx {
            args,
            target: nodes[0].clone(),
            nodes: Arc::new(nodes),
            tokens,
            reference_users: None,
        })
    }

    /// The token of session `i`. Errors when the file has fewer lines than sessions.
    pub fn token(&self, i: usize) -> Result<String> {
        match self.args.target {
            TargetKind::Reference => Ok(format!(
                "reference-{}",
                self.reference_users.map_or(i, |k| i % k.max(1))
            )),
            TargetKind::Arena => self.tokens.get(i).cloned().with_context(|| {
                format!(
                    "session {i} needs token line {}, the file has {}",
                    i + 1,
                    self.tokens.len()
                )
            }),
        }
    }

    /// Checks there are tokens for `n` sessions before any connects.
    pub fn need_tokens(&self, n: usize) -> Result<()> {
        if self.args.target == TargetKind::Arena && self.tokens.len() < n {
            bail!(
                "this run needs {n} tokens, --tokens has {} (seed more users: arena seed-load --users {n})",
                self.tokens.len()
            );
        }
        Ok(())
    }

    /// The node session `i` of a group placed by `placement` connects to.
    pub fn node_for(&self, placement: Placement, i: usize) -> Arc<Target> {
        self.nodes[placement.node(i, self.nodes.len())].clone()
    }

    /// The encoding name for reports.
    pub fn enc(&self) -> &'static str {
        self.target.encoding.as_str()
    }

    /// Progress bar for `len` steps (hidden when stderr is not a terminal).
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        let pb = ProgressBar::new(len);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg:<28} [{bar:30}] {pos}/{len} {per_sec} eta {eta}",
        ) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(what.to_owned());
        pb
    }
}

/// What a probe session learned from READY.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The channel named by `--channel-key`.
    pub channel_id: Snowflake,
    /// That channel's log position at READY.
    pub channel_last_seq: u64,
    /// Chat channels the probing user may post in (for `persist`).
    pub postable: Vec<Snowflake>,
}

/// Identifies once with token `i` and no channel filter to learn channel ids.
pub async fn probe(ctx: &Ctx, token_index: usize) -> Result<Probe> {
    let mut s = Session::open(&ctx.target).await.context("probe connect")?;
    let ready = s
        .identify(&ctx.token(token_index)?, None, false)
        .await
        .context("probe identify")?;
    let ch = ready
        .channels
        .iter()
        .find(|c| c.key == ctx.args.channel_key)
        .with_context(|| format!("no channel {:?} in READY", ctx.args.channel_key))?;
    if !ch.can_post {
        bail!("the load user may not post in {:?}", ch.key);
    }
    let postable = ready
        .channels
        .iter()
        .filter(|c| c.can_post && c.kind == ChannelKind::Chat && !c.locked && c.slow_mode_s == 0)
        .map(|c| c.id)
        .collect();
    let p = Probe {
        channel_id: ch.id,
        channel_last_seq: ch.last_seq,
        postable,
    };
    s.wr.close(1000).await;
    Ok(p)
}

/// Opens and identifies sessions `range` with at most `--connect-concurrency`
/// in flight and runs `run(i, session, session_id)` for each as soon as it is
/// READY (so it reads from the start). Returns when every session is READY:
/// the handles of the running sessions in index order and the ramp time.
/// Sessions are spread over `--nodes` round robin ([`Placement::Spread`]).
/// Errors: the first session that fails to connect or identify, with its index
/// (the sessions already running are aborted).
pub async fn ramp<T, F, Fut>(
    ctx: &Ctx,
    range: std::ops::Range<usize>,
    channels: Option<Vec<Snowflake>>,
    what: &str,
    run: F,
) -> Result<(Vec<tokio::task::JoinHandle<Result<T>>>, Duration)>
where
    T: Send + 'static,
    F: Fn(usize, Session, String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    ramp_on(ctx, Placement::Spread, range, channels, what, run).await
}

/// [`ramp`] with the sessions placed on the nodes by `placement`.
pub async fn ramp_on<T, F, Fut>(
    ctx: &Ctx,
    placement: Placement,
    range: std::ops::Range<usize>,
    channels: Option<Vec<Snowflake>>,
    what: &str,
    run: F,
) -> Result<(Vec<tokio::task::JoinHandle<Result<T>>>, Duration)>
where
    T: Send + 'static,
    F: Fn(usize, Session, String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let pb = ctx.bar(range.len() as u64, what);
    let sem = Arc::new(tokio::sync::Semaphore::new(
        ctx.args.connect_concurrency.max(1),
    ));
    let run = Arc::new(run);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<Result<()>>(range.len().max(1));
    let started = tokio::time::Instant::now();
    let mut handles = Vec::with_capacity(range.len());
    for i in range.clone() {
        let permit = sem.clone().acquire_owned().await?;
        let target = ctx.node_for(placement, i);
        let token = ctx.token(i)?;
        let channels = channels.clone();
        let run = run.clone();
        let ready_tx = ready_tx.clone();
        handles.push(tokio::spawn(async move {
            let opened = open_identified(&target, &token, channels, i).await;
            drop(permit);
            match opened {
                Ok((s, session_id)) => {
                    let _ = ready_tx.send(Ok(())).await;
                    Ok(run(i, s, session_id).await)
                }
                Err(e) => {
                    let msg = format!("{e:#}");
                    let _ = ready_tx.send(Err(e)).await;
                    Err(anyhow::anyhow!(msg))
                }
            }
        }));
        while let Ok(r) = ready_rx.try_recv() {
            if let Err(e) = r {
                handles.iter().for_each(|h| h.abort());
                return Err(e);
            }
            pb.inc(1);
        }
    }
    drop(ready_tx);
    while pb.position() < range.len() as u64 {
        match ready_rx.recv().await {
            Some(Ok(())) => pb.inc(1),
            Some(Err(e)) => {
                handles.iter().for_each(|h| h.abort());
                return Err(e);
            }
            None => break,
        }
    }
    pb.finish_and_clear();
    Ok((handles, started.elapsed()))
}

/// IDENTIFYs that the server closed with 4000 and that were retried, over the whole run.
pub static IDENTIFY_RETRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Connects and identifies, retrying (up to 5 attempts, growing backoff) when the
/// handshake fails or the server closes with 4000 (unknown error: "reconnect",
/// PROTOCOL.md §5). Other close codes (e.g. 4004) fail at once.
pub async fn open_identified(
    target: &Target,
    token: &str,
    channels: Option<Vec<Snowflake>>,
    i: usize,
) -> Result<(Session, String)> {
    let mut last = None;
    for attempt in 0..5u64 {
        match Session::open(target).await {
            Ok(mut s) => match s.identify(token, channels.clone(), false).await {
                Ok(ready) => return Ok((s, ready.session_id)),
                Err(e) if Closed::is(&e, CloseCode::UnknownError) => {
                    IDENTIFY_RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    last = Some(e.context(format!("session {i}: identify")));
                }
                Err(e) => return Err(e.context(format!("session {i}: identify"))),
            },
            Err(e) => last = Some(e.context(format!("session {i}: connect"))),
        }
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1) * (attempt + 1))).await;
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("session {i}: no attempt")))
}

/// A ticking progress display for a timed phase of `secs` seconds; `status`
/// supplies the message. Returns when the time is up.
pub async fn timed_phase(ctx: &Ctx, secs: f64, what: &str, status: impl Fn() -> String) {
    let pb = ctx.bar((secs * 10.0).ceil() as u64, what);
    let end = tokio::time::Instant::now() + Duration::from_secs_f64(secs);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while tokio::time::Instant::now() < end {
        tick.tick().await;
        pb.set_position(
            ((secs
                - end
                    .saturating_duration_since(tokio::time::Instant::now())
                    .as_secs_f64())
                * 10.0) as u64,
        );
        pb.set_message(format!("{what}: {}", status()));
    }
    pb.finish_and_clear();
}
