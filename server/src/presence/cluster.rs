//! Presence across the nodes of a cluster, through Redis (issue 11).
//!
//! Keys (node ids from [`crate::cluster`]):
//! - `arena:p:{tenant_id}:{node_id}` (hash): user id → `"{status} {since}"`
//!   for each user visible (online, idle, dnd) on that node; offline and
//!   invisible users are absent.
//! - `arena:pt:{node_id}` (set): the tenants that node wrote a hash for,
//!   so a dead node's hashes are found without scanning the key space.
//!
//! Writing: the sync presence code ([`super::PresenceTable`]) offers each
//! change of a user's visible status on this node to a bounded queue of
//! [`PRESENCE_QUEUE`] changes; one writer task applies them in order
//! (`HSET`/`HDEL`). Queue full policy: the change is dropped from the queue,
//! counted (`arena_presence_queue_full_total`) and a resync is asked for:
//! once the queue has room the writer rewrites this node's hashes from the
//! table. A last-socket offline that could not be queued is published at once
//! as a single node would. Redis errors ask for the same resync.
//!
//! Offline: when a user's last visible socket here goes (or turns
//! invisible), the writer, after its `HDEL`, publishes PRESENCE_UPDATE
//! offline to every node only if the user is visible on no other live node
//! (and not here again meanwhile); other statuses are published at once by
//! the table, as the status the user set on the node where it changed.
//!
//! Reading: READY and `presence.list` take this node's table and the hashes
//! of every other live node (those whose claim key exists), in one Lua
//! script, merged by [`super::merge`]. If Redis does not answer within
//! [`READ_TIMEOUT`] they fall back to this node's view (logged).
//!
//! Nodes come and go: at start a node clears what its previous life (same
//! node id) left, first publishing offline for those users who are on no
//! other live node; [`super::watcher`] notices dead nodes.

use super::PresenceTable;
use crate::cluster::{heartbeat, Cluster};
use crate::ids::{TenantId, UserId};
use arena_protocol::model::{Presence, Status};
use arena_protocol::Snowflake;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Presence changes waiting to be written to Redis, at most; beyond, see the module's policy.
pub const PRESENCE_QUEUE: usize = 4096;

/// How long READY and `presence.list` wait for Redis before answering with this node's view.
pub const READ_TIMEOUT: Duration = Duration::from_secs(1);

/// The hash of a tenant's users visible on a node.
pub fn presence_key(tenant: TenantId, node: u16) -> String {
    format!("arena:p:{}:{node}", tenant.0)
}

/// The set of tenants a node wrote presence for.
pub fn tenants_key(node: u16) -> String {
    format!("arena:pt:{node}")
}

/// ARGV tenant, this node, user or ''. The `[user, value]` pairs of the
/// tenant's hash (or of one user) on every other live node.
const VIEW: &str = r"
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', 'arena:nodes')) do
  if n ~= ARGV[2] and redis.call('EXISTS', 'arena:node:' .. n) == 1 then
    local h = 'arena:p:' .. ARGV[1] .. ':' .. n
    if ARGV[3] == '' then
      for _, x in ipairs(redis.call('HGETALL', h)) do table.insert(out, x) end
    else
      local v = redis.call('HGET', h, ARGV[3])
      if v then table.insert(out, ARGV[3]); table.insert(out, v) end
    end
  end
end
return out
";

/// ARGV node. `[tenant, user, value]` triples of everything the node wrote.
const DUMP: &str = r"
local out = {}
for _, t in ipairs(redis.call('SMEMBERS', 'arena:pt:' .. ARGV[1])) do
  local h = redis.call('HGETALL', 'arena:p:' .. t .. ':' .. ARGV[1])
  for i = 1, #h, 2 do
    table.insert(out, t); table.insert(out, h[i]); table.insert(out, h[i + 1])
  end
end
return out
";

/// ARGV node, holder or ''. Deletes the node's presence if its claim is
/// gone (and then forgets the node) or is `holder`'s; 1 if deleted.
const CLEAR: &str = r"
local v = redis.call('GET', 'arena:node:' .. ARGV[1])
if v and v ~= ARGV[2] then return 0 end
for _, t in ipairs(redis.call('SMEMBERS', 'arena:pt:' .. ARGV[1])) do
  redis.call('DEL', 'arena:p:' .. t .. ':' .. ARGV[1])
