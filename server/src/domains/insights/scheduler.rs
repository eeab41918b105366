//! The scheduled job: each tenant's snapshot of the day that just ended,
//! taken at the tenant's local midnight.
//!
//! [`Scheduler::tick`] is the step: at wall time `now`, for every tenant
//! whose previous local day has no snapshot taken after that day ended,
//! the insights actor computes it (`computed_by` null). A staff snapshot
//! taken during the day is provisional and is replaced at midnight; a
//! tenant whose midnight passed while the server was down is caught up on
//! the next tick. [`run`] loops: tick, then sleep (tokio time, through the
//! [`Clock`]) until the earliest next midnight across tenants, at most an
//! hour (new tenants and changed time zones are picked up).

use super::clock::{self, Clock};
use super::{watch, Command};
use crate::domains::Domains;
use crate::ids::TenantId;
use crate::registry::Registry;
use crate::store::Store;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

/// Longest sleep between ticks.
pub const MAX_SLEEP: time::Duration = time::Duration::hours(1);

/// The snapshot job's parts.
#[derive(Clone)]
pub struct Scheduler {
    pub store: Store,
    pub domains: Domains,
    pub registry: Registry,
}

impl Scheduler {
    /// One step at wall time `now`: takes every due snapshot and refreshes
    /// the channels experiments watch. Answers the (tenant, day) taken.
    pub async fn tick(&self, now: OffsetDateTime) -> Vec<(TenantId, time::Date)> {
        let tenants = match self.store.fetch_tenant_timezones().await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "snapshot scheduler: reading tenants");
                return Vec::new();
            }
        };
        self.refresh_watched().await;
        let mut taken = Vec::new();
        for (tenant, name) in tenants {
            let tz = clock::zone_or_utc(&name);
            let Some(day) = clock::local_day(now, &tz).previous_day() else {
                continue;
            };
            let (_, end) = clock::day_bounds(day, &tz);
            let due = match self.store.fetch_snapshot(tenant, day).await {
                Ok(Some(s)) => s.computed_at < end,
                Ok(None) => true,
                Err(e) => {
                    tracing::warn!(%tenant, error = %e, "snapshot scheduler: reading a snapshot");
                    false
                }
            };
            if !due {
                continue;
            }
            let r = self
                .domains
                .insights()
                .ask(tenant, |reply| Command::Snapshot {
                    by: None,
                    day: Some(day),
                    now: Some(now),
                    reply,
                })
                .await;
            match r {
                Ok(_) => taken.push((tenant, day)),
                Err(e) => tracing::warn!(%tenant, %day, error = ?e, "daily snapshot failed"),
            }
        }
        taken
    }

    /// The earliest next local midnight across tenants after `now`, at most
    /// [`MAX_SLEEP`] away.
    pub async fn next_wake(&self, now: OffsetDateTime) -> OffsetDateTime {
        let zones: Vec<String> = self
            .store
            .fetch_tenant_timezones()
            .await
            .map(|t| t.into_iter().map(|(_, z)| z).collect())
            .unwrap_or_default();
        next_wake(now, &zones)
    }

    /// Watches the channels of running `message_posted` experiments.
    async fn refresh_watched(&self) {
        match self.store.fetch_watched_channel_keys().await {
            Ok(rows) => {
                for (t, k) in rows {
                    watch(&self.registry, t, &[k]);
                }
            }
            Err(e) => tracing::warn!(error = %e, "snapshot scheduler: reading watched channels"),
        }
    }
}

/// The earliest next local midnight after `now` among the time zones
/// named, at most [`MAX_SLEEP`] away (pure: the sleep computation).
pub fn next_wake(now: OffsetDateTime, zones: &[String]) -> OffsetDateTime {
    zones
        .iter()
        .map(|z| clock::next_midnight(now, &clock::zone_or_utc(z)))
        .min()
        .unwrap_or(now + MAX_SLEEP)
        .min(now + MAX_SLEEP)
}

/// Runs the job until `stop`: tick, sleep until the next wake (tokio time
/// through `clock`), repeat.
pub async fn run(scheduler: Scheduler, clock: Clock, stop: CancellationToken) {
    loop {
        let now = clock.now();
        scheduler.tick(now).await;
        let wake = scheduler.next_wake(clock.now()).await;
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(clock.instant_at(wake)) => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// The run loop's sleep: under paused time the clock reaches the
    /// earliest midnight (Berlin's, before Tokyo's) exactly, and the next
    /// computation from there is Tokyo's next midnight within the hour cap.
    #[tokio::test(start_paused = true)]
    async fn the_sleep_ends_at_the_earliest_tenant_midnight() {
        let clock = Clock::starting_at(datetime!(2026-11-25 22:30 UTC));
        let zones = vec!["Asia/Tokyo".to_owned(), "Europe/Berlin".to_owned()];
        let wake = next_wake(clock.now(), &zones);
        assert_eq!(wake, datetime!(2026-11-25 23:00 UTC));
        tokio::time::sleep_until(clock.instant_at(wake)).await;
        assert_eq!(clock.now(), datetime!(2026-11-25 23:00 UTC));
        // Next: capped at an hour (Tokyo's midnight is 16 hours away).
        assert_eq!(
            next_wake(clock.now(), &zones),
            datetime!(2026-11-26 00:00 UTC)
        );
        assert_eq!(next_wake(clock.now(), &[]), datetime!(2026-11-26 00:00 UTC));
    }
}
