//! A real server for a test: [`test_config`], [`TestServer`] started on
//! loopback port 0 with `arena_server::build` and `arena_server::run`, stopped
//! or restarted on the same database, tokens for its members, and [`setup`]
//! (a fresh database with a server on it).

use super::{channels_path, repo_root, tenant_of, TestDb, JWT_SECRET};
use arena_protocol::model::Role;
use arena_server::config::Config;
use arena_server::state::AppState;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The Config of a test server: loopback port 0, the repository's registry,
/// no web client, a fixed secret; everything else at its default. It
/// connects as [`super::APP_ROLE`] (row-level security applies) and
/// migrates as the owner of `database_url`.
pub fn test_config(database_url: &str) -> Config {
    Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: super::app_url(database_url),
        migrate_database_url: Some(database_url.to_owned()),
        database_pool: 4,
        channels: channels_path(),
        program: super::repo_root().join("program.toml"),
        // The receivers of the webhook tests listen on loopback.
        webhook_private_targets: true,
        web_dir: repo_root().join("target/no-web-client-in-tests"),
        jwt_secret: JWT_SECRET.into(),
        // Tests post in bursts; the per-member limits have their own tests
        // (tests/write_limits.rs).
        messages_per_second: 10_000,
        edits_per_minute: 600_000,
        reactions_per_minute: 600_000,
        deletes_per_minute: 600_000,
        typing_per_minute: 600_000,
        channel_updates_per_minute: 600_000,
        rest_writes_per_minute: 600_000,
        http_requests_per_minute_per_ip: 6_000_000,
        stripe_webhook_secret: Some(super::STRIPE_SECRET.into()),
        files_dir: std::env::temp_dir().join("arena-test-files"),
        ..Config::default()
    }
}

/// A fresh test database and a server on it with the default test config.
pub async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::create().await;
    let server = TestServer::start(&db.url).await;
    (db, server)
}

/// A running server.
pub struct TestServer {
    pub state: AppState,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub http: String,
    /// `ws://127.0.0.1:PORT`
    pub ws: String,
    pub cfg: Config,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
    pub(super) http_client: reqwest::Client,
}

impl TestServer {
    /// A server with the default test config on `db_url`.
    pub async fn start(db_url: &str) -> TestServer {
        Self::start_with(test_config(db_url)).await
    }

    /// A server with this config (build it from [`test_config`]).
    pub async fn start_with(cfg: Config) -> TestServer {
        let shutdown = CancellationToken::new();
        let state = arena_server::build(cfg.clone(), shutdown.clone(), None)
            .await
            .expect("arena_server::build");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let run_state = state.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = arena_server::run(listener, run_state).await {
                eprintln!("arena_server::run ended with an error: {e}");
            }
        });
        TestServer {
            state,
            addr,
            http: format!("http://{addr}"),
            ws: format!("ws://{addr}"),
            cfg,
            shutdown,
            task: Some(task),
            http_client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .expect("reqwest client"),
        }
    }

    /// Cancels the server and waits for `run` to return.
    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }

    async fn shutdown_now(&mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }

    /// Stops this server and starts a new one with the same config (same database).
    pub async fn restart(mut self) -> TestServer {
        let cfg = self.cfg.clone();
        self.shutdown_now().await;
        drop(self);
        TestServer::start_with(cfg).await
    }

    /// The member's (tenant id, user id, role, tier).
    pub async fn member(&self, tenant: &str, email: &str) -> (i64, i64, Role, Option<String>) {
        let t = self
            .state
            .store
            .fetch_tenant_by_slug(tenant)
            .await
            .expect("tenant");
        let u = self
            .state
            .store
            .fetch_user_by_email(t.id, email)
            .await
            .expect("user");
        (t.id.0, u.id.0, Role::parse(&u.role).expect("role"), u.tier)
    }

    /// A one-hour access token for the member `email` of `tenant`.
    pub async fn token(&self, tenant: &str, email: &str) -> String {
        self.token_for(tenant, email, 3600).await
    }

    /// An access token for the member `email` of `tenant` valid for
    /// `ttl_s` seconds, of the member's current token epoch.
    pub async fn token_for(&self, tenant: &str, email: &str, ttl_s: u64) -> String {
        let store = &self.state.store;
        let t = store.fetch_tenant_by_slug(tenant).await.expect("tenant");
        let u = store.fetch_user_by_email(t.id, email).await.expect("user");
        self.state.tokens.issue(
            t.id,
            u.id,
            Role::parse(&u.role).expect("role"),
            u.tier.clone(),
            u.token_epoch,
            ttl_s,
        )
    }

    /// A token for a demo member.
    pub async fn demo_token(&self, email: &str) -> String {
        self.token(tenant_of(email), email).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
