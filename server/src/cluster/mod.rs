//! Node identity in a cluster of Arena nodes on one Redis (issue 11).
//!
//! Each node has a snowflake node id from config (`node_id`, 0..1024). With
//! `redis_url` set, the node claims it at start and holds it while it runs,
//! so that two live nodes never share an id (their snowflakes would clash):
//!
//! - `arena:node:{id}` (string, with an expiry of `node_ttl_ms`): the
//!   holder, `"{instance} {addr}"`, where `instance` is 128 random bits in
//!   hex drawn at each start. Claimed with `SET … NX PX`, refreshed every
//!   `node_heartbeat_ms` by [`heartbeat::run`] (compare-and-`PEXPIRE`).
//! - `arena:nodes` (set): the ids that have claimed and whose leftovers
//!   were not cleared yet; the presence watcher walks it to find dead nodes.
//!
//! Claiming ([`Cluster::claim`]): if the key is held by someone else it may
//! be this node's previous life killed with -9 (its claim not yet expired).
//! The start watches the key for up to one TTL (plus one heartbeat): if it
//! expires, the node claims it; if it is refreshed (its time to live grows)
//! or changes hands, another live node holds the id and the start stops with
//! [`ClusterError::Taken`], naming the id and the holder.
//!
//! A node is dead to the others once its key has expired: at most
//! `node_ttl_ms` after its last refresh. The presence in Redis that hangs on
//! this is in [`crate::presence::cluster`].

pub mod heartbeat;
pub mod sessions;

use ::redis::aio::ConnectionManager;
use std::net::SocketAddr;
use std::time::Duration;

/// The set of node ids that claimed and were not cleared yet.
pub const NODES: &str = "arena:nodes";

/// The claim key of a node id: `arena:node:{id}`.
pub fn node_key(node_id: u16) -> String {
    format!("arena:node:{node_id}")
}

/// Why a node could not take its place in the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// `redis_url` is not a Redis URL.
    #[error("redis_url: {0}")]
    Url(#[source] ::redis::RedisError),
    /// Redis could not be reached (or refused) while claiming the node id.
    #[error("cannot claim node_id {node_id} in Redis: {reason}")]
    Redis { node_id: u16, reason: String },
    /// Another live node holds this node id (`holder` is `"{instance} {addr}"`).
    #[error(
        "node_id {node_id} is held by another live node ({holder}); give each node its own node_id"
    )]
    Taken { node_id: u16, holder: String },
}

/// This node's place in the cluster: its id, its claim and a Redis
/// connection (reconnecting, multiplexed; cheap to clone).
#[derive(Clone)]
pub struct Cluster {
    node_id: u16,
    holder: String,
    conn: ConnectionManager,
    heartbeat: Duration,
    ttl: Duration,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node_id", &self.node_id)
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

/// A Redis error as text for [`ClusterError::Redis`].
fn reason(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Cluster {
    /// Connects to `url` and claims `node_id` for this process (listening on
    /// `addr`, shown to whoever finds the id taken), waiting out a previous
    /// life's claim as the module documentation says. `heartbeat` and `ttl`
    /// are `node_heartbeat_ms` and `node_ttl_ms`.
    ///
    /// Errors: [`ClusterError::Url`], [`ClusterError::Redis`] (Redis away for
    /// longer than `ttl`, or a command refused), [`ClusterError::Taken`].
    pub async fn claim(
        url: &str,
        node_id: u16,
        addr: SocketAddr,
        heartbeat: Duration,
        ttl: Duration,
    ) -> Result<Cluster, ClusterError> {
        let client = ::redis::Client::open(url).map_err(ClusterError::Url)?;
        let redis_err = |e| ClusterError::Redis {
            node_id,
            reason: reason(e),
        };
        let conn = match tokio::time::timeout(ttl, client.get_connection_manager()).await {
            Ok(c) => c.map_err(redis_err)?,
            Err(_) => {
                return Err(ClusterError::Redis {
                    node_id,
                    reason: format!("no connection within {} ms", ttl.as_millis()),
                })
            }
        };
        let instance = format!("{:032x}", rand::random::<u128>());
        let mut cluster = Cluster {
            node_id,
            holder: format!("{instance} {addr}"),
            conn,
            heartbeat,
            ttl,
        };
        cluster.take_key().await?;
        let mut c = cluster.conn.clone();
        ::redis::cmd("SADD")
            .arg(NODES)
            .arg(node_id)
            .query_async::<i64>(&mut c)
            .await
            .map_err(redis_err)?;
        tracing::info!(node_id, holder = %cluster.holder, "cluster: node id claimed");
        Ok(cluster)
    }

    /// `SET NX` until it succeeds, failing if another live node refreshes
    /// the key or it changes hands, or it outlives one TTL and a heartbeat.
    async fn take_key(&mut self) -> Result<(), ClusterError> {
        let node_id = self.node_id;
        let key = node_key(node_id);
        let redis_err = |e| ClusterError::Redis {
            node_id,
            reason: reason(e),
        };
        let deadline = tokio::time::Instant::now() + self.ttl + self.heartbeat;
        let poll = (self.heartbeat / 4).min(Duration::from_millis(100));
        // The holder and its time to live (ms) at the previous look.
        let mut seen: Option<(String, i64)> = None;
        let mut waiting_logged = false;
        loop {
            let set: Option<String> = ::redis::cmd("SET")
                .arg(&key)
                .arg(&self.holder)
                .arg("NX")
                .arg("PX")
                .arg(self.ttl.as_millis() as u64)
                .query_async(&mut self.conn)
                .await
                .map_err(redis_err)?;
            if set.is_some() {
                return Ok(());
            }
            let (holder, pttl): (Option<String>, i64) = ::redis::pipe()
                .cmd("GET")
                .arg(&key)
                .cmd("PTTL")
                .arg(&key)
                .query_async(&mut self.conn)
                .await
                .map_err(redis_err)?;
            if let Some(holder) = holder {
                let taken = || ClusterError::Taken {
                    node_id,
                    holder: holder.clone(),
                };
                // -1: no expiry, not a claim a dead node leaves behind.
                if pttl == -1 || tokio::time::Instant::now() >= deadline {
                    return Err(taken());
                }
                if let Some((before, before_ttl)) = &seen {
                    // Refreshed (time to live grew past clock noise) or re-claimed.
                    if *before != holder || pttl > before_ttl + 50 {
                        return Err(taken());
                    }
                }
                if !waiting_logged {
                    waiting_logged = true;
                    tracing::warn!(node_id, %holder, expires_in_ms = pttl, "cluster: node id held; waiting to see whether its holder is alive");
                }
                seen = Some((holder, pttl));
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// This node's id (0..1024).
    pub fn node_id(&self) -> u16 {
        self.node_id
    }

    /// This process's claim value, `"{instance} {addr}"`.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// A handle on the shared Redis connection (reconnects by itself).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// `node_heartbeat_ms`: the refresh and poll period.
    pub fn heartbeat(&self) -> Duration {
        self.heartbeat
    }

    /// `node_ttl_ms`: how long a claim lives without a refresh.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}
