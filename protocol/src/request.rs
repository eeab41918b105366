//! REQUEST (op 8) methods and their params and results (PROTOCOL.md §4).

use crate::error::{ErrorBody, ErrorCode};
use crate::event::LoggedEvent;
use crate::model::{Card, Message, Panel, Presence, User};
use crate::Snowflake;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// `d` of op 8: `{id, method, params}`. `id` is the client's, echoed in RESPONSE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub method: String,
    #[serde(default)]
    pub params: Value,
}

/// `d` of op 12: `{id, ok: true, result}` or `{id, ok: false, error}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub id: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl Response {
    /// A successful answer.
    pub fn ok(id: String, result: Value) -> Self {
        Response {
            id,
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// A failed answer; the connection lives on.
    pub fn err(id: String, error: ErrorBody) -> Self {
        Response {
            id,
            ok: false,
            result: None,
            error: Some(error),
        }
    }
}

/// `message.create`; also the body of `POST /api/v1/channels/{id}/messages` (without `channel_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageCreate {
    pub channel_id: Snowflake,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// `message.edit {message_id, content}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEdit {
    pub message_id: Snowflake,
    pub content: String,
}

/// `message.delete`, `message.pin`, `message.unpin`: `{message_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRef {
    pub message_id: Snowflake,
}

/// `reaction.add` / `reaction.remove {message_id, emoji}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReactionParams {
    pub message_id: Snowflake,
    pub emoji: String,
}

/// `typing.start`, `panel.get`: `{channel_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRef {
    pub channel_id: Snowflake,
}

/// `channel.history {channel_id, before?, after?, limit? (1..100, default 50)}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelHistory {
    pub channel_id: Snowflake,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Result of `channel.history`: newest first for `before` (and no cursor), oldest first for `after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryResult {
    pub messages: Vec<Message>,
    /// Arena extension: more messages lie beyond this page in its direction
    /// (the page was cut by `limit` or by the server's reply byte budget, so
    /// it may hold fewer than `limit`). Ask again from the last one.
    #[serde(default)]
    pub has_more: bool,
}

/// `channel.events {channel_id, after_seq, limit? (1..1000)}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelEvents {
    pub channel_id: Snowflake,
    pub after_seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Result of `channel.events`: the log after the cursor, oldest first, and the channel's last seq.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsResult {
    pub events: Vec<LoggedEvent>,
    pub last_seq: u64,
    /// Arena extension: the log goes on after the last event of this page
    /// (cut by `limit` or by the server's reply byte budget); ask again with
    /// `after_seq` = its `channel_seq`.
    #[serde(default)]
    pub has_more: bool,
}

/// `channel.ack {channel_id, message_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelAck {
    pub channel_id: Snowflake,
    pub message_id: Snowflake,
}

/// `panel.action {channel_id, action, params}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelAction {
    pub channel_id: Snowflake,
    pub action: String,
    #[serde(default)]
    pub params: Value,
}

/// Result of `panel.get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelResult {
    pub panel: Panel,
}

/// Params of `presence.list` and `member.list` (Arena extension, as
/// Discord's List Guild Members): `{after?: user id, limit? (1..1000,
/// default 1000)}`, by user id ascending. Unknown fields are ignored (the
/// methods took no params before).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberPage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Result of `presence.list`: visible presences by user id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceList {
    pub presences: Vec<Presence>,
    /// More after the last one (cut by `limit` or the reply byte budget):
    /// ask again with `after` = its `user_id`.
    #[serde(default)]
    pub has_more: bool,
}

/// Result of `member.list` (Arena extension): the tenant's members by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberList {
    pub members: Vec<User>,
    /// More after the last one (cut by `limit` or the reply byte budget):
    /// ask again with `after` = its `id`.
    #[serde(default)]
    pub has_more: bool,
}

/// `channel.update {channel_id, slow_mode_s?, locked?, topic?}` (staff).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    pub channel_id: Snowflake,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_mode_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// `moderation.timeout {user_id, minutes, reason}` (staff; 0 minutes lifts it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationTimeout {
    pub user_id: Snowflake,
    pub minutes: u32,
    #[serde(default)]
    pub reason: String,
}

/// `moderation.kick {user_id, reason}` (staff).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationKick {
    pub user_id: Snowflake,
    #[serde(default)]
    pub reason: String,
}

/// `dm.open {user_id}`: the direct message channel between the caller and
/// that member of the same tenant, created on first use (PROTOCOL.md §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmOpen {
    pub user_id: Snowflake,
}