end
redis.call('DEL', 'arena:pt:' .. ARGV[1])
if not v then redis.call('SREM', 'arena:nodes', ARGV[1]) end
return 1
";

/// A hash value, `"{status} {since}"`.
fn value(status: Status, since: &str) -> String {
    let s = match status {
        Status::Online => "online",
        Status::Idle => "idle",
        Status::Dnd => "dnd",
        Status::Offline => "offline",
    };
    format!("{s} {since}")
}

/// A user id and hash value as a Presence; `None` if either is malformed.
pub(super) fn parse(user: &str, value: &str) -> Option<Presence> {
    let (status, since) = value.split_once(' ')?;
    let status = match status {
        "online" => Status::Online,
        "idle" => Status::Idle,
        "dnd" => Status::Dnd,
        _ => return None,
    };
    Some(Presence {
        user_id: Snowflake(user.parse().ok()?),
        status,
        since: since.to_owned(),
    })
}

/// One change of a user's visible status on this node: `before` is what
/// they showed here until now (offline when they were not visible), `now`
/// the new status and since, `None` when they are no longer visible here.
/// The writer publishes the user's merged cluster status if it moved.
#[derive(Debug)]
pub(super) struct Change {
    pub tenant: TenantId,
    pub user: UserId,
    pub before: Status,
    pub now: Option<(Status, String)>,
}

/// The presence table's side of the cluster: the queue to the writer and
/// the reads of other nodes' presence.
#[derive(Clone)]
pub struct ClusterLink {
    cluster: Cluster,
    queue: mpsc::Sender<Change>,
    resync: Arc<AtomicBool>,
    /// Set while the queue is full, so a full spell is logged once.
    full: Arc<AtomicBool>,
}

