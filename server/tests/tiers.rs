//! Partner tiers change live: a win that lifts a partner past a threshold
//! promotes them, a reversal that drops them below demotes them, staff can
//! set a tier; each change reaches the partner's open sessions at once:
//! MEMBER_UPDATE, CHANNEL_CREATE for the channels the tier opens (and their
//! events from then on), CHANNEL_DELETE for the ones it closes (and nothing
//! of them after), and the old token cannot read them over REST either.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::{Encoding, ErrorCode, Event, Snowflake};
use common::*;
use serde_json::{json, Value};

async fn staff_call(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let staff = s.demo_token(STAFF).await;
    let r = s
        .http()
        .request(method, s.url(path))
        .bearer_auth(&staff)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Waits until ana has seen MEMBER_UPDATE with `tier` and, for each channel
/// in `created` / `deleted`, CHANNEL_CREATE / CHANNEL_DELETE (any order).
async fn expect_change(
    c: &mut arena_protocol::client::GatewayClient,
    user: i64,
    tier: &str,
    created: &[Snowflake],
    deleted: &[Snowflake],
) {
    let (mut member, mut made, mut gone) = (false, Vec::new(), Vec::new());
    while !member || made.len() < created.len() || gone.len() < deleted.len() {
        match c.next_event(WAIT).await.unwrap() {
            (_, Event::MemberUpdate(m)) if m.user_id.0 == user as u64 => {
                assert_eq!(m.tier.as_deref(), Some(tier));
                member = true;
            }
            (_, Event::ChannelCreate(ch)) => {
                assert!(
                    created.contains(&ch.id),
                    "unexpected CHANNEL_CREATE #{}",
                    ch.key
                );
                assert!(!deleted.contains(&ch.id));
                made.push(ch.id);
            }
            (_, Event::ChannelDelete(d)) => {
                assert!(
                    deleted.contains(&d.id),
                    "unexpected CHANNEL_DELETE {:?}",
                    d.id
                );
                gone.push(d.id);
            }
            _ => {}
        }
    }
}

async fn rest_history(s: &TestServer, token: &str, channel: Snowflake) -> u16 {
    s.http()
        .get(s.url(&format!("/api/v1/channels/{channel}/messages")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promotion_opens_executive_briefing_live_and_a_demotion_closes_it() {
    let (db, s) = setup().await;
    let (tenant, ana_id, _, tier) = s.member("demo", ANA).await;
    assert_eq!(tier.as_deref(), Some("gold"));
    let exec = channel_id(&s, tenant, "executive-briefing");
    let beta = channel_id(&s, tenant, "beta-features");
    // A subscriber for tier.changed: the event is queued with the change.
    let (status, _) = staff_call(
        &s,
        reqwest::Method::POST,
        "/api/v1/webhook-subscriptions",
        &json!({"url": "http://127.0.0.1:9/hook", "event_types": ["tier.changed"]}),
    )
    .await;
    let admin = s.demo_token(ADMIN).await;
    if status == 403 {
        let r = s
            .http()
            .post(s.url("/api/v1/webhook-subscriptions"))
            .bearer_auth(&admin)
            .json(&json!({"url": "http://127.0.0.1:9/hook", "event_types": ["tier.changed"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let ana_token = s.demo_token(ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    assert!(
        ready.channels.iter().all(|c| c.id != exec),
        "gold does not read #executive-briefing"
    );
    let (mut staff, _) = s.login_ws(STAFF, Encoding::MsgPack).await;
    assert_eq!(rest_history(&s, &ana_token, exec).await, 404);

    // 100,000.00 USD in 90 days reaches platinum (program.toml).
    let win = json!({"partner_id": ana_id.to_string(), "client": "Northwind", "amount_minor": 10_000_000,
                     "currency": "USD", "deal_id": "big-1"});
    let (status, body) =
        staff_call(&s, reqwest::Method::POST, "/api/v1/revenue/deal-wins", &win).await;
    assert_eq!(status, 201, "{body}");
    expect_change(&mut ana, ana_id, "platinum", &[exec], &[]).await;

    // From now on #executive-briefing's events reach ana, and her old token reads it.
    post(&mut staff, exec, "Q3 strategy call on Friday").await;
    // (Other domains post about the win too, e.g. a badge in #spotlight.)
    let m = match ana
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MessageCreate(m) if m.channel_id == exec),
        )
        .await
        .unwrap()
    {
        (_, Event::MessageCreate(m)) => *m,
        _ => unreachable!(),
    };
    assert_eq!(
        (m.channel_id, m.content.as_str()),
        (exec, "Q3 strategy call on Friday")
    );
    assert_eq!(rest_history(&s, &ana_token, exec).await, 200);
    let h = ana
        .request("channel.history", json!({"channel_id": exec}))
        .await
        .unwrap();
    assert!(h.is_ok(), "{h:?}");

    // The refund drops her trailing revenue to nothing: bronze, which closes
    // #executive-briefing and #beta-features (gold and up).
    let (status, body) = staff_call(
        &s,
        reqwest::Method::POST,
        "/api/v1/revenue/deals/big-1/reverse",
        &json!({"reason": "refund"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    expect_change(&mut ana, ana_id, "bronze", &[], &[exec, beta]).await;
    post(&mut staff, exec, "Board notes").await;
    assert_no_event(&mut ana, "#executive-briefing after the demotion", |e| {
        e.channel_id() == Some(exec) || e.channel_id() == Some(beta)
    })
    .await;
    let r = ana
        .request(
            "message.create",
            json!({"channel_id": exec, "content": "still here?"}),
        )
        .await
        .unwrap();
    assert_eq!(r.unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(
        rest_history(&s, &ana_token, exec).await,
        404,
        "the old token no longer reads it"
    );

    // Audited, in ana's activity, and queued for webhook subscribers.
    let r: Value = s
        .http()
        .get(s.url("/api/v1/activity?domain=revenue"))
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verbs: Vec<&str> = r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert_eq!(verbs, ["tier.changed", "tier.changed"], "{r}");
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let (n,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM webhook_outbox WHERE event_type = 'tier.changed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_set_a_tier_through_the_tiers_panel() {
    let (_db, s) = setup().await;
    let (tenant, ben_id, _, tier) = s.member("demo", BEN).await;
    assert_eq!(tier.as_deref(), Some("silver"));
    let exec = channel_id(&s, tenant, "executive-briefing");
    let tiers = channel_id(&s, tenant, "revenue-tiers");
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;

    let set = |tier: &str| {
        json!({"channel_id": tiers, "action": "set_tier",
                                  "params": {"partner_id": ben_id.to_string(), "tier": tier}})
    };
    let r = ana.request("panel.action", set("platinum")).await.unwrap();
    assert_eq!(
        r.unwrap_err().code,
        ErrorCode::Forbidden,
        "partners cannot set tiers"
    );
    let r = staff.request("panel.action", set("diamond")).await.unwrap();
    assert_eq!(r.unwrap_err().code, ErrorCode::BadRequest);

    let r = staff
        .request("panel.action", set("platinum"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("silver"), Some("platinum"))
    );
    let beta = channel_id(&s, tenant, "beta-features");
    expect_change(&mut ben, ben_id, "platinum", &[exec, beta], &[]).await;
    // Everyone's member list learns the new tier; ana's channels do not move.
    match ana
        .wait_for(WAIT, |e| matches!(e, Event::MemberUpdate(_)))
        .await
        .unwrap()
    {
        (_, Event::MemberUpdate(m)) => assert_eq!(m.tier.as_deref(), Some("platinum")),
        _ => unreachable!(),
    }
    assert_no_event(&mut ana, "ana's channels", |e| {
        matches!(e, Event::ChannelCreate(_) | Event::ChannelDelete(_))
    })
    .await;
}

/// A panel that moved while the client was away comes again after RESUMED,
/// even when the session is resumed from the log on a restarted server (whose
/// panels are all new builds); a channel outside the session's view is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_resends_panels_whose_version_moved() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (tenant, ben_id, ..) = s.member("demo", BEN).await;
    let tiers = channel_id(&s, tenant, "revenue-tiers");
    let exec = channel_id(&s, tenant, "executive-briefing");
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let held = ben
        .request("panel.get", json!({"channel_id": tiers}))
        .await
        .unwrap()
        .unwrap();
    let version = held["panel"]["version"].as_u64().unwrap();
    let (session_id, seq) = (ben.session_id().unwrap().to_owned(), ben.last_seq());
    drop(ben);
    let s = s.restart().await;
    let (status, body) = staff_call(
        &s,
        reqwest::Method::PUT,
        &format!("/api/v1/revenue/tiers/{ben_id}"),
        &json!({"tier": "gold"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The actor republishes after answering; a read queued behind it
    // returns once that is done, so what ben gets below is the re-send.
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let r = staff
        .request("panel.get", json!({"channel_id": tiers}))
        .await
        .unwrap();
    assert!(r.is_ok());
    let token = s.demo_token(BEN).await;
    let mut ben = s.connect(Encoding::Json).await;
    let d = arena_protocol::frame::Resume {
        token,
        session_id,
        seq,
        cursors: Some(cursors_from(&ready)),
        panels: Some([(tiers, version), (exec, 0)].into_iter().collect()),
    };
    match ben.resume(d).await.unwrap() {
        arena_protocol::client::ResumeOutcome::Resumed { .. } => {}
        other => panic!("{other:?}"),
    }
    match ben
        .wait_for(
            WAIT,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == tiers),
        )
        .await
        .unwrap()
    {
        (_, Event::PanelUpdate(u)) => {
            assert!(u.panel.version > version);
            assert!(
                u.panel.data.to_string().contains("gold"),
                "{}",
                u.panel.data
            );
        }
        _ => unreachable!(),
    }
    assert_no_event(&mut ben, "a channel outside ben's view", |e| {
        e.channel_id() == Some(exec)
    })
    .await;
}
