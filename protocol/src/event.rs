//! DISPATCH events (PROTOCOL.md §3): the `t` name and the `d` shape of each.

use crate::model::{Category, Channel, Message, Panel, Presence, ReadState, TenantInfo, User};
use crate::Snowflake;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `READY`: everything a client needs to draw the workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ready {
    pub session_id: String,
    pub user: User,
    pub tenant: TenantInfo,
    pub categories: Vec<Category>,
    pub channels: Vec<Channel>,
    pub presences: Vec<Presence>,
    /// Arena extension: `presences` is not every visible presence of the
    /// tenant (cut by `ready_presence_limit` or the reply byte budget, as
    /// Discord's `large` guilds): page the rest with `presence.list`.
    #[serde(default)]
    pub presences_partial: bool,
    /// Arena extension: the user's read position per channel.
    #[serde(default)]
    pub read_states: Vec<ReadState>,
    /// Arena extension: the end of the user's own timeout (RFC 3339), when
    /// one is running at READY time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<String>,
    /// Arena extension: the moderator's reason for that timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_reason: Option<String>,
    pub node_id: String,
}

/// `RESUMED {replayed, unrecovered}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resumed {
    /// Dispatches replayed before this one.
    pub replayed: u32,
    /// Channels whose gap could not be filled; the client backfills them with `channel.events`.
    pub unrecovered: Vec<Snowflake>,
}

/// `MESSAGE_DELETE {id, channel_id, channel_seq}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDelete {
    pub id: Snowflake,
    pub channel_id: Snowflake,
    pub channel_seq: u64,
}

/// `REACTION_ADD` / `REACTION_REMOVE {message_id, channel_id, user_id, emoji, channel_seq}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionEvent {
    pub message_id: Snowflake,
    pub channel_id: Snowflake,
    pub user_id: Snowflake,
    pub emoji: String,
    pub channel_seq: u64,
}

/// `TYPING_START {channel_id, user_id, at}` (lossy, no channel_seq).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingStart {
    pub channel_id: Snowflake,
    pub user_id: Snowflake,
    pub at: String,
}

/// `CHANNEL_UPDATE`: the channel plus the log position of this change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelUpdate {
    #[serde(flatten)]
    pub channel: Channel,
    pub channel_seq: u64,
}

/// `PANEL_UPDATE {channel_id, panel}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelUpdate {
    pub channel_id: Snowflake,
    pub panel: Panel,
}

/// `MEMBER_UPDATE {user_id, muted_until?, muted_reason?, role?, tier?,
/// display_name?, deactivated?}`: only the fields that changed are present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberUpdate {
    pub user_id: Snowflake,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<String>,
    /// Arena extension: the moderator's reason for a timeout, delivered only
    /// to the timed-out member's own sessions (others get the event without
    /// it; staff read it in the audit log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The member's new display name (they edited their profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `true`: staff deactivated the member (their sessions are closed with
    /// 4004 and they cannot sign in); `false`: reactivated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
}

/// `CHANNEL_DELETE {id}`: the channel left the session's view (deleted, or
/// the member lost the right to read it, e.g. a tier demotion); nothing of
/// it is delivered after this event (Discord's CHANNEL_DELETE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelDelete {
    pub id: Snowflake,
}

/// One DISPATCH event: its `t` is [`Event::name`], its `d` the variant's data.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Ready(Box<Ready>),
    Resumed(Resumed),
    MessageCreate(Box<Message>),
    MessageUpdate(Box<Message>),
    MessageDelete(MessageDelete),
    ReactionAdd(ReactionEvent),
    ReactionRemove(ReactionEvent),
    TypingStart(TypingStart),
    PresenceUpdate(Presence),
    ChannelUpdate(Box<ChannelUpdate>),
    PanelUpdate(PanelUpdate),
    MemberUpdate(MemberUpdate),
    /// A channel entered the session's view (created, or the member gained
    /// the right to read it): the Channel as this member sees it, with its
    /// log head (Discord's CHANNEL_CREATE).
    ChannelCreate(Box<Channel>),
    ChannelDelete(ChannelDelete),
}

