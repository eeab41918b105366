//! Reactions: `reaction.add` / `reaction.remove` by anyone who can read the
//! channel. Idempotent: a no-op change is neither logged nor published.

use super::{err, Chat};
use crate::bus::Audience;
use crate::error::store_error;
use crate::registry::Actor;
use arena_protocol::event::ReactionEvent;
use arena_protocol::request::ReactionParams;
use arena_protocol::{ErrorBody, ErrorCode, Event};

/// Longest emoji string, bytes (a ZWJ sequence fits).
const MAX_EMOJI: usize = 64;

impl Chat {
    /// Adds (`add`) or removes the actor's reaction; committed, then
    /// published. Both count against the member's reaction budget
    /// (`rate_limited` past it).
    pub async fn react(
        &self,
        actor: &Actor,
        p: ReactionParams,
        add: bool,
    ) -> Result<(), ErrorBody> {
        if p.emoji.is_empty()
            || p.emoji.len() > MAX_EMOJI
            || p.emoji.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(err(
                ErrorCode::BadRequest,
                "emoji must be 1 to 64 bytes without spaces or control characters",
            ));
        }
        self.check_not_muted(actor).await?;
        self.limiter.check(actor, super::Kind::Reaction).await?;
        let (m, c) = self.readable_message(actor, p.message_id.into()).await?;
        let seq = self
            .store
            .update_reaction(
                actor.tenant_id,
                c.id,
                m.id.into(),
                actor.user_id,
                &p.emoji,
                add,
            )
            .await
            .map_err(store_error)?;
        if let Some(seq) = seq {
            let r = ReactionEvent {
                message_id: m.id,
                channel_id: m.channel_id,
                user_id: actor.user_id.snowflake(),
                emoji: p.emoji,
                channel_seq: seq as u64,
            };
            let e = if add {
                Event::ReactionAdd(r)
            } else {
                Event::ReactionRemove(r)
            };
            let audience = Audience::Channel {
                tenant_id: actor.tenant_id,
                channel_id: c.id,
            };
            self.publisher.committed(actor.tenant_id, audience, e);
        }
        Ok(())
    }
}
