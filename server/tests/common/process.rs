//! [`NodeProcess`]: an `arena serve` child process, for faults an in-process
//! server cannot suffer (SIGKILL, SIGTERM), and [`RedisProcess`]: a private
//! redis-server a test may kill and start again on the same port.

use super::{channels_path, repo_root, JWT_SECRET, WAIT};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A free loopback port (bound and released: another process may take it
/// in between, which only fails the test loudly).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// GETs `url` and returns the status (0 when nothing answers).
async fn status(url: &str) -> u16 {
    match reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(3))
        .send()
        .await
    {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

/// Waits (up to `within`) until `GET url` answers `want`; returns how long it took.
pub async fn await_status(url: &str, want: u16, within: Duration) -> Duration {
    let t0 = tokio::time::Instant::now();
    loop {
        let got = status(url).await;
        if got == want {
            return t0.elapsed();
        }
        assert!(
            t0.elapsed() < within,
            "{url} answered {got}, not {want}, for {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An `arena serve` process on loopback, killed when dropped.
pub struct NodeProcess {
    child: Child,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub http: String,
    /// `ws://127.0.0.1:PORT`
    pub ws: String,
    pub log: std::path::PathBuf,
}

impl NodeProcess {
    /// Starts `arena serve` on a free port with the test settings, on
    /// `db_url`, the Redis at `redis_url` and `node_id`; waits until /readyz is 200.
    pub async fn spawn(db_url: &str, redis_url: &str, node_id: u16, drain_s: u64) -> NodeProcess {
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = std::env::temp_dir().join(format!("arena-node-{port}.log"));
        let out = std::fs::File::create(&log).expect("node log file");
        let err = out.try_clone().expect("node log file");
        let child = Command::new(env!("CARGO_BIN_EXE_arena"))
            .arg("serve")
            .env("ARENA_ADDR", addr.to_string())
            .env("ARENA_DATABASE_URL", super::app_url(db_url))
            .env("ARENA_MIGRATE_DATABASE_URL", db_url)
            .env("ARENA_DATABASE_POOL", "4")
            .env("ARENA_REDIS_URL", redis_url)
            .env("ARENA_NODE_ID", node_id.to_string())
            .env("ARENA_JWT_SECRET", JWT_SECRET)
            .env("ARENA_CHANNELS", channels_path())
            .env("ARENA_PROGRAM", repo_root().join("program.toml"))
            .env(
                "ARENA_WEB_DIR",
                repo_root().join("target/no-web-client-in-tests"),
            )
            .env(
                "ARENA_FILES_DIR",
                std::env::temp_dir().join("arena-test-files"),
            )
            .env("ARENA_MESSAGES_PER_SECOND", "10000")
            .env("ARENA_FRAMES_PER_MINUTE", "100000")
            .env("ARENA_RESUME_WINDOW_S", "2")
            .env("ARENA_DRAIN_TIMEOUT_S", drain_s.to_string())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn arena serve");
        let node = NodeProcess {
            child,
            addr,
            http: format!("http://{addr}"),
            ws: format!("ws://{addr}"),
            log,
        };
        await_status(&format!("{}/readyz", node.http), 200, WAIT * 3).await;
        node
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the node dies without a word.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: the node drains and exits.
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM")
            .success();
        assert!(ok, "kill -TERM {}", self.pid());
    }

    /// Waits (up to `within`) for the process to exit; its status.
    pub async fn exited(&mut self, within: Duration) -> ExitStatus {
        let t0 = tokio::time::Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                return s;
            }
            assert!(t0.elapsed() < within, "node still running after {within:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The node's log so far (for failure messages).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private redis-server for one test's cluster, or `None` (the test skips,
/// saying so) without `ARENA_TEST_REDIS_URL`: test databases share tenant and
/// channel ids and Redis pub/sub ignores the database number, so two tests'
/// nodes on one redis-server would hear each other.
pub async fn private_redis() -> Option<RedisProcess> {
    if std::env::var("ARENA_TEST_REDIS_URL").is_err() {
        eprintln!("SKIPPED: ARENA_TEST_REDIS_URL is not set (./scripts/test starts a redis-server and sets it)");
        return None;
    }
    Some(RedisProcess::start().await)
}

/// A private redis-server on a loopback port; stopped when dropped.
pub struct RedisProcess {
    child: Option<Child>,
    pub port: u16,
}

impl RedisProcess {
    /// Starts redis-server (no persistence) on a free port; waits for PONG.
    pub async fn start() -> RedisProcess {
        let mut r = RedisProcess {
            child: None,
            port: free_port(),
        };
        r.up().await;
        r
    }

    /// `redis://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts it (again) on the same port and waits for PONG.
    pub async fn up(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (./scripts/test installs it)");
        self.child = Some(child);
        let client = redis::Client::open(self.url()).expect("redis url");
        let t0 = tokio::time::Instant::now();
        loop {
            if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                let pong: Result<String, _> = redis::cmd("PING").query_async(&mut c).await;
                if pong.is_ok() {
                    return;
                }
            }
            assert!(t0.elapsed() < WAIT, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: Redis is gone, with every connection and subscription.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
