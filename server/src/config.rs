//! Typed settings, read from `arena.toml` (if present) and `ARENA_*` environment
//! variables (figment). Unknown keys are refused; every field has a default.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

mod keys;
mod mail;
mod net;

use keys::KEYS;

pub use net::origin_of;

/// Server settings. Environment variables are `ARENA_` + the field name in
/// upper case, e.g. `ARENA_ADDR`, `ARENA_DATABASE_URL`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listen address. Default `127.0.0.1:8080`.
    pub addr: SocketAddr,
    /// Postgres URL the server works with. Default
    /// `postgres://arena@127.0.0.1:5432/arena`. Its role should be
    /// `arena_app` (migration 0019): not the tables' owner, not BYPASSRLS, so
    /// row-level security holds; `serve` warns when it bypasses RLS.
    pub database_url: String,
    /// Postgres URL migrations run with: the tables' owner
    /// (`ARENA_MIGRATE_DATABASE_URL`). Default none: `database_url`.
    pub migrate_database_url: Option<String>,
    /// Postgres pool size. Default 16. The four group-commit shards each
    /// hold one more connection of their own (`Store::dedicated`).
    pub database_pool: u32,
    /// Path of the channel registry. Default `channels.toml`.
    pub channels: PathBuf,
    /// Path of the partner program (tiers, currencies, payouts). Default `program.toml`.
    pub program: PathBuf,
    /// Let outgoing webhooks reach loopback and private addresses (on-premises
    /// receivers, tests). Default false: public addresses only (no SSRF).
    pub webhook_private_targets: bool,
    /// Built web client served at `/`. Default `web-client/dist`; missing = API only.
    pub web_dir: PathBuf,
    /// HS256 secret that signs access tokens (their `kid` names it), at
    /// least 32 random bytes (RFC 8725 §3.5). Default: the repository's
    /// development secret, which `serve` refuses unless `dev` is set.
    pub jwt_secret: String,
    /// The previous HS256 secret during a key rotation: tokens whose `kid`
    /// names it are still verified until they expire. Default none.
    pub jwt_previous_secret: Option<String>,
    /// Development mode (`ARENA_DEV=1` or `arena serve --dev`): `serve` may
    /// run with the development secret or a short one. Default false.
    pub dev: bool,
    /// How often each node closes (4004) the sessions whose access token
    /// expired or was revoked (token epoch), ms. Default 5000.
    pub token_check_ms: u64,
    /// Access token lifetime in seconds. Default 3600.
    pub access_ttl_s: u64,
    /// Refresh token lifetime in seconds. Default 30 days.
    pub refresh_ttl_s: u64,
    /// This node's id (0..1024) for snowflakes and HELLO. Default 1.
    pub node_id: u16,
    /// Heartbeat interval announced in HELLO, ms. Default 41250 (Discord's figure).
    pub heartbeat_interval_ms: u32,
    /// Time allowed between the upgrade and IDENTIFY, ms. Default 10000 (PROTOCOL.md §2).
    pub identify_timeout_ms: u64,
    /// Largest accepted WebSocket frame and message, bytes; larger closes with 4011. Default 65536.
    pub max_frame_bytes: usize,
    /// Byte budget of one reply (RESPONSE pages of `channel.history`,
    /// `channel.events`, `member.list`, `presence.list`) and of READY: a page
    /// ends before the item that would pass it and says `has_more`. Default
    /// 65536 (issue 12 item 1).
    pub reply_budget_bytes: usize,
    /// Hard cap on any frame the server writes, bytes; the socket's write
    /// buffer is sized to hold one such frame, so a frame within it is always
    /// writable. A larger frame is a server bug: logged, dropped, and a
    /// RESPONSE is answered `internal` instead. Default 262144.
    pub max_server_frame_bytes: usize,
    /// Logged bytes one RESUME replays from the channel log at most; channels
    /// past it are `unrecovered` (the client backfills). Default 4 MiB (issue 12 item 8).
    pub resume_replay_bytes: usize,
    /// Estimated bytes a channel's or tenant's [`crate::hub::ring`] keeps while a session is
    /// away, for at most `resume_window_s`; 0 keeps none (RESUME reads the log). Default 256 KiB.
    pub resume_ring_bytes: usize,
    /// Per-session outbound queue limit in frames; overflow closes with 4010. Default 1024.
    pub outbound_queue_frames: usize,
    /// Per-session outbound queue limit in bytes; overflow closes with 4010. Default 1 MiB.
    pub outbound_queue_bytes: usize,
    /// Dispatches kept per session for RESUME. Default 256.
    pub replay_frames: usize,
    /// How long a disconnected session stays resumable, seconds. Default 120.
    pub resume_window_s: u64,
    /// Client frames allowed per minute per session before close 4008. Default 240 (burst 60).
    pub frames_per_minute: u32,
    /// Messages (gateway and REST) one member may send per second; burst three times that;
    /// over it `message.create` answers `rate_limited` with `retry_after_ms`. Default 10.
    /// Like the other per-member budgets, counted in Redis across the cluster
    /// when `redis_url` is set.
    pub messages_per_second: u32,
    /// `message.edit`s one member may send per minute (burst a quarter of
    /// it); over: `rate_limited`. Default 60.
    pub edits_per_minute: u32,
    /// `reaction.add` and `reaction.remove` together per member per minute
    /// (burst a quarter); over: `rate_limited`. Default 120.
    pub reactions_per_minute: u32,
    /// `message.delete`s per member per minute (burst a quarter); over:
    /// `rate_limited`. Default 60.
    pub deletes_per_minute: u32,
    /// `typing.start`s per member per minute (burst a quarter); over: dropped
    /// silently (answered ok, not sent; Discord ignores extra typing). Default 30.
    pub typing_per_minute: u32,
    /// `channel.update`s per member per minute (burst a quarter); over:
    /// `rate_limited`. Default 30.
    pub channel_updates_per_minute: u32,
    /// Authenticated REST writes (POST, PATCH, PUT, DELETE under `/api/v1`)
    /// per member or bot per minute (burst a quarter); over: 429. Default 600.
    pub rest_writes_per_minute: u32,
    /// HTTP requests under `/api/v1` and the public growth pages per client
    /// address ([`crate::client_ip`]) per minute, on each node (burst a
    /// quarter); over: 429. Default 6000.
    pub http_requests_per_minute_per_ip: u32,
    /// Longest message content in characters. Default 4000 (Discord's limit for long messages).
    pub max_content_chars: usize,
    /// Most concurrent `message.create`s committed in one transaction. Default 512.
    pub commit_batch: usize,
    /// Presences sent in READY at most (large tenants use presence.list). Default 1000.
    pub ready_presence_limit: usize,
    /// Signing secret (`whsec_…`) of the Stripe Connect webhook endpoint
    /// (`POST /api/v1/integrations/stripe/webhook`). Default none: the
    /// endpoint answers 404.
    pub stripe_webhook_secret: Option<String>,
    /// Directory of uploaded files when no S3 bucket is set. Default `.arena/files`.
    pub files_dir: PathBuf,
    /// S3-compatible bucket for uploaded files (credentials, region and
    /// endpoint from `AWS_*` variables). Default none: `files_dir`.
    pub files_s3_bucket: Option<String>,
    /// Largest upload, bytes; larger answers 413. Default 10 MiB.
    pub max_upload_bytes: usize,
    /// The server's public base URL (e.g. `https://partners.example.com`),
    /// for links that leave the app: referral links and their QR codes.
    /// Default none: `http://<addr>`.
    pub public_url: Option<String>,
    /// Base URL of an OpenAI-compatible API (`POST {llm_url}/chat/completions`)
    /// that rewrites the narrative sections of app plans, e.g.
    /// `https://api.openai.com/v1`. Default none: the template text stands.
    pub llm_url: Option<String>,
    /// The model named in those requests; required with `llm_url`.
    pub llm_model: Option<String>,
    /// Bearer key of that API (sent as `Authorization`). Default none.
    pub llm_api_key: Option<String>,
    /// Redis URL (`redis://host:port/db`) of the cluster bus: every node on
    /// the same Redis delivers every node's events to its sessions. Default
    /// none: a single node (in-process bus).
    pub redis_url: Option<String>,
    /// Longest wait at shutdown (SIGTERM, Ctrl-C), after every session got
    /// RECONNECT, for writers to flush, committers to commit what they hold
    /// and requests in flight to be answered, in s. Default 10.
    pub drain_timeout_s: u64,
    /// With `redis_url`: how often this node refreshes its claim on
    /// `arena:node:{node_id}` and polls the other nodes' claims, ms. Default 3000.
    pub node_heartbeat_ms: u64,
    /// With `redis_url`: how long a claim lives without a refresh, ms; a node
    /// silent this long is dead to the others (its users go offline within
    /// `node_ttl_ms + node_heartbeat_ms`). Default 10000.
    pub node_ttl_ms: u64,
    /// Longest time a client may take to send one request's headers, ms
    /// (hyper's header-read timeout: a Slowloris client is cut off); then
    /// the connection is closed. Hyper runs it whenever it waits for a
    /// request, so it also bounds a kept-alive connection's idle time.
    /// Default 10000.
    pub header_read_timeout_ms: u64,
    /// Longest time one REST request under `/api/v1` may take, reading its
    /// body included, ms; then 503 `unavailable` ("request timed out"). The
    /// gateway upgrade is not timed: a WebSocket outlives its upgrade.
    /// Default 30000.
    pub request_timeout_ms: u64,
    /// TCP connections (HTTP and gateway) this node holds at once; a new
    /// one past it is closed at accept. Default 50000.
    pub max_connections: usize,
    /// TCP connections one peer address holds at once; a new one past it is
    /// closed at accept. Peers in `trusted_proxies` are not counted (a proxy
    /// carries many clients). Default 256.
    pub max_connections_per_ip: usize,
    /// Gateway sessions one member (or bot) holds on this node; a new
    /// session past it evicts the oldest, closed with 4015 (too many
    /// sessions) and not resumable. Default 10.
    pub sessions_per_user: usize,
    /// Browser origins (`scheme://host[:port]`) allowed to open the gateway
    /// besides the served origin (`public_url`) and same-host pages (Origin
    /// host equal to the request's Host); also listed in the CSP
    /// `connect-src`. A gateway request without Origin (a bot, a server) is
    /// allowed. Default none.
    pub allowed_origins: Vec<String>,
    /// Bearer token `GET /metrics` asks for on the main listener. Default
    /// none: `/metrics` answers 404 there unless this is set.
    pub metrics_token: Option<String>,
    /// A separate listen address serving only `GET /metrics` (no token;
    /// keep it private), e.g. `127.0.0.1:9090`. Default none.
    pub metrics_addr: Option<SocketAddr>,
    /// Networks of the proxies in front of the nodes (CIDR): a peer in them
    /// is not a client; the client is the rightmost `X-Forwarded-For` entry
    /// outside them ([`crate::client_ip`]). Default loopback and private
    /// networks (`127.0.0.0/8`, `10.0.0.0/8`, `172.16.0.0/12`,
    /// `192.168.0.0/16`, `::1/128`, `fc00::/7`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// SMTP server of invite and password-reset mail, `smtp://host:port`
    /// (plain), `smtp://host:587?tls=required` (STARTTLS) or `smtps://host:465`,
    /// credentials as `user:pass@`. Default none: links are logged (and an
    /// invite's returned to its sender) instead ([`crate::mail`]).
    pub smtp_url: Option<String>,
    /// The `From` of that mail (RFC 5322 mailbox). Default `Arena <arena@localhost>`.
    pub mail_from: String,
    /// How long an invite is valid, s. Default 7 days.
    pub invite_ttl_s: u64,
    /// Bearer token of `POST /api/v1/tenants` (at least 16 bytes). Default
    /// none: that route answers 404.
    pub operator_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "postgres://arena@127.0.0.1:5432/arena".into(),
            migrate_database_url: None,
            database_pool: 16,
            channels: "channels.toml".into(),
            program: "program.toml".into(),
            webhook_private_targets: false,
            web_dir: "web-client/dist".into(),
            jwt_secret: DEV_SECRET.into(),
            jwt_previous_secret: None,
            dev: false,
            token_check_ms: 5000,
            access_ttl_s: 3600,
            refresh_ttl_s: 30 * 24 * 3600,
            node_id: 1,
            heartbeat_interval_ms: 41_250,
            identify_timeout_ms: 10_000,
            max_frame_bytes: 64 * 1024,
            reply_budget_bytes: 64 * 1024,
            max_server_frame_bytes: 256 * 1024,
            resume_replay_bytes: 4 * 1024 * 1024,
            resume_ring_bytes: 256 * 1024,
            outbound_queue_frames: 1024,
            outbound_queue_bytes: 1024 * 1024,
            replay_frames: 256,
            resume_window_s: 120,
            frames_per_minute: 240,
            messages_per_second: 10,
            edits_per_minute: 60,
            reactions_per_minute: 120,
            deletes_per_minute: 60,
            typing_per_minute: 30,
            channel_updates_per_minute: 30,
            rest_writes_per_minute: 600,
            http_requests_per_minute_per_ip: 6000,
            max_content_chars: 4000,
            commit_batch: 512,
            ready_presence_limit: 1000,
            stripe_webhook_secret: None,
            files_dir: ".arena/files".into(),
            files_s3_bucket: None,
            max_upload_bytes: 10 * 1024 * 1024,
            public_url: None,
            llm_url: None,
            llm_model: None,
            llm_api_key: None,
            redis_url: None,
            drain_timeout_s: 10,
            node_heartbeat_ms: 3000,
            node_ttl_ms: 10_000,
            header_read_timeout_ms: 10_000,
            request_timeout_ms: 30_000,
            max_connections: 50_000,
            max_connections_per_ip: 256,
            sessions_per_user: 10,
            allowed_origins: Vec::new(),
            metrics_token: None,
            metrics_addr: None,
            trusted_proxies: net::default_trusted_proxies(),
            smtp_url: None,
            mail_from: "Arena <arena@localhost>".into(),
            invite_ttl_s: 7 * 24 * 3600,
            operator_token: None,
        }
    }
}

