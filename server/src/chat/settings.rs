//! Channel settings (slow mode, lock, post rules) fresh on every node of a
//! cluster. `channel.update` applies a change to the registry of the node
//! that made it; CHANNEL_UPDATE reaching the other nodes through the bus is
//! fanned out there but does not change their registries. So on a node
//! with Redis, posting re-reads the tenant's channels from Postgres (the
//! source of truth) when this node's copy is older than [`SETTINGS_TTL`]:
//! slow mode and locks set on one node hold on every node within that time.
//! A single node's registry is always current and is not re-read.

use super::Chat;
use crate::error::store_error;
use crate::ids::TenantId;
use arena_protocol::ErrorBody;
use std::time::{Duration, Instant};

/// Longest time a node of a cluster posts under channel settings read from
/// Postgres before reading them again.
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);

impl Chat {
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
            self.registry.update_channel(row);
        }
        Ok(())
    }
}
