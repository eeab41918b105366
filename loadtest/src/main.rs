//! `arena-loadtest`: one subcommand per scenario plus `reference`, the minimal
//! server every scenario can also target. See docs/benchmarks.md.

use anyhow::Result;
use arena_loadtest::report::Report;
use arena_loadtest::scenario::common::{CommonArgs, Ctx};
use arena_loadtest::scenario::{fanout, persist, saturate, sessions, storm};
use arena_protocol::CloseCode;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "arena-loadtest",
    about = "Load generator and benchmarks for the Arena gateway (loopback only)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// N identified idle sessions: server RSS per session, connect rate, and again after a minute of heartbeats.
    Sessions {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: sessions::SessionsArgs,
    },
    /// N subscribers, P publishers at R msgs/s: deliveries/s, latency, zero loss.
    Fanout {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: fanout::FanoutArgs,
    },
    /// Raises the rate until p99 > limit or any loss: the highest sustained deliveries/s.
    Saturate {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: saturate::SaturateArgs,
    },
    /// Many sessions sending message.create at once across many channels: committed/s, ack latency.
    Persist {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: persist::PersistArgs,
    },
    /// N sessions drop at once and RESUME: time until all resumed, lost events.
    Storm {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: storm::StormArgs,
    },
    /// Runs the minimal reference server (same envelope, no auth, no persistence).
    Reference {
        /// Listen address (loopback only).
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: SocketAddr,
        /// Runtime worker threads (0 = one per core).
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// Placeholder channels added to READY (50 ≈ the size of Arena's READY for its workspace).
        #[arg(long, default_value_t = 0)]
        ready_padding: usize,
        /// tungstenite's write buffer target per connection, in bytes.
        #[arg(long, default_value_t = 8192)]
        write_buffer: usize,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Cmd::Reference { workers, .. } = &cli.cmd {
        if *workers > 0 {
            rt.worker_threads(*workers);
        }
    }
    let rt = rt.build()?;
    rt.block_on(run(cli.cmd))
}

async fn run(cmd: Cmd) -> Result<()> {
    let (common, fut): (
        CommonArgs,
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Report>>>>,
    ) = match cmd {
        Cmd::Reference {
            addr,
            ready_padding,
            write_buffer,
            ..
        } => return arena_loadtest::reference::serve(addr, ready_padding, write_buffer).await,
        Cmd::Sessions { common, args } => {
            let ctx = Ctx::new(common.clone())?;
            (
                common,
                Box::pin(async move { sessions::run(&ctx, args).await }),
            )
        }
        Cmd::Fanout { common, args } => {
            let ctx = Ctx::new(common.clone())?;
            (
                common,
                Box::pin(async move { fanout::run_fanout(&ctx, args).await }),
            )
        }
        Cmd::Saturate { common, args } => {
            let ctx = Ctx::new(common.clone())?;
            (
                common,
                Box::pin(async move { saturate::run(&ctx, args).await }),
            )
        }
        Cmd::Persist { common, args } => {
            let ctx = Ctx::new(common.clone())?;
            (
                common,
                Box::pin(async move { persist::run(&ctx, args).await }),
            )
        }
        Cmd::Storm { common, args } => {
            let ctx = Ctx::new(common.clone())?;
            (
                common,
                Box::pin(async move { storm::run(&ctx, args).await }),
            )
        }
    };
    let report = tokio::time::timeout(Duration::from_secs(common.max_seconds), fut)
        .await
        .map_err(|_| anyhow::anyhow!("the run exceeded --max-seconds {}", common.max_seconds))??;
    let mut report = report;
    let retries = arena_loadtest::scenario::common::IDENTIFY_RETRIES
        .load(std::sync::atomic::Ordering::Relaxed);
    if retries > 0 {
        let code = CloseCode::UnknownError;
        report.metric(
            &format!("IDENTIFY closed with {} and retried", code.code()),
            retries,
            "sessions",
        );
        report.note(format!(
            "{retries} IDENTIFYs were closed with {} ({}) and retried",
            code.code(),
            code.reason()
        ));
    }
    if let Some(label) = &common.label {
        report.label = label.clone();
    }
    report.write(&common.out)?;
    Ok(())
}
