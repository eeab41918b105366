//! The shared application state: a cheap-clone handle over `Arc<Shared>`,
//! built once by [`crate::build`]. It is the registry of the parts; it
//! imports none of the gateway (the gateway and the HTTP API import it).

use crate::auth::Tokens;
use crate::bus::Bus;
use crate::chat::Chat;
use crate::config::Config;
use crate::domains::Domains;
use crate::hub::Hub;
use crate::presence::PresenceTable;
use crate::publish::Publisher;
use crate::registry::Registry;
use crate::session::SessionTable;
use crate::store::Store;
use arena_protocol::SnowflakeGenerator;
use std::ops::Deref;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Everything a handler needs. Each part is itself a handle or immutable.
pub struct Shared {
    pub cfg: Config,
    pub store: Store,
    pub registry: Registry,
    pub hub: Hub,
    pub bus: Arc<dyn Bus>,
    /// Committed events to the bus and the domain subscription.
    pub publisher: Publisher,
    pub chat: Chat,
    /// The feature-domain actors (panels).
    pub domains: Domains,
    pub presence: PresenceTable,
    /// This node's place in the cluster (with `redis_url`): the
    /// cluster-wide session cap ([`crate::cluster::sessions`]).
    pub cluster: Option<crate::cluster::Cluster>,
    /// The bytes of uploaded files.
    pub files: crate::files::FileStore,
    pub tokens: Tokens,
    pub sessions: SessionTable,
    pub ids: Arc<SnowflakeGenerator>,
    /// This node's name in HELLO and READY, e.g. `node-1`.
    pub node_name: String,
    /// Cancelled when the server shuts down: stop accepting, drain sessions.
    pub shutdown: CancellationToken,
    /// Cancelled once serving has drained: committers, domain actors and the
    /// webhook dispatcher finish what they hold and stop.
    pub stop: CancellationToken,
    /// Every task the server spawns (committers, actors, writers, requests,
    /// the reaper): shutdown waits for them, with a deadline.
    pub tasks: TaskTracker,
    /// Login attempts per (workspace, email): 30 a minute, burst 20 (argon2 makes
    /// each attempt costly; this keeps guessing slow and the CPU free).
    pub login_limiter: governor::DefaultKeyedRateLimiter<String>,
    /// Login attempts per client address ([`crate::client_ip`]): 120 a minute,
    /// burst 60, so one address cannot guess across many accounts.
    pub login_ip_limiter: governor::DefaultKeyedRateLimiter<std::net::IpAddr>,
    /// Login attempts on this node in all: 1,200 a minute, burst 200 (a
    /// distributed guess cannot take every core).
    pub login_global_limiter: governor::DefaultDirectRateLimiter,
    /// Password verifications (argon2, ~19 MiB and tens of ms each) running at
    /// once: one per core; the rest wait their turn.
    pub login_work: tokio::sync::Semaphore,
    /// Posts per incoming webhook: 30 a minute, burst 10 (Discord's figure).
    pub webhook_limiter: crate::integrations::incoming::WebhookLimiter,
    /// IDENTIFYs past token verification at once; the rest wait (a
    /// reconnect storm queues here). Enough to fill the loader's batches.
    pub identify_permits: tokio::sync::Semaphore,
    /// IDENTIFY's batched Postgres reads ([`crate::gateway::loader`]).
    pub loader: crate::gateway::loader::Loader,
    /// Invite and password-reset mail: a bounded queue to the mail worker.
    pub mail: crate::mail::Mailer,
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
