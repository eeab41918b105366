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
    tenant_id: TenantId,
}

impl Domain for Insights {
    const NAME: &'static str = "community-insights";

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Insights {
            store: ctx.store.clone(),
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

    /// Workspace activity is the same for every reader.
    fn projection(_kind: &str, _viewer: &Actor) -> Projection {
        Projection::Everyone
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        _projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        Ok(match kind {
            "community-insights.analytics" | "community-insights.dashboard" => {
                Some(panels::activity(&self.store, self.tenant_id).await?)
            }
            _ => None,
        })
    }
}
