//! Messages: `message.create` (checked here, committed by group commit),
//! `message.edit` (the author), `message.delete` (the author or staff) and
//! pins (staff). Each change is committed, then published.

use super::{err, Chat, Kind, Turn};
use crate::bus::Audience;
use crate::error::store_error;
use crate::ids::{ChannelId, MessageId};
use crate::registry::{Actor, ChannelInfo};
use crate::store::NewMessage;
use arena_protocol::event::MessageDelete;
use arena_protocol::model::{Message, User};
use arena_protocol::request::{MessageCreate, MessageEdit};
use arena_protocol::{ErrorBody, ErrorCode, Event, Snowflake};
use time::OffsetDateTime;

/// Longest nonce a client may attach, bytes (Discord allows 25; we allow 64).
const MAX_NONCE: usize = 64;
/// Largest encoded card, bytes.
const MAX_CARD_BYTES: usize = 8 * 1024;

fn channel_audience(m: &Message, actor: &Actor) -> Audience {
    Audience::Channel {
        tenant_id: actor.tenant_id,
        channel_id: m.channel_id.into(),
    }
}

/// A card's type and data hold only text Arena stores ([`crate::text`]).
fn check_card(card: &arena_protocol::model::Card) -> Result<(), ErrorBody> {
    crate::text::check("card type", &card.kind)?;
    crate::text::check_json("card data", &card.data)
}

/// A message to commit, made from its create params; the store sets its
/// `channel_seq` in the committing transaction.
fn new_message(
    tenant_id: crate::ids::TenantId,
    id: Snowflake,
    author: &User,
    p: MessageCreate,
    mentions: Vec<Snowflake>,
    now: OffsetDateTime,
) -> NewMessage {
    let message = Message {
        id,
        channel_id: p.channel_id,
        channel_seq: 0,
        author: author.clone(),
        content: p.content,
        card: p.card,
        reply_to: p.reply_to,
        nonce: p.nonce,
        created_at: crate::store::rfc3339(now),
        edited_at: None,
        pinned: false,
        reactions: Vec::new(),
        mentions,
    };
    NewMessage {
        tenant_id,
        message,
        created_at: now,
    }
}

impl Chat {
    fn check_content(&self, content: &str, has_card: bool) -> Result<(), ErrorBody> {
        crate::text::check("content", content)?;
        if content.trim().is_empty() && !has_card {
            return Err(err(ErrorCode::BadRequest, "content is empty"));
        }
        if content.chars().count() > self.limits.max_content_chars {
            return Err(err(
                ErrorCode::TooLarge,
                format!(
                    "content is longer than {} characters",
                    self.limits.max_content_chars
                ),
            ));
        }
        Ok(())
    }

    /// `message.create`: checks, commits (group commit), fans out, and only
    /// then returns the stored message. With a `turn`, the enqueue (or the
    /// failure) waits for the session's previous create, so one client's
    /// messages keep their order while their checks run concurrently.
    pub async fn create(
        &self,
        actor: &Actor,
        author: &User,
        p: MessageCreate,
        turn: Option<Turn>,
    ) -> Result<Message, ErrorBody> {
        let prepared = self.prepare(actor, author, p).await;
        let mut turn = turn;
        if let Some(t) = turn.as_mut() {
            t.wait().await;
        }
        let committed = prepared.and_then(|m| self.committer.submit(m));
        drop(turn);
        committed?.await
    }

    async fn prepare(
        &self,
        actor: &Actor,
        author: &User,
        p: MessageCreate,
    ) -> Result<NewMessage, ErrorBody> {
        self.refresh_settings(actor.tenant_id).await?;
        let c = self.registry.readable(actor, p.channel_id)?;
        if !c.can_post(actor) {
            return Err(err(
                ErrorCode::Forbidden,
                format!("you may not post in #{}", c.key),
            ));
        }
        let now = OffsetDateTime::now_utc();
        self.check_not_muted(actor).await?;
        self.limiter.check(actor, Kind::Message).await?;
        self.check_content(&p.content, p.card.is_some())?;
        let mentions = self.mentions(actor, &c, &p.content).await?;
        if p.nonce.as_ref().is_some_and(|n| n.len() > MAX_NONCE) {
            return Err(err(
                ErrorCode::BadRequest,
                format!("nonce is longer than {MAX_NONCE} bytes"),
            ));
        }
        if let Some(nonce) = &p.nonce {
            crate::text::check("nonce", nonce)?;
        }
        if let Some(card) = &p.card {
            check_card(card)?;
            if crate::domains::Domains::owns_card_type(&card.kind) {
                return Err(err(
                    ErrorCode::BadRequest,
                    format!("{} cards are posted by the server only", card.kind),
                ));
            }
            if card.kind.is_empty()
                || serde_json::to_vec(card).map_or(usize::MAX, |v| v.len()) > MAX_CARD_BYTES
            {
                return Err(err(
                    ErrorCode::TooLarge,
                    format!("card must have a type and be under {MAX_CARD_BYTES} bytes"),
                ));
            }
        }
        if let Some(r) = p.reply_to {
            let (target, _) = self.readable_message(actor, r.into()).await?;
            if target.channel_id != p.channel_id {
                return Err(err(ErrorCode::BadRequest, "reply_to is in another channel"));
            }
        }
        self.limiter.check_slow_mode(actor, &c).await?;
        Ok(new_message(
            actor.tenant_id,
            self.ids.next_id(),
            author,
            p,
            mentions,
            now,
        ))
    }

