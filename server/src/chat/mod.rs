//! Messaging rules shared by the gateway and the HTTP API: who may post,
//! edit, delete and react where; content limits; slow mode; moderation.
//! Every method takes the acting member and answers wire errors; a change is
//! committed to Postgres first and only then published ([`Publisher`]).
//!
//! Files by concern:
//! - [`turn`]: per-session ordering of creates.
//! - [`limits`]: per-member budgets of each write, slow mode, timeouts.
//! - [`messages`]: create (through [`committer`], group commit), edit, delete, pin.
//! - [`reactions`], [`typing`]: reactions (logged) and typing (not stored).
//! - [`history`]: history pages, the channel log, read markers.
//! - [`channels`]: `channel.update` (slow mode, lock, topic); [`settings`]:
//!   those settings re-read on the nodes of a cluster.
//! - [`moderation`]: timeouts, kicks and the audit log.

pub mod channels;
pub mod committer;
pub mod dms;
pub mod history;
pub mod limits;
pub mod mentions;
pub mod messages;
pub mod moderation;
pub mod reactions;
pub mod search;
pub mod settings;
pub mod turn;
pub mod typing;

pub use committer::Committer;
pub use limits::{ClusterCounters, Kind, Limiter, Limits};
pub use messages::unknown_message;
pub use turn::Turn;

use crate::publish::Publisher;
use crate::registry::Registry;
use crate::session::SessionTable;
use crate::store::Store;
use arena_protocol::{ErrorBody, ErrorCode, SnowflakeGenerator};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Cheap-clone handle to the messaging service.
#[derive(Clone)]
pub struct Chat {
    pub store: Store,
    pub registry: Registry,
    publisher: Publisher,
    ids: Arc<SnowflakeGenerator>,
    /// This node's sessions: kicks close them.
    sessions: SessionTable,
    /// Joins members' sessions to channels created for them (DMs).
    access: crate::access::Access,
    /// Budgets, slow mode and timeout counters.
    pub limiter: Arc<Limiter>,
    committer: Committer,
    limits: Limits,
    /// When each tenant's channel settings were last read ([`settings`]).
    settings_read: Arc<dashmap::DashMap<crate::ids::TenantId, std::time::Instant>>,
}

/// Parts [`Chat::new`] is built from.
pub struct ChatParts {
    pub store: Store,
    pub registry: Registry,
    pub publisher: Publisher,
    pub ids: Arc<SnowflakeGenerator>,
    pub sessions: SessionTable,
    pub access: crate::access::Access,
    pub limits: Limits,
    /// Budgets and slow mode in Redis (a cluster), or `None`: this node only.
    pub cluster: Option<ClusterCounters>,
    /// Most creates committed in one transaction (`ARENA_COMMIT_BATCH`).
    pub commit_batch: usize,
}

/// Committer shards: channels map to shards by id, so 4 tasks commit in parallel.
const COMMIT_SHARDS: usize = 4;

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

impl Chat {
    /// The service over `parts`; starts the group-commit shards on `tasks`
    /// (they drain and stop on `shutdown`).
    pub fn new(parts: ChatParts, tasks: &TaskTracker, shutdown: CancellationToken) -> Chat {
        let committer = Committer::start(
            parts.store.clone(),
            parts.publisher.clone(),
            COMMIT_SHARDS,
            parts.commit_batch,
            tasks,
            shutdown,
        );
        Chat {
            store: parts.store,
            registry: parts.registry,
            publisher: parts.publisher,
            ids: parts.ids,
            sessions: parts.sessions,
            access: parts.access,
            limiter: Arc::new(Limiter::new(parts.limits.budgets, parts.cluster)),
            committer,
            limits: parts.limits,
            settings_read: Arc::default(),
        }
    }
}
