//! Where events leave the code that caused them. An event whose change
//! Postgres has committed goes to the bus (every node's subscribers) and to
//! the domain subscription (the domain actors that declared interest in its
//! kind); an ephemeral event (typing) goes to the bus only. Chat and group
//! commit publish here and name no domain.

use crate::bus::{Audience, Bus};
use crate::domains::Domains;
use crate::ids::TenantId;
use arena_protocol::Event;
use std::sync::Arc;

/// Cheap-clone handle to the bus and the domain subscription.
#[derive(Clone)]
pub struct Publisher {
    bus: Arc<dyn Bus>,
    domains: Domains,
}

impl Publisher {
    /// A publisher over this node's bus and domains.
    pub fn new(bus: Arc<dyn Bus>, domains: Domains) -> Self {
        Publisher { bus, domains }
    }

    /// An event of `tenant_id` whose change is committed: offered to the
    /// interested domains, then published. Call only after the commit.
    pub fn committed(&self, tenant_id: TenantId, audience: Audience, event: Event) {
        self.domains.on_committed(tenant_id, &event);
        self.bus.publish(audience, event);
    }

    /// A control the caller applied on this node, for every other node
    /// (a kick, a timeout change).
    pub fn control(&self, control: crate::bus::Control) {
        self.bus.control(control);
    }

    /// A lossy event that is not stored (typing, presence): bus only.
    pub fn ephemeral(&self, audience: Audience, event: Event) {
        self.bus.publish(audience, event);
    }
}