impl ClusterLink {
    /// Queues `change` for the writer; false if it could not be (full: a
    /// resync is asked for; closed: the node is stopping).
    pub(super) fn offer(&self, change: Change) -> bool {
        match self.queue.try_send(change) {
            Ok(()) => {
                if self.full.load(Ordering::Relaxed) && self.full.swap(false, Ordering::Relaxed) {
                    tracing::info!("presence: Redis queue has room again");
                }
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("arena_presence_queue_full_total").increment(1);
                self.resync.store(true, Ordering::Relaxed);
                if !self.full.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        limit = PRESENCE_QUEUE,
                        "presence: Redis queue full; this node's hashes will be rewritten"
                    );
                }
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// The presences of `tenant` (or of one `user`) on every other live
    /// node, unmerged. Errors: Redis failed or did not answer in [`READ_TIMEOUT`].
    pub(super) async fn others(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
    ) -> Result<Vec<Presence>, String> {
        let mut conn = self.cluster.conn();
        let mut cmd = ::redis::cmd("EVAL");
        cmd.arg(VIEW)
            .arg(0)
            .arg(tenant.0)
            .arg(self.cluster.node_id())
            .arg(user.map_or(String::new(), |u| u.0.to_string()));
        let call = cmd.query_async::<Vec<String>>(&mut conn);
        let flat = match tokio::time::timeout(READ_TIMEOUT, call).await {
            Ok(r) => r.map_err(|e| e.to_string())?,
            Err(_) => return Err(format!("no answer within {READ_TIMEOUT:?}")),
        };
        Ok(flat
            .chunks_exact(2)
            .filter_map(|kv| parse(&kv[0], &kv[1]))
            .collect())
    }

    /// The cluster handle (node id, connection).
    pub(super) fn cluster(&self) -> &Cluster {
        &self.cluster
    }
}

/// Everything `node` wrote, as (tenant, presence).
pub(super) async fn dump(
    conn: &mut ::redis::aio::ConnectionManager,
    node: u16,
) -> Result<Vec<(TenantId, Presence)>, ::redis::RedisError> {
    let flat: Vec<String> = ::redis::cmd("EVAL")
        .arg(DUMP)
        .arg(0)
        .arg(node)
        .query_async(conn)
        .await?;
    Ok(flat
        .chunks_exact(3)
        .filter_map(|x| Some((TenantId(x[0].parse().ok()?), parse(&x[1], &x[2])?)))
        .collect())
}

/// Deletes `node`'s presence if its claim is gone or is `holder`'s ('' for
/// none); true if deleted.
pub(super) async fn clear(
    conn: &mut ::redis::aio::ConnectionManager,
    node: u16,
    holder: &str,
) -> Result<bool, ::redis::RedisError> {
    let n: i64 = ::redis::cmd("EVAL")
        .arg(CLEAR)
        .arg(0)
        .arg(node)
        .arg(holder)
        .query_async(conn)
        .await?;
    Ok(n == 1)
}

/// Joins `table` to the cluster: clears this node id's previous life
/// (publishing offline for its users on no other live node), then spawns
/// the writer, the dead-node [`super::watcher`] and the claim's
/// [`heartbeat`] on `tasks` (all end at `stop`; a lost claim cancels
/// `shutdown`). Returns the table that writes through Redis.
///
/// Errors: Redis failed while clearing (the start stops; the claim expires).
pub async fn start(
    cluster: Cluster,
    table: PresenceTable,
    tasks: &TaskTracker,
    shutdown: CancellationToken,
    stop: CancellationToken,
) -> Result<PresenceTable, crate::cluster::ClusterError> {
    let node = cluster.node_id();
    let mut conn = cluster.conn();
    let redis_err = |e: ::redis::RedisError| crate::cluster::ClusterError::Redis {
        node_id: node,
        reason: e.to_string(),
    };
    let (tx, rx) = mpsc::channel(PRESENCE_QUEUE);
    let link = ClusterLink {
        cluster: cluster.clone(),
        queue: tx,
        resync: Arc::new(AtomicBool::new(false)),
        full: Arc::new(AtomicBool::new(false)),
    };
    let stale = dump(&mut conn, node).await.map_err(redis_err)?;
    if !stale.is_empty() {
        tracing::info!(
            node_id = node,
            users = stale.len(),
            "presence: clearing what this node id's previous life left"
        );
    }
    for (tenant, p) in stale {
        let user = UserId::from(p.user_id);
        let elsewhere = link.others(tenant, Some(user)).await.unwrap_or_default();
        if elsewhere.is_empty() {
            table.publish(tenant, user, Status::Offline, super::PresenceTable::now());
        }
    }
    clear(&mut conn, node, cluster.holder())
        .await
        .map_err(redis_err)?;
    let table = table.with_cluster(link.clone());
    tasks.spawn(heartbeat::run(
        cluster,
        Arc::clone(&link.resync),
        shutdown,
        stop.clone(),
    ));
    tasks.spawn(write(link.clone(), rx, table.clone(), stop.clone()));
    tasks.spawn(super::watcher::run(link, table.clone(), stop));
    Ok(table)
}

/// The writer: applies queued changes in order; resyncs when asked (checked
/// after each change and every heartbeat period); on
/// `stop` applies what is still queued and ends.
async fn write(
    link: ClusterLink,
    mut rx: mpsc::Receiver<Change>,
    table: PresenceTable,
    stop: CancellationToken,
) {
    let mut conn = link.cluster.conn();
    let mut failing = false;
    // A resync asked for by the heartbeat (claim made again) with no change coming.
    let mut tick = tokio::time::interval(link.cluster.heartbeat());
    loop {
        tokio::select! {
            _ = stop.cancelled() => {
                rx.close();
                while let Some(c) = rx.recv().await {
                    apply(&link, &mut conn, &table, c, &mut failing).await;
                }
                return;
            }
            c = rx.recv() => {
                let Some(c) = c else { return };
                apply(&link, &mut conn, &table, c, &mut failing).await;
            }
            _ = tick.tick() => {}
        }
        if link.resync.swap(false, Ordering::Relaxed) {
            // What is queued now is older than the snapshot: applied first,
            // so that no stale change lands on top of the rewrite.
            while let Ok(c) = rx.try_recv() {
                apply(&link, &mut conn, &table, c, &mut failing).await;
            }
            if let Err(e) = resync(&link, &mut conn, &table).await {
                link.resync.store(true, Ordering::Relaxed);
                tracing::warn!(error = %e, "presence: resync to Redis failed; retried at the next change");
            }
        }
    }
}

/// Writes one change, then announces the merged status if it moved.
async fn apply(
    link: &ClusterLink,
    conn: &mut ::redis::aio::ConnectionManager,
    table: &PresenceTable,
    c: Change,
    failing: &mut bool,
) {
    let node = link.cluster.node_id();
    let key = presence_key(c.tenant, node);
    let mut pipe = ::redis::pipe();
    match &c.now {
        Some((status, since)) => {
            pipe.cmd("HSET")
                .arg(&key)
                .arg(c.user.0)
                .arg(value(*status, since))
                .ignore()
                .cmd("SADD")
                .arg(tenants_key(node))
                .arg(c.tenant.0)
                .ignore();
        }
        None => {
            pipe.cmd("HDEL").arg(&key).arg(c.user.0).ignore();
        }
    }
    match pipe.query_async::<()>(conn).await {
        Ok(()) => {
            if std::mem::take(failing) {
                tracing::info!("presence: Redis writes work again");
            }
        }
        Err(e) => {
            link.resync.store(true, Ordering::Relaxed);
            if !std::mem::replace(failing, true) {
                tracing::warn!(error = %e, "presence: Redis write failed; hashes are rewritten once it works");
            }
        }
    }
    announce(link, table, c).await;
}

/// Publishes the user's cluster status ([`merge`](super::merge): the most
/// present over their live nodes) if `c` moved it: a member online on
/// another node who goes idle here stays online for everyone; one who
/// leaves here while idle elsewhere turns idle, not offline. If the other
/// nodes cannot be read, this node's change is published as it is (logged).
async fn announce(link: &ClusterLink, table: &PresenceTable, c: Change) {
    use super::merge::{most_present, rank};
    if c.now.is_none() && table.visible_here(c.tenant, c.user) {
        // Back here already: that later change is queued and decides.
        return;
    }
    let elsewhere = match link.others(c.tenant, Some(c.user)).await {
        Ok(v) => v.into_iter().reduce(most_present),
        Err(e) => {
            tracing::warn!(error = %e, "presence: cannot read other nodes; announcing this node's change");
            None
        }
    };
    let before = match &elsewhere {
        Some(o) if rank(o.status) >= rank(c.before) => o.status,
        _ => c.before,
    };
    let here = c.now.map(|(status, since)| Presence {
        user_id: c.user.snowflake(),
        status,
        since,
    });
    let after = match (here, elsewhere) {
        (Some(h), Some(o)) => Some(most_present(h, o)),
        (h, o) => h.or(o),
    };
    let (status, since) = after.map_or((Status::Offline, super::PresenceTable::now()), |p| {
        (p.status, p.since)
    });
    // Checked again for offline: the user may have come back during the read.
    if status != before && !(status == Status::Offline && table.visible_here(c.tenant, c.user)) {
        table.publish(c.tenant, c.user, status, since);
    }
}

/// Rewrites this node's hashes from `table`.
async fn resync(
    link: &ClusterLink,
    conn: &mut ::redis::aio::ConnectionManager,
    table: &PresenceTable,
) -> Result<(), ::redis::RedisError> {
    let node = link.cluster.node_id();
    clear(conn, node, link.cluster.holder()).await?;
    let mut pipe = ::redis::pipe();
    for (tenant, users) in table.snapshot() {
        if users.is_empty() {
            continue;
        }
        let key = presence_key(tenant, node);
        pipe.cmd("SADD")
            .arg(tenants_key(node))
            .arg(tenant.0)
            .ignore();
        for p in users {
            pipe.cmd("HSET")
                .arg(&key)
                .arg(p.user_id.0)
                .arg(value(p.status, &p.since))
                .ignore();
        }
    }
    pipe.query_async::<()>(conn).await?;
    tracing::info!(node_id = node, "presence: this node's hashes rewritten");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_values_round_trip_and_bad_ones_are_skipped() {
        let since = "2026-01-01T10:00:00.000Z";
        for s in [Status::Online, Status::Idle, Status::Dnd] {
            let p = parse("42", &value(s, since)).expect("parses");
            assert_eq!(
                (p.user_id, p.status, p.since.as_str()),
                (Snowflake(42), s, since)
            );
        }
        assert!(
            parse("42", &value(Status::Offline, since)).is_none(),
            "never stored"
        );
        assert!(parse("x", "online 2026").is_none());
        assert!(parse("42", "online").is_none());
        assert!(parse("42", "away 2026").is_none());
    }
}
