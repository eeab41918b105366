//! Delivery without sockets or Postgres: who gets an event, in which variant.

use super::*;
use crate::hub::{Outbound, Outbox, Receiver};
use crate::ids::{ChannelId, TenantId, UserId};
use crate::registry::{Principal, TenantChannels};
use arena_protocol::event::{ChannelUpdate, TypingStart};
use arena_protocol::model::{ChannelKind, Role};
use arena_protocol::{Encoding, Snowflake};

const TENANT: TenantId = TenantId(1);
const CHANNEL: ChannelId = ChannelId(10);

fn announcements() -> ChannelInfo {
    ChannelInfo {
        tenant_id: TENANT,
        id: CHANNEL,
        key: "announcements".into(),
        name: "announcements".into(),
        category: "welcome".into(),
        kind: ChannelKind::Announcement,
        domain: None,
        panel: None,
        topic: None,
        position: 0,
        read: vec![Principal::Everyone],
        post: vec![Principal::Role(Role::Staff)],
        slow_mode_s: 0,
        locked: false,
    }
}

fn member(user: i64, role: Role) -> Actor {
    Actor::member(TENANT, UserId(user), role, None)
}

fn setup() -> (Delivery, Hub) {
    let hub = Hub::default();
    let registry = Registry::default();
    registry.set_tenant(
        TENANT,
        TenantChannels {
            tenant: None,
            categories: Vec::new(),
            channels: vec![announcements()],
        },
    );
    (Delivery::new(hub.clone(), registry), hub)
}

fn subscribe(hub: &Hub, key: u64, actor: Actor, enc: Encoding) -> Receiver {
    let (o, rx) = Outbox::new(key, actor, enc, 16, 1 << 20);
    hub.subscribe(CHANNEL, &o);
    hub.join_tenant(&o);
    rx
}

/// The `d.can_post` of the one queued CHANNEL_UPDATE (JSON).
fn can_post(rx: &mut Receiver) -> bool {
    let Ok(Outbound::Dispatch { prefix, .. }) = rx.try_recv() else {
        panic!("no dispatch queued");
    };
    let mut bytes = Vec::new();
    prefix.finish_into(1, &mut bytes);
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    v["d"]["can_post"].as_bool().expect("can_post")
}

fn channel_update(can_post: bool) -> Event {
    let channel = announcements().to_wire_neutral(3, None);
    let mut cu = ChannelUpdate {
        channel,
        channel_seq: 3,
    };
    cu.channel.can_post = can_post;
    Event::ChannelUpdate(Box::new(cu))
}

#[test]
fn channel_update_carries_each_readers_own_can_post() {
    let (delivery, hub) = setup();
    let mut staff = subscribe(&hub, 1, member(1, Role::Staff), Encoding::Json);
    let mut partner = subscribe(&hub, 2, member(2, Role::Partner), Encoding::Json);
    let audience = Audience::Channel {
        tenant_id: TENANT,
        channel_id: CHANNEL,
    };
    // Whatever the publisher's own variant was.
    assert_eq!(delivery.deliver(audience, &channel_update(true)), 2);
    assert!(can_post(&mut staff));
    assert!(!can_post(&mut partner));
}

#[test]
fn the_same_rule_personalises_logged_events() {
    let event = channel_update(false);
    let staff = personalise(&member(1, Role::Staff), &announcements(), event.clone());
    let partner = personalise(&member(2, Role::Partner), &announcements(), event);
    let can_post = |e: &Event| match e {
        Event::ChannelUpdate(cu) => cu.channel.can_post,
        _ => unreachable!(),
    };
    assert!(can_post(&staff));
    assert!(!can_post(&partner));
}

#[test]
fn shared_events_reach_every_subscriber_in_its_encoding() {
    let (delivery, hub) = setup();
    let mut json = subscribe(&hub, 1, member(1, Role::Partner), Encoding::Json);
    let mut msgpack = subscribe(&hub, 2, member(2, Role::Partner), Encoding::MsgPack);
    let typing = Event::TypingStart(TypingStart {
        channel_id: CHANNEL.snowflake(),
        user_id: Snowflake(1),
        at: "2026-01-01T00:00:00.000Z".into(),
    });
    let audience = Audience::Channel {
        tenant_id: TENANT,
        channel_id: CHANNEL,
    };
    assert_eq!(delivery.deliver(audience, &typing), 2);
    for (rx, enc) in [
        (&mut json, Encoding::Json),
        (&mut msgpack, Encoding::MsgPack),
    ] {
        match rx.try_recv() {
            Ok(Outbound::Dispatch { prefix, .. }) => assert_eq!(prefix.encoding(), enc),
            other => panic!("expected a dispatch, got {other:?}"),
        }
    }
}

#[test]
fn tenant_events_stay_in_their_tenant_and_unknown_channels_reach_nobody() {
    let (delivery, hub) = setup();
    let mut ana = subscribe(&hub, 1, member(1, Role::Partner), Encoding::Json);
    let typing = Event::TypingStart(TypingStart {
        channel_id: Snowflake(99),
        user_id: Snowflake(1),
        at: "2026-01-01T00:00:00.000Z".into(),
    });
    assert_eq!(delivery.deliver(Audience::Tenant(TenantId(2)), &typing), 0);
    let elsewhere = Audience::Channel {
        tenant_id: TenantId(2),
        channel_id: CHANNEL,
    };
    assert_eq!(
        delivery.deliver(elsewhere, &typing),
        0,
        "another tenant's id"
    );
    assert!(ana.try_recv().is_err());
    assert_eq!(delivery.deliver(Audience::Tenant(TENANT), &typing), 1);
}
