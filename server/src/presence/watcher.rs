//! Notices dead nodes (issue 11): every `node_heartbeat_ms` this node reads
//! the cluster's node ids (`arena:nodes`) and their claims. A node whose
//! claim has expired is dead (at most `node_ttl_ms` after its last
//! heartbeat, so its users go offline here within `node_ttl_ms +
//! node_heartbeat_ms`, 13 s by default). On first sight of a dead node this
//! node reads that node's presence hashes and dispatches PRESENCE_UPDATE
//! offline to its LOCAL sessions only (every node does the same for its
//! own) for each of those users who is visible neither here nor on another
//! live node.
//!
//! The dead node's hashes are deleted once it has been dead for two poll
//! periods and a second ([`grace`]), so that every other node has had a poll
//! to read them first; the delete is idempotent and is skipped if the node
//! id has been claimed again meanwhile (a restart clears its own). A node
//! that restarts before others saw it dead announces its previous life's
//! users itself ([`super::cluster::start`]).

use super::cluster::{clear, dump, ClusterLink};
use super::PresenceTable;
use crate::cluster::NODES;
use crate::ids::{TenantId, UserId};
use arena_protocol::model::{Presence, Status};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// `[id, holder or '']` for every node id in [`NODES`].
const CLAIMS: &str = r"
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  table.insert(out, n)
  table.insert(out, redis.call('GET', 'arena:node:' .. n) or '')
end
return out
";

/// How long a dead node's hashes are kept after this node first saw it dead.
pub fn grace(period: Duration) -> Duration {
    period * 2 + Duration::from_secs(1)
}

/// Polls the claims until `stop`; see the module documentation.
pub(super) async fn run(link: ClusterLink, table: PresenceTable, stop: CancellationToken) {
    let me = link.cluster().node_id();
    let period = link.cluster().heartbeat();
    let mut conn = link.cluster().conn();
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Dead nodes and when this node saw them dead (and announced them).
    let mut dead: HashMap<u16, Instant> = HashMap::new();
    let mut failing = false;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let claims: Vec<String> = match ::redis::cmd("EVAL")
            .arg(CLAIMS)
            .arg(1)
            .arg(NODES)
            .query_async(&mut conn)
            .await
        {
            Ok(c) => {
                failing = false;
                c
            }
            Err(e) => {
                if !std::mem::replace(&mut failing, true) {
                    tracing::warn!(error = %e, "presence: cannot read node claims; retrying");
                }
                continue;
            }
        };
        let mut listed = HashSet::new();
        for pair in claims.chunks_exact(2) {
            let Ok(node) = pair[0].parse::<u16>() else {
                continue;
            };
            listed.insert(node);
            if node == me {
                continue;
            }
            if !pair[1].is_empty() {
                dead.remove(&node);
                continue;
            }
            match dead.get(&node) {
                None => match announce(&link, &table, &mut conn, node).await {
                    Ok(n) => {
                        metrics::counter!("arena_presence_dead_nodes_total").increment(1);
                        tracing::info!(node_id = node, offline_here = n, "presence: node gone");
                        dead.insert(node, Instant::now());
                    }
                    Err(e) => {
                        tracing::warn!(node_id = node, error = %e, "presence: cannot read a dead node's presence; retrying");
                    }
                },
                Some(seen) if seen.elapsed() >= grace(period) => {
                    match clear(&mut conn, node, "").await {
                        Ok(_) => {
                            dead.remove(&node);
                        }
                        Err(e) => {
                            tracing::warn!(node_id = node, error = %e, "presence: cannot clear a dead node's presence; retrying");
                        }
                    }
                }
                Some(_) => {}
            }
        }
        // Cleared by another node (or restarted and gone again): forget.
        dead.retain(|n, _| listed.contains(n));
    }
}

/// Dispatches offline here for the users of dead `node` who are visible
/// neither here nor on another live node; returns how many.
async fn announce(
    link: &ClusterLink,
    table: &PresenceTable,
    conn: &mut ::redis::aio::ConnectionManager,
    node: u16,
) -> Result<usize, String> {
    let mut by_tenant: HashMap<TenantId, Vec<Presence>> = HashMap::new();
    for (t, p) in dump(conn, node).await.map_err(|e| e.to_string())? {
        by_tenant.entry(t).or_default().push(p);
    }
    let mut n = 0;
    for (tenant, users) in by_tenant {
        if !table.has_sessions(tenant) {
            continue;
        }
        // The dead node's claim is gone, so `others` no longer reads it.
        let present: HashSet<_> = link
            .others(tenant, None)
            .await?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        for p in users {
            let user = UserId::from(p.user_id);
            if present.contains(&p.user_id) || table.visible_here(tenant, user) {
                continue;
            }
            table.emit_here(tenant, user, Status::Offline, PresenceTable::now());
            n += 1;
        }
    }
    Ok(n)
}