    /// Posts a message on the server's behalf (a domain's card, e.g. a deal
    /// win in #deal-wins) as `author`, in the channel `key`: no post rule,
    /// limit or card check applies. With `id`, the message takes that id (a
    /// second post with it is `conflict`: posting is idempotent by id).
    /// Committed before it returns.
    pub async fn post_as_server(
        &self,
        tenant_id: crate::ids::TenantId,
        key: &str,
        author: &User,
        content: String,
        card: Option<arena_protocol::model::Card>,
        id: Option<Snowflake>,
    ) -> Result<Message, ErrorBody> {
        // Server posts carry outside text too (a webhook body, a lead's name).
        crate::text::check("content", &content)?;
        if let Some(card) = &card {
            check_card(card)?;
        }
        let c = self
            .registry
            .tenant(tenant_id)
            .by_key(key)
            .cloned()
            .ok_or_else(|| err(ErrorCode::NotFound, format!("no channel #{key}")))?;
        let now = OffsetDateTime::now_utc();
        let p = MessageCreate {
            channel_id: c.id.snowflake(),
            content,
            card,
            reply_to: None,
            nonce: None,
        };
        let id = id.unwrap_or_else(|| self.ids.next_id());
        self.committer
            .submit(new_message(tenant_id, id, author, p, Vec::new(), now))?
            .await
    }

    /// A live message in a channel the actor may read. A missing id and
    /// one in a channel hidden from the actor (or of another tenant) get the
    /// same [`unknown_message`] error, so an id's existence does not leak
    /// (issue 12 item 12).
    pub async fn readable_message(
        &self,
        actor: &Actor,
        id: MessageId,
    ) -> Result<(Message, ChannelInfo), ErrorBody> {
        let m = match self.store.fetch_message(actor.tenant_id, id).await {
            Ok(m) => m,
            Err(crate::store::StoreError::NotFound) => return Err(unknown_message()),
            Err(e) => return Err(store_error(e)),
        };
        let c = self
            .registry
            .readable(actor, m.channel_id)
            .map_err(|_| unknown_message())?;
        Ok((m, c))
    }

    /// A live message the actor may read, if they wrote it (or, with
    /// `staff_ok`, are staff); else `not_found` ([`unknown_message`]) /
    /// `forbidden`.
    pub(super) async fn own_or_staff(
        &self,
        actor: &Actor,
        id: MessageId,
        staff_ok: bool,
    ) -> Result<Message, ErrorBody> {
        let (m, _) = self.readable_message(actor, id).await?;
        let own = m.author.id == actor.user_id.snowflake();
        if !(own || (staff_ok && actor.role.is_staff())) {
            return Err(err(ErrorCode::Forbidden, "only the author may do that"));
        }
        Ok(m)
    }

    /// `message.edit`: the author only.
    pub async fn edit(&self, actor: &Actor, p: MessageEdit) -> Result<Message, ErrorBody> {
        self.check_not_muted(actor).await?;
        self.limiter.check(actor, Kind::Edit).await?;
        let m = self.own_or_staff(actor, p.message_id.into(), false).await?;
        if m.card
            .as_ref()
            .is_some_and(|c| crate::domains::Domains::owns_card_type(&c.kind))
        {
            return Err(err(
                ErrorCode::Forbidden,
                "a card the server posted cannot be edited",
            ));
        }
        self.check_content(&p.content, m.card.is_some())?;
        let channel = self.registry.readable(actor, m.channel_id)?;
        let mentions = self.mentions(actor, &channel, &p.content).await?;
        let m = self
            .store
            .update_message(
                actor.tenant_id,
                m.channel_id.into(),
                m.id.into(),
                Some((p.content.as_str(), mentions.as_slice())),
                None,
            )
            .await
            .map_err(store_error)?;
        self.publisher.committed(
            actor.tenant_id,
            channel_audience(&m, actor),
            Event::MessageUpdate(Box::new(m.clone())),
        );
        Ok(m)
    }

    /// `message.delete`: the author, or staff (PROTOCOL.md §4); staff
    /// deleting another's message is audited.
    pub async fn delete(&self, actor: &Actor, id: Snowflake) -> Result<(), ErrorBody> {
        self.limiter.check(actor, Kind::Delete).await?;
        let m = self.own_or_staff(actor, id.into(), true).await?;
        let channel_id = ChannelId::from(m.channel_id);
        let seq = self
            .store
            .delete_message(actor.tenant_id, channel_id, m.id.into())
            .await
            .map_err(store_error)?;
        if m.author.id != actor.user_id.snowflake() {
            self.audit(actor, "message.delete", &m.id.to_string(), "")
                .await;
        }
        self.publisher.committed(
            actor.tenant_id,
            channel_audience(&m, actor),
            Event::MessageDelete(MessageDelete {
                id: m.id,
                channel_id: m.channel_id,
                channel_seq: seq as u64,
            }),
        );
        Ok(())
    }

    /// `message.pin` / `message.unpin`: staff only; audited.
    pub async fn pin(&self, actor: &Actor, id: Snowflake, pinned: bool) -> Result<(), ErrorBody> {
        if !actor.role.is_staff() {
            return Err(err(ErrorCode::Forbidden, "staff only"));
        }
        let m = self.own_or_staff(actor, id.into(), true).await?;
        let m = self
            .store
            .update_message(
                actor.tenant_id,
                m.channel_id.into(),
                m.id.into(),
                None,
                Some(pinned),
            )
            .await
            .map_err(store_error)?;
        let action = if pinned {
            "message.pin"
        } else {
            "message.unpin"
        };
        self.audit(actor, action, &m.id.to_string(), "").await;
        self.publisher.committed(
            actor.tenant_id,
            channel_audience(&m, actor),
            Event::MessageUpdate(Box::new(m)),
        );
        Ok(())
    }
}

/// The one answer for a message id the caller may not see: missing,
/// deleted, in a hidden channel or in another tenant alike.
pub fn unknown_message() -> ErrorBody {
    err(ErrorCode::NotFound, "unknown message")
}
