//! Arena: a real-time workspace server for partner programs.
//!
//! Parts (docs/architecture.md has the module map and the walk of one message):
//! - [`gateway`]: WebSocket connections (HELLO, IDENTIFY, RESUME, heartbeats,
//!   requests) and a session's life; [`session`]: a session's sequencing and replay.
//! - [`chat`]: messaging rules, moderation and group commit, shared by gateway and HTTP.
//! - [`publish`]: committed events to the bus and the domain subscription.
//! - [`bus`]: carries events between nodes; [`delivery`]: who on this node
//!   gets which variant; [`hub`]: channel → local subscribers, encode-once fan-out.
//! - [`presence`]: who is online, per tenant (with Redis, across the cluster).
//! - [`cluster`]: this node's id claimed in Redis, and its heartbeat.
//! - [`domains`]: feature-domain actors that own panels and push PANEL_UPDATE.
//! - [`registry`]: `channels.toml`, permissions, the per-tenant channel table.
//! - [`store`]: Postgres (sqlx); all SQL lives there. [`ids`]: typed ids.
//! - [`http`]: the REST API, health, metrics and the web client.
//! - [`outgoing`]: outgoing webhooks (outbox dispatcher, Standard Webhooks signatures).
//! - [`mail`]: invite and password-reset mail (SMTP, a bounded queue to one worker).
//! - [`auth`]: JWT, argon2, bot tokens, opaque tokens. [`seed`]: the demo workspace.
//! - [`integrations`]: other tools' formats (Discord/Slack webhook bodies, Stripe signatures).
//!
//! [`build`] wires the parts; [`run`] serves on a listener until the shutdown
//! token is cancelled, then drains sessions and waits for every task.

pub mod access;
pub mod auth;
pub mod budget;
pub mod bus;
pub mod chat;
pub mod client_ip;
pub mod cluster;
pub mod config;
pub mod delivery;
pub mod domains;
pub mod error;
pub mod files;
pub mod gateway;
pub mod http;
pub mod hub;
pub mod ids;
pub mod integrations;
pub mod mail;
pub mod net;
pub mod outgoing;
pub mod presence;
pub mod publish;
pub mod registry;
pub mod seed;
pub mod session;
pub mod state;
pub mod store;
pub mod text;

