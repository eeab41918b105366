//! Harness for the end-to-end tests. This file owns the demo accounts, the
//! timing constants and the repository paths every test shares, and
//! re-exports the helpers of its submodules so that a test file only needs
//! `use common::*;`:
//!
//! - [`db`]: a private, migrated and demo-seeded Postgres database per test;
//! - [`server`]: a real server on port 0, its config, tokens, stop and restart;
//! - [`gateway`]: gateway clients, READY lookups, posting, waiting for events,
//!   and raw WebSockets for frames the typed client cannot produce;
//! - [`replay`]: channel-log signatures and RESUME helpers;
//! - [`http`]: REST helpers and login;
//! - [`proxy`]: a TCP proxy in front of Postgres that a test can sever and restore;
//! - [`process`]: `arena serve` as a child process (SIGKILL, SIGTERM) and a
//!   private redis-server a test may kill and start again.
//!
//! Needs `ARENA_TEST_DATABASE_URL` (set by `./scripts/test`): a role that may
//! `CREATE DATABASE`. Without it every test panics: nothing passes silently.

#![allow(dead_code, clippy::unwrap_used)]

mod db;
mod gateway;
mod http;
mod process;
mod proxy;
mod replay;
mod server;

// Each test binary uses only part of the harness (hence also `dead_code` above).
#[allow(unused_imports)]
pub use self::{db::*, gateway::*, process::*, proxy::*, replay::*, server::*};

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Password of every demo account.
pub const PASSWORD: &str = "arena-demo";
/// The fixed JWT secret of test servers.
pub const JWT_SECRET: &str = "arena-integration-test-secret-0123456789";
/// The Stripe webhook signing secret of test servers.
pub const STRIPE_SECRET: &str = "whsec_arena_integration_test_secret";
/// Generous bound for anything that should happen "soon" (only to avoid hangs).
pub const WAIT: Duration = Duration::from_secs(10);
/// How long we listen to make sure something does NOT arrive.
pub const QUIET: Duration = Duration::from_millis(700);

pub const ANA: &str = "ana@demo.test";
pub const BEN: &str = "ben@demo.test";
pub const STAFF: &str = "staff@demo.test";
pub const ADMIN: &str = "admin@demo.test";
pub const ZOE: &str = "zoe@acme.test";

/// The repository root (the workspace).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ has a parent")
        .to_path_buf()
}

/// The channel registry file of the repository.
pub fn channels_path() -> PathBuf {
    repo_root().join("channels.toml")
}

/// The tenant slug of a demo address.
pub fn tenant_of(email: &str) -> &'static str {
    if email.ends_with("@acme.test") {
        "acme"
    } else {
        "demo"
    }
}
