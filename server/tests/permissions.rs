//! Who may do what over the gateway: edit and delete rights, permission
//! refusals for partners (posting, typing, restricted channels), and tenant
//! isolation over the gateway and REST.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::model::Message;
use arena_protocol::{Encoding, ErrorCode, Event};
use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_and_delete_by_author_only_staff_may_delete_any() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let m = post(&mut ana, general, "ana's words").await;
    let m2 = post(&mut ana, general, "ana's second words").await;
    let m3 = post(&mut ben, general, "ben's own words").await;

    // ben may neither edit nor delete ana's message.
    let e = ben
        .request(
            "message.edit",
            json!({"message_id": m.id, "content": "hijacked"}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    let e = ben
        .request("message.delete", json!({"message_id": m.id}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::Forbidden,
        "a partner may not delete another's message: {e:?}"
    );
    // Staff may not edit someone else's message either (edit: author only).
    let e = staff
        .request(
            "message.edit",
            json!({"message_id": m.id, "content": "staff edit"}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");

    // Nothing changed: no MESSAGE_UPDATE / DELETE went out, history is intact.
    let h = ben
        .request(
            "channel.history",
            json!({"channel_id": general, "after": m.id, "limit": 100}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h["messages"].as_array().unwrap().len(), 2);
    let h = ben
        .request(
            "channel.history",
            json!({"channel_id": general, "before": m2.id, "limit": 1}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h["messages"][0]["content"], "ana's words");
    assert!(h["messages"][0].get("edited_at").is_none_or(Value::is_null));

    // The author edits: everyone gets MESSAGE_UPDATE.
    let edited: Message = ana
        .call(
            "message.edit",
            json!({"message_id": m.id, "content": "ana's better words"}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(edited.content, "ana's better words");
    assert!(edited.edited_at.is_some());
    assert_eq!(edited.id, m.id);
    assert!(
        edited.channel_seq > m3.channel_seq,
        "an edit is a new log event"
    );
    for (who, c) in [("ana", &mut ana), ("ben", &mut ben), ("staff", &mut staff)] {
        match c
            .wait_for(WAIT, |e| matches!(e, Event::MessageUpdate(_)))
            .await
        {
            Ok((_, Event::MessageUpdate(u))) => assert_eq!(*u, edited, "{who}"),
            other => panic!("{who}: expected MESSAGE_UPDATE, got {other:?}"),
        }
    }
    // ben deletes his own; staff deletes ana's.
    assert_eq!(
        ben.request("message.delete", json!({"message_id": m3.id}))
            .await
            .unwrap(),
        Ok(json!({}))
    );
    assert_eq!(
        staff
            .request("message.delete", json!({"message_id": m.id}))
            .await
            .unwrap(),
        Ok(json!({}))
    );
    for (who, c) in [("ana", &mut ana), ("ben", &mut ben), ("staff", &mut staff)] {
        let mut deleted = Vec::new();
        while deleted.len() < 2 {
            match c
                .wait_for(WAIT, |e| matches!(e, Event::MessageDelete(_)))
                .await
            {
                Ok((_, Event::MessageDelete(d))) => {
                    assert_eq!(d.channel_id, general);
                    deleted.push(d.id);
                }
                other => panic!("{who}: expected MESSAGE_DELETE, got {other:?}"),
            }
        }
        assert_eq!(deleted, [m3.id, m.id], "{who}");
    }
    // Deleted messages are gone from history; a deleted message cannot be edited.
    let h = ana
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 100}),
        )
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<&str> = h["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&m.id.to_string().as_str()) && !ids.contains(&m3.id.to_string().as_str())
    );
    assert!(ids.contains(&m2.id.to_string().as_str()));
    let e = ana
        .request(
            "message.edit",
            json!({"message_id": m.id, "content": "zombie"}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_refusals_for_partners() {
    let (_db, s) = setup().await;
    let (mut ben, ready_b) = s.login_ws(BEN, Encoding::Json).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::MsgPack).await;
    let (_staff, ready_s) = s.login_ws(STAFF, Encoding::Json).await;
    let tenant = ready_b.tenant.id.0 as i64;
    let announcements = channel(&ready_b, "announcements");
    assert!(
        !announcements.can_post,
        "a partner cannot post in #announcements"
    );
    assert!(channel(&ready_s, "announcements").can_post, "staff can");

    // Posting in #announcements is forbidden; the connection lives on.
    let e = ben
        .request(
            "message.create",
            json!({"channel_id": announcements.id, "content": "partner news"}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    assert_no_event(&mut ana, "a refused post dispatches nothing", |e| {
        matches!(e, Event::MessageCreate(_))
    })
    .await;
    // Typing there too.
    let e = ben
        .request("typing.start", json!({"channel_id": announcements.id}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    assert_no_event(&mut ana, "refused typing", |e| {
        matches!(e, Event::TypingStart(_))
    })
    .await;

    // Still connected: typing and posting in #general-chat work.
    let general = channel(&ready_b, "general-chat").id;
    assert_eq!(
        ben.request("typing.start", json!({"channel_id": general}))
            .await
            .unwrap(),
        Ok(json!({}))
    );
    match ana
        .wait_for(WAIT, |e| matches!(e, Event::TypingStart(_)))
        .await
    {
        Ok((_, Event::TypingStart(t))) => {
            assert_eq!((t.channel_id, t.user_id), (general, ready_b.user.id))
        }
        other => panic!("expected TYPING_START, got {other:?}"),
    }
    let m = post(&mut ben, general, "still here").await;
    assert_eq!(next_create(&mut ana).await.id, m.id);

    // Restricted channels: not in READY for ben (silver); #beta-features for ana (gold) only.
    let keys = |r: &arena_protocol::event::Ready| {
        r.channels.iter().map(|c| c.key.clone()).collect::<Vec<_>>()
    };
    for hidden in ["executive-briefing", "beta-features"] {
        assert!(
            !keys(&ready_b).contains(&hidden.to_owned()),
            "#{hidden} must not be in ben's READY"
        );
        assert!(
            keys(&ready_s).contains(&hidden.to_owned()),
            "#{hidden} is in staff's READY"
        );
        let id = channel_id(&s, tenant, hidden);
        for (method, params) in [
            ("channel.history", json!({"channel_id": id})),
            ("channel.events", json!({"channel_id": id, "after_seq": 0})),
            (
                "message.create",
                json!({"channel_id": id, "content": "let me in"}),
            ),
            ("typing.start", json!({"channel_id": id})),
        ] {
            let e = ben.request(method, params).await.unwrap().unwrap_err();
            assert_eq!(
                e.code,
                ErrorCode::NotFound,
                "{method} on #{hidden} for ben: {e:?}"
            );
        }
    }
    assert!(
        keys(&ready_a).contains(&"beta-features".to_owned()),
        "gold sees #beta-features"
    );
    assert!(
        !keys(&ready_a).contains(&"executive-briefing".to_owned()),
        "gold does not see #executive-briefing"
    );

    // A post in #beta-features by ana does not reach ben.
    let beta = channel(&ready_a, "beta-features").id;
    post(&mut ana, beta, "gold-only preview").await;
    assert_no_event(&mut ben, "ben must not get #beta-features traffic", |e| {
        e.channel_id() == Some(beta)
    })
    .await;
    // And it is still ben's session, alive.
    assert!(ben
        .request("presence.list", json!({}))
        .await
        .unwrap()
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_tenant_can_neither_see_read_nor_post() {
    let (_db, s) = setup().await;
    let (mut zoe, ready_z) = s.login_ws(ZOE, Encoding::Json).await;
    let (mut ana, ready_a) = s.login_ws(ANA, Encoding::Json).await;
    assert_eq!(ready_z.tenant.slug, "acme");
    assert_eq!(ready_a.tenant.slug, "demo");
    let demo_ids: Vec<_> = ready_a.channels.iter().map(|c| c.id).collect();
    assert!(!ready_z.channels.is_empty(), "acme has its own channels");
    for c in &ready_z.channels {
        assert!(
            !demo_ids.contains(&c.id),
            "zoe's READY holds demo's channel #{}",
            c.key
        );
    }
    let demo_users: Vec<_> = {
        let mut v = Vec::new();
        for e in [ANA, BEN, STAFF, ADMIN] {
            v.push(arena_protocol::Snowflake(
                s.member("demo", e).await.1 as u64,
            ));
        }
        v
    };
    for p in &ready_z.presences {
        assert!(
            !demo_users.contains(&p.user_id),
            "demo presence leaked into acme's READY"
        );
    }

    let general = channel(&ready_a, "general-chat").id;
    let demo_msg = post(&mut ana, general, "demo only").await;
    assert_no_event(&mut zoe, "no demo dispatch reaches acme", |e| match e {
        Event::PresenceUpdate(p) => demo_users.contains(&p.user_id),
        other => other.channel_id().is_some_and(|c| demo_ids.contains(&c)),
    })
    .await;

    // Gateway: not_found for every way in.
    for (method, params) in [
        ("channel.history", json!({"channel_id": general})),
        (
            "channel.events",
            json!({"channel_id": general, "after_seq": 0}),
        ),
        (
            "message.create",
            json!({"channel_id": general, "content": "from acme"}),
        ),
        ("typing.start", json!({"channel_id": general})),
        (
            "channel.ack",
            json!({"channel_id": general, "message_id": demo_msg.id}),
        ),
        (
            "message.edit",
            json!({"message_id": demo_msg.id, "content": "acme was here"}),
        ),
        ("message.delete", json!({"message_id": demo_msg.id})),
        (
            "reaction.add",
            json!({"message_id": demo_msg.id, "emoji": "👀"}),
        ),
        // A reply in acme's own channel to demo's message: not_found, not a hint that it exists.
        (
            "message.create",
            json!({"channel_id": channel(&ready_z, "general-chat").id, "content": "re", "reply_to": demo_msg.id}),
        ),
    ] {
        let e = zoe.request(method, params).await.unwrap().unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound, "zoe {method} into demo: {e:?}");
    }
    // zoe's own workspace works.
    let acme_general = channel(&ready_z, "general-chat").id;
    assert_ne!(acme_general, general);
    post(&mut zoe, acme_general, "hello acme").await;
    assert_no_event(&mut ana, "no acme dispatch reaches demo", |e| {
        e.channel_id() == Some(acme_general)
    })
    .await;

    // REST: the same refusals.
    let token = s.demo_token(ZOE).await;
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{general}/messages")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found", "{body}");
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{general}/messages")))
        .bearer_auth(&token)
        .json(&json!({"content": "rest from acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found", "{body}");
    for req in [
        s.http()
            .patch(s.url(&format!(
                "/api/v1/channels/{general}/messages/{}",
                demo_msg.id
            )))
            .json(&json!({"content": "x"})),
        s.http().delete(s.url(&format!(
            "/api/v1/channels/{general}/messages/{}",
            demo_msg.id
        ))),
    ] {
        let r = req.bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{body}");
    }
    let r = s
        .http()
        .get(s.url("/api/v1/channels"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    for c in body["channels"].as_array().unwrap() {
        assert!(
            !demo_ids
                .iter()
                .any(|d| d.to_string() == c["id"].as_str().unwrap()),
            "REST channel list leaks demo"
        );
    }

    // Nothing of zoe's landed in demo.
    let h = ana
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 100}),
        )
        .await
        .unwrap()
        .unwrap();
    for m in h["messages"].as_array().unwrap() {
        assert_ne!(
            m["author"]["display_name"], ready_z.user.display_name,
            "acme's post landed in demo: {m}"
        );
    }
    let h = ana
        .request(
            "channel.history",
            json!({"channel_id": general, "limit": 1}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h["messages"][0]["id"], demo_msg.id.to_string());
    assert_eq!(
        h["messages"][0]["content"], "demo only",
        "zoe's edit must not apply"
    );
    assert_no_event(&mut ana, "no acme change to demo messages", |e| {
        matches!(
            e,
            Event::MessageUpdate(_) | Event::MessageDelete(_) | Event::ReactionAdd(_)
        )
    })
    .await;
}
