//! Realistic sample values of every PROTOCOL.md shape, shared by the codec
//! tests; [`wire`] holds the checks of encoded frames.

#![allow(dead_code)]

pub mod wire;

use arena_protocol::event::{
    ChannelUpdate, MemberUpdate, MessageDelete, PanelUpdate, ReactionEvent, Ready, Resumed,
    TypingStart,
};
use arena_protocol::model::{
    Card, Category, Channel, ChannelKind, Message, Panel, Presence, ReactionCount, ReadState, Role,
    Status, TenantInfo, User,
};
use arena_protocol::{Event, Snowflake};
use serde_json::json;

/// A snowflake above 2^53 so a lossy float/JS number would show.
pub fn id(n: u64) -> Snowflake {
    Snowflake(9_007_199_254_740_993 + n)
}

pub fn user() -> User {
    User {
        id: id(1),
        display_name: "Ana Souza".into(),
        role: Role::Partner,
        tier: Some("gold".into()),
    }
}

pub fn staff() -> User {
    User {
        id: id(2),
        display_name: "Sam Staff".into(),
        role: Role::Staff,
        tier: None,
    }
}

pub fn channel() -> Channel {
    Channel {
        id: id(10),
        key: "general-chat".into(),
        name: "general-chat".into(),
        category: "daily-communications".into(),
        kind: ChannelKind::Chat,
        domain: Some("community".into()),
        topic: Some("Say hi — and share wins 🎉".into()),
        position: 3,
        can_post: true,
        slow_mode_s: 0,
        locked: false,
        last_seq: 41,
        last_message_id: Some(id(99)),
    }
}

pub fn panel_channel() -> Channel {
    Channel {
        id: id(11),
        key: "commissions".into(),
        name: "commissions".into(),
        category: "revenue".into(),
        kind: ChannelKind::Panel,
        domain: Some("revenue".into()),
        topic: None,
        position: 1,
        can_post: false,
        slow_mode_s: 30,
        locked: true,
        last_seq: 0,
        last_message_id: None,
    }
}

pub fn message() -> Message {
    Message {
        id: id(100),
        channel_id: id(10),
        channel_seq: 42,
        author: user(),
        content: "Closed the Acme deal \"today\" \\o/ — next: Globex".into(),
        card: Some(Card {
            kind: "deal_win".into(),
            data: json!({"client": "Acme", "amount_minor": 1250000, "currency": "EUR", "partner_id": id(1).to_string()}),
        }),
        reply_to: Some(id(98)),
        nonce: Some("n-123".into()),
        created_at: "2026-11-22T03:04:05.123Z".into(),
        edited_at: Some("2026-11-22T03:05:00Z".into()),
        pinned: true,
        reactions: vec![
            ReactionCount {
                emoji: "🎉".into(),
                count: 3,
            },
            ReactionCount {
                emoji: "+1".into(),
                count: 1,
            },
        ],
        mentions: vec![id(1)],
    }
}

pub fn plain_message() -> Message {
    Message {
        id: id(101),
        channel_id: id(10),
        channel_seq: 43,
        author: staff(),
        content: "welcome".into(),
        card: None,
        reply_to: None,
        nonce: None,
        created_at: "2026-11-22T03:04:06Z".into(),
        edited_at: None,
        pinned: false,
        reactions: vec![],
        mentions: Vec::new(),
    }
}

pub fn presence() -> Presence {
    Presence {
        user_id: id(1),
        status: Status::Dnd,
        since: "2026-11-22T03:00:00Z".into(),
    }
}

pub fn panel() -> Panel {
    Panel {
        kind: "commission_snapshot".into(),
        version: 7,
        data: json!({
            "title": "Commissions",
            "blocks": [
                {"type": "figures", "items": [{"label": "Earned", "value": 1250.5, "unit": "EUR"}]},
                {"type": "table", "columns": ["Partner", "Deals"], "rows": [["Ana", 3], ["Ben", 1]]},
                {"type": "list", "items": [{"title": "Acme", "subtitle": "won", "href": "/deals/1"}]},
                {"type": "progress", "items": [{"label": "Quarter", "value": 3, "max": 10}]},
                {"type": "text", "text": "Updated hourly"}
            ]
        }),
    }
}

pub fn ready() -> Ready {
    Ready {
        session_id: "s-7f3a9c".into(),
        user: user(),
        tenant: TenantInfo {
            id: id(5),
            slug: "demo".into(),
            name: "Demo Partners".into(),
        },
        categories: vec![Category {
            key: "daily-communications".into(),
            name: "Daily".into(),
            position: 0,
        }],
        channels: vec![channel(), panel_channel()],
        presences: vec![presence()],
        presences_partial: false,
        read_states: vec![
            ReadState {
                channel_id: id(10),
                last_read_id: Some(id(99)),
                unread: 2,
                mention_count: 1,
            },
            ReadState {
                channel_id: id(11),
                last_read_id: None,
                unread: 0,
                mention_count: 0,
            },
        ],
        muted_until: None,
        muted_reason: None,
        node_id: "node-1".into(),
    }
}

/// One realistic value of every event of PROTOCOL.md §3.
pub fn all_events() -> Vec<Event> {
    vec![
        Event::Ready(Box::new(ready())),
        Event::Resumed(Resumed {
            replayed: 3,
            unrecovered: vec![id(10), id(11)],
        }),
        Event::Resumed(Resumed {
            replayed: 0,
            unrecovered: vec![],
        }),
        Event::MessageCreate(Box::new(message())),
        Event::MessageCreate(Box::new(plain_message())),
        Event::MessageUpdate(Box::new(message())),
        Event::MessageDelete(MessageDelete {
            id: id(100),
            channel_id: id(10),
            channel_seq: 44,
        }),
        Event::ReactionAdd(ReactionEvent {
            message_id: id(100),
            channel_id: id(10),
            user_id: id(1),
            emoji: "🎉".into(),
            channel_seq: 45,
        }),
        Event::ReactionRemove(ReactionEvent {
            message_id: id(100),
            channel_id: id(10),
            user_id: id(1),
            emoji: "🎉".into(),
            channel_seq: 46,
        }),
        Event::TypingStart(TypingStart {
            channel_id: id(10),
            user_id: id(1),
            at: "2026-11-22T03:04:05Z".into(),
        }),
        Event::PresenceUpdate(presence()),
        Event::ChannelUpdate(Box::new(ChannelUpdate {
            channel: channel(),
            channel_seq: 47,
        })),
        Event::PanelUpdate(PanelUpdate {
            channel_id: id(11),
            panel: panel(),
        }),
        Event::MemberUpdate(MemberUpdate {
            user_id: id(1),
            muted_until: Some("2026-11-22T04:00:00Z".into()),
            muted_reason: Some("cool down".into()),
            role: Some("partner".into()),
            tier: Some("gold".into()),
            display_name: Some("Ana O.".into()),
            deactivated: Some(false),
        }),
        Event::MemberUpdate(MemberUpdate {
            user_id: id(2),
            muted_until: None,
            muted_reason: None,
            role: None,
            tier: None,
            display_name: None,
            deactivated: None,
        }),
    ]
}
