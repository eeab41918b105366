//! Harness for the end-to-end tests: a private, migrated and demo-seeded
//! Postgres database per test, a real server on port 0, tokens, gateway and
//! HTTP helpers, raw WebSocket access for malformed frames, and a TCP proxy
//! in front of Postgres that a test can sever and restore.
//!
//! Needs `ARENA_TEST_DATABASE_URL` (set by `./scripts/test`): a role that may
//! `CREATE DATABASE`. Without it every test panics: nothing passes silently.

#![allow(dead_code, clippy::unwrap_used)]

use arena_protocol::client::{ClientOptions, GatewayClient};
use arena_protocol::event::Ready;
use arena_protocol::frame::Identify;
use arena_protocol::model::{Channel, Role};
use arena_protocol::{Encoding, Event, Snowflake, SnowflakeGenerator};
use arena_server::config::Config;
use arena_server::registry::RegistryFile;
use arena_server::state::AppState;
use arena_server::store::Store;
use futures_util::{SinkExt, StreamExt};
use sqlx::Connection;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_util::sync::CancellationToken;

/// Password of every demo account.
pub const PASSWORD: &str = "arena-demo";
/// The fixed JWT secret of test servers.
pub const JWT_SECRET: &str = "arena-integration-test-secret-0123456789";
/// Generous bound for anything that should happen "soon" (only to avoid hangs).
pub const WAIT: Duration = Duration::from_secs(10);
/// How long we listen to make sure something does NOT arrive.
pub const QUIET: Duration = Duration::from_millis(700);

pub const ANA: &str = "ana@demo.test";
pub const BEN: &str = "ben@demo.test";
pub const STAFF: &str = "staff@demo.test";
pub const ADMIN: &str = "admin@demo.test";
pub const ZOE: &str = "zoe@acme.test";

/// The repository root (the workspace).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ has a parent")
        .to_path_buf()
}

/// `ARENA_TEST_DATABASE_URL`, or a panic that says how to get one.
pub fn base_url() -> String {
    match std::env::var("ARENA_TEST_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => panic!("ARENA_TEST_DATABASE_URL is not set: run ./scripts/test"),
    }
}

/// Splits `postgres://user:pw@host:port/db?query` into (prefix up to and
/// including `@`, `host:port`, database, `?query` or empty).
fn split_url(url: &str) -> (String, String, String, String) {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let at = rest.rfind('@').map_or(0, |i| i + 1);
    let after_at = &rest[at..];
    let slash = after_at.find('/').unwrap_or(after_at.len());
    let hostport = &after_at[..slash];
    let path = &after_at[slash..];
    let (db, query) = match path.find('?') {
        Some(q) => (&path[..q], &path[q..]),
        None => (path, ""),
    };
    (
        format!("{}{}", &url[..scheme_end], &rest[..at]),
        hostport.to_owned(),
        db.trim_start_matches('/').to_owned(),
        query.to_owned(),
    )
}

fn with_database(url: &str, db: &str) -> String {
    let (pre, hp, _, q) = split_url(url);
    format!("{pre}{hp}/{db}{q}")
}

fn with_hostport(url: &str, hostport: &str) -> String {
    let (pre, _, db, q) = split_url(url);
    format!("{pre}{hostport}/{db}{q}")
}

fn random_hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::rng();
    (0..n)
        .map(|_| format!("{:x}", r.random_range(0..16u8)))
        .collect()
}

/// The channel registry file of the repository.
pub fn channels_path() -> PathBuf {
    repo_root().join("channels.toml")
}

/// A private database for one test: created, migrated, demo-seeded; dropped
/// (best effort, `WITH (FORCE)`) when the value is dropped.
pub struct TestDb {
    /// URL of this database (direct, not through any proxy).
    pub url: String,
    pub name: String,
    admin_url: String,
}

impl TestDb {
    /// A fresh copy of the seeded template database (built once per content
    /// of migrations, registry and seed; see [`template`]).
    pub async fn create() -> TestDb {
        let admin_url = base_url();
        let name = format!("arena_t_{}", random_hex(16));
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to ARENA_TEST_DATABASE_URL");
        // One lock for every process: template build and clones never overlap
        // (CREATE DATABASE … TEMPLATE needs the template to have no sessions).
        sqlx::query("SELECT pg_advisory_lock(727274001)")
            .execute(&mut conn)
            .await
            .expect("advisory lock");
        let tpl = template(&mut conn, &admin_url).await;
        sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {tpl}"))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        let _ = sqlx::query("SELECT pg_advisory_unlock(727274001)")
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        TestDb {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        }
    }
}

