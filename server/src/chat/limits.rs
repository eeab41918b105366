//! Per-member limits on writing: a budget per kind of write ([`Kind`],
//! GCRA), slow mode per channel, and timeouts (mutes, read from Postgres and
//! cached for [`MUTE_CACHE_TTL`]). With Redis ([`ClusterCounters`]) budgets
//! and slow mode are counted cluster-wide; without it, or while Redis does
//! not answer, on this node (see [`cluster`] for that policy).

pub mod budget;
pub mod cluster;

pub use budget::{Budget, Budgets, Kind};
pub use cluster::ClusterCounters;

use crate::ids::{ChannelId, TenantId, UserId};
use crate::registry::{Actor, ChannelInfo};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use budget::LocalBudgets;
use dashmap::DashMap;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Limits on what a message may carry and how often members write.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest content, in characters (`ARENA_MAX_CONTENT_CHARS`).
    pub max_content_chars: usize,
    /// Per-member budgets of each kind of write.
    pub budgets: Budgets,
}

/// The counters behind [`Limits`], shared by every request of the node.
#[derive(Debug)]
pub struct Limiter {
    budgets: Budgets,
    /// Budgets on this node: the only count without Redis, the fallback with it.
    local: LocalBudgets,
    /// Budgets and slow mode in Redis, when the node is in a cluster.
    cluster: Option<ClusterCounters>,
    /// Last post per member and channel, for slow mode on this node.
    last_post: DashMap<(ChannelId, UserId), Instant>,
    /// Each member's timeout as last read from Postgres (`None`: not timed
    /// out) and when it was read. Written when a session identifies, a REST
    /// post reads the member, staff time someone out, or a check finds no
    /// fresh entry and reads the database; an entry older than
    /// [`MUTE_CACHE_TTL`] is read again, so a timeout set elsewhere (another
    /// node, the database) applies within that time. One entry per member
    /// who acted (bounded by the tenant's members).
    muted: DashMap<(TenantId, UserId), (Option<OffsetDateTime>, Instant)>,
}

/// How long a member's timeout read from Postgres is trusted before it is
/// read again.
pub const MUTE_CACHE_TTL: Duration = Duration::from_secs(30);

impl Limiter {
    /// Counters for `budgets`, in Redis when `cluster` is given (else on this node).
    pub fn new(budgets: Budgets, cluster: Option<ClusterCounters>) -> Self {
        Limiter {
            budgets,
            local: LocalBudgets::new(&budgets),
            cluster,
            last_post: DashMap::new(),
            muted: DashMap::new(),
        }
    }

    /// Whether budgets and slow mode are counted in Redis (a cluster).
    pub fn is_clustered(&self) -> bool {
        self.cluster.is_some()
    }

    /// Takes one `kind` write from the member's budget, or `rate_limited`
    /// with the wait in `retry_after_ms`. Counted in Redis when the node has
    /// it and it answers, else on this node. Refusals are counted in
    /// `arena_rate_limited_total{kind}`.
    pub async fn check(&self, actor: &Actor, kind: Kind) -> Result<(), ErrorBody> {
        let shared = match &self.cluster {
            Some(c) => {
                let key = cluster::budget_key(actor.tenant_id, actor.user_id, kind.as_str());
                c.take(&key, self.budgets.of(kind)).await
            }
            None => None,
        };
        let taken = shared.unwrap_or_else(|| self.check_local(actor, kind));
        taken.map_err(|ms| {
            metrics::counter!("arena_rate_limited_total", "kind" => kind.as_str()).increment(1);
            ErrorBody::retry(
                ErrorCode::RateLimited,
                format!("too many {} requests; slow down", kind.as_str()),
                ms,
            )
        })
    }

    /// The node-local budget: `Err` with the wait in ms when spent.
    fn check_local(&self, actor: &Actor, kind: Kind) -> Result<(), u64> {
        self.local.take(actor.tenant_id, actor.user_id, kind)
    }

    /// Slow mode: one post per `slow_mode_s` per member in the channel, else
    /// `slow_mode` with the wait; counted in Redis when the node has it and
    /// it answers, else on this node. Staff and bots are exempt (Discord
    /// exempts members who can manage the channel).
    pub async fn check_slow_mode(&self, actor: &Actor, c: &ChannelInfo) -> Result<(), ErrorBody> {
        if c.slow_mode_s == 0 || actor.role.is_staff() || actor.role == Role::Bot {
            return Ok(());
        }
        let window = Duration::from_secs(u64::from(c.slow_mode_s));
        let shared = match &self.cluster {
            Some(cl) => {
                cl.slow_mode(&cluster::slow_mode_key(c.id, actor.user_id), window)
                    .await
            }
            None => None,
        };
        shared
            .unwrap_or_else(|| self.slow_mode_local(actor, c, Instant::now()))
            .map_err(|wait| {
                ErrorBody::retry(
                    ErrorCode::SlowMode,
                    format!("slow mode: wait {wait} ms"),
                    wait,
                )
            })
    }

    /// Slow mode on this node at `now`: `Err` with the wait in ms inside the
    /// window (exemptions are the caller's).
    fn slow_mode_local(&self, actor: &Actor, c: &ChannelInfo, now: Instant) -> Result<(), u64> {
        let window = Duration::from_secs(u64::from(c.slow_mode_s));
        match self.last_post.entry((c.id, actor.user_id)) {
            dashmap::Entry::Occupied(mut last) => {
                let since = now.saturating_duration_since(*last.get());
                if since < window {
                    return Err((window - since).as_millis() as u64);
                }
                last.insert(now);
            }
            dashmap::Entry::Vacant(first) => {
                first.insert(now);
            }
        }
        Ok(())
    }

    /// Records a member's timeout as just read from the store (`None` = not
    /// timed out).
    pub fn note_muted(&self, tenant_id: TenantId, user_id: UserId, until: Option<OffsetDateTime>) {
        self.muted
            .insert((tenant_id, user_id), (until, Instant::now()));
    }

    /// Drops the cached timeout of the member (another node changed it):
    /// the next check reads Postgres.
    pub fn forget_muted(&self, tenant_id: TenantId, user_id: UserId) {
        self.muted.remove(&(tenant_id, user_id));
    }

    /// The member's timeout if an entry younger than [`MUTE_CACHE_TTL`] is
    /// held at `at`; `None` when the database must be read.
    pub fn cached_mute(&self, actor: &Actor, at: Instant) -> Option<Option<OffsetDateTime>> {
        self.muted
            .get(&(actor.tenant_id, actor.user_id))
            .filter(|e| at.saturating_duration_since(e.1) < MUTE_CACHE_TTL)
            .map(|e| e.0)
    }

    /// `forbidden` with the remaining time while a timeout `until` holds at
    /// `now`; `Ok` without one or once it ended.
    pub fn verdict(until: Option<OffsetDateTime>, now: OffsetDateTime) -> Result<(), ErrorBody> {
        match until {
            Some(t) if t > now => {
                let ms = (t - now).whole_milliseconds().max(0) as u64;
                Err(ErrorBody::retry(
                    ErrorCode::Forbidden,
                    format!("you are timed out for {} more s", ms / 1000 + 1),
                    ms,
                ))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
