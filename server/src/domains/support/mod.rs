//! The support domain (#support-cases, #support-tickets, #system-status):
//! a partner opens a case (subject, body, a suggested priority, evidence
//! files), sees only their own cases and follows them live; staff triage
//! (status, assignee, priority), reply, add internal notes the partner never
//! sees, and escalate. High and urgent cases and escalations post a notice
//! in #support-tickets naming the subject and priority only.
//!
//! Files: [`status`] (the pure status machine and priorities), [`config`]
//! (`[support]` in program.toml), [`cases`] (the commands), [`triage`]
//! (assignee, priority, escalation, notices), [`input`]
//! (validation of text and evidence), [`views`] (wire shapes and reads),
//! [`actions`] (`panel.action`), [`panels`] and its [`sections`].

pub mod actions;
pub mod cases;
pub mod config;
mod input;
mod panels;
mod sections;
pub mod status;
mod triage;
pub mod views;

pub use cases::{Command, OpenCase, Triage};
pub use config::SupportConfig;

use super::{Changed, Context, Domain};
use crate::bus::Projection;
use crate::ids::{CaseId, TenantId};
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::{Event, SnowflakeGenerator};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The card type of a notice in #support-tickets: posted by the server only.
pub const SUPPORT_CASE: &str = "support_case";

/// The channel notices go to (staff and bots post there).
pub const TICKETS_CHANNEL: &str = "support-tickets";

/// The support domain's state for one tenant.
pub struct Support {
    store: Store,
    tenant_id: TenantId,
    program: Arc<super::revenue::Program>,
    ids: Arc<SnowflakeGenerator>,
    ctx: Context,
    /// The case each projection last opened (`view_case`), shown expanded
    /// first. View state only: lost on restart, bounded by the viewers.
    focus: HashMap<Projection, CaseId>,
}

impl Support {
    /// The SLA targets of the program.
    fn config(&self) -> &SupportConfig {
        &self.program.support
    }
}

/// Does `by` see every case (staff, or a bot with the `support` scope)?
pub fn sees_all(by: &Actor) -> bool {
    match &by.bot {
        Some(_) => by.has_scope(Support::NAME),
        None => by.role.is_staff(),
    }
}

/// Is `by` a staff member acting as themselves (triage, notes)?
pub fn is_staff(by: &Actor) -> bool {
    by.role.is_staff() && by.bot.is_none()
}

impl Domain for Support {
    const NAME: &'static str = "support";
    const CARD_TYPES: &'static [&'static str] = &[SUPPORT_CASE];
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Support {
            store: ctx.store.clone(),
            tenant_id,
            program: Arc::clone(&ctx.program),
            ids: Arc::clone(&ctx.ids),
            ctx: ctx.clone(),
            focus: HashMap::new(),
        }
    }

    /// Support changes come in as commands, not chat events.
    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    async fn command(&mut self, command: Command) -> Changed {
        cases::run(self, command).await
    }

    /// Per viewer: a partner their own cases, staff (and bots with the
    /// `support` scope) the program's queue.
    fn projection(_kind: &str, viewer: &Actor) -> Projection {
        if viewer.bot.is_some() && viewer.has_scope(Self::NAME) {
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
