//! The client-exchange domain (#clients-roster, #clients-opportunities,
//! #clients-industries, and notices in #clients): each partner's client
//! roster with notes private to their author, an opportunity pipeline whose
//! won deals are recorded through the revenue domain, and industry figures
//! with staff-curated recommendations. A partner sees their own clients and
//! opportunities; staff see the program's.
//!
//! Files: [`input`] (validation), [`stages`] (the pipeline's state
//! machine), [`commands`] (the actor's commands), `roster` (the roster's rules),
//! [`views`] (answer shapes),
//! [`pipeline`] (opportunities, recording a win), [`actions`]
//! (`panel.action`), `panels` and `industries` (panel data).

pub mod actions;
pub mod commands;
mod industries;
pub mod input;
mod panels;
pub mod pipeline;
mod roster;
pub mod stages;
pub mod views;

pub use commands::{ClientView, Command, NoteView, OpportunityView, RecommendationView};

use super::{Changed, Context, Domain};
use crate::bus::Projection;
use crate::ids::TenantId;
use crate::store::{Store, StoreError};
use arena_protocol::Event;
use serde_json::Value;

/// The card type of a client assignment notice in #clients.
pub const CLIENT_ASSIGNED: &str = "client_assigned";
/// The chat channel notices go to.
pub const NOTICE_CHANNEL: &str = "clients";
/// The roster's channel, which notices link to.
pub const ROSTER_CHANNEL: &str = "clients-roster";

/// Panel kinds.
pub const ROSTER: &str = "client-exchange.roster";
pub const OPPORTUNITIES: &str = "client-exchange.opportunities";
pub const INDUSTRIES: &str = "client-exchange.industries";

/// The client-exchange domain's state for one tenant.
pub struct ClientExchange {
    ctx: Context,
    tenant_id: TenantId,
}

impl ClientExchange {
    fn store(&self) -> &Store {
        &self.ctx.store
    }
}

impl Domain for ClientExchange {
    const NAME: &'static str = "client-exchange";
    const CARD_TYPES: &'static [&'static str] = &[CLIENT_ASSIGNED];
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        ClientExchange {
            ctx: ctx.clone(),
            tenant_id,
        }
    }

    /// Changes come in as commands, not chat events.
    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    async fn command(&mut self, command: Command) -> Changed {
        commands::run(self, command).await
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        let partner = match projection {
            Projection::Partner(p) => Some(p),
            Projection::Program | Projection::Everyone => None,
        };
        Ok(Some(match kind {
            ROSTER => panels::roster(self, partner).await?,
            OPPORTUNITIES => panels::opportunities(self, partner).await?,
            INDUSTRIES => industries::panel(self, partner).await?,
            _ => return Ok(None),
        }))
    }
}
