//! Outgoing webhooks: integrations (n8n, a CRM, a mail tool) subscribe to
//! event types; each event is written to a durable outbox in the same
//! transaction as the change it announces (`store/outbox.rs`), and the
//! [`dispatcher`] delivers it at least once, signed per Standard Webhooks
//! ([`signature`]), retrying with exponential backoff and logging every attempt.

pub mod dispatcher;
pub mod signature;
pub mod target;

/// Event types a subscription may name.
pub const EVENT_TYPES: [&str; 5] = [
    "deal_win.recorded",
    "commission.status_changed",
    "tier.changed",
    "message.created",
    // A campaign step is due (growth hub): for a mail or SMS tool to send.
    "campaign.step_due",
];
