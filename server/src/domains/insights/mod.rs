//! The community-insights domain (#analytics, #analytics-dashboard,
//! #analytics-experiments; chat channels #experiments and #feedback):
//!
//! - a daily snapshot of program KPIs ([`kpis`]) per tenant-local day, taken
//!   by the [`scheduler`] at each tenant's midnight (time zones in
//!   [`clock`]) and on demand by staff, kept as history;
//! - the dashboard: the same KPIs over a viewer's filter (timeframe,
//!   industry, tier), kept per viewer in the actor; partners see program
//!   figures only when staff share them (default off), else their own;
//! - experiments ([`rules`]): variants with weights, a metric observed from
//!   signals and committed messages, stable assignment per partner,
//!   conversions once per partner, z-tests per variant; #experiments gets a
//!   post when one starts or concludes.
//!
//! Files: [`commands`] (the actor's commands), [`experiments`] (their
//! changes), [`actions`] (`panel.action`), [`panels`] and
//! [`panels_experiments`] (per-viewer panel data).

pub mod actions;
pub mod clock;
pub mod commands;
pub mod experiments;
pub mod kpis;
mod panels;
mod panels_experiments;
pub mod rules;
pub mod scheduler;

pub use commands::Command;

use super::{Changed, Context, Domain, Signal};
use crate::bus::Projection;
use crate::ids::{TenantId, UserId};
use crate::registry::{Actor, Registry};
use crate::store::{Store, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{Event, Snowflake};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, RwLock};

/// The panel kinds.
pub const ANALYTICS_PANEL: &str = "community-insights.analytics";
pub const DASHBOARD_PANEL: &str = "community-insights.dashboard";
pub const EXPERIMENTS_PANEL: &str = "community-insights.experiments";

/// The channel that hears of experiments starting and concluding.
pub const EXPERIMENTS_CHANNEL: &str = "experiments";

/// Dashboard filters kept per viewer (beyond this the oldest are forgotten).
const MAX_FILTERS: usize = 1000;

/// Channel ids counted by `message_posted` experiments that ran on this
/// node: lets [`Domain::interested`] pick a partner's post there without
/// I/O. It only grows (by the channels ever named by a started
/// experiment): an id whose experiment has stopped only costs a query
/// that finds nothing to convert. Grown by the actor when an experiment
/// starts and by the scheduler's every tick (so it holds after a restart).
static WATCHED: LazyLock<RwLock<HashSet<Snowflake>>> = LazyLock::new(Default::default);

/// Adds the channels with `keys` of `tenant_id` to the watched ones.
pub fn watch(registry: &Registry, tenant_id: TenantId, keys: &[String]) {
    let reg = registry.tenant(tenant_id);
    let ids: Vec<Snowflake> = keys
        .iter()
        .filter_map(|k| reg.by_key(k).map(|c| c.id.snowflake()))
        .filter(|id| !watched(*id))
        .collect();
    if ids.is_empty() {
        return;
    }
    if let Ok(mut w) = WATCHED.write() {
        w.extend(ids);
    }
}

fn watched(channel: Snowflake) -> bool {
    WATCHED
        .read()
        .map(|w| w.contains(&channel))
        .unwrap_or(false)
}

/// Does `by` see the program and manage insights (staff, or a bot with
/// the `community-insights` scope)?
pub fn sees_program(by: &Actor) -> bool {
    by.has_scope(Insights::NAME)
}

/// The ids of the channels `viewer` may read, whose messages its figures
/// count (issue 12 item 7: a staff-only channel's traffic is not a
/// partner's to see); `None` (every channel) for those who see the program.
pub fn readable_channels(registry: &crate::registry::Registry, viewer: &Actor) -> Option<Vec<i64>> {
    if sees_program(viewer) {
        return None;
    }
    Some(
        registry
            .tenant(viewer.tenant_id)
            .channels
            .iter()
            .filter(|c| c.can_read(viewer))
            .map(|c| c.id.0)
            .collect(),
    )
}

