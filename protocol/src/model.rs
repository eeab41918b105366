//! The shapes of PROTOCOL.md §3: users, channels, messages, presences, read states.

use crate::Snowflake;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A member's role in a tenant; decides moderation rights and who may post where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Full rights, including bots and webhooks.
    Admin,
    /// Moderates: pins, deletes any message, timeouts, kicks.
    Staff,
    /// A partner of the program.
    Partner,
    /// An automated poster (deal wins, status alerts).
    Bot,
}

impl Role {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Partner => "partner",
            Role::Bot => "bot",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "staff" => Role::Staff,
            "partner" => Role::Partner,
            "bot" => Role::Bot,
            _ => return None,
        })
    }

    /// Admins may do everything.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    /// Admins and staff moderate.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
    }
}

/// `User {id, display_name, role, tier?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: Snowflake,
    pub display_name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// What a channel is: a conversation, a staff-only broadcast, an automated feed,
/// a live panel owned by a domain actor, or a direct message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Chat,
    Announcement,
    Feed,
    Panel,
    Dm,
}

impl ChannelKind {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Chat => "chat",
            ChannelKind::Announcement => "announcement",
            ChannelKind::Feed => "feed",
            ChannelKind::Panel => "panel",
            ChannelKind::Dm => "dm",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<ChannelKind> {
        Some(match s {
            "chat" => ChannelKind::Chat,
            "announcement" => ChannelKind::Announcement,
            "feed" => ChannelKind::Feed,
            "panel" => ChannelKind::Panel,
            "dm" => ChannelKind::Dm,
            _ => return None,
        })
    }
}

/// `Channel` as seen by one user: `can_post` is that user's right to post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub id: Snowflake,
    /// Stable key from channels.toml, e.g. `general-chat`.
    pub key: String,
    pub name: String,
    /// Category key, e.g. `daily-communications`.
    pub category: String,
    pub kind: ChannelKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub position: i32,
    pub can_post: bool,
    /// Seconds a non-staff member waits between two posts; 0 = off.
    pub slow_mode_s: u32,
    /// A locked channel takes posts from staff only.
    pub locked: bool,
    /// The channel log's last `channel_seq` (0 = empty).
    pub last_seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<Snowflake>,
}

/// `{key, name, position}` of a sidebar category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    pub name: String,
    pub position: i32,
}

/// A structured attachment such as a `deal_win`; `data` is type-specific.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Value,
}

/// One emoji's tally on a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: u32,
}

/// `Message`: timestamps are RFC 3339 UTC strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Snowflake,
    pub channel_id: Snowflake,
    /// Log position of this message's latest change (create, edit, …).
    pub channel_seq: u64,
    pub author: User,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    pub pinned: bool,
    pub reactions: Vec<ReactionCount>,
    /// Members named with `<@user_id>` in `content` (PROTOCOL.md §3), in
    /// order of first mention; only members of the tenant who may read the
    /// channel. Omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<Snowflake>,
}

/// Presence as others see it (`invisible` is shown as `offline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Online,
    Idle,
    Dnd,
    Offline,
}

/// What a client may ask to appear as (op 3 and IDENTIFY `presence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestedStatus {
    Online,
    Idle,
    Dnd,
    Invisible,
}

impl RequestedStatus {
    /// How others see this choice.
    pub fn visible(self) -> Status {
        match self {
            RequestedStatus::Online => Status::Online,
            RequestedStatus::Idle => Status::Idle,
            RequestedStatus::Dnd => Status::Dnd,
            RequestedStatus::Invisible => Status::Offline,
        }
    }
}

/// `Presence {user_id, status, since}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub user_id: Snowflake,
    pub status: Status,
    pub since: String,
}

/// Arena extension in READY: the reader's position in one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadState {
    pub channel_id: Snowflake,
    /// Last message the user acknowledged, if any.
    pub last_read_id: Option<Snowflake>,
    /// Messages after `last_read_id` at READY time.
    pub unread: u32,
    /// Of those, the ones that mention the user (Discord's read state
    /// `mention_count`; `channel.ack` past them clears it). Omitted when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mention_count: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// `{id, slug, name}` of the tenant a session belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub id: Snowflake,
    pub slug: String,
    pub name: String,
}

/// `{kind, version, data}`: a panel's current state (PROTOCOL.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    pub kind: String,
    pub version: u64,
    pub data: Value,
}