/// A digest of what the seeded database depends on: migrations, the registry
/// file, the seed and the code that writes them.
fn content_digest() -> String {
    use std::hash::{Hash, Hasher};
    let root = repo_root();
    let mut files: Vec<PathBuf> = vec![
        root.join("channels.toml"),
        root.join("server/src/seed.rs"),
        root.join("server/src/seed/demo.toml"),
    ];
    for dir in ["migrations", "server/src/store", "server/src/registry"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            files.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
        }
    }
    files.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        f.hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// The name of the migrated, demo-seeded template database, building it if
/// it does not exist yet. Called under the advisory lock.
async fn template(conn: &mut sqlx::PgConnection, admin_url: &str) -> String {
    let name = format!("arena_tpl_{}", content_digest());
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut *conn)
        .await
        .expect("pg_database");
    if exists.is_some() {
        return name;
    }
    // Templates of older contents are no longer needed (clones never overlap this, under the lock).
    let old: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'arena\\_tpl\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for o in old {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {o}"))
            .execute(&mut *conn)
            .await;
    }
    // Built under another name and renamed once complete: a crash mid-build leaves no half template.
    let build = format!("{name}_build");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {build} WITH (FORCE)"))
        .execute(&mut *conn)
        .await
        .expect("drop stale build");
    sqlx::query(&format!("CREATE DATABASE {build}"))
        .execute(&mut *conn)
        .await
        .expect("CREATE DATABASE (template)");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&with_database(admin_url, &build))
        .await
        .expect("connect to the template database");
    let store = Store::from_pool(pool.clone());
    store.migrate().await.expect("migrate");
    let file = RegistryFile::load(&channels_path()).expect("channels.toml");
    // Node 1023: never the test server's node, so ids cannot collide.
    let ids = SnowflakeGenerator::new(1023);
    arena_server::seed::seed_demo(&store, &ids, &file)
        .await
        .expect("seed_demo");
    drop(store);
    pool.close().await;
    // A closed pool's backends exit asynchronously: wait until the build
    // database has no sessions left before renaming it.
    let mut tries = 0;
    loop {
        match sqlx::query(&format!("ALTER DATABASE {build} RENAME TO {name}"))
            .execute(&mut *conn)
            .await
        {
            Ok(_) => break,
            Err(e) if tries < 100 => {
                tries += 1;
                let _ = e;
                // An autovacuum worker may have started on the fresh database.
                let _ = sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&build)
                .execute(&mut *conn)
                .await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("rename template: {e}"),
        }
    }
    name
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // A fresh runtime on its own thread: Drop may run inside (or outside) a runtime.
        let t = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let fut = async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                        let _ = c.close().await;
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), fut).await;
            });
        });
        let _ = t.join();
    }
}

/// The Config of a test server: loopback port 0, the repository's registry,
/// no web client, a fixed secret; everything else at its default.
pub fn test_config(database_url: &str) -> Config {
    Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: database_url.to_owned(),
        database_pool: 4,
        channels: channels_path(),
        web_dir: repo_root().join("target/no-web-client-in-tests"),
        jwt_secret: JWT_SECRET.into(),
        // Tests post in bursts; the per-member limit has its own test.
        messages_per_second: 10_000,
        ..Config::default()
    }
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
    http_client: reqwest::Client,
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
        (t.id, u.id, Role::parse(&u.role).expect("role"), u.tier)
    }

    /// A one-hour access token for the member `email` of `tenant`.
    pub async fn token(&self, tenant: &str, email: &str) -> String {
        let (tid, uid, role, tier) = self.member(tenant, email).await;
        self.state.tokens.issue(tid, uid, role, tier, 3600)
    }

    /// A token for a demo member.
    pub async fn demo_token(&self, email: &str) -> String {
        self.token(tenant_of(email), email).await
    }

    /// Connects (HELLO received), not identified.
    pub async fn connect(&self, enc: Encoding) -> GatewayClient {
        self.connect_opts(ClientOptions {
            encoding: enc,
            ..ClientOptions::default()
        })
        .await
    }

    pub async fn connect_opts(&self, opts: ClientOptions) -> GatewayClient {
        GatewayClient::connect(&self.ws, opts)
            .await
            .expect("gateway connect")
    }

    /// Connects and IDENTIFYs `email` (its tenant from the domain); returns the client and READY.
    pub async fn login_ws(&self, email: &str, enc: Encoding) -> (GatewayClient, Ready) {
        let token = self.demo_token(email).await;
        let mut c = self.connect(enc).await;
        let ready = c
            .identify(identify(&token))
            .await
            .expect("IDENTIFY → READY");
        (c, *ready)
    }

    /// `http://…{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.http, path)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http_client
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, tenant: &str, email: &str, password: &str) -> reqwest::Response {
        self.http_client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"tenant": tenant, "email": email, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// Raw WebSocket (no HELLO handling) to `/gateway?{query}`.
    pub async fn raw_ws(
        &self,
        query: &str,
    ) -> Result<RawWs, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/gateway?{query}", self.ws);
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
        Ok(RawWs { ws })
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

/// The tenant slug of a demo address.
pub fn tenant_of(email: &str) -> &'static str {
    if email.ends_with("@acme.test") {
        "acme"
    } else {
        "demo"
    }
}

