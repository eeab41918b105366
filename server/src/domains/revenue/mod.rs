//! The revenue domain (#deal-wins, #commissions, #leaderboard, #revenue-*):
//! deal wins recorded once per source-system `deal_id`, an append-only,
//! hash-chained commission ledger (pending → approved → paid, or reversed),
//! and panels per viewer: a partner sees their own numbers, staff the program.
//!
//! Files: [`program`] (`program.toml`), [`deals`] (deal-win input and its
//! idempotency), [`ledger`] (recording and status changes), [`goals`]
//! (monthly targets), [`panels`].

pub mod actions;
mod card;
pub mod deals;
pub mod goals;
pub mod ledger;
mod panels;
pub mod program;
pub mod tiers;

pub use deals::DealWin;
pub use ledger::{Command, LedgerEntry, Recorded};
pub use program::Program;

use super::{Changed, Context, Domain};
use crate::bus::Projection;
use crate::ids::TenantId;
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::{Event, SnowflakeGenerator};
use serde_json::Value;
use std::sync::Arc;

/// The card type of a deal win (PROTOCOL.md §7): posted by the server only.
pub const DEAL_WIN: &str = "deal_win";

/// The channel deal-win cards are posted in.
pub const DEAL_WINS_CHANNEL: &str = "deal-wins";

/// The revenue domain's state for one tenant.
pub struct Revenue {
    store: Store,
    tenant_id: TenantId,
    program: Arc<Program>,
    ids: Arc<SnowflakeGenerator>,
    links: super::Links,
    bus: Arc<dyn crate::bus::Bus>,
}

impl Domain for Revenue {
    const NAME: &'static str = "revenue";
    const CARD_TYPES: &'static [&'static str] = &[DEAL_WIN];
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Revenue {
            store: ctx.store.clone(),
            tenant_id,
            program: Arc::clone(&ctx.program),
            ids: Arc::clone(&ctx.ids),
            links: ctx.links.clone(),
            bus: Arc::clone(&ctx.bus),
        }
    }

    /// Revenue changes come in as commands, not chat events.
    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    async fn command(&mut self, command: Command) -> Changed {
        ledger::run(self, command).await
    }

    /// The leaderboard is one ranking for everyone (names and ranks, no
    /// money); the other panels are per viewer, the program for staff and
    /// for bots with the revenue scope.
    fn projection(kind: &str, viewer: &Actor) -> Projection {
        if kind == "revenue.leaderboard" {
            Projection::Everyone
        } else if viewer.bot.is_some() && viewer.has_scope(Self::NAME) {
            Projection::Program
        } else {
            Projection::of(viewer)
        }
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        panels::build(self, kind, projection).await
    }
}
