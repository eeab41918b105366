//! The app-plans domain (#app-plans-create, #app-plans-library,
//! #app-plans-templates; posts in #app-plan-generator): a partner answers
//! the plan wizard (client and goals, branding, features) and gets a draft
//! plan filled deterministically from a curated template; when a language
//! model is configured its narrative sections are rewritten in the
//! background (the plan shows "writing…" meanwhile). Plans move draft →
//! submitted → approved | changes requested (staff decide); each
//! submission is posted once to #app-plan-generator; plans export as
//! Markdown. Staff keep the template catalogue.
//!
//! Files: [`status`] (the pure status machine), [`render`] (placeholders,
//! the feature catalogue, Markdown), [`input`] (validation), [`templates`]
//! (the curated list and the staff text form), [`llm`] (the narrative
//! writer), [`commands`] (the plan commands), [`writing`] (narrative
//! writing off the actor), [`catalogue`] (template
//! commands), [`views`] (wire shapes), [`actions`] (`panel.action`),
//! [`panels`] and [`panels_library`] (panel data per viewer).

pub mod actions;
pub mod catalogue;
pub mod commands;
pub mod input;
pub mod llm;
mod panels;
mod panels_library;
pub mod render;
pub mod status;
pub mod templates;
pub mod views;
mod writing;

pub use commands::Command;

use super::{Changed, Context, Domain};
use crate::bus::Projection;
use crate::ids::{PlanId, TenantId};
use crate::registry::Actor;
use crate::store::StoreError;
use arena_protocol::Event;
use serde_json::Value;
use std::collections::HashMap;

/// The domain's name (`domain` in channels.toml).
pub const NAME: &str = "app-plans";
/// The card posted in #app-plan-generator for each submission.
pub const PLAN_SUBMITTED: &str = "app_plan.submitted";
/// Where submissions are posted.
pub const GENERATOR_CHANNEL: &str = "app-plan-generator";

/// The panel kinds.
pub const CREATE_PANEL: &str = "app-plans.create";
pub const LIBRARY_PANEL: &str = "app-plans.library";
pub const TEMPLATES_PANEL: &str = "app-plans.templates";

/// The app-plans domain's state for one tenant.
pub struct Plans {
    ctx: Context,
    tenant_id: TenantId,
    /// The curated templates are written and interrupted narrative jobs
    /// restarted once per actor start (see [`Plans::prepare`]).
    prepared: bool,
    /// The plan each library projection last opened (`view_plan`). View
    /// state only: lost on restart, bounded by the viewers.
    focus: HashMap<Projection, PlanId>,
    /// The template staff last opened for editing (`view_template`).
    template_focus: Option<String>,
}

/// Does `by` see every plan (staff, or a bot with the `app-plans` scope)?
pub fn sees_all(by: &Actor) -> bool {
    match &by.bot {
        Some(_) => by.has_scope(NAME),
        None => by.role.is_staff(),
    }
}

/// Is `by` a staff member acting as themselves (decisions, templates)?
pub fn is_staff(by: &Actor) -> bool {
    by.role.is_staff() && by.bot.is_none()
}

impl Plans {
    fn store(&self) -> &crate::store::Store {
        &self.ctx.store
    }

    /// Once per actor start: writes the curated templates the tenant lacks
    /// and restarts narrative writing for plans left "writing" (a restart
    /// interrupted it; a duplicate result is ignored by its generation).
    async fn prepare(&mut self) -> Result<(), StoreError> {
        if self.prepared {
            return Ok(());
        }
        let curated = templates::curated();
        let rows: Vec<_> = curated
            .iter()
            .enumerate()
            .map(|(i, t)| t.to_new(i as i32, None))
            .collect();
        self.store()
            .insert_seed_plan_templates(self.tenant_id, &rows)
            .await?;
        for plan in self
            .store()
            .fetch_plans_writing(self.tenant_id, 100)
            .await?
        {
            writing::start_writing(self, &plan).await;
        }
        self.prepared = true;
        Ok(())
    }
}

impl Domain for Plans {
    const NAME: &'static str = NAME;
    const CARD_TYPES: &'static [&'static str] = &[PLAN_SUBMITTED];
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Plans {
            ctx: ctx.clone(),
            tenant_id,
            prepared: false,
            focus: HashMap::new(),
            template_focus: None,
        }
    }

    /// Plans change through commands, not chat events.
    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    async fn command(&mut self, command: Command) -> Changed {
        if let Err(e) = self.prepare().await {
            tracing::warn!(tenant = %self.tenant_id, error = %e, "app-plans: templates not prepared");
        }
        commands::run(self, command).await
    }

    /// Per viewer: a partner their own plans, staff (and bots with the
    /// `app-plans` scope) the program.
    fn projection(_kind: &str, viewer: &Actor) -> Projection {
        if sees_all(viewer) {
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
        self.prepare().await?;
        panels::build(self, kind, projection).await
    }
}