/// IDENTIFY for every readable channel.
pub fn identify(token: &str) -> Identify {
    Identify {
        token: token.to_owned(),
        presence: None,
        channels: None,
    }
}

/// The channel with this key in READY.
pub fn channel<'a>(ready: &'a Ready, key: &str) -> &'a Channel {
    ready
        .channels
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("#{key} not in READY of {}", ready.user.display_name))
}

/// The id of `#key` in the tenant `slug`, straight from the registry (also
/// for channels the member may not read).
pub fn channel_id(server: &TestServer, tenant_id: i64, key: &str) -> Snowflake {
    let reg = server.state.registry.tenant(tenant_id);
    let c = reg
        .channels
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("#{key} not in the registry"));
    Snowflake(c.id as u64)
}

/// Sends `message.create` and returns the committed message (panics on an error).
pub async fn post(
    c: &mut GatewayClient,
    channel: Snowflake,
    content: &str,
) -> arena_protocol::model::Message {
    c.call(
        "message.create",
        serde_json::json!({"channel_id": channel.to_string(), "content": content}),
    )
    .await
    .expect("message.create transport")
    .unwrap_or_else(|e| panic!("message.create refused: {e:?}"))
}

/// The next MESSAGE_CREATE (skipping other dispatches such as presence).
pub async fn next_create(c: &mut GatewayClient) -> arena_protocol::model::Message {
    match c
        .wait_for(WAIT, |e| matches!(e, Event::MessageCreate(_)))
        .await
    {
        Ok((_, Event::MessageCreate(m))) => *m,
        other => panic!("expected MESSAGE_CREATE, got {other:?}"),
    }
}

/// Asserts that nothing satisfying `pred` arrives within [`QUIET`].
pub async fn assert_no_event(
    c: &mut GatewayClient,
    what: &str,
    mut pred: impl FnMut(&Event) -> bool,
) {
    let deadline = tokio::time::Instant::now() + QUIET;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return;
        }
        match c.next_event(left).await {
            Ok((_, e)) if pred(&e) => panic!("{what}: unexpected dispatch {e:?}"),
            Ok(_) => {}
            Err(arena_protocol::client::ClientError::Timeout) => return,
            Err(e) => panic!("{what}: connection failed while waiting: {e:?}"),
        }
    }
}

/// Is this event a channel-log event (message / reaction / channel update)?
pub fn is_log_event(e: &Event) -> bool {
    e.channel_seq().is_some()
}

/// A raw WebSocket for frames the typed client cannot produce.
pub struct RawWs {
    pub ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
}

/// What a raw read produced.
#[derive(Debug, PartialEq)]
pub enum RawFrame {
    Text(String),
    Binary(Vec<u8>),
    /// The server's close code (`None`: closed without a close frame).
    Closed(Option<u16>),
}

impl RawWs {
    pub async fn send_text(&mut self, s: &str) {
        self.ws
            .send(WsMessage::text(s.to_owned()))
            .await
            .expect("raw send");
    }

    pub async fn send_binary(&mut self, b: Vec<u8>) {
        self.ws.send(WsMessage::binary(b)).await.expect("raw send");
    }

