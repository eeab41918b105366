//! Arena's gateway contract (docs/protocol.md) as typed Rust.
//!
//! - [`frame`]: the envelope `{op, d, s, t}`, opcodes, JSON and MessagePack codecs.
//! - [`dispatch`]: [`DispatchPrefix`] for encode-once fan-out and the field order it fixes;
//!   [`peek`]: reading `op`, `t`, `s`, `channel_seq` and response ids from raw frames.
//! - [`event`]: DISPATCH events; [`request`]: REQUEST methods, params and results.
//! - [`model`]: users, channels, messages, presences.
//! - [`error`]: request error codes; [`close`]: close codes.
//! - [`snowflake`]: 64-bit time-sorted ids sent as decimal strings.
//! - [`handshake`]: the client's half of HELLO → IDENTIFY → READY and RESUME, without I/O.
//! - [`client`]: an async gateway client used by tests, bots and the load generator.

pub mod client;
pub mod close;
pub mod dispatch;
pub mod error;
pub mod event;
pub mod frame;
pub mod handshake;
pub mod model;
pub mod peek;
pub mod request;
pub mod snowflake;
pub mod webhook;

pub use close::CloseCode;
pub use dispatch::DispatchPrefix;
pub use error::{ErrorBody, ErrorCode};
pub use event::Event;
pub use frame::{ClientFrame, DecodeError, Encoding, ServerFrame};
pub use snowflake::{Snowflake, SnowflakeGenerator};
