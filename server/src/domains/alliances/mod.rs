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
//! (`panel.action`), `panels`, [`page`] (the alliance page a staff viewer
//! opens in their own directory) and `workspace` (panel data).
//!
//! Projections: #alliance-directory is per viewer for everyone (a partner's
//! shows their alliance, each staff member's their open alliance page);
//! #partner-workspace is per partner, staff share the program's.

pub mod access;
pub mod actions;
pub mod commands;
pub mod import;
pub mod input;
pub mod notice;
pub mod opportunities;
pub mod page;
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
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::Event;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The domain's name (channels.toml `domain`).
pub const NAME: &str = "alliances";
/// Panel kinds.
pub const DIRECTORY: &str = "alliances.directory";
pub const WORKSPACE: &str = "alliances.workspace";

/// How long the staff directory's shared part is reused between viewers'
/// builds (one change rebuilds every staff member's projection at once).
const STAFF_BASE_TTL: Duration = Duration::from_secs(1);

/// The alliance domain's state for one tenant: the context and the staff
/// directory's shared part while fresh (each staff member's projection adds
/// their open alliance page to it). View state (open pages, the last CSV
/// import's report) lives in Postgres (`alliance_page_views`,
/// `alliance_imports`).
pub struct Alliances {
    ctx: Context,
    tenant_id: TenantId,
    staff_base: Option<(Instant, Value)>,
}

impl Alliances {
    fn store(&self) -> &Store {
        &self.ctx.store
    }

    /// Is `u` a staff member or admin of the tenant? (A bot's id is no
    /// member: it sees the partner view, with no alliance.)
    async fn is_staff_member(&self, u: UserId) -> Result<bool, StoreError> {
        match self.store().fetch_user(self.tenant_id, u).await {
            Ok(row) => Ok(row.role == "staff" || row.role == "admin"),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The staff directory without a page: reused for [`STAFF_BASE_TTL`]
    /// after a build, and rebuilt after every command.
    async fn staff_directory(&mut self) -> Result<Value, StoreError> {
        if let Some((at, v)) = &self.staff_base {
            if at.elapsed() < STAFF_BASE_TTL {
                return Ok(v.clone());
            }
        }
        let v = panels::directory(self, None).await?;
        self.staff_base = Some((Instant::now(), v.clone()));
        Ok(v)
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
            staff_base: None,
        }
    }

    /// Changes come in as commands, not chat events.
    fn interested(_event: &Event) -> bool {
        false
    }

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::Nothing
    }

    /// A change touching the program's projection also touches every staff
    /// member's own directory (each node rebuilds them all, so viewers on
    /// other nodes follow too).
    async fn command(&mut self, command: Command) -> Changed {
        self.staff_base = None;
        match commands::run(self, command).await {
            Changed::Only(mut ps) if ps.contains(&Projection::Program) => {
                match self.store().fetch_members(self.tenant_id).await {
                    Ok(members) => {
                        ps.extend(
                            members
                                .into_iter()
                                .filter(|u| u.role == "staff" || u.role == "admin")
                                .map(|u| Projection::Partner(u.id)),
                        );
                        Changed::Only(ps)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "staff list unreadable; rebuilding every built panel");
                        Changed::All
                    }
                }
            }
            other => other,
        }
    }

    /// The directory is per viewer (each staff member's holds their open
    /// alliance page); the workspace a partner's own or the program's.
    fn projection(kind: &str, viewer: &Actor) -> Projection {
        if kind == DIRECTORY {
            Projection::Partner(viewer.user_id)
        } else {
            Projection::of(viewer)
        }
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
            DIRECTORY => match partner {
                Some(u) if self.is_staff_member(u).await? => {
                    let mut data = self.staff_directory().await?;
                    let page = page::blocks(self, u).await?;
                    if let Some(blocks) = data["blocks"].as_array_mut() {
                        blocks.splice(0..0, page);
                    }
                    data
                }
                other => panels::directory(self, other).await?,
            },
            // Staff share the program's workspace, never a partner's.
            WORKSPACE if matches!(partner, Some(u) if self.is_staff_member(u).await?) => {
                return Ok(None)
            }
            WORKSPACE => workspace::panel(self, partner).await?,
            _ => return Ok(None),
        }))
    }
}
