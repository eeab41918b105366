//! Messaging rules shared by the gateway and the HTTP API: who may post, edit,
//! delete and react where; content limits; slow mode; then the store and the
//! bus. Every method takes the acting member and answers wire errors.

pub mod committer;

use crate::bus::{Audience, Bus};
use crate::error::store_error;
use crate::registry::{Actor, ChannelInfo, Registry};
use crate::store::{NewMessage, Store};
use arena_protocol::event::{
    ChannelUpdate, LoggedEvent, MemberUpdate, MessageDelete, ReactionEvent, TypingStart,
};
use arena_protocol::model::{Message, User};
use arena_protocol::request::{
    ChannelAck, ChannelEvents, ChannelHistory, ChannelPatch, EventsResult, MessageCreate,
    MessageEdit, ModerationTimeout, ReactionParams,
};
use arena_protocol::{ErrorBody, ErrorCode, Event, Snowflake, SnowflakeGenerator};
pub use committer::Committer;
use dashmap::DashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// A session's place in its sequence of `message.create`s: wait for `prev`
/// (resolved when the previous create was enqueued or failed), then release
/// `next` once this one is enqueued. A turn dropped unused (a request that
/// failed before reaching the committer) still passes the order on.
#[derive(Debug)]
pub struct Turn {
    prev: Option<tokio::sync::oneshot::Receiver<()>>,
    next: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Turn {
    /// The turn after `prev`; returns it and the receiver for the following turn.
    pub fn after(
        prev: Option<tokio::sync::oneshot::Receiver<()>>,
    ) -> (Turn, tokio::sync::oneshot::Receiver<()>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (
            Turn {
                prev,
                next: Some(tx),
            },
            rx,
        )
    }

    async fn wait(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = prev.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let (prev, next) = (self.prev.take(), self.next.take());
        if let (Some(prev), Some(next)) = (prev, next) {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = prev.await;
                    drop(next);
                });
            }
        }
    }
}

/// Limits on what a message may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest content, in characters.
    pub max_content_chars: usize,
    /// Messages per second per member (burst three times that).
    pub messages_per_second: u32,
}

/// Longest nonce a client may attach, bytes (Discord allows 25; we allow 64).
const MAX_NONCE: usize = 64;
/// Largest encoded card, bytes.
const MAX_CARD_BYTES: usize = 8 * 1024;
/// Longest emoji string, bytes (a ZWJ sequence fits).
const MAX_EMOJI: usize = 64;

/// Cheap-clone handle to the messaging service.
#[derive(Clone)]
pub struct Chat {
    pub store: Store,
    pub registry: Registry,
    pub bus: Arc<dyn Bus>,
    pub ids: Arc<SnowflakeGenerator>,
    /// The feature-domain actors (panels).
    pub domains: crate::domains::Domains,
    committer: Committer,
    limits: Limits,
    /// Last post per (channel, user) for slow mode; entries older than the
    /// channel's slow mode are dead and pruned as the map is touched.
    last_post: Arc<DashMap<(i64, i64), Instant>>,
    /// Members under a timeout: (tenant, user) → until. Filled when a session
    /// identifies or staff time someone out; expired entries are removed on read.
    muted: Arc<DashMap<(i64, i64), OffsetDateTime>>,
    /// Message budget per (tenant, user): `rate_limited` past it.
    rate: Arc<governor::DefaultKeyedRateLimiter<(i64, i64)>>,
}

