//! What a member may do how often: one [`Budget`] per [`Kind`] of write,
//! from the configuration, and the node-local counters of them (governor's
//! keyed GCRA, one limiter per kind).

use crate::config::Config;
use crate::ids::{TenantId, UserId};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A kind of write with its own per-member budget (issue 12 item 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `message.create`, gateway or REST.
    Message,
    /// `message.edit` (each edit logs a full copy and fans out).
    Edit,
    /// `reaction.add` and `reaction.remove`, together.
    Reaction,
    /// `message.delete`.
    Delete,
    /// `typing.start`: past the budget it is dropped silently (Discord
    /// ignores extra typing), never answered with an error.
    Typing,
    /// `channel.update` (staff).
    ChannelUpdate,
    /// Every authenticated REST write (`POST`, `PATCH`, `PUT`, `DELETE`
    /// under `/api/v1`), per member or bot.
    RestWrite,
}

impl Kind {
    /// Every kind, in the order of [`Kind::index`].
    pub const ALL: [Kind; 7] = [
        Kind::Message,
        Kind::Edit,
        Kind::Reaction,
        Kind::Delete,
        Kind::Typing,
        Kind::ChannelUpdate,
        Kind::RestWrite,
    ];

    /// Position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The label in metrics and Redis keys, e.g. `edit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Edit => "edit",
            Kind::Reaction => "reaction",
            Kind::Delete => "delete",
            Kind::Typing => "typing",
            Kind::ChannelUpdate => "channel_update",
            Kind::RestWrite => "rest_write",
        }
    }
}

/// A GCRA budget: one unit every `interval`, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Time that earns one unit back (at least 1 µs).
    pub interval: Duration,
    /// Units that may be spent at once (at least 1).
    pub burst: u32,
}

impl Budget {
    /// `n` a second, burst three times that (the message rate's rule).
    pub fn per_second(n: u32) -> Budget {
        let n = n.max(1);
        Budget {
            interval: (Duration::from_secs(1) / n).max(Duration::from_micros(1)),
            burst: n.saturating_mul(3),
        }
    }

    /// `n` a minute, burst a quarter of that (15 s of budget), at least 1.
    pub fn per_minute(n: u32) -> Budget {
        let n = n.max(1);
        Budget {
            interval: (Duration::from_secs(60) / n).max(Duration::from_micros(1)),
            burst: (n / 4).max(1),
        }
    }

    /// The same budget as a governor quota.
    pub fn quota(self) -> governor::Quota {
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(self.interval)
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

/// One budget per kind, from the configuration (docs/operations.md lists
/// the settings and their defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets([Budget; 7]);

impl Budgets {
    /// The budgets of `cfg`: `messages_per_second` (burst ×3) and the
    /// `*_per_minute` settings (burst a quarter).
    pub fn from_config(cfg: &Config) -> Budgets {
        Budgets([
            Budget::per_second(cfg.messages_per_second),
            Budget::per_minute(cfg.edits_per_minute),
            Budget::per_minute(cfg.reactions_per_minute),
            Budget::per_minute(cfg.deletes_per_minute),
            Budget::per_minute(cfg.typing_per_minute),
            Budget::per_minute(cfg.channel_updates_per_minute),
            Budget::per_minute(cfg.rest_writes_per_minute),
        ])
    }

    /// The budget of `kind`.
    pub fn of(&self, kind: Kind) -> Budget {
        self.0[kind.index()]
    }
}

/// Checks between two sweeps of idle members out of the local counters.
const SWEEP_EVERY: u64 = 4096;

/// The node-local counters: one keyed GCRA per kind, keyed by member.
/// Memory: one entry per member who wrote recently; idle entries (whose
/// budget is full again) are swept every [`SWEEP_EVERY`] checks.
#[derive(Debug)]
pub struct LocalBudgets {
    limiters: Vec<governor::DefaultKeyedRateLimiter<(TenantId, UserId)>>,
    checks: AtomicU64,
}

impl LocalBudgets {
    /// Counters for `budgets`.
    pub fn new(budgets: &Budgets) -> LocalBudgets {
        LocalBudgets {
            limiters: Kind::ALL
                .iter()
                .map(|k| governor::RateLimiter::keyed(budgets.of(*k).quota()))
                .collect(),
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one unit of `kind` from the member's budget; `Err` carries the
    /// wait in ms until one is back.
    pub fn take(&self, tenant: TenantId, user: UserId, kind: Kind) -> Result<(), u64> {
        let Some(limiter) = self.limiters.get(kind.index()) else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for l in &self.limiters {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
        limiter.check_key(&(tenant, user)).map_err(|not_until| {
            let clock = governor::clock::DefaultClock::default();
            not_until
                .wait_time_from(governor::clock::Clock::now(&clock))
                .as_millis() as u64
                + 1
        })
    }
}
