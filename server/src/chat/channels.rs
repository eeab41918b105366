//! `channel.update`: staff change a channel's slow mode, lock or topic. The
//! change is logged (CHANNEL_UPDATE in the channel's log, `can_post` of
//! nobody in particular), applied to the registry, audited and published;
//! each reader gets their own `can_post` ([`crate::delivery`]).

use super::{err, Chat};
use crate::bus::Audience;
use crate::error::store_error;
use crate::registry::{Actor, ChannelInfo};
use arena_protocol::event::ChannelUpdate;
use arena_protocol::model::Channel;
use arena_protocol::request::ChannelPatch;
use arena_protocol::{ErrorBody, ErrorCode, Event};

/// Longest slow mode, s (Discord's maximum, 6 h).
const MAX_SLOW_MODE_S: u32 = 21_600;
/// Longest topic, characters (Discord allows 1024).
const MAX_TOPIC_CHARS: usize = 1024;

impl Chat {
    /// Applies `p` and returns the channel as the actor sees it.
    pub async fn update_channel(
        &self,
        actor: &Actor,
        p: ChannelPatch,
    ) -> Result<Channel, ErrorBody> {
        if !actor.role.is_staff() {
            return Err(err(ErrorCode::Forbidden, "staff only"));
        }
        self.limiter
            .check(actor, super::Kind::ChannelUpdate)
            .await?;
        let c = self.registry.readable(actor, p.channel_id)?;
        if p.slow_mode_s.is_some_and(|s| s > MAX_SLOW_MODE_S) {
            return Err(err(
                ErrorCode::BadRequest,
                "slow_mode_s must be 0..21600 (Discord's maximum, 6 h)",
            ));
        }
        if let Some(topic) = &p.topic {
            crate::text::check("topic", topic)?;
        }
        if p.topic
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TOPIC_CHARS)
        {
            return Err(err(
                ErrorCode::TooLarge,
                "topic is longer than 1024 characters",
            ));
        }
        let (row, seq) = self
            .store
            .update_channel(
                actor.tenant_id,
                c.id,
                p.slow_mode_s.map(|s| s as i32),
                p.locked,
                p.topic.as_deref(),
                |row, seq| {
                    let channel =
                        ChannelInfo::from_row(row).to_wire_neutral(seq as u64, row.last_message_id);
                    serde_json::to_value(ChannelUpdate {
                        channel,
                        channel_seq: seq as u64,
                    })
                    .unwrap_or_default()
                },
            )
            .await
            .map_err(store_error)?;
        self.registry.upsert_channel(&row);
        let info = self.registry.readable(actor, p.channel_id)?;
        let channel = info.to_wire(actor, seq as u64, row.last_message_id);
        self.audit(actor, "channel.update", &c.key, "").await;
        let audience = Audience::Channel {
            tenant_id: actor.tenant_id,
            channel_id: c.id,
        };
        let event = Event::ChannelUpdate(Box::new(ChannelUpdate {
            channel: channel.clone(),
            channel_seq: seq as u64,
        }));
        self.publisher.committed(actor.tenant_id, audience, event);
        Ok(channel)
    }
}
