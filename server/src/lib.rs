//! Arena: a real-time workspace server for partner programs.
//!
//! Parts (ARCHITECTURE.md):
//! - [`gateway`]: WebSocket sessions (HELLO, IDENTIFY, RESUME, heartbeats, requests).
//! - [`hub`]: channel → local subscribers, encode-once fan-out into bounded queues.
//! - [`bus`]: carries committed events to every node's hub.
//! - [`chat`]: messaging rules and group commit, shared by gateway and HTTP.
//! - [`presence`]: who is online, per tenant.
//! - [`domains`]: feature-domain actors that own panels and push PANEL_UPDATE.
//! - [`registry`]: `channels.toml`, permissions, the per-tenant channel table.
//! - [`store`]: Postgres (sqlx); all SQL lives there.
//! - [`http`]: the REST API, health, metrics and the web client.
//! - [`auth`]: JWT, argon2, opaque tokens. [`seed`]: the demo workspace.
//!
//! [`run`] serves on a listener until the shutdown token is cancelled.

pub mod auth;
pub mod bus;
pub mod chat;
pub mod config;
pub mod domains;
pub mod error;
pub mod gateway;
pub mod http;
pub mod hub;
pub mod presence;
pub mod registry;
pub mod seed;
pub mod state;
pub mod store;

use crate::bus::{Bus, LocalBus};
use crate::chat::{Chat, Limits};
use crate::config::Config;
use crate::hub::Hub;
use crate::registry::{Registry, RegistryFile};
use crate::state::{AppState, Shared};
use crate::store::Store;
use arena_protocol::{ServerFrame, SnowflakeGenerator};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Sessions on a node that get PRESENCE_UPDATE broadcasts; above, clients poll `presence.list`.
pub const PRESENCE_FANOUT_LIMIT: usize = 2500;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Registry(#[from] registry::RegistryError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
}

/// Connects the parts: loads and syncs the registry into every tenant, starts
/// the committer, and returns the state. `metrics` is the Prometheus handle, if installed.
pub async fn build(
    cfg: Config,
    shutdown: CancellationToken,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> Result<AppState, StartError> {
    let file = RegistryFile::load(&cfg.channels)?;
    let store = Store::connect(&cfg.database_url, cfg.database_pool).await?;
    store.migrate().await?;
    let ids = Arc::new(SnowflakeGenerator::new(cfg.node_id));
    let registry = Registry::default();
    for t in store.fetch_tenants().await? {
        registry.sync_tenant(&store, &ids, t.id, &file).await?;
    }
    let hub = Hub::default();
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::new(hub.clone(), registry.clone()));
    let chat = Chat::new(
        store.clone(),
        registry.clone(),
        Arc::clone(&bus),
        Arc::clone(&ids),
        Limits {
            max_content_chars: cfg.max_content_chars,
            messages_per_second: cfg.messages_per_second,
        },
        cfg.commit_batch,
    );
    let presence =
        presence::PresenceTable::new(hub.clone(), Arc::clone(&bus), PRESENCE_FANOUT_LIMIT);
    let tokens = auth::Tokens::new(&cfg.jwt_secret, cfg.access_ttl_s);
    let node_name = format!("node-{}", cfg.node_id);
    let pool = cfg.database_pool.max(1);
    Ok(AppState(Arc::new(Shared {
        cfg,
        store,
        registry,
        hub,
        bus,
        chat,
        presence,
        tokens,
        sessions: Default::default(),
        ids,
        node_name,
        shutdown,
        login_limiter: governor::RateLimiter::keyed(
            governor::Quota::per_minute(
                std::num::NonZeroU32::new(30).unwrap_or(std::num::NonZeroU32::MIN),
            )
            .allow_burst(std::num::NonZeroU32::new(20).unwrap_or(std::num::NonZeroU32::MIN)),
        ),
        identify_permits: tokio::sync::Semaphore::new(pool as usize),
        metrics,
    })))
}

/// Serves `state` on `listener` until `state.shutdown` is cancelled; then asks
/// every session to RECONNECT (op 7) and stops.
pub async fn run(listener: TcpListener, state: AppState) -> Result<(), StartError> {
    let reaper = tokio::spawn(reap(state.clone()));
    let app = http::router(state.clone());
    let shutdown = state.shutdown.clone();
    let drain = state.clone();
    // Frames are small and latency-bound; writes are already batched per flush,
    // so Nagle's algorithm only adds delay (with delayed ACKs, up to 40 ms).
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.cancelled().await;
            reconnect_all(&drain);
        })
        .await?;
    reaper.abort();
    Ok(())
}

/// Sends RECONNECT to every live session and closes them (drain on shutdown).
fn reconnect_all(state: &AppState) {
    for s in state.sessions.all() {
        if let Ok(b) = ServerFrame::Reconnect.encode(s.outbox.encoding) {
            s.outbox.push(hub::Outbound::Frame(b.into()));
        }
        s.outbox.close(arena_protocol::CloseCode::UnknownError);
    }
}

/// Ends sessions whose resume window has passed.
async fn reap(state: AppState) {
    let window = Duration::from_secs(state.cfg.resume_window_s);
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        for s in state.sessions.expired(window) {
            gateway::handshake::terminate(&state, &s);
        }
    }
}