/// `search {query, channel_id?, author_id?, before?, after?, limit?}`:
/// full-text search over the messages the caller may read, newest first
/// (PROTOCOL.md §4). `before`/`after` are message ids, exclusive; a
/// snowflake made from a date bounds by date (as Discord's `min_id` and
/// `max_id`). `limit` 1..50, default 25.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One search hit: the message as history shows it and a fragment of its
/// content with the matched words between `<mark>` and `</mark>` (the rest
/// HTML-escaped, so a client may render it as HTML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub message: crate::model::Message,
    pub highlight: String,
}

/// `search` result: `{hits, has_more}`, newest first; `has_more` when the
/// reply's byte budget cut the page short (ask again with `before` = the
/// last hit's id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub hits: Vec<SearchHit>,
    #[serde(default)]
    pub has_more: bool,
}

/// `session.reauth {token}`: a fresh access token for the session's member
/// (PROTOCOL.md §4); the session then lives until that token's `exp`
/// instead of closing with 4004 when its old token expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionReauth {
    pub token: String,
}

/// `session.reauth` result: `{exp}`, the new token's expiry, Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionReauthResult {
    pub exp: u64,
}

/// Empty params/result `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

/// A request's method and typed params, parsed from [`Request`].
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    MessageCreate(MessageCreate),
    MessageEdit(MessageEdit),
    MessageDelete(MessageRef),
    MessagePin(MessageRef),
    MessageUnpin(MessageRef),
    ReactionAdd(ReactionParams),
    ReactionRemove(ReactionParams),
    TypingStart(ChannelRef),
    ChannelHistory(ChannelHistory),
    ChannelEvents(ChannelEvents),
    ChannelAck(ChannelAck),
    ChannelUpdate(ChannelPatch),
    PanelGet(ChannelRef),
    PanelAction(PanelAction),
    PresenceList(MemberPage),
    MemberList(MemberPage),
    ModerationTimeout(ModerationTimeout),
    ModerationKick(ModerationKick),
    DmOpen(DmOpen),
    Search(Search),
    SessionReauth(SessionReauth),
}

fn params<T: DeserializeOwned>(method: &str, v: Value) -> Result<T, ErrorBody> {
    let v = if v.is_null() {
        Value::Object(Default::default())
    } else {
        v
    };
    serde_json::from_value(v)
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{method}: {e}")))
}

/// The methods of PROTOCOL.md §4 without their params: the one place where
/// their names are spelled (parsing, metrics labels and ordering rules use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodName {
    MessageCreate,
    MessageEdit,
    MessageDelete,
    MessagePin,
    MessageUnpin,
    ReactionAdd,
    ReactionRemove,
    TypingStart,
    ChannelHistory,
    ChannelEvents,
    ChannelAck,
    ChannelUpdate,
    PanelGet,
    PanelAction,
    PresenceList,
    MemberList,
    ModerationTimeout,
    ModerationKick,
    DmOpen,
    Search,
    SessionReauth,
}

impl MethodName {
    /// Every method, in PROTOCOL.md §4 order.
    pub const ALL: [MethodName; 21] = [
        MethodName::MessageCreate,
        MethodName::MessageEdit,
        MethodName::MessageDelete,
        MethodName::MessagePin,
        MethodName::MessageUnpin,
        MethodName::ReactionAdd,
        MethodName::ReactionRemove,
        MethodName::TypingStart,
        MethodName::ChannelHistory,
        MethodName::ChannelEvents,
        MethodName::ChannelAck,
        MethodName::ChannelUpdate,
        MethodName::PanelGet,
        MethodName::PanelAction,
        MethodName::PresenceList,
        MethodName::MemberList,
        MethodName::ModerationTimeout,
        MethodName::ModerationKick,
        MethodName::DmOpen,
        MethodName::Search,
        MethodName::SessionReauth,
    ];