/// The development JWT secret used when none is configured (only with `dev`).
pub const DEV_SECRET: &str = "arena-development-secret-change-me";

/// Shortest JWT secret outside development, bytes: HS256 wants a key of at
/// least its 256-bit output (RFC 7518 §3.2, RFC 8725 §3.5).
pub const MIN_SECRET_BYTES: usize = 32;

/// A setting that failed to load or validate; names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration key `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl Config {
    /// Loads defaults, then `arena.toml` in the working directory, then `ARENA_*` variables.
    pub fn load() -> Result<Config, ConfigError> {
        let cfg: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file("arena.toml"))
            // The environment is shared with other tools (ARENA_BIN in tests …):
            // only our keys are read from it; arena.toml is strict.
            .merge(
                Env::prefixed("ARENA_")
                    .filter(|k| KEYS.contains(&k.as_str().to_ascii_lowercase().as_str())),
            )
            .extract()
            .map_err(Box::new)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The URL migrations run with: `migrate_database_url`, else `database_url`.
    pub fn migrate_url(&self) -> &str {
        self.migrate_database_url
            .as_deref()
            .unwrap_or(&self.database_url)
    }

    /// Checks ranges that serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        if self.node_id >= 1024 {
            return invalid("node_id", "must be below 1024 (10 bits of the snowflake)");
        }
        if self.node_heartbeat_ms < 100 {
            return invalid("node_heartbeat_ms", "must be at least 100");
        }
        if self.node_ttl_ms < 2 * self.node_heartbeat_ms {
            return invalid(
                "node_ttl_ms",
                "must be at least twice node_heartbeat_ms (a late refresh must not lose the claim)",
            );
        }
        if self.heartbeat_interval_ms < 1000 {
            return invalid("heartbeat_interval_ms", "must be at least 1000");
        }
        if self.max_frame_bytes < 1024 {
            return invalid("max_frame_bytes", "must be at least 1024");
        }
        if self.reply_budget_bytes < 32 * 1024 {
            return invalid(
                "reply_budget_bytes",
                "must be at least 32768 (the largest message: 4,000 characters and an 8 KiB card)",
            );
        }
        if self.max_server_frame_bytes < self.reply_budget_bytes {
            return invalid(
                "max_server_frame_bytes",
                "must be at least reply_budget_bytes",
            );
        }
        if self.outbound_queue_frames == 0
            || self.outbound_queue_bytes < self.max_frame_bytes
            || self.outbound_queue_bytes < self.max_server_frame_bytes
        {
            return invalid(
                "outbound_queue_bytes",
                "queue limits must hold at least one maximum frame (max_frame_bytes and max_server_frame_bytes)",
            );
        }
        if self.jwt_secret.len() < 16 {
            return invalid("jwt_secret", "must be at least 16 bytes");
        }
        if self
            .jwt_previous_secret
            .as_deref()
            .is_some_and(|p| p.len() < 16)
        {
            return invalid("jwt_previous_secret", "must be at least 16 bytes");
        }
        if self.token_check_ms == 0 {
            return invalid("token_check_ms", "must be at least 1");
        }
        if self.messages_per_second == 0 {
            return invalid("messages_per_second", "must be at least 1");
        }
        for (key, v) in [
            ("edits_per_minute", self.edits_per_minute),
            ("reactions_per_minute", self.reactions_per_minute),
            ("deletes_per_minute", self.deletes_per_minute),
            ("typing_per_minute", self.typing_per_minute),
            (
                "channel_updates_per_minute",
                self.channel_updates_per_minute,
            ),
            ("rest_writes_per_minute", self.rest_writes_per_minute),
            (
                "http_requests_per_minute_per_ip",
                self.http_requests_per_minute_per_ip,
            ),
        ] {
            if v == 0 {
                return invalid(key, "must be at least 1");
            }
        }
        if self.commit_batch == 0 {
            return invalid("commit_batch", "must be at least 1");
        }
        if self.max_upload_bytes == 0 {
            return invalid("max_upload_bytes", "must be at least 1");
        }
        if self
            .stripe_webhook_secret
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            return invalid(
                "stripe_webhook_secret",
                "must not be empty (leave it unset to turn the endpoint off)",
            );
        }
        if let Some(url) = &self.llm_url {
            let ok = reqwest::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return invalid(
                    "llm_url",
                    "must be an http(s) URL, e.g. https://api.openai.com/v1",
                );
            }
            if self
                .llm_model
                .as_deref()
                .is_none_or(|m| m.trim().is_empty())
            {
                return invalid("llm_model", "must be set with llm_url (e.g. gpt-4o-mini)");
            }
        }
        if self
            .llm_api_key
            .as_deref()
            .is_some_and(|k| k.trim().is_empty())
        {
            return invalid("llm_api_key", "must not be empty (leave it unset for none)");
        }
        self.validate_net()?;
        self.validate_mail()?;
        if let Some(u) = self.redis_url.as_deref() {
            let ok = url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "redis" | "rediss"));
            if !ok {
                return invalid(
                    "redis_url",
                    "must be a redis:// URL such as redis://127.0.0.1:6379/",
                );
            }
        }
        Ok(())
    }

    /// Refuses to sign tokens with the repository's development secret or a
    /// secret shorter than [`MIN_SECRET_BYTES`] (either key of a rotation)
    /// unless `dev` is set. `serve` and `token` call it (through
    /// [`crate::build`] for `serve`).
    pub fn check_secret(&self) -> Result<(), ConfigError> {
        if self.dev {
            return Ok(());
        }
        let weak = |s: &str| s == DEV_SECRET || s.len() < MIN_SECRET_BYTES;
        let advice = "set ARENA_JWT_SECRET to at least 32 random bytes \
                      (e.g. `head -c 48 /dev/urandom | base64`), or ARENA_DEV=1 / `serve --dev` for development";
        if weak(&self.jwt_secret) {
            let what = if self.jwt_secret == DEV_SECRET {
                "is the repository's development secret"
            } else {
                "is shorter than 32 bytes"
            };
            return Err(ConfigError::Invalid {
                key: "jwt_secret",
                reason: format!("{what}: {advice}"),
            });
        }
        if self.jwt_previous_secret.as_deref().is_some_and(weak) {
            return Err(ConfigError::Invalid {
                key: "jwt_previous_secret",
                reason: format!("is weak: {advice}"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
