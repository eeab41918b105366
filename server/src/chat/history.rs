//! Reading a channel: `channel.history` (pages of live messages),
//! `channel.events` (the log after a cursor, each event as the reader may
//! see it) and `channel.ack` (the read marker).

use super::{err, Chat};
use crate::budget::ReplyBudget;
use crate::error::store_error;
use crate::registry::Actor;
use arena_protocol::event::LoggedEvent;
use arena_protocol::request::{
    ChannelAck, ChannelEvents, ChannelHistory, EventsResult, HistoryResult,
};
use arena_protocol::{ErrorBody, ErrorCode, Event};

impl Chat {
    /// `channel.history`: up to `limit` (1..100, default 50) messages before
    /// or after a message id, or the newest, ending early where the next
    /// message would pass `budget`; `has_more` when messages lie beyond the
    /// page in its direction.
    pub async fn history(
        &self,
        actor: &Actor,
        p: ChannelHistory,
        mut budget: ReplyBudget,
    ) -> Result<HistoryResult, ErrorBody> {
        let c = self.registry.readable(actor, p.channel_id)?;
        let limit = p.limit.unwrap_or(50);
        if !(1..=100).contains(&limit) {
            return Err(err(ErrorCode::BadRequest, "limit must be 1..100"));
        }
        if p.before.is_some() && p.after.is_some() {
            return Err(err(ErrorCode::BadRequest, "give before or after, not both"));
        }
        // One more than asked: whether there is more beyond the limit.
        let mut messages = self
            .store
            .fetch_history(
                actor.tenant_id,
                c.id,
                p.before.map(Into::into),
                p.after.map(Into::into),
                i64::from(limit) + 1,
            )
            .await
            .map_err(store_error)?;
        let mut has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        has_more |= budget.fit(&mut messages);
        Ok(HistoryResult { messages, has_more })
    }

    /// `channel.events`: up to `limit` (1..1000, default 100) log events after
    /// `after_seq`, oldest first, each personalised for the reader, ending
    /// early where the next would pass `budget`. At most about one budget of
    /// logged text is read from Postgres per request (issue 12 item 8).
    pub async fn events(
        &self,
        actor: &Actor,
        p: ChannelEvents,
        mut budget: ReplyBudget,
        budget_bytes: usize,
    ) -> Result<EventsResult, ErrorBody> {
        let c = self.registry.readable(actor, p.channel_id)?;
        let limit = p.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(err(ErrorCode::BadRequest, "limit must be 1..1000"));
        }
        let after = i64::try_from(p.after_seq)
            .map_err(|_| err(ErrorCode::BadRequest, "after_seq too large"))?;
        let max_bytes = i64::try_from(budget_bytes).unwrap_or(i64::MAX);
        let rows = self
            .store
            .fetch_events_page(
                actor.tenant_id,
                c.id,
                after,
                i64::MAX,
                i64::from(limit),
                max_bytes,
            )
            .await
            .map_err(store_error)?;
        let states = self
            .store
            .fetch_channel_states(actor.tenant_id)
            .await
            .map_err(store_error)?;
        let last_seq = states
            .iter()
            .find(|s| s.id == c.id)
            .map_or(0, |s| s.last_seq as u64);
        let mut events = Vec::with_capacity(rows.len());
        let mut last = after;
        for row in rows {
            let d = match Event::from_parts(&row.t, row.d.clone()) {
                Ok(event) => crate::delivery::personalise(actor, &c, event)
                    .serialize_data(serde_json::value::Serializer)
                    .map_err(|e| err(ErrorCode::Internal, e.to_string()))?,
                Err(e) => {
                    // Passed on as logged: the reader may know a newer event kind.
                    tracing::warn!(channel = %c.id, seq = row.seq, error = %e, "log event not understood");
                    row.d
                }
            };
            let event = LoggedEvent { t: row.t, d };
            if !budget.admit(&event) {
                break;
            }
            events.push(event);
            last = row.seq;
        }
        let has_more = (last as u64) < last_seq;
        Ok(EventsResult {
            events,
            last_seq,
            has_more,
        })
    }

    /// `channel.ack`: moves the read marker forward (never back).
    pub async fn ack(&self, actor: &Actor, p: ChannelAck) -> Result<(), ErrorBody> {
        let c = self.registry.readable(actor, p.channel_id)?;
        self.store
            .update_read_state(actor.tenant_id, actor.user_id, c.id, p.message_id.into())
            .await
            .map_err(store_error)
    }
}