    /// The next data frame or the close (pings skipped); panics after [`WAIT`].
    pub async fn next(&mut self) -> RawFrame {
        loop {
            let m = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("raw ws: nothing within the timeout");
            match m {
                None | Some(Err(_)) => return RawFrame::Closed(None),
                Some(Ok(WsMessage::Text(t))) => return RawFrame::Text(t.as_str().to_owned()),
                Some(Ok(WsMessage::Binary(b))) => return RawFrame::Binary(b.to_vec()),
                Some(Ok(WsMessage::Close(cf))) => {
                    return RawFrame::Closed(cf.map(|c| u16::from(c.code)))
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Reads until the close; its code.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            if let RawFrame::Closed(c) = self.next().await {
                return c;
            }
        }
    }
}

/// A TCP proxy in front of Postgres. [`PgProxy::sever`] closes every proxied
/// connection and refuses new ones (accepts and drops them at once) until
/// [`PgProxy::restore`].
pub struct PgProxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    generation: Arc<Mutex<CancellationToken>>,
    task: JoinHandle<()>,
}

impl PgProxy {
    /// A proxy to the host:port of `db_url`.
    pub async fn start(db_url: &str) -> PgProxy {
        let (_, hostport, _, _) = split_url(db_url);
        let target = hostport.clone();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(Mutex::new(CancellationToken::new()));
        let (up2, gen2) = (Arc::clone(&up), Arc::clone(&generation));
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let cancel = gen2.lock().unwrap().clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = cancel.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    }
                    // Dropping both ends closes them (an abrupt outage, no goodbye).
                });
            }
        });
        PgProxy {
            addr,
            up,
            generation,
            task,
        }
    }

    /// `db_url` with its host:port replaced by the proxy's.
    pub fn url(&self, db_url: &str) -> String {
        with_hostport(db_url, &self.addr.to_string())
    }

    /// Postgres "goes down": every connection through the proxy is cut, new ones are refused.
    pub fn sever(&self) {
        self.up.store(false, Ordering::SeqCst);
        let mut g = self.generation.lock().unwrap();
        g.cancel();
        *g = CancellationToken::new();
    }

    /// Postgres is back.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.generation.lock().unwrap().cancel();
    }
}

/// A compact, comparable description of a channel-log event: `T id #channel_seq`.
pub fn sig(e: &Event) -> String {
    match e {
        Event::MessageCreate(m) => {
            format!("MESSAGE_CREATE {} #{} {:?}", m.id, m.channel_seq, m.content)
        }
        Event::MessageUpdate(m) => {
            format!("MESSAGE_UPDATE {} #{} {:?}", m.id, m.channel_seq, m.content)
        }
        Event::MessageDelete(d) => format!("MESSAGE_DELETE {} #{}", d.id, d.channel_seq),
        Event::ReactionAdd(r) => format!(
            "REACTION_ADD {} {} #{}",
            r.message_id, r.emoji, r.channel_seq
        ),
        Event::ReactionRemove(r) => format!(
            "REACTION_REMOVE {} {} #{}",
            r.message_id, r.emoji, r.channel_seq
        ),
        Event::ChannelUpdate(c) => format!("CHANNEL_UPDATE {} #{}", c.channel.id, c.channel_seq),
        other => format!("{other:?}"),
    }
}

/// Every dispatch until nothing arrives for [`QUIET`] (the connection must stay open).
pub async fn drain(c: &mut GatewayClient) -> Vec<(u64, Event)> {
    let mut out = Vec::new();
    loop {
        match c.next_event(QUIET).await {
            Ok(x) => out.push(x),
            Err(arena_protocol::client::ClientError::Timeout) => return out,
            Err(e) => panic!("connection failed while draining: {e:?} (after {out:?})"),
        }
    }
}

/// Cursors for RESUME: every channel of READY at its `last_seq`.
pub fn cursors_from(ready: &Ready) -> arena_protocol::request::Cursors {
    ready.channels.iter().map(|c| (c.id, c.last_seq)).collect()
}

/// A JSON gateway socket with a 4 KiB receive buffer, identified as `email`;
/// returns it and the session id. Tests then stop reading it (a stalled peer).
pub async fn stalled_client(
    s: &TestServer,
    email: &str,
) -> (tokio_tungstenite::WebSocketStream<TcpStream>, String) {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let stream = sock.connect(s.addr).await.unwrap();
    let url = format!("{}/gateway?v=1&encoding=json", s.ws);
    let (mut ws, _) = tokio_tungstenite::client_async(url.as_str(), stream)
        .await
        .unwrap();
    let hello = ws.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("\"op\":10"));
    let token = s.demo_token(email).await;
    ws.send(WsMessage::text(
        serde_json::json!({"op": 2, "d": {"token": token}}).to_string(),
    ))
    .await
    .unwrap();
    loop {
        let m = tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        if v["t"] == "READY" {
            return (ws, v["d"]["session_id"].as_str().unwrap().to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = "postgres://arena:pw@127.0.0.1:55432/arena?sslmode=disable";
        assert_eq!(
            with_database(u, "x"),
            "postgres://arena:pw@127.0.0.1:55432/x?sslmode=disable"
        );
        assert_eq!(
            with_hostport(u, "127.0.0.1:1"),
            "postgres://arena:pw@127.0.0.1:1/arena?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1/db", "y"), "postgres://h:1/y");
    }
}
