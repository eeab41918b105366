//! The heartbeat of a node's claim on `arena:node:{id}` (see [`super`]).
//!
//! Every `node_heartbeat_ms` one Lua script, atomically:
//! - the key holds this process's claim: `PEXPIRE` it to `node_ttl_ms`;
//! - the key is gone (a Redis restart, or this node was silent past its TTL,
//!   e.g. Redis unreachable): claim it again with `SET … PX` and `SADD
//!   arena:nodes`, log a warning and ask for a presence resync (the hashes
//!   may have been lost or cleared by another node meanwhile);
//! - another instance holds it (it was taken while this node was silent):
//!   this node stops serving. It logs an error and cancels the `shutdown`
//!   token, the same graceful stop as SIGTERM (sessions get RECONNECT and
//!   go to other nodes), because two live nodes with one id mint clashing
//!   snowflakes.
//!
//! A refresh that fails (Redis away) is logged once per outage and retried at
//! the next beat. On `stop` (after serving has drained) the claim is released
//! if it is still this process's (compare-and-`DEL`), so the other nodes see
//! the node gone at their next poll instead of after the TTL; the presence it
//! leaves in Redis is announced and cleared by them like any dead node's.

use super::{node_key, Cluster, NODES};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// KEYS[1] the claim key, KEYS[2] [`NODES`]; ARGV holder, ttl ms, node id.
/// Returns 1 (refreshed), 2 (claimed again) or the other holder.
const REFRESH: &str = r"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  return 2
end
return v
";

/// KEYS[1] the claim key; ARGV holder. Deletes the key if it is ours.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// What one beat found.
#[derive(Debug, PartialEq)]
enum Beat {
    Refreshed,
    Reclaimed,
    Taken(String),
}

impl ::redis::FromRedisValue for Beat {
    fn from_redis_value(v: ::redis::Value) -> Result<Self, ::redis::ParsingError> {
        match v {
            ::redis::Value::Int(1) => Ok(Beat::Refreshed),
            ::redis::Value::Int(_) => Ok(Beat::Reclaimed),
            other => Ok(Beat::Taken(String::from_redis_value(other)?)),
        }
    }
}

/// Refreshes `cluster`'s claim until `stop`, then releases it; see the
/// module documentation. `resync` is set when the claim had to be made again.
pub async fn run(
    cluster: Cluster,
    resync: Arc<AtomicBool>,
    shutdown: CancellationToken,
    stop: CancellationToken,
) {
    let mut conn = cluster.conn();
    let key = node_key(cluster.node_id());
    let mut tick = tokio::time::interval(cluster.heartbeat());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        let beat: Result<Beat, _> = ::redis::cmd("EVAL")
            .arg(REFRESH)
            .arg(2)
            .arg(&key)
            .arg(NODES)
            .arg(cluster.holder())
            .arg(cluster.ttl().as_millis() as u64)
            .arg(cluster.node_id())
            .query_async(&mut conn)
            .await;
        match beat {
            Ok(Beat::Refreshed) => {
                if std::mem::take(&mut failing) {
                    tracing::info!(
                        node_id = cluster.node_id(),
                        "cluster: heartbeat works again"
                    );
                }
            }
            Ok(Beat::Reclaimed) => {
                failing = false;
                tracing::warn!(
                    node_id = cluster.node_id(),
                    "cluster: node id claim had expired (Redis restarted or unreachable); claimed again"
                );
                resync.store(true, Ordering::Relaxed);
            }
            Ok(Beat::Taken(holder)) => {
                tracing::error!(
                    node_id = cluster.node_id(),
                    %holder,
                    "cluster: node id taken by another node while this one was silent; stopping"
                );
                shutdown.cancel();
                return;
            }
            Err(e) => {
                if !std::mem::replace(&mut failing, true) {
                    tracing::warn!(node_id = cluster.node_id(), error = %e, "cluster: heartbeat failed; retrying");
                }
            }
        }
    }
    let released: Result<i64, _> = ::redis::cmd("EVAL")
        .arg(RELEASE)
        .arg(1)
        .arg(&key)
        .arg(cluster.holder())
        .query_async(&mut conn)
        .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "cluster: could not release the node id; it expires by itself");
    }
}
