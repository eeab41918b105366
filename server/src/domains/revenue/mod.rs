//! The revenue domain (#deal-wins, #leaderboard, #commissions, #revenue-*):
//! deal wins and what partners earn. Today it reads committed `deal_win`
//! cards and builds the leaderboard, commissions and overview panels from
//! them; the ledger, program config and bot API are issue 8.

mod panels;

use super::{Changed, Context, Domain};
use crate::ids::TenantId;
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::Event;
use serde_json::Value;

/// The card type of a deal win (PROTOCOL.md §7).
pub const DEAL_WIN: &str = "deal_win";

/// The revenue domain's state for one tenant.
pub struct Revenue {
    store: Store,
    tenant_id: TenantId,
}

impl Domain for Revenue {
    const NAME: &'static str = "revenue";

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Revenue {
            store: ctx.store.clone(),
            tenant_id,
        }
    }

    /// A committed message carrying a deal-win card.
    fn interested(event: &Event) -> bool {
        matches!(event, Event::MessageCreate(m) if m.card.as_ref().is_some_and(|c| c.kind == DEAL_WIN))
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Panels
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        _viewer: &Actor,
    ) -> Result<Option<Value>, StoreError> {
        Ok(Some(match kind {
            "revenue.leaderboard" => panels::leaderboard(&self.store, self.tenant_id).await?,
            "revenue.commissions" | "revenue.overview" => {
                panels::overview(&self.store, self.tenant_id, kind).await?
            }
            _ => return Ok(None),
        }))
    }
}
