//! Per-member limits on posting: the message rate (governor's GCRA), slow
//! mode per channel, and timeouts (mutes, read from Postgres and cached for
//! [`MUTE_CACHE_TTL`]). Rates are counted on this node; sharing them across
//! nodes comes with the Redis scale-out (issue 11).

use crate::ids::{ChannelId, TenantId, UserId};
use crate::registry::{Actor, ChannelInfo};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use dashmap::DashMap;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Limits on what a message may carry and how often.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest content, in characters (`ARENA_MAX_CONTENT_CHARS`).
    pub max_content_chars: usize,
    /// Messages per second per member, burst three times that
    /// (`ARENA_MESSAGES_PER_SECOND`).
    pub messages_per_second: u32,
}

/// The counters behind [`Limits`]: cheap-clone maps shared by every request.
#[derive(Debug)]
pub struct Limiter {
    /// Message budget per member: `rate_limited` past it.
    rate: governor::DefaultKeyedRateLimiter<(TenantId, UserId)>,
    /// Last post per member and channel, for slow mode.
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

fn quota(per_second: u32) -> governor::Quota {
    let n = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(per_second.max(1).saturating_mul(3)).unwrap_or(n);
    governor::Quota::per_second(n).allow_burst(burst)
}

impl Limiter {
    /// Counters for `messages_per_second` per member.
    pub fn new(messages_per_second: u32) -> Self {
        Limiter {
            rate: governor::RateLimiter::keyed(quota(messages_per_second)),
            last_post: DashMap::new(),
            muted: DashMap::new(),
        }
    }

    /// Takes one message from the member's budget, or `rate_limited` with
    /// the wait in `retry_after_ms`.
    pub fn check_rate(&self, actor: &Actor) -> Result<(), ErrorBody> {
        self.rate
            .check_key(&(actor.tenant_id, actor.user_id))
            .map_err(|not_until| {
                let clock = governor::clock::DefaultClock::default();
                let ms = not_until
                    .wait_time_from(governor::clock::Clock::now(&clock))
                    .as_millis() as u64
                    + 1;
                ErrorBody::retry(ErrorCode::RateLimited, "sending too fast; slow down", ms)
            })
    }

    /// Slow mode at `now`: one post per `slow_mode_s` per member in the
    /// channel, else `slow_mode` with the wait. Staff and bots are exempt
    /// (Discord exempts members who can manage the channel).
    pub fn check_slow_mode(
        &self,
        actor: &Actor,
        c: &ChannelInfo,
        now: Instant,
    ) -> Result<(), ErrorBody> {
        if c.slow_mode_s == 0 || actor.role.is_staff() || actor.role == Role::Bot {
            return Ok(());
        }
        let window = Duration::from_secs(u64::from(c.slow_mode_s));
        match self.last_post.entry((c.id, actor.user_id)) {
            dashmap::Entry::Occupied(mut last) => {
                let since = now.saturating_duration_since(*last.get());
                if since < window {
                    let wait = (window - since).as_millis() as u64;
                    return Err(ErrorBody::retry(
                        ErrorCode::SlowMode,
                        format!("slow mode: wait {wait} ms"),
                        wait,
                    ));
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
