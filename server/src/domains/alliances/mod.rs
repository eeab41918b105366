//! The alliance CRM (issue 15; #alliance-directory, #partner-workspace, and
//! notices in the channel `[alliances] notice_channel` of program.toml):
//! alliances (partner organisations) moving through their status, their
//! partner members, contacts, joint opportunities whose wins are recorded
//! through the revenue domain, partner tasks and documents, and one
//! timeline per alliance. Staff see every alliance; a partner their own.
//!
//! Files: [`status`] (the status state machine), [`access`] (who sees and
//! changes what), [`input`] (validation), [`records`] (alliances, status,
//! bulk), [`opportunities`] (stages, the deal win), [`work`] (contacts,
//! tasks, documents, the timeline), [`import`] (CSV), [`notice`] (config and
//! the "went active" notice), [`commands`], [`views`], [`actions`]
//! (`panel.action`), `panels` and `workspace` (panel data).

pub mod access;
pub mod actions;
pub mod commands;
pub mod import;
pub mod input;
pub mod notice;
pub mod opportunities;
mod panels;
pub mod records;
pub mod status;
pub mod views;
pub mod work;
mod workspace;

pub use commands::{AllianceDetail, Command};
pub use notice::AlliancesConfig;

use super::{Changed, Context, Domain};
use crate::bus::Projection;
use crate::ids::{TenantId, UserId};
use crate::store::{Store, StoreError};
use arena_protocol::Event;
use serde_json::Value;

/// The domain's name (channels.toml `domain`).
pub const NAME: &str = "alliances";
/// Panel kinds.
pub const DIRECTORY: &str = "alliances.directory";
pub const WORKSPACE: &str = "alliances.workspace";

/// The alliance domain's state for one tenant: the context and the last
/// CSV import's report (shown to staff in the directory until the next
/// import or a restart of the actor).
pub struct Alliances {
    ctx: Context,
    tenant_id: TenantId,
    last_import: Option<(UserId, views::ImportReport)>,
}

impl Alliances {
    fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// A fresh snowflake as a record id.
    fn next_id(&self) -> i64 {
        self.ctx.ids.next_id().0 as i64
    }
}

impl Domain for Alliances {
    const NAME: &'static str = NAME;
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        Alliances {
            ctx: ctx.clone(),
            tenant_id,
            last_import: None,
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
            DIRECTORY => panels::directory(self, partner).await?,
            WORKSPACE => workspace::panel(self, partner).await?,
            _ => return Ok(None),
        }))
    }
}
