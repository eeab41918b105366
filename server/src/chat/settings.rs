//! Channel settings (slow mode, lock, post rules) fresh on every node of a
//! cluster. `channel.update` applies a change to the registry of the node
//! that made it; a CHANNEL_UPDATE from another node marks this node's copy
//! of the tenant stale ([`Chat::settings_changed`], from the bus's remote
//! hook), so the next post re-reads the tenant's channels from Postgres (the
//! source of truth). A change whose pub/sub message was lost is read at the
//! latest [`SETTINGS_TTL`] after this node's last read. A single node's
//! registry is always current and is not re-read.

use super::Chat;
use crate::error::store_error;
use crate::ids::TenantId;
use arena_protocol::ErrorBody;
use std::time::{Duration, Instant};

/// Longest time a node of a cluster posts under channel settings read from
/// Postgres before reading them again.
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);

impl Chat {
    /// Another node changed a channel of the tenant: its settings are read
    /// again from Postgres before the next post here.
    pub fn settings_changed(&self, tenant_id: TenantId) {
        self.settings_read.remove(&tenant_id);
    }

    /// Re-reads the tenant's channels into the registry when this node is in
    /// a cluster and its copy is older than [`SETTINGS_TTL`]; `unavailable`
    /// when Postgres cannot be read.
    pub(super) async fn refresh_settings(&self, tenant_id: TenantId) -> Result<(), ErrorBody> {
        if !self.limiter.is_clustered() {
            return Ok(());
        }
        let now = Instant::now();
        let fresh = self
            .settings_read
            .get(&tenant_id)
            .is_some_and(|at| now.saturating_duration_since(*at) < SETTINGS_TTL);
        if fresh {
            return Ok(());
        }
        // Marked first, so posts arriving meanwhile do not all read too.
        self.settings_read.insert(tenant_id, now);
        let rows = match self.store.fetch_channels(tenant_id).await {
            Ok(rows) => rows,
            Err(e) => {
                self.settings_read.remove(&tenant_id);
                return Err(store_error(e));
            }
        };
        for row in &rows {
            self.registry.upsert_channel(row);
        }
        Ok(())
    }
}
