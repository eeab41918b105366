//! The enablement domain (#enablement-curriculum, #enablement-checklists,
//! #enablement-badges; posts in #training and #spotlight): courses with
//! ordered modules that staff create and publish, completion per partner
//! with certifications, SOP boards per client type ticked per client, and
//! badges awarded by the rules in `program.toml`.
//!
//! Files: [`config`] (`[enablement]` of program.toml), [`rules`] (pure
//! rules and bounds), [`commands`] (the actor's commands; courses),
//! [`completion`] (modules, quizzes, completions and their effects),
//! [`badges`] (awarding and announcing), [`boards`] (SOP boards and the
//! sharing setting), [`views`] (wire shapes), [`actions`] (`panel.action`),
//! [`panels`] and [`panels_boards`] (panel data per viewer).

pub mod actions;
pub mod badges;
pub mod boards;
pub mod commands;
pub mod completion;
pub mod config;
mod panels;
mod panels_boards;
pub mod rules;
pub mod views;

pub use commands::Command;

use super::{Changed, Context, Domain, Signal};
use crate::bus::Projection;
use crate::ids::TenantId;
use crate::store::StoreError;
use arena_protocol::Event;
use serde_json::Value;

/// Card posted in #training when a course is published.
pub const COURSE_PUBLISHED: &str = "course_published";
/// Card posted in #training when a partner completes a course.
pub const COURSE_COMPLETED: &str = "course_completed";
/// Card posted in #spotlight when a partner earns a badge.
pub const BADGE_AWARDED: &str = "badge_awarded";

/// Where course news goes.
pub const TRAINING_CHANNEL: &str = "training";
/// Where badges are announced.
pub const SPOTLIGHT_CHANNEL: &str = "spotlight";

/// The enablement domain's state for one tenant.
pub struct Enablement {
    ctx: Context,
    tenant_id: TenantId,
}

impl Enablement {
    fn store(&self) -> &crate::store::Store {
        &self.ctx.store
    }

    fn config(&self) -> &config::EnablementConfig {
        &self.ctx.program.enablement
    }
}

impl Domain for Enablement {
    const NAME: &'static str = "enablement";
    const CARD_TYPES: &'static [&'static str] =
        &[COURSE_PUBLISHED, COURSE_COMPLETED, BADGE_AWARDED];
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Enablement {
            ctx: ctx.clone(),
            tenant_id,
        }
    }

    /// Enablement changes come in as commands and signals, not chat events.
    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    /// A deal win may earn the first-deal badge.
    fn wants(signal: &Signal) -> bool {
        matches!(signal, Signal::DealWon { .. })
    }

    async fn on_signal(&mut self, signal: Signal) -> Changed {
        match signal {
            Signal::DealWon { partner, .. } => match badges::check(self, partner, true).await {
                Ok(0) => Changed::Nothing,
                Ok(_) => Changed::Only(vec![Projection::Partner(partner), Projection::Program]),
                Err(e) => {
                    tracing::warn!(tenant = %self.tenant_id, %partner, error = ?e, "badge check after a deal win failed");
                    Changed::Nothing
                }
            },
            _ => Changed::Nothing,
        }
    }

    async fn command(&mut self, command: Command) -> Changed {
        commands::run(self, command).await
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        match kind {
            "enablement.curriculum" => panels::curriculum(self, projection).await.map(Some),
            "enablement.checklists" => panels_boards::checklists(self, projection).await.map(Some),
            "enablement.badges" => panels_boards::badges(self, projection).await.map(Some),
            _ => Ok(None),
        }
    }
}
