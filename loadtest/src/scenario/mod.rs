//! The scenarios; each is bounded in sessions and time and returns a [`crate::report::Report`].

pub mod common;
pub mod fanout;
pub mod persist;
pub mod sessions;
pub mod storm;