    /// The wire name, e.g. `"message.create"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodName::MessageCreate => "message.create",
            MethodName::MessageEdit => "message.edit",
            MethodName::MessageDelete => "message.delete",
            MethodName::MessagePin => "message.pin",
            MethodName::MessageUnpin => "message.unpin",
            MethodName::ReactionAdd => "reaction.add",
            MethodName::ReactionRemove => "reaction.remove",
            MethodName::TypingStart => "typing.start",
            MethodName::ChannelHistory => "channel.history",
            MethodName::ChannelEvents => "channel.events",
            MethodName::ChannelAck => "channel.ack",
            MethodName::ChannelUpdate => "channel.update",
            MethodName::PanelGet => "panel.get",
            MethodName::PanelAction => "panel.action",
            MethodName::PresenceList => "presence.list",
            MethodName::MemberList => "member.list",
            MethodName::ModerationTimeout => "moderation.timeout",
            MethodName::ModerationKick => "moderation.kick",
            MethodName::DmOpen => "dm.open",
            MethodName::Search => "search",
            MethodName::SessionReauth => "session.reauth",
        }
    }

    /// The method with this wire name; `None` for an unknown one.
    pub fn parse(name: &str) -> Option<MethodName> {
        MethodName::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

impl Method {
    /// Parses `method` and `params`; an unknown method or bad params is a
    /// `bad_request` answer, never a closed connection.
    pub fn parse(method: &str, p: Value) -> Result<Method, ErrorBody> {
        let Some(name) = MethodName::parse(method) else {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!("unknown method {method:?}"),
            ));
        };
        Ok(match name {
            MethodName::MessageCreate => Method::MessageCreate(params(method, p)?),
            MethodName::MessageEdit => Method::MessageEdit(params(method, p)?),
            MethodName::MessageDelete => Method::MessageDelete(params(method, p)?),
            MethodName::MessagePin => Method::MessagePin(params(method, p)?),
            MethodName::MessageUnpin => Method::MessageUnpin(params(method, p)?),
            MethodName::ReactionAdd => Method::ReactionAdd(params(method, p)?),
            MethodName::ReactionRemove => Method::ReactionRemove(params(method, p)?),
            MethodName::TypingStart => Method::TypingStart(params(method, p)?),
            MethodName::ChannelHistory => Method::ChannelHistory(params(method, p)?),
            MethodName::ChannelEvents => Method::ChannelEvents(params(method, p)?),
            MethodName::ChannelAck => Method::ChannelAck(params(method, p)?),
            MethodName::ChannelUpdate => Method::ChannelUpdate(params(method, p)?),
            MethodName::PanelGet => Method::PanelGet(params(method, p)?),
            MethodName::PanelAction => Method::PanelAction(params(method, p)?),
            MethodName::PresenceList => Method::PresenceList(params(method, p)?),
            MethodName::MemberList => Method::MemberList(params(method, p)?),
            MethodName::ModerationTimeout => Method::ModerationTimeout(params(method, p)?),
            MethodName::ModerationKick => Method::ModerationKick(params(method, p)?),
            MethodName::DmOpen => Method::DmOpen(params(method, p)?),
            MethodName::Search => Method::Search(params(method, p)?),
            MethodName::SessionReauth => Method::SessionReauth(params(method, p)?),
        })
    }

    /// This method's name (its wire spelling via [`MethodName::as_str`]).
    pub fn name(&self) -> MethodName {
        match self {
            Method::MessageCreate(_) => MethodName::MessageCreate,
            Method::MessageEdit(_) => MethodName::MessageEdit,
            Method::MessageDelete(_) => MethodName::MessageDelete,
            Method::MessagePin(_) => MethodName::MessagePin,
            Method::MessageUnpin(_) => MethodName::MessageUnpin,
            Method::ReactionAdd(_) => MethodName::ReactionAdd,
            Method::ReactionRemove(_) => MethodName::ReactionRemove,
            Method::TypingStart(_) => MethodName::TypingStart,
            Method::ChannelHistory(_) => MethodName::ChannelHistory,
            Method::ChannelEvents(_) => MethodName::ChannelEvents,
            Method::ChannelAck(_) => MethodName::ChannelAck,
            Method::ChannelUpdate(_) => MethodName::ChannelUpdate,
            Method::PanelGet(_) => MethodName::PanelGet,
            Method::PanelAction(_) => MethodName::PanelAction,
            Method::PresenceList(_) => MethodName::PresenceList,
            Method::MemberList(_) => MethodName::MemberList,
            Method::ModerationTimeout(_) => MethodName::ModerationTimeout,
            Method::ModerationKick(_) => MethodName::ModerationKick,
            Method::DmOpen(_) => MethodName::DmOpen,
            Method::Search(_) => MethodName::Search,
            Method::SessionReauth(_) => MethodName::SessionReauth,
        }
    }
}

/// `channel.events` cursors sent in RESUME: channel id → last `channel_seq` seen.
pub type Cursors = HashMap<Snowflake, u64>;

#[cfg(test)]
mod method_name_tests {
    use super::MethodName;

    #[test]
    fn every_name_parses_back() {
        for m in MethodName::ALL {
            assert_eq!(MethodName::parse(m.as_str()), Some(m));
        }
        assert_eq!(MethodName::parse("message.nope"), None);
    }
}
