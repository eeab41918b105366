//! Other tools' formats, kept apart from the routes that use them: pure
//! parsing, rendering and verification, with no state, store or I/O.
//!
//! - [`incoming`]: Discord's and Slack's incoming-webhook bodies rendered to
//!   one plain-text message, and the per-webhook rate limit.
//! - [`stripe`]: the `Stripe-Signature` check and the Connect events Arena
//!   applies (`account.updated`, `payout.paid`).

pub mod incoming;
pub mod stripe;
