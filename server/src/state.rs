//! The shared application state: a cheap-clone handle over `Arc<Shared>`.

use crate::auth::Tokens;
use crate::bus::Bus;
use crate::chat::Chat;
use crate::config::Config;
use crate::gateway::session::Sessions;
use crate::hub::Hub;
use crate::presence::PresenceTable;
use crate::registry::Registry;
use crate::store::Store;
use arena_protocol::SnowflakeGenerator;
use std::ops::Deref;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Everything a handler needs. Each part is itself a handle or immutable.
pub struct Shared {
    pub cfg: Config,
    pub store: Store,
    pub registry: Registry,
    pub hub: Hub,
    pub bus: Arc<dyn Bus>,
    pub chat: Chat,
    pub presence: PresenceTable,
    pub tokens: Tokens,
    pub sessions: Sessions,
    pub ids: Arc<SnowflakeGenerator>,
    /// This node's name in HELLO and READY, e.g. `node-1`.
    pub node_name: String,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// Login attempts per (workspace, email): 30 a minute, burst 20 (argon2 makes
    /// each attempt costly; this keeps guessing slow and the CPU free).
    pub login_limiter: governor::DefaultKeyedRateLimiter<String>,
    /// IDENTIFYs doing database work at once (the pool size); the rest wait.
    pub identify_permits: tokio::sync::Semaphore,
    /// Prometheus registry handle for /metrics.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// Cheap-clone handle to [`Shared`].
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}