fn rate_quota(per_second: u32) -> governor::Quota {
    let n = std::num::NonZeroU32::new(per_second.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    let burst = std::num::NonZeroU32::new(per_second.max(1).saturating_mul(3)).unwrap_or(n);
    governor::Quota::per_second(n).allow_burst(burst)
}

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

impl Chat {
    /// A service over the given parts; starts the group-commit shards.
    pub fn new(
        store: Store,
        registry: Registry,
        bus: Arc<dyn Bus>,
        ids: Arc<SnowflakeGenerator>,
        limits: Limits,
        commit_batch: usize,
    ) -> Chat {
        let domains =
            crate::domains::Domains::new(store.clone(), registry.clone(), Arc::clone(&bus));
        let committer = Committer::start(
            store.clone(),
            Arc::clone(&bus),
            domains.clone(),
            4,
            commit_batch,
        );
        Chat {
            store,
            registry,
            bus,
            ids,
            domains,
            committer,
            limits,
            last_post: Arc::default(),
            muted: Arc::default(),
            rate: Arc::new(governor::RateLimiter::keyed(rate_quota(
                limits.messages_per_second,
            ))),
        }
    }

    /// The channel if it exists in the actor's tenant and the actor may read it;
    /// another tenant's channel is `not_found`, never `forbidden` (no existence leak).
    pub fn readable(&self, actor: &Actor, channel_id: Snowflake) -> Result<ChannelInfo, ErrorBody> {
        let c = self
            .registry
            .channel(actor.tenant_id, channel_id.0 as i64)
            .ok_or_else(|| err(ErrorCode::NotFound, "unknown channel"))?;
        if !c.can_read(actor) {
            return Err(err(ErrorCode::NotFound, "unknown channel"));
        }
        Ok(c)
    }

    fn check_content(&self, content: &str, has_card: bool) -> Result<(), ErrorBody> {
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

    fn slow_mode(&self, actor: &Actor, c: &ChannelInfo) -> Result<(), ErrorBody> {
        if c.slow_mode_s == 0
            || actor.role.is_staff()
            || actor.role == arena_protocol::model::Role::Bot
        {
            return Ok(());
        }
        let window = Duration::from_secs(u64::from(c.slow_mode_s));
        let now = Instant::now();
        let mut entry = self
            .last_post
            .entry((c.id, actor.user_id))
            .or_insert(now - window);
        let since = now.duration_since(*entry);
        if since < window {
            let wait = (window - since).as_millis() as u64;
            return Err(ErrorBody::retry(
                ErrorCode::SlowMode,
                format!("slow mode: wait {wait} ms"),
                wait,
            ));
        }
        *entry = now;
        Ok(())
    }

    /// `message.create`: checks, commits (group commit), fans out, and only
    /// then returns the stored message.
    pub async fn create(
        &self,
        actor: &Actor,
        author: &User,
        p: MessageCreate,
        turn: Option<Turn>,
    ) -> Result<Message, ErrorBody> {
        // Checks run concurrently with the session's other requests; the
        // enqueue (or the failure) waits for the previous create of the
        // session, so one client's messages keep their order.
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
        let c = self.readable(actor, p.channel_id)?;
        if !c.can_post(actor) {
            return Err(err(
                ErrorCode::Forbidden,
                format!("you may not post in #{}", c.key),
            ));
        }
        self.check_muted(actor)?;
        self.check_rate(actor)?;
        self.check_content(&p.content, p.card.is_some())?;
        if p.nonce.as_ref().is_some_and(|n| n.len() > MAX_NONCE) {
            return Err(err(
                ErrorCode::BadRequest,
                format!("nonce is longer than {MAX_NONCE} bytes"),
            ));
        }
        if let Some(card) = &p.card {
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
            let target = self
                .store
                .fetch_message(actor.tenant_id, r.0 as i64)
                .await
                .map_err(store_error)?;
            if target.channel_id != p.channel_id {
                return Err(err(ErrorCode::BadRequest, "reply_to is in another channel"));
            }
        }
        self.slow_mode(actor, &c)?;
        let now = OffsetDateTime::now_utc();
        let message = Message {
            id: self.ids.next_id(),
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
        };
        Ok(NewMessage {
            tenant_id: actor.tenant_id,
            message,
            created_at: now,
        })
    }

    /// Records a member's timeout as read from the store (None = not muted).
    pub fn note_muted(&self, tenant_id: i64, user_id: i64, until: Option<OffsetDateTime>) {
        match until {
            Some(t) if t > OffsetDateTime::now_utc() => {
                self.muted.insert((tenant_id, user_id), t);
            }
            _ => {
                self.muted.remove(&(tenant_id, user_id));
            }
        }
    }

    fn check_rate(&self, actor: &Actor) -> Result<(), ErrorBody> {
        self.rate
            .check_key(&(actor.tenant_id, actor.user_id))
            .map_err(|not_until| {
                let clock = governor::clock::DefaultClock::default();
                let ms = not_until
                    .wait_time_from(governor::clock::Clock::now(&clock))
                    .as_millis() as u64
                    + 1;
                ErrorBody::retry(ErrorCode::RateLimited, "sending too fast; slow down", ms)
            })
    }

    fn check_muted(&self, actor: &Actor) -> Result<(), ErrorBody> {
        let key = (actor.tenant_id, actor.user_id);
        let until = self.muted.get(&key).map(|t| *t);
        match until {
            Some(t) if t > OffsetDateTime::now_utc() => {
                let ms = (t - OffsetDateTime::now_utc()).whole_milliseconds().max(0) as u64;
                Err(ErrorBody::retry(
                    ErrorCode::Forbidden,
                    format!("you are timed out for {} more s", ms / 1000 + 1),
                    ms,
                ))
            }
            Some(_) => {
                self.muted.remove(&key);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// `moderation.timeout`: staff mute a member for `minutes` (0 lifts it);
    /// audited, and MEMBER_UPDATE goes to the tenant.
    pub async fn timeout(
        &self,
        actor: &Actor,
        p: ModerationTimeout,
    ) -> Result<Option<String>, ErrorBody> {
        if !actor.role.is_staff() {
            return Err(err(ErrorCode::Forbidden, "staff only"));
        }
        if p.minutes > 40_320 {
            return Err(err(
                ErrorCode::BadRequest,
                "minutes must be 0..40320 (28 days, Discord's maximum)",
            ));
        }
        let target = p.user_id.0 as i64;
        let until = (p.minutes > 0)
            .then(|| OffsetDateTime::now_utc() + time::Duration::minutes(i64::from(p.minutes)));
        self.store
            .update_user_muted(actor.tenant_id, target, until)
            .await
            .map_err(store_error)?;
        self.note_muted(actor.tenant_id, target, until);
        let action = if p.minutes > 0 {
            "moderation.timeout"
        } else {
            "moderation.untimeout"
        };
        self.audit(actor, action, &p.user_id.to_string(), &p.reason)
            .await;
        let muted_until = until.map(crate::store::rfc3339);
        self.bus.publish(
            Audience::Tenant(actor.tenant_id),
            Event::MemberUpdate(MemberUpdate {
                user_id: p.user_id,
                muted_until: muted_until.clone(),
                role: None,
                tier: None,
            }),
        );
        Ok(muted_until)
    }

    async fn own_or_staff(
        &self,
        actor: &Actor,
        id: Snowflake,
        staff_ok: bool,
    ) -> Result<Message, ErrorBody> {
        let m = self
            .store
            .fetch_message(actor.tenant_id, id.0 as i64)
            .await
            .map_err(store_error)?;
        self.readable(actor, m.channel_id)?;
        let own = m.author.id.0 as i64 == actor.user_id;
        if !(own || (staff_ok && actor.role.is_staff())) {
            return Err(err(ErrorCode::Forbidden, "only the author may do that"));
        }
        Ok(m)
    }

    /// `message.edit`: the author only.
    pub async fn edit(&self, actor: &Actor, p: MessageEdit) -> Result<Message, ErrorBody> {
        let m = self.own_or_staff(actor, p.message_id, false).await?;
        self.check_content(&p.content, m.card.is_some())?;
        let m = self
            .store
            .update_message(
                actor.tenant_id,
                m.channel_id.0 as i64,
                m.id.0 as i64,
                Some(&p.content),
                None,
            )
            .await
            .map_err(store_error)?;
        self.bus.publish(
            Audience::Channel(m.channel_id.0 as i64),
            Event::MessageUpdate(Box::new(m.clone())),
        );
        Ok(m)
    }

    /// `message.delete`: the author, or staff (PROTOCOL.md §4).
    pub async fn delete(&self, actor: &Actor, id: Snowflake) -> Result<(), ErrorBody> {
        let m = self.own_or_staff(actor, id, true).await?;
        let ch = m.channel_id.0 as i64;
        let seq = self
            .store
            .delete_message(actor.tenant_id, ch, m.id.0 as i64)
            .await
            .map_err(store_error)?;
        if m.author.id.0 as i64 != actor.user_id {
            self.audit(actor, "message.delete", &m.id.to_string(), "")
                .await;
        }
        self.bus.publish(
            Audience::Channel(ch),
            Event::MessageDelete(MessageDelete {
                id: m.id,
                channel_id: m.channel_id,
                channel_seq: seq as u64,
            }),
        );
        Ok(())
    }

    /// `message.pin` / `message.unpin`: staff only.
    pub async fn pin(&self, actor: &Actor, id: Snowflake, pinned: bool) -> Result<(), ErrorBody> {
        if !actor.role.is_staff() {
            return Err(err(ErrorCode::Forbidden, "staff only"));
        }
        let m = self.own_or_staff(actor, id, true).await?;
        let m = self
            .store
            .update_message(
                actor.tenant_id,
                m.channel_id.0 as i64,
                m.id.0 as i64,
                None,
                Some(pinned),
            )
            .await
            .map_err(store_error)?;
        self.audit(
            actor,
            if pinned {
                "message.pin"
            } else {
                "message.unpin"
            },
            &m.id.to_string(),
            "",
        )
        .await;
        self.bus.publish(
            Audience::Channel(m.channel_id.0 as i64),
            Event::MessageUpdate(Box::new(m)),
        );
        Ok(())
    }

    /// `reaction.add` / `reaction.remove`: anyone who can read the channel; idempotent.
    pub async fn react(
        &self,
        actor: &Actor,
        p: ReactionParams,
        add: bool,
    ) -> Result<(), ErrorBody> {
        if p.emoji.is_empty()
            || p.emoji.len() > MAX_EMOJI
            || p.emoji.chars().any(char::is_whitespace)
        {
            return Err(err(
                ErrorCode::BadRequest,
                "emoji must be 1 to 64 bytes without spaces",
            ));
        }
        let m = self
            .store
            .fetch_message(actor.tenant_id, p.message_id.0 as i64)
            .await
            .map_err(store_error)?;
        self.readable(actor, m.channel_id)?;
        let ch = m.channel_id.0 as i64;
        let seq = self
            .store
            .update_reaction(
                actor.tenant_id,
                ch,
                m.id.0 as i64,
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
                user_id: Snowflake(actor.user_id as u64),
                emoji: p.emoji,
                channel_seq: seq as u64,
            };
            let e = if add {
                Event::ReactionAdd(r)
            } else {
                Event::ReactionRemove(r)
            };
            self.bus.publish(Audience::Channel(ch), e);
        }
        Ok(())
    }

    /// `typing.start`: lossy, not stored; only where the actor may post.
    pub fn typing(&self, actor: &Actor, channel_id: Snowflake) -> Result<(), ErrorBody> {
        let c = self.readable(actor, channel_id)?;
        if !c.can_post(actor) {
            return Err(err(
                ErrorCode::Forbidden,
                format!("you may not post in #{}", c.key),
            ));
        }
        let e = TypingStart {
            channel_id,
            user_id: Snowflake(actor.user_id as u64),
            at: crate::store::rfc3339(OffsetDateTime::now_utc()),
        };
        self.bus
            .publish(Audience::Channel(c.id), Event::TypingStart(e));
        Ok(())
    }

    /// `channel.history`.
    pub async fn history(
        &self,
        actor: &Actor,
        p: ChannelHistory,
    ) -> Result<Vec<Message>, ErrorBody> {
        let c = self.readable(actor, p.channel_id)?;
        let limit = p.limit.unwrap_or(50);
        if !(1..=100).contains(&limit) {
            return Err(err(ErrorCode::BadRequest, "limit must be 1..100"));
        }
        if p.before.is_some() && p.after.is_some() {
            return Err(err(ErrorCode::BadRequest, "give before or after, not both"));
        }
        self.store
            .fetch_history(
                actor.tenant_id,
                c.id,
                p.before.map(|b| b.0 as i64),
                p.after.map(|a| a.0 as i64),
                i64::from(limit),
            )
            .await
            .map_err(store_error)
    }

    /// `channel.events`: the log after a cursor, oldest first.
    pub async fn events(&self, actor: &Actor, p: ChannelEvents) -> Result<EventsResult, ErrorBody> {
        let c = self.readable(actor, p.channel_id)?;
        let limit = p.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(err(ErrorCode::BadRequest, "limit must be 1..1000"));
        }
        let after = i64::try_from(p.after_seq)
            .map_err(|_| err(ErrorCode::BadRequest, "after_seq too large"))?;
        let rows = self
            .store
            .fetch_events(actor.tenant_id, c.id, after, i64::from(limit))
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
        let events = rows
            .into_iter()
            .map(|(_, t, d)| LoggedEvent {
                d: self.personalise(actor, &c, &t, d),
                t,
            })
            .collect();
        Ok(EventsResult { events, last_seq })
    }

    /// A logged CHANNEL_UPDATE stores `can_post` of nobody in particular: set the reader's.
    pub fn personalise(
        &self,
        actor: &Actor,
        c: &ChannelInfo,
        t: &str,
        mut d: serde_json::Value,
    ) -> serde_json::Value {
        if t == "CHANNEL_UPDATE" {
            if let Some(o) = d.as_object_mut() {
                o.insert(
                    "can_post".into(),
                    serde_json::Value::Bool(c.can_post(actor)),
                );
            }
        }
        d
    }

    /// `channel.ack`: moves the read marker.
    pub async fn ack(&self, actor: &Actor, p: ChannelAck) -> Result<(), ErrorBody> {
        let c = self.readable(actor, p.channel_id)?;
        self.store
            .update_read_state(actor.tenant_id, actor.user_id, c.id, p.message_id.0 as i64)
            .await
            .map_err(store_error)
    }

    /// `channel.update`: staff change slow mode, lock or topic; logged and dispatched.
    pub async fn update_channel(
        &self,
        actor: &Actor,
        p: ChannelPatch,
    ) -> Result<arena_protocol::model::Channel, ErrorBody> {
        if !actor.role.is_staff() {
            return Err(err(ErrorCode::Forbidden, "staff only"));
        }
        let c = self.readable(actor, p.channel_id)?;
        if p.slow_mode_s.is_some_and(|s| s > 21_600) {
            return Err(err(
                ErrorCode::BadRequest,
                "slow_mode_s must be 0..21600 (Discord's maximum, 6 h)",
            ));
        }
        if p.topic.as_ref().is_some_and(|t| t.chars().count() > 1024) {
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
                    // Logged with can_post false; readers get theirs via `personalise`.
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
        self.registry.update_channel(&row);
        let info = self.readable(actor, p.channel_id)?;
        let channel = info.to_wire(actor, seq as u64, row.last_message_id);
        self.audit(actor, "channel.update", &c.key, "").await;
        self.bus.publish(
            Audience::Channel(c.id),
            Event::ChannelUpdate(Box::new(ChannelUpdate {
                channel: channel.clone(),
                channel_seq: seq as u64,
            })),
        );
        Ok(channel)
    }

    /// `panel.get`: the channel's panel from its domain actor.
    pub async fn panel(
        &self,
        actor: &Actor,
        channel_id: Snowflake,
    ) -> Result<arena_protocol::model::Panel, ErrorBody> {
        let c = self.readable(actor, channel_id)?;
        let (Some(domain), Some(kind)) = (c.domain.as_deref(), c.panel.as_deref()) else {
            return Err(err(ErrorCode::NotFound, format!("#{} has no panel", c.key)));
        };
        self.domains.panel(actor.tenant_id, domain, kind).await
    }

    /// Writes a moderation action to the audit log; a failure is logged, not fatal.
    pub async fn audit(&self, actor: &Actor, action: &str, target: &str, reason: &str) {
        let id = self.ids.next_id().0 as i64;
        if let Err(e) = self
            .store
            .insert_audit(actor.tenant_id, id, actor.user_id, action, target, reason)
            .await
        {
            tracing::error!(error = %e, action, "audit log write failed");
        }
    }
}
