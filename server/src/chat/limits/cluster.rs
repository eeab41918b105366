//! Budgets and slow mode counted in Redis, so they hold across the nodes
//! of a cluster (issue 11: a member connected to two nodes cannot double
//! their rate).
//!
//! - A budget is a GCRA in one Lua script ([`GCRA`], run with `EVALSHA`
//!   through [`redis::Script`]): the key `arena:rl:{tenant}:{user}:{kind}`
//!   holds the theoretical arrival time in µs of Redis's own clock (`TIME`,
//!   so the nodes' clocks do not matter) and expires when the budget is
//!   full again.
//! - Slow mode is `SET arena:slow:{channel}:{user} 1 NX PX <window ms>`;
//!   when the key exists the wait is its `PTTL` ([`SLOW_MODE`]).
//!
//! When Redis cannot answer (down, slow, or a reply of the wrong shape),
//! the caller counts on this node instead: posting never waits on Redis
//! for more than [`REDIS_WAIT`], never fails because of it, and after a
//! failure Redis is skipped for [`REDIS_PAUSE`] (so an outage costs each
//! write nothing). While it is away each node counts alone, so a member
//! on N nodes can get up to N times the budget. Each fallback is counted in
//! `arena_limits_redis_fallback_total`; the start and end of an outage are
//! logged once each.
//!
//! One [`redis::aio::ConnectionManager`] (reconnecting, cheap to clone) is
//! shared by every request of the node.

use super::budget::Budget;
use crate::ids::{ChannelId, TenantId, UserId};
use redis::aio::ConnectionManager;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Longest wait for Redis on a write's path before counting locally.
pub const REDIS_WAIT: Duration = Duration::from_millis(250);
/// How long Redis is skipped after it failed to answer.
pub const REDIS_PAUSE: Duration = Duration::from_secs(1);

/// GCRA over `KEYS[1]`: `ARGV[1]` the interval in µs, `ARGV[2]` the burst.
/// Returns 0 when a unit was taken, else the wait in ms (at least 1).
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local over = new_tat - now - burst * interval
if over > 0 then
  return math.max(1, math.ceil(over / 1000))
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
";

/// Slow mode over `KEYS[1]`: `ARGV[1]` the window in ms. Returns 0 when
/// the member may post (the window starts), else the wait in ms.
const SLOW_MODE: &str = r"
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then ttl = 1 end
return ttl
";

/// The Redis key of a member's budget of one kind.
pub fn budget_key(tenant: TenantId, user: UserId, kind: &str) -> String {
    format!("arena:rl:{}:{}:{kind}", tenant.0, user.0)
}

/// The Redis key of a member's slow mode window in a channel.
pub fn slow_mode_key(channel: ChannelId, user: UserId) -> String {
    format!("arena:slow:{}:{}", channel.0, user.0)
}

/// Counters in Redis; see the module documentation.
pub struct ClusterCounters {
    conn: ConnectionManager,
    gcra: redis::Script,
    slow_mode: redis::Script,
    /// Set while Redis is failing: the outage is logged once, and its end.
    failing: AtomicBool,
    /// Until when (ms since `epoch`) Redis is skipped.
    paused_until_ms: AtomicU64,
    epoch: Instant,
}

impl std::fmt::Debug for ClusterCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterCounters")
            .field("failing", &self.failing.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl ClusterCounters {
    /// Counters on the Redis at `url` (`redis://host:port/db`). Connects
    /// lazily (on the first write) and reconnects by itself; an error means
    /// only that `url` is not a Redis URL.
    pub fn new(url: &str) -> Result<ClusterCounters, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_WAIT))
            .set_response_timeout(Some(REDIS_WAIT))
            .set_number_of_retries(2)
            .set_max_delay(REDIS_PAUSE);
        Ok(ClusterCounters {
            conn: ConnectionManager::new_lazy_with_config(client, config)?,
            gcra: redis::Script::new(GCRA),
            slow_mode: redis::Script::new(SLOW_MODE),
            failing: AtomicBool::new(false),
            paused_until_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// Takes one unit from the budget at `key`: `Some(Ok)` taken,
    /// `Some(Err(ms))` spent (wait that long), `None` Redis did not answer
    /// (count locally).
    pub async fn take(&self, key: &str, budget: Budget) -> Option<Result<(), u64>> {
        let interval_us = budget.interval.as_micros().max(1) as u64;
        let mut invocation = self.gcra.key(key);
        invocation.arg(interval_us).arg(budget.burst.max(1));
        let wait: Option<u64> = self.run(&invocation).await;
        wait.map(|ms| if ms == 0 { Ok(()) } else { Err(ms) })
    }

    /// Starts the slow mode window at `key` of `window`: `Some(Ok)` the
    /// member may post, `Some(Err(ms))` the window still runs that long,
    /// `None` Redis did not answer (count locally).
    pub async fn slow_mode(&self, key: &str, window: Duration) -> Option<Result<(), u64>> {
        let mut invocation = self.slow_mode.key(key);
        invocation.arg(window.as_millis().max(1) as u64);
        let wait: Option<u64> = self.run(&invocation).await;
        wait.map(|ms| if ms == 0 { Ok(()) } else { Err(ms) })
    }

    /// Runs a script unless Redis is paused; `None` on any failure (which
    /// pauses Redis for [`REDIS_PAUSE`]).
    async fn run(&self, invocation: &redis::ScriptInvocation<'_>) -> Option<u64> {
        let now_ms = self.epoch.elapsed().as_millis() as u64;
        if now_ms < self.paused_until_ms.load(Ordering::Relaxed) {
            metrics::counter!("arena_limits_redis_fallback_total").increment(1);
            return None;
        }
        let mut conn = self.conn.clone();
        let answer = tokio::time::timeout(REDIS_WAIT, invocation.invoke_async::<u64>(&mut conn));
        match answer.await {
            Ok(Ok(v)) => {
                if self.failing.load(Ordering::Relaxed)
                    && self.failing.swap(false, Ordering::Relaxed)
                {
                    tracing::info!(
                        "limits: Redis answers again; budgets and slow mode are cluster-wide again"
                    );
                }
                Some(v)
            }
            failed => {
                let error = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => format!("no answer within {} ms", REDIS_WAIT.as_millis()),
                };
                let until = self.epoch.elapsed() + REDIS_PAUSE;
                self.paused_until_ms
                    .store(until.as_millis() as u64, Ordering::Relaxed);
                metrics::counter!("arena_limits_redis_fallback_total").increment(1);
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%error, "limits: Redis is unavailable; budgets and slow mode are counted per node until it answers");
                }
                None
            }
        }
    }
}
