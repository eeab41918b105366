//! The community-insights domain (#community-analytics, #insights-*):
//! activity across the workspace. Its panels are read models over
//! committed messages, rebuilt on read when older than the cache's age
//! bound; it reacts to no committed event yet (KPIs are issue 10).

mod panels;

use super::{Changed, Context, Domain};
use crate::bus::Projection;
use crate::ids::TenantId;
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::Event;
use serde_json::Value;

/// The community-insights domain's state for one tenant.
pub struct Insights {
    store: Store,
    registry: crate::registry::Registry,
    tenant_id: TenantId,
}

impl Domain for Insights {
    const NAME: &'static str = "community-insights";

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Insights {
            store: ctx.store.clone(),
            registry: ctx.registry.clone(),
            tenant_id,
        }
    }

    type Command = std::convert::Infallible;

    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    async fn command(&mut self, command: Self::Command) -> Changed {
        match command {}
    }

    /// Per viewer: a partner's figures count only the channels they may read.
    async fn build_panel(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        if !matches!(
            kind,
            "community-insights.analytics" | "community-insights.dashboard"
        ) {
            return Ok(None);
        }
        let viewer = match projection {
            Projection::Partner(u) => {
                let row = self.store.fetch_user(self.tenant_id, u).await?;
                let role = arena_protocol::model::Role::parse(&row.role)
                    .unwrap_or(arena_protocol::model::Role::Partner);
                Some(Actor::member(self.tenant_id, u, role, row.tier))
            }
            Projection::Program | Projection::Everyone => None,
        };
        let readable: Vec<crate::ids::ChannelId> = self
            .registry
            .tenant(self.tenant_id)
            .channels
            .iter()
            .filter(|c| viewer.as_ref().is_none_or(|v| c.can_read(v)))
            .map(|c| c.id)
            .collect();
        Ok(Some(
            panels::activity(&self.store, self.tenant_id, &readable).await?,
        ))
    }
}
