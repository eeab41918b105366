//! Channel-log events and RESUME: comparable signatures of log events, the
//! channel log as the ground truth of a replay, every dispatch until the
//! connection goes quiet, cursors from READY, and a RESUME that must succeed.

use super::QUIET;
use arena_protocol::client::{GatewayClient, ResumeOutcome};
use arena_protocol::event::Ready;
use arena_protocol::frame::Resume;
use arena_protocol::request::Cursors;
use arena_protocol::{Event, Snowflake};
use serde_json::json;

/// Is this event a channel-log event (message / reaction / channel update)?
pub fn is_log_event(e: &Event) -> bool {
    e.channel_seq().is_some()
}

/// A compact, comparable description of a channel-log event: `T id #channel_seq`.
pub fn sig(e: &Event) -> String {
    match e {
        Event::MessageCreate(m) => {
            format!("MESSAGE_CREATE {} #{} {:?}", m.id, m.channel_seq, m.content)
        }
        Event::MessageUpdate(m) => {
            format!("MESSAGE_UPDATE {} #{} {:?}", m.id, m.channel_seq, m.content)
        }
        Event::MessageDelete(d) => format!("MESSAGE_DELETE {} #{}", d.id, d.channel_seq),
        Event::ReactionAdd(r) => format!(
            "REACTION_ADD {} {} #{}",
            r.message_id, r.emoji, r.channel_seq
        ),
        Event::ReactionRemove(r) => format!(
            "REACTION_REMOVE {} {} #{}",
            r.message_id, r.emoji, r.channel_seq
        ),
        Event::ChannelUpdate(c) => format!("CHANNEL_UPDATE {} #{}", c.channel.id, c.channel_seq),
        other => format!("{other:?}"),
    }
}

/// Every dispatch until nothing arrives for [`QUIET`] (the connection must stay open).
pub async fn drain(c: &mut GatewayClient) -> Vec<(u64, Event)> {
    let mut out = Vec::new();
    loop {
        match c.next_event(QUIET).await {
            Ok(x) => out.push(x),
            Err(arena_protocol::client::ClientError::Timeout) => return out,
            Err(e) => panic!("connection failed while draining: {e:?} (after {out:?})"),
        }
    }
}

/// Cursors for RESUME: every channel of READY at its `last_seq`.
pub fn cursors_from(ready: &Ready) -> arena_protocol::request::Cursors {
    ready.channels.iter().map(|c| (c.id, c.last_seq)).collect()
}

/// The channel log after `after_seq`, as the ground truth of what a resume must replay.
pub async fn log_after(c: &mut GatewayClient, channel: Snowflake, after_seq: u64) -> Vec<String> {
    let r = c
        .request(
            "channel.events",
            json!({"channel_id": channel, "after_seq": after_seq}),
        )
        .await
        .unwrap()
        .unwrap();
    r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| sig(&Event::from_parts(e["t"].as_str().unwrap(), e["d"].clone()).unwrap()))
        .collect()
}

/// Resumes and returns (RESUMED, replayed dispatches); panics on INVALID_SESSION.
pub async fn resume_ok(
    c: &mut GatewayClient,
    token: &str,
    session_id: &str,
    seq: u64,
    cursors: Option<Cursors>,
) -> (arena_protocol::event::Resumed, Vec<(u64, Event)>) {
    let d = Resume {
        token: token.to_owned(),
        session_id: session_id.to_owned(),
        seq,
        cursors,
        panels: None,
    };
    match c.resume(d).await.expect("RESUME answered") {
        ResumeOutcome::Resumed { resumed, replayed } => (resumed, replayed),
        ResumeOutcome::Invalid { resumable } => {
            panic!("INVALID_SESSION (resumable: {resumable}) where a resume should work")
        }
    }
}

/// The signatures of the channel-log events among `events`, in order.
pub fn log_sigs(events: &[(u64, Event)]) -> Vec<String> {
    events
        .iter()
        .filter(|(_, e)| is_log_event(e))
        .map(|(_, e)| sig(e))
        .collect()
}

/// `sigs` with the text of messages deleted within them blanked: the channel
/// log replays a deleted message's create and edits redacted, while a
/// session's own replay buffer holds them as they were dispatched; both
/// replay the same events in the same order.
#[allow(dead_code)]
pub fn without_deleted_text(sigs: Vec<String>) -> Vec<String> {
    let deleted: Vec<String> = sigs
        .iter()
        .filter(|s| s.starts_with("MESSAGE_DELETE "))
        .filter_map(|s| s.split_whitespace().nth(1).map(str::to_owned))
        .collect();
    sigs.into_iter()
        .map(|s| {
            let mut parts = s.splitn(4, ' ');
            let (t, id, seq) = (parts.next(), parts.next(), parts.next());
            match (t, id, seq) {
                (Some(t @ ("MESSAGE_CREATE" | "MESSAGE_UPDATE")), Some(id), Some(seq))
                    if deleted.iter().any(|d| d == id) =>
                {
                    format!("{t} {id} {seq} <deleted>")
                }
                _ => s,
            }
        })
        .collect()
}

/// Asserts that the dispatch `s` of `events` keeps increasing after `after`.
pub fn assert_seqs_continue(events: &[(u64, Event)], after: u64) {
    let mut prev = after;
    for (s, e) in events {
        assert!(
            *s > prev,
            "s must keep increasing after {after}: {s} after {prev} ({e:?})"
        );
        prev = *s;
    }
}