/// The community-insights domain's state for one tenant.
pub struct Insights {
    store: Store,
    tenant_id: TenantId,
    ctx: Context,
    /// Each dashboard viewer's filter (view state: lost on restart).
    filters: HashMap<UserId, kpis::Filter>,
}

impl Insights {
    fn next_id(&self) -> i64 {
        self.ctx.ids.next_id().0 as i64
    }

    /// [`readable_channels`] of `viewer` (`None` for the program's projection).
    fn readable_channels(&self, viewer: Option<&Actor>) -> Option<Vec<i64>> {
        readable_channels(&self.ctx.registry, viewer?)
    }

    /// The member behind a projection (`None` for the program's).
    async fn viewer(&self, projection: Projection) -> Result<Option<Actor>, StoreError> {
        match projection {
            Projection::Partner(u) => {
                let row = self.store.fetch_user(self.tenant_id, u).await?;
                let role = Role::parse(&row.role).unwrap_or(Role::Partner);
                Ok(Some(Actor::member(self.tenant_id, u, role, row.tier)))
            }
            Projection::Program | Projection::Everyone => Ok(None),
        }
    }

    fn remember_filter(&mut self, viewer: UserId, f: kpis::Filter) {
        if self.filters.len() >= MAX_FILTERS && !self.filters.contains_key(&viewer) {
            self.filters.clear();
        }
        self.filters.insert(viewer, f);
    }
}

impl Domain for Insights {
    const NAME: &'static str = "community-insights";
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Insights {
            store: ctx.store.clone(),
            tenant_id,
            ctx: ctx.clone(),
            filters: HashMap::new(),
        }
    }

    /// A partner's post in a channel a running `message_posted` experiment counts.
    fn interested(event: &Event) -> bool {
        match event {
            Event::MessageCreate(m) => m.author.role == Role::Partner && watched(m.channel_id),
            _ => false,
        }
    }

    async fn on_committed(&mut self, event: Event) -> Changed {
        let Event::MessageCreate(m) = event else {
            return Changed::Nothing;
        };
        let key = self
            .ctx
            .registry
            .tenant(self.tenant_id)
            .channels
            .iter()
            .find(|c| c.id.snowflake() == m.channel_id)
            .map(|c| c.key.clone());
        let Some(key) = key else {
            return Changed::Nothing;
        };
        experiments::convert(
            self,
            UserId::from(m.author.id),
            rules::Metric::MessagePosted,
            Some(&key),
        )
        .await
    }

    /// Deal wins and course completions are experiment conversions.
    fn wants(signal: &Signal) -> bool {
        matches!(
            signal,
            Signal::DealWon { .. } | Signal::CourseCompleted { .. }
        )
    }

    async fn on_signal(&mut self, signal: Signal) -> Changed {
        match signal {
            Signal::DealWon { partner, .. } => {
                experiments::convert(self, partner, rules::Metric::DealWon, None).await
            }
            Signal::CourseCompleted { partner, .. } => {
                experiments::convert(self, partner, rules::Metric::CourseCompleted, None).await
            }
            _ => Changed::Nothing,
        }
    }

    async fn command(&mut self, command: Command) -> Changed {
        commands::run(self, command).await
    }

    /// The dashboard is per viewer for everyone (each keeps a filter), so
    /// staff get their own projection there; elsewhere a partner sees their
    /// own, staff (and scoped bots) the program.
    fn projection(kind: &str, viewer: &Actor) -> Projection {
        if kind == DASHBOARD_PANEL {
            Projection::Partner(viewer.user_id)
        } else if sees_program(viewer) {
            Projection::Program
        } else {
            Projection::Partner(viewer.user_id)
        }
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        match kind {
            ANALYTICS_PANEL => panels::analytics(self, projection).await.map(Some),
            DASHBOARD_PANEL => panels::dashboard(self, projection).await.map(Some),
            EXPERIMENTS_PANEL => panels_experiments::build(self, projection).await.map(Some),
            _ => Ok(None),
        }
    }
}
