//! `typing.start`: lossy and not stored, only where the actor may post;
//! dropped silently past the member's typing budget.

use super::{err, Chat};
use crate::bus::Audience;
use crate::registry::Actor;
use arena_protocol::event::TypingStart;
use arena_protocol::{ErrorBody, ErrorCode, Event, Snowflake};
use time::OffsetDateTime;

impl Chat {
    /// Publishes TYPING_START to the channel (PROTOCOL.md §3). Past the
    /// member's typing budget it answers ok and sends nothing (Discord
    /// ignores extra typing too; a client need not handle an error for it).
    pub async fn typing(&self, actor: &Actor, channel_id: Snowflake) -> Result<(), ErrorBody> {
        let c = self.registry.readable(actor, channel_id)?;
        if !c.can_post(actor) {
            return Err(err(
                ErrorCode::Forbidden,
                format!("you may not post in #{}", c.key),
            ));
        }
        if self
            .limiter
            .check(actor, super::Kind::Typing)
            .await
            .is_err()
        {
            return Ok(());
        }
        let e = TypingStart {
            channel_id,
            user_id: actor.user_id.snowflake(),
            at: crate::store::rfc3339(OffsetDateTime::now_utc()),
        };
        let audience = Audience::Channel {
            tenant_id: actor.tenant_id,
            channel_id: c.id,
        };
        self.publisher.ephemeral(audience, Event::TypingStart(e));
        Ok(())
    }
}