/// Error of [`Event::from_parts`]: an unknown `t` or a `d` of the wrong shape.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("bad data for {0}: {1}")]
    BadData(&'static str, serde_json::Error),
}

macro_rules! events {
    ($($variant:ident => $name:literal : $ty:ty, $wrap:expr;)*) => {
        impl Event {
            /// The `t` of this event, e.g. `MESSAGE_CREATE`.
            pub fn name(&self) -> &'static str {
                match self { $(Event::$variant(_) => $name,)* }
            }

            /// Serializes `d` with any serde serializer (JSON or MessagePack).
            pub fn serialize_data<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(Event::$variant(d) => d.serialize(s),)* }
            }

            /// Rebuilds an event from its `t` and a decoded `d`.
            pub fn from_parts(t: &str, d: Value) -> Result<Event, EventError> {
                match t {
                    $($name => serde_json::from_value::<$ty>(d)
                        .map($wrap)
                        .map_err(|e| EventError::BadData($name, e)),)*
                    other => Err(EventError::UnknownEvent(other.to_owned())),
                }
            }
        }
    };
}

events! {
    Ready => "READY": Ready, |d| Event::Ready(Box::new(d));
    Resumed => "RESUMED": Resumed, Event::Resumed;
    MessageCreate => "MESSAGE_CREATE": Message, |d| Event::MessageCreate(Box::new(d));
    MessageUpdate => "MESSAGE_UPDATE": Message, |d| Event::MessageUpdate(Box::new(d));
    MessageDelete => "MESSAGE_DELETE": MessageDelete, Event::MessageDelete;
    ReactionAdd => "REACTION_ADD": ReactionEvent, Event::ReactionAdd;
    ReactionRemove => "REACTION_REMOVE": ReactionEvent, Event::ReactionRemove;
    TypingStart => "TYPING_START": TypingStart, Event::TypingStart;
    PresenceUpdate => "PRESENCE_UPDATE": Presence, Event::PresenceUpdate;
    ChannelUpdate => "CHANNEL_UPDATE": ChannelUpdate, |d| Event::ChannelUpdate(Box::new(d));
    PanelUpdate => "PANEL_UPDATE": PanelUpdate, Event::PanelUpdate;
    MemberUpdate => "MEMBER_UPDATE": MemberUpdate, Event::MemberUpdate;
    ChannelCreate => "CHANNEL_CREATE": Channel, |d| Event::ChannelCreate(Box::new(d));
    ChannelDelete => "CHANNEL_DELETE": ChannelDelete, Event::ChannelDelete;
}

impl Event {
    /// The channel this event belongs to, if any (READY, RESUMED, presence and member events have none).
    pub fn channel_id(&self) -> Option<Snowflake> {
        match self {
            Event::MessageCreate(m) | Event::MessageUpdate(m) => Some(m.channel_id),
            Event::MessageDelete(d) => Some(d.channel_id),
            Event::ReactionAdd(r) | Event::ReactionRemove(r) => Some(r.channel_id),
            Event::TypingStart(t) => Some(t.channel_id),
            Event::ChannelUpdate(c) => Some(c.channel.id),
            Event::PanelUpdate(p) => Some(p.channel_id),
            Event::ChannelCreate(c) => Some(c.id),
            Event::ChannelDelete(d) => Some(d.id),
            Event::Ready(_)
            | Event::Resumed(_)
            | Event::PresenceUpdate(_)
            | Event::MemberUpdate(_) => None,
        }
    }

    /// The channel-log position of a durable event (`None` for lossy ones such as typing).
    pub fn channel_seq(&self) -> Option<u64> {
        match self {
            Event::MessageCreate(m) | Event::MessageUpdate(m) => Some(m.channel_seq),
            Event::MessageDelete(d) => Some(d.channel_seq),
            Event::ReactionAdd(r) | Event::ReactionRemove(r) => Some(r.channel_seq),
            Event::ChannelUpdate(c) => Some(c.channel_seq),
            _ => None,
        }
    }
}

/// One entry of `channel.events`: `{t, d}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedEvent {
    pub t: String,
    pub d: Value,
}
