//! The scenarios; each is bounded in sessions and time and returns a [`crate::report::Report`].
//!
//! - [`sessions`], [`fanout`], [`saturate`], [`persist`], [`storm`]: one module per subcommand.
//! - [`common`]: options, run context and ramps every scenario uses; [`nodes`]:
//!   `--nodes` and which node each session connects to.
//! - [`subscriber`], [`publisher`]: the two roles of a fan-out run; [`rig`]: both
//!   connected in one channel and one measured publishing step.
//! - [`resumer`]: one `storm` session through the drop, RESUME and backfill.

pub mod common;
pub mod fanout;
pub mod nodes;
pub mod persist;
pub mod publisher;
pub mod resumer;
pub mod rig;
pub mod saturate;
pub mod sessions;
pub mod storm;
pub mod subscriber;
