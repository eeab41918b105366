#![no_main]
//! Arbitrary bytes as a JSON (text) gateway frame.
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::one_frame(arena_protocol::Encoding::Json, data));
