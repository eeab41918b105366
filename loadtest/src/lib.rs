//! arena-loadtest: drives a real Arena server (or the built-in reference
//! server) over loopback and reports sessions, fan-out, latency and
//! persistence numbers.
//!
//! - [`ws`]: a lean WebSocket client that parses frames in place.
//! - [`gw`]: gateway sessions on it (the handshake rules and the byte-level
//!   peeks at frames come from [`arena_protocol`]), typed server closes, load marks.
//! - [`scenario`]: `sessions`, `fanout`, `saturate`, `persist`, `storm`.
//! - [`reference`]: the minimal reference server every run is compared with.
//! - [`report`]: histograms, JSON and Markdown results; [`sys`]: limits, RSS, addresses.

pub mod gw;
pub mod reference;
pub mod report;
pub mod scenario;
pub mod sys;
pub mod ws;
