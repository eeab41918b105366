//! The cap on one member's gateway sessions across the cluster
//! (`sessions_per_user`; issue 11 "session caps hold across nodes", issue
//! 12 item 10): connecting to several nodes does not multiply it.
//!
//! `arena:sessions:{tenant}:{user}` (sorted set): one entry
//! `"{node_id}:{session key}"` per live session of the member on any node,
//! scored by the session key (a snowflake, so in open order across nodes).
//! [`register`] adds the new session in a Lua script that also drops the
//! entries of dead nodes (no `arena:node:{id}` claim) and pops the oldest
//! past the cap, which the caller closes (4015): its own directly, other
//! nodes' through a bus control. [`unregister`] removes an ended session.
//! The key expires a day after its last change, so a member who never
//! comes back leaves nothing behind.

use super::Cluster;
use crate::ids::{TenantId, UserId};

/// Adds `key`; past `limit` only, prunes dead nodes' entries and pops and
/// returns the oldest entries still past `limit` (never `key` itself) as
/// `(node_id, session key)`. Under the cap it costs O(log n): a member's
/// 10,000th session registers as fast as their first (issue 14 "Fast
/// IDENTIFY"); a dead node's entries only matter once they would push the
/// count past the cap, and are pruned then.
const REGISTER: &str = r"
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], 86400)
if redis.call('ZCARD', KEYS[1]) <= tonumber(ARGV[3]) then
  return {}
end
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local node = string.match(m, '^(%d+):')
  if node == nil or redis.call('EXISTS', 'arena:node:' .. node) == 0 then
    redis.call('ZREM', KEYS[1], m)
  end
end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local out = {}
if excess > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if #out >= excess then break end
    if m ~= ARGV[2] then
      redis.call('ZREM', KEYS[1], m)
      table.insert(out, m)
    end
  end
end
return out
";

/// The sorted set of a member's sessions.
pub fn sessions_key(tenant: TenantId, user: UserId) -> String {
    format!("arena:sessions:{}:{}", tenant.0, user.0)
}

/// Registers this node's session `key` of the member and returns the
/// sessions (anywhere in the cluster) to close so that at most `limit`
/// remain, oldest first. Errors: Redis failed (the caller keeps the
/// node's own cap).
pub async fn register(
    cluster: &Cluster,
    tenant: TenantId,
    user: UserId,
    key: u64,
    limit: usize,
) -> Result<Vec<(u16, u64)>, ::redis::RedisError> {
    let mut conn = cluster.conn();
    let popped: Vec<String> = ::redis::Script::new(REGISTER)
        .key(sessions_key(tenant, user))
        .arg(key)
        .arg(format!("{}:{key}", cluster.node_id()))
        .arg(limit.max(1))
        .invoke_async(&mut conn)
        .await?;
    Ok(popped
        .iter()
        .filter_map(|m| {
            let (node, key) = m.split_once(':')?;
            Some((node.parse().ok()?, key.parse().ok()?))
        })
        .collect())
}

/// Removes this node's ended session `key` of the member.
pub async fn unregister(
    cluster: &Cluster,
    tenant: TenantId,
    user: UserId,
    key: u64,
) -> Result<(), ::redis::RedisError> {
    let mut conn = cluster.conn();
    ::redis::cmd("ZREM")
        .arg(sessions_key(tenant, user))
        .arg(format!("{}:{key}", cluster.node_id()))
        .query_async::<()>(&mut conn)
        .await
}