use crate::bus::{Bus, LocalBus, RedisBus};
use crate::chat::{Chat, ChatParts, Limits};
use crate::config::Config;
use crate::delivery::Delivery;
use crate::domains::Domains;
use crate::hub::Hub;
use crate::publish::Publisher;
use crate::registry::{Registry, RegistryFile};
use crate::session::SessionTable;
use crate::state::{AppState, Shared};
use crate::store::Store;
use arena_protocol::{Event, SnowflakeGenerator};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Sessions on a node that get PRESENCE_UPDATE broadcasts; above, clients poll `presence.list`.
pub const PRESENCE_FANOUT_LIMIT: usize = 2500;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Registry(#[from] registry::RegistryError),
    #[error(transparent)]
    Program(#[from] domains::revenue::program::ProgramError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("file storage: {0}")]
    Files(#[from] object_store::Error),
    #[error(transparent)]
    Bus(#[from] bus::BusError),
    #[error(transparent)]
    Cluster(#[from] cluster::ClusterError),
    /// `redis_url` is not a Redis URL (the rate limits' connection).
    #[error("rate limits in Redis: {0}")]
    Limits(::redis::RedisError),
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
}

/// Connects the parts: loads and syncs the registry into every tenant, starts
/// the committer, and returns the state. `metrics` is the Prometheus handle, if installed.
/// Refuses a weak JWT secret unless `cfg.dev` ([`Config::check_secret`]).
pub async fn build(
    cfg: Config,
    shutdown: CancellationToken,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> Result<AppState, StartError> {
    cfg.check_secret()?;
    let file = RegistryFile::load(&cfg.channels)?;
    let program = domains::revenue::Program::load(&cfg.program)?;
    let files = files::FileStore::from_config(&cfg)?;
    // The node id is claimed before any snowflake is minted with it.
    let cluster = match cfg.redis_url.as_deref() {
        Some(url) => Some(
            cluster::Cluster::claim(
                url,
                cfg.node_id,
                cfg.addr,
                Duration::from_millis(cfg.node_heartbeat_ms),
                Duration::from_millis(cfg.node_ttl_ms),
            )
            .await?,
        ),
        None => None,
    };
    Store::migrate_url(cfg.migrate_url()).await?;
    let store = Store::connect(&cfg.database_url, cfg.database_pool).await?;
    if store.bypasses_rls().await? {
        tracing::warn!(
            "database_url connects as a superuser or BYPASSRLS role: row-level security is not enforced (connect as arena_app; docs/operations.md)"
        );
    }
    let ids = Arc::new(SnowflakeGenerator::new(cfg.node_id));
    let registry = Registry::default();
    for t in store.fetch_tenants().await? {
        registry.sync_tenant(&store, &ids, t.id, &file).await?;
    }
    // Workers (committers, domain actors, the webhook dispatcher) stop only
    // after serving has drained, so requests still in flight are answered.
    let stop = CancellationToken::new();
    let hub = Hub::with_rings(crate::hub::RingLimits {
        bytes: cfg.resume_ring_bytes,
        age: std::time::Duration::from_secs(cfg.resume_window_s),
    });
    let tasks = TaskTracker::new();
    let sessions = SessionTable::default();
    let access = access::Access {
        hub: hub.clone(),
        registry: registry.clone(),
        sessions: sessions.clone(),
        store: store.clone(),
        tasks: tasks.clone(),
    };
    let delivery = Delivery::new(hub.clone(), registry.clone()).with_access(access.clone());
    // With a Redis URL, events also cross to (and arrive from) the other nodes.
    let redis_bus = match cfg.redis_url.as_deref() {
        Some(url) => Some(RedisBus::start(
            url,
            delivery.clone(),
            store.clone(),
            &hub,
            &tasks,
            stop.clone(),
        )?),
        None => None,
    };
    let bus: Arc<dyn Bus> = match &redis_bus {
        Some(b) => Arc::new(b.clone()),
        None => Arc::new(LocalBus::new(delivery)),
    };
    let links = domains::Links::default();
    let domains = Domains::new(
        domains::Context {
            store: store.clone(),
            registry: registry.clone(),
            bus: Arc::clone(&bus),
            program: Arc::new(program),
            ids: Arc::clone(&ids),
            llm: domains::plans::llm::Writer::from_config(&cfg),
            links: links.clone(),
            files: Some(files.clone()),
            panel_budget_bytes: domains::fit::budget(cfg.max_server_frame_bytes),
        },
        tasks.clone(),
        stop.clone(),
    );
    let publisher = Publisher::new(Arc::clone(&bus), domains.clone());
    let chat = Chat::new(
        ChatParts {
            store: store.clone(),
            registry: registry.clone(),
            publisher: publisher.clone(),
            ids: Arc::clone(&ids),
            sessions: sessions.clone(),
            access: access.clone(),
            limits: Limits {
                max_content_chars: cfg.max_content_chars,
                budgets: chat::limits::Budgets::from_config(&cfg),
            },
            // With Redis, budgets and slow mode hold across the cluster.
            cluster: cfg
                .redis_url
                .as_deref()
                .map(chat::ClusterCounters::new)
                .transpose()
                .map_err(StartError::Limits)?,
            commit_batch: cfg.commit_batch,
        },
        &tasks,
        stop.clone(),
    );
    links.set(chat.clone(), domains.clone());
    if let Some(b) = &redis_bus {
        b.on_remote(remote_hook(&domains, &sessions, &chat));
    }
    let mut presence =
        presence::PresenceTable::new(hub.clone(), Arc::clone(&bus), PRESENCE_FANOUT_LIMIT);
    let cluster_handle = cluster.clone();
    if let Some(cluster) = cluster {
        presence =
            presence::cluster::start(cluster, presence, &tasks, shutdown.clone(), stop.clone())
                .await?;
    }
    let tokens = auth::Tokens::with_previous(
        &cfg.jwt_secret,
        cfg.jwt_previous_secret.as_deref(),
        cfg.access_ttl_s,
    );
    let node_name = format!("node-{}", cfg.node_id);
    let loader = gateway::loader::Loader::start(store.clone(), &tasks, stop.clone());
    let mail = mail::Mailer::new(&cfg);
    Ok(AppState(Arc::new(Shared {
        cfg,
        store,
        registry,
        hub,
        bus,
        publisher,
        chat,
        domains,
        presence,
        cluster: cluster_handle,
        files,
        tokens,
        sessions,
        ids,
        node_name,
        shutdown,
        stop,
        tasks,
        login_limiter: governor::RateLimiter::keyed(
            governor::Quota::per_minute(
                std::num::NonZeroU32::new(30).unwrap_or(std::num::NonZeroU32::MIN),
            )
            .allow_burst(std::num::NonZeroU32::new(20).unwrap_or(std::num::NonZeroU32::MIN)),
        ),
        login_ip_limiter: governor::RateLimiter::keyed(
            governor::Quota::per_minute(nonzero(120)).allow_burst(nonzero(60)),
        ),
        login_global_limiter: governor::RateLimiter::direct(
            governor::Quota::per_minute(nonzero(1200)).allow_burst(nonzero(200)),
        ),
        login_work: tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        ),
        webhook_limiter: integrations::incoming::WebhookLimiter::default(),
        identify_permits: tokio::sync::Semaphore::new(
            gateway::loader::MAX_BATCH * gateway::loader::BATCHES_IN_FLIGHT,
        ),
        loader,
        mail,
        metrics,
    })))
}

/// What this node does with what other nodes send besides delivery: a
/// panel another node rebuilt replaces this node's cached copy (each node
/// runs its own domain actors); a channel changed elsewhere has its
/// settings read again before the next post; a channel opened elsewhere (a
/// DM) is loaded and its members' sessions here join it; a kick or logout
/// closes the member's sessions here too; a timeout change drops the
/// cached timeout.
fn remote_hook(domains: &Domains, sessions: &SessionTable, chat: &Chat) -> bus::redis::RemoteHook {
    let (domains, registry, sessions, chat) = (
        domains.clone(),
        chat.registry.clone(),
        sessions.clone(),
        chat.clone(),
    );
    Box::new(move |remote| match remote {
        bus::redis::Remote::Event(
            bus::Audience::Panel {
                tenant_id,
                channel_id,
                projection,
            },
            Event::PanelUpdate(u),
        ) => {
            if let Some(c) = registry.channel(tenant_id, channel_id) {
                domains.adopt(tenant_id, &c, projection, u.panel.clone());
            }
        }
        bus::redis::Remote::Event(
            bus::Audience::Channel { tenant_id, .. } | bus::Audience::Tenant(tenant_id),
            Event::ChannelUpdate(_),
        ) => chat.settings_changed(tenant_id),
        bus::redis::Remote::Event(..) => {}
        bus::redis::Remote::Control(bus::Control::CloseSessions {
            tenant_id,
            user_id,
            code,
        }) => {
            for s in sessions.of_user(tenant_id, user_id) {
                s.outbox.close(code);
            }
        }
        bus::redis::Remote::Control(bus::Control::MuteChanged { tenant_id, user_id }) => {
            chat.limiter.forget_muted(tenant_id, user_id);
        }
        bus::redis::Remote::Control(bus::Control::CloseSession {
            tenant_id,
            user_id,
            session_key,
        }) => {
            for s in sessions.of_user(tenant_id, user_id) {
                if s.outbox.key == session_key {
                    s.outbox.close(arena_protocol::CloseCode::TooManySessions);
                }
            }
        }
        bus::redis::Remote::Control(bus::Control::ChannelOpened {
            tenant_id,
            channel_id,
            members,
        }) => chat.channel_opened_elsewhere(tenant_id, channel_id, members),
    })
}

/// Serves `state` on `listener` until `state.shutdown` is cancelled; then
/// asks every session to RECONNECT (op 7), and waits up to the configured
/// `drain_timeout_s` for committers, actors, writers and requests to end.
pub async fn run(listener: TcpListener, state: AppState) -> Result<(), StartError> {
    state.tasks.spawn(gateway::sessions::reap(state.clone()));
    state.tasks.spawn(auth::watch::run(state.clone()));
    state.tasks.spawn(mail::run(state.clone()));
    state.tasks.spawn(domains::insights::scheduler::run(
        domains::insights::scheduler::Scheduler {
            store: state.store.clone(),
            domains: state.domains.clone(),
            registry: state.registry.clone(),
        },
        domains::insights::clock::Clock::system(),
        state.stop.clone(),
    ));
    state.tasks.spawn(outgoing::dispatcher::run(
        state.store.clone(),
        state.stop.clone(),
        state.cfg.webhook_private_targets,
    ));
    let growth = state.domains.growth().context().program.growth.clone();
    state.tasks.spawn(domains::growth::scheduler::run(
        state.store.clone(),
        state.domains.clone(),
        state.stop.clone(),
        std::time::Duration::from_secs(u64::from(growth.campaign_tick_s)),
        std::time::Duration::from_secs(60 * u64::from(growth.click_window_minutes)),
    ));
    let app = http::router(state.clone());
    let serving = net::Serving {
        header_read_timeout: Duration::from_millis(state.cfg.header_read_timeout_ms),
        limits: net::ConnLimits::new(
            state.cfg.max_connections,
            state.cfg.max_connections_per_ip,
            state.cfg.trusted_proxies.clone(),
        ),
    };
    // `/metrics` on its own listener, when configured (no token there).
    let served = match state.cfg.metrics_addr {
        Some(addr) => match TcpListener::bind(addr).await {
            Ok(l) => {
                state.tasks.spawn(net::serve(
                    l,
                    http::metrics_router(state.clone()),
                    serving.clone(),
                    state.shutdown.clone(),
                    || {},
                ));
                Ok(())
            }
            Err(e) => Err(e),
        },
        None => Ok(()),
    };
    let drain = state.clone();
    if served.is_ok() {
        net::serve(listener, app, serving, state.shutdown.clone(), move || {
            gateway::sessions::drain(&drain)
        })
        .await;
    }
    // Stop the rest even if serving failed, then wait for it.
    state.shutdown.cancel();
    state.stop.cancel();
    state.tasks.close();
    let deadline = Duration::from_secs(state.cfg.drain_timeout_s);
    if tokio::time::timeout(deadline, state.tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            remaining = state.tasks.len(),
            "tasks still running at the shutdown deadline"
        );
    }
    served?;
    Ok(())
}

/// `n` as a quota figure (0 becomes 1).
fn nonzero(n: u32) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN)
}
