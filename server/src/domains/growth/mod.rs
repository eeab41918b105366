//! The growth hub (#growth-referrals, #growth-landing-pages,
//! #growth-campaigns): partners' referral codes with public redirects and
//! QR codes, referred leads through referred → contacted → qualified →
//! won | lost with rewards from program config (a won lead records one deal
//! win in revenue), public landing pages whose contact form makes a lead for
//! the page's partner, and outreach campaigns whose due steps go out as
//! `campaign.step_due` webhook events.
//!
//! Files: [`stage`] (the pure stage rules), [`config`] (`[growth]` in
//! program.toml), [`input`] (validation), [`visitor`] (bots, address
//! hashing), [`render`] (script templates), [`commands`] (the command enum
//! and dispatch), [`referrals`], [`pages`], [`campaigns`] (the commands by
//! concept), [`scheduler`] (due steps), [`actions`] (`panel.action`),
//! [`panels`], [`panels_pages`], [`panels_campaigns`]; [`views`] (wire shapes).

pub mod actions;
pub mod campaigns;
pub mod commands;
pub mod config;
pub mod input;
pub mod pages;
mod panels;
mod panels_campaigns;
mod panels_pages;
pub mod referrals;
pub mod render;
pub mod scheduler;
pub mod stage;
pub mod views;
pub mod visitor;

pub use commands::Command;
pub use config::GrowthConfig;

use super::{Changed, Context, Domain};
use crate::bus::Projection;
use crate::ids::TenantId;
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::Event;
use serde_json::Value;

/// The domain's name (channels.toml `domain`) and its bot scope.
pub const NAME: &str = "growth-hub";
/// Panel kinds.
pub const REFERRALS_PANEL: &str = "growth-hub.referrals";
pub const PAGES_PANEL: &str = "growth-hub.landing-pages";
pub const CAMPAIGNS_PANEL: &str = "growth-hub.campaigns";
/// The chat channel a partner shares a landing page in.
pub const SHARE_CHANNEL: &str = "landing-pages";

/// The growth hub's state for one tenant.
pub struct Growth {
    store: Store,
    tenant_id: TenantId,
    ctx: Context,
    /// The landing page each projection last opened (`view_page`): its edit
    /// form and preview are shown. View state only, bounded by the viewers.
    focus: std::collections::HashMap<Projection, crate::ids::LandingPageId>,
    /// Landing-page submissions per visitor (a bounded rate limit).
    submissions: pages::Submissions,
}

impl Growth {
    /// `[growth]` of the program.
    fn config(&self) -> &GrowthConfig {
        &self.ctx.program.growth
    }

    fn next_id(&self) -> i64 {
        self.ctx.ids.next_id().0 as i64
    }
}

/// Does `by` see every partner's records (staff, or a bot with the
/// `growth-hub` scope)?
pub fn sees_all(by: &Actor) -> bool {
    match &by.bot {
        Some(_) => by.has_scope(NAME),
        None => by.role.is_staff(),
    }
}

/// Is `by` a staff member acting as themselves?
pub fn is_staff(by: &Actor) -> bool {
    by.role.is_staff() && by.bot.is_none()
}

impl Domain for Growth {
    const NAME: &'static str = NAME;
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Growth {
            store: ctx.store.clone(),
            tenant_id,
            ctx: ctx.clone(),
            focus: std::collections::HashMap::new(),
            submissions: pages::Submissions::default(),
        }
    }

    /// Growth changes come in as commands (and public hits), not chat events.
    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    async fn command(&mut self, command: Command) -> Changed {
        commands::run(self, command).await
    }

    /// Per viewer: a partner their own records; staff and bots with the
    /// `growth-hub` scope the program.
    fn projection(_kind: &str, viewer: &Actor) -> Projection {
        if viewer.bot.is_some() && viewer.has_scope(NAME) {
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
        match kind {
            REFERRALS_PANEL => panels::build(self, projection).await.map(Some),
            PAGES_PANEL => panels_pages::build(self, projection).await.map(Some),
            CAMPAIGNS_PANEL => panels_campaigns::build(self, projection).await.map(Some),
            _ => Ok(None),
        }
    }
}
