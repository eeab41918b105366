#![no_main]
//! Arbitrary bytes as an incoming-webhook body (Discord or Slack JSON):
//! parsing never panics, and whatever parses renders to at most the cap,
//! without control characters other than newline and tab.
use arena_protocol::webhook::{render, IncomingBody};

/// The server's default `max_content_chars`.
const MAX_CHARS: usize = 4000;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<IncomingBody>(data) else {
        return;
    };
    let text = render(&body, MAX_CHARS);
    assert!(text.chars().count() <= MAX_CHARS, "rendered past the cap");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
        "a control character survived rendering"
    );
    // A small cap holds too (the ellipsis counts).
    assert!(render(&body, 5).chars().count() <= 5);
});
