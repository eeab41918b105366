#![no_main]
//! Arbitrary bytes as a MessagePack (binary) gateway frame.
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::one_frame(arena_protocol::Encoding::MsgPack, data));
