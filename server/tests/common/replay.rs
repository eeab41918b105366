//! Channel-log events and RESUME: comparable signatures of log events, every
//! dispatch until the connection goes quiet, and cursors from READY.

use super::QUIET;
use arena_protocol::client::GatewayClient;
use arena_protocol::event::Ready;
use arena_protocol::Event;

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
