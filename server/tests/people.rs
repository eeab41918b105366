//! Direct messages, mentions and search (issue 13), on a real server and
//! Postgres: a DM is readable by its two members only (staff, admins and a
//! third partner get the uniform `not_found` of an unreadable channel), a
//! partner may refuse DMs from partners; `<@id>` mentions are stored,
//! carried live, counted in READY and cleared by `channel.ack`; search
//! never returns a message from a channel the caller cannot read, a DM of
//! others or another tenant.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::model::{Channel, ChannelKind};
use arena_protocol::request::SearchResult;
use arena_protocol::{Encoding, ErrorCode, Event, Snowflake};
use common::*;
use serde_json::json;

async fn user_id(s: &TestServer, email: &str) -> Snowflake {
    Snowflake(s.member(tenant_of(email), email).await.1 as u64)
}

async fn open_dm(
    c: &mut GatewayClient,
    with: Snowflake,
) -> Result<Channel, arena_protocol::ErrorBody> {
    c.call::<Channel>("dm.open", json!({ "user_id": with }))
        .await
        .unwrap()
}

async fn search(c: &mut GatewayClient, params: serde_json::Value) -> SearchResult {
    c.call::<SearchResult>("search", params)
        .await
        .unwrap()
        .unwrap()
}

async fn refusal(c: &mut GatewayClient, method: &str, params: serde_json::Value) -> ErrorCode {
    c.request(method, params).await.unwrap().unwrap_err().code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_is_readable_by_its_two_members_only() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let ben_id = user_id(&s, BEN).await;
    let ana_id = user_id(&s, ANA).await;

    let dm = open_dm(&mut ana, ben_id).await.unwrap();
    assert_eq!(dm.kind, ChannelKind::Dm);
    assert_eq!(dm.name, "Ben Carter", "named for the other member");
    assert!(dm.can_post);
    // Ben's open session joins it at once.
    let (_, e) = ben
        .wait_for(
            WAIT,
            |e| matches!(e, Event::ChannelCreate(c) if c.id == dm.id),
        )
        .await
        .unwrap();
    let Event::ChannelCreate(c) = e else {
        unreachable!()
    };
    assert_eq!(c.name, "Ana Ortiz");
    // Opening again, from either side, is the same channel.
    assert_eq!(open_dm(&mut ana, ben_id).await.unwrap().id, dm.id);
    assert_eq!(open_dm(&mut ben, ana_id).await.unwrap().id, dm.id);

    let m = post(&mut ana, dm.id, "just between us").await;
    assert_eq!(next_create(&mut ben).await.id, m.id);
    post(&mut ben, dm.id, "agreed").await;
    let (mut ben2, ready) = s.login_ws(BEN, Encoding::Json).await;
    assert!(
        ready.channels.iter().any(|c| c.id == dm.id),
        "READY lists it"
    );
    let history: serde_json::Value = ben2
        .request("channel.history", json!({"channel_id": dm.id}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(history["messages"].as_array().unwrap().len(), 2);

    for who in [STAFF, ADMIN, "priya@demo.test"] {
        let (mut other, ready) = s.login_ws(who, Encoding::Json).await;
        assert!(
            !ready.channels.iter().any(|c| c.id == dm.id),
            "{who} does not see the DM"
        );
        for (method, params) in [
            ("channel.history", json!({"channel_id": dm.id})),
            (
                "channel.events",
                json!({"channel_id": dm.id, "after_seq": 0}),
            ),
            (
                "message.create",
                json!({"channel_id": dm.id, "content": "hi"}),
            ),
            ("reaction.add", json!({"message_id": m.id, "emoji": "👍"})),
        ] {
            assert_eq!(
                refusal(&mut other, method, params).await,
                ErrorCode::NotFound,
                "{who} {method}"
            );
        }
        let r = s
            .http()
            .get(s.url(&format!("/api/v1/channels/{}/messages", dm.id)))
            .bearer_auth(s.demo_token(who).await)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{who} over REST");
    }
    // Oneself, strangers, other tenants and bots.
    assert_eq!(
        refusal(&mut ana, "dm.open", json!({"user_id": ana_id})).await,
        ErrorCode::BadRequest
    );
    assert_eq!(
        refusal(&mut ana, "dm.open", json!({"user_id": "12345"})).await,
        ErrorCode::NotFound
    );
    let zoe = user_id(&s, ZOE).await;
    assert_eq!(
        refusal(&mut ana, "dm.open", json!({"user_id": zoe})).await,
        ErrorCode::NotFound
    );
    let bot = user_id(&s, "dealbot@demo.test").await;
    assert_eq!(
        refusal(&mut ana, "dm.open", json!({"user_id": bot})).await,
        ErrorCode::BadRequest
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_may_refuse_dms_from_other_partners() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let ben_token = s.demo_token(BEN).await;
    let r = s
        .http()
        .patch(s.url("/api/v1/me/settings"))
        .bearer_auth(&ben_token)
        .json(&json!({"allow_partner_dms": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["allow_partner_dms"], false);
    let r = s
        .http()
        .patch(s.url("/api/v1/me/settings"))
        .bearer_auth(&ben_token)
        .json(&json!({"allow_dms": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "an unknown setting is refused");

    let ben_id = user_id(&s, BEN).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let e = ana
        .request("dm.open", json!({"user_id": ben_id}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message.contains("Ben Carter"), "{e:?}");
    // Staff still may.
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    assert_eq!(
        open_dm(&mut staff, ben_id).await.unwrap().name,
        "Ben Carter"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_are_stored_counted_and_cleared_by_ack() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let beta = channel(&ready, "beta-features").id;
    let (ben_id, priya_id, zoe_id) = (
        user_id(&s, BEN).await,
        user_id(&s, "priya@demo.test").await,
        user_id(&s, ZOE).await,
    );

    let m = post(
        &mut ana,
        general,
        &format!("<@{ben_id}> and <@!{priya_id}>, not <@{zoe_id}> nor <@99>; <@{ben_id}> again"),
    )
    .await;
    assert_eq!(
        m.mentions,
        vec![ben_id, priya_id],
        "members of this tenant, once, in order"
    );
    assert_eq!(
        next_create(&mut ben).await.mentions,
        vec![ben_id, priya_id],
        "carried live"
    );
    // Ben (silver) cannot read #beta-features: no mention there.
    let hidden = post(&mut ana, beta, &format!("<@{ben_id}> <@{priya_id}>")).await;
    assert_eq!(hidden.mentions, vec![priya_id]);

    let count = |ready: &arena_protocol::event::Ready| {
        ready
            .read_states
            .iter()
            .find(|r| r.channel_id == general)
            .map_or(0, |r| r.mention_count)
    };
    let (_, ready) = s.login_ws(BEN, Encoding::Json).await;
    assert_eq!(count(&ready), 1, "READY counts the unread mention");
    ben.request(
        "channel.ack",
        json!({"channel_id": general, "message_id": m.id}),
    )
    .await
    .unwrap()
    .unwrap();
    let (_, ready) = s.login_ws(BEN, Encoding::Json).await;
    assert_eq!(count(&ready), 0, "channel.ack clears it");

    // An edit recomputes them.
    let edited: arena_protocol::model::Message = ana
        .call(
            "message.edit",
            json!({"message_id": m.id, "content": "nobody now"}),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(edited.mentions.is_empty());
    let many: String = (1..=26).map(|i| format!("<@{i}> ")).collect();
    assert_eq!(
        refusal(
            &mut ana,
            "message.create",
            json!({"channel_id": general, "content": many})
        )
        .await,
        ErrorCode::BadRequest
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_never_returns_what_the_caller_cannot_read() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let (mut priya, _) = s.login_ws("priya@demo.test", Encoding::MsgPack).await;
    let (mut zoe, zoe_ready) = s.login_ws(ZOE, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let exec = channel(&ready, "executive-briefing").id;
    let ben_id = user_id(&s, BEN).await;

    post(
        &mut staff,
        exec,
        "Quarterly zeppelin forecast for platinum partners",
    )
    .await;
    let mine = post(&mut ana, general, "Zeppelins at the <b>launch</b> party").await;
    post(
        &mut zoe,
        channel(&zoe_ready, "general-chat").id,
        "zeppelin in acme",
    )
    .await;
    let dm = open_dm(&mut ana, ben_id).await.unwrap();
    post(&mut ana, dm.id, "the zeppelin secret").await;

    // Ana (gold): her general post and her DM, not the platinum channel or acme.
    let r = search(&mut ana, json!({"query": "zeppelin"})).await;
    let channels: Vec<Snowflake> = r.hits.iter().map(|h| h.message.channel_id).collect();
    assert_eq!(channels, vec![dm.id, general], "newest first: {r:?}");
    assert!(!r.has_more);
    let hit = &r.hits[1];
    assert_eq!(hit.message.id, mine.id);
    assert!(
        hit.highlight.contains("<mark>Zeppelins</mark>")
            && hit.highlight.contains("&lt;b&gt;launch&lt;/b&gt;"),
        "stemmed match marked, the rest escaped: {}",
        hit.highlight
    );
    // Priya (platinum): the briefing and the general post, not the DM of others.
    let r = search(&mut priya, json!({"query": "zeppelin"})).await;
    let channels: Vec<Snowflake> = r.hits.iter().map(|h| h.message.channel_id).collect();
    assert_eq!(channels, vec![general, exec]);
    // Staff: not the DM either.
    let r = search(&mut staff, json!({"query": "zeppelin"})).await;
    assert!(r.hits.iter().all(|h| h.message.channel_id != dm.id));
    // Filters: channel, author, before; a channel the caller cannot read.
    let r = search(&mut priya, json!({"query": "zeppelin", "channel_id": exec})).await;
    assert_eq!(r.hits.len(), 1);
    let r = search(
        &mut priya,
        json!({"query": "zeppelin", "author_id": mine.author.id}),
    )
    .await;
    assert_eq!(r.hits.len(), 1);
    let r = search(&mut priya, json!({"query": "zeppelin", "before": mine.id})).await;
    assert_eq!(r.hits.len(), 1);
    let r = search(&mut priya, json!({"query": "zeppelin", "limit": 1})).await;
    assert!(r.has_more);
    assert_eq!(
        refusal(
            &mut ana,
            "search",
            json!({"query": "zeppelin", "channel_id": exec})
        )
        .await,
        ErrorCode::NotFound
    );
    assert_eq!(
        refusal(&mut ana, "search", json!({"query": "  "})).await,
        ErrorCode::BadRequest
    );
    assert_eq!(
        refusal(&mut ana, "search", json!({"query": "x", "limit": 51})).await,
        ErrorCode::BadRequest
    );
    // Over HTTP, the same answer.
    let r: SearchResult = s
        .http()
        .get(s.url("/api/v1/search?q=zeppelin"))
        .bearer_auth(s.demo_token(ANA).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r.hits.len(), 2);
    // A deleted message leaves the results.
    ana.request("message.delete", json!({"message_id": mine.id}))
        .await
        .unwrap()
        .unwrap();
    let r = search(&mut priya, json!({"query": "zeppelin"})).await;
    assert_eq!(r.hits.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_settings_are_kept_and_only_readable_channels_muted() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let tenant = s.member("demo", ANA).await.0;
    let general = channel_id(&s, tenant, "general-chat");
    let exec = channel_id(&s, tenant, "executive-briefing");
    let (st, v) = s
        .api(reqwest::Method::GET, ANA, "/api/v1/me/settings", None)
        .await;
    assert_eq!((st, v["notifications"].as_str()), (200, Some("all")), "{v}");
    let (st, v) = s
        .api(
            reqwest::Method::PATCH,
            ANA,
            "/api/v1/me/settings",
            Some(json!({"notifications": "mentions", "muted_channels": [general, general]})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["notifications"], "mentions");
    assert_eq!(v["muted_channels"], json!([general]));
    for (bad, want) in [
        (json!({"notifications": "loud"}), 400),
        (json!({"muted_channels": [exec]}), 404),
    ] {
        let (st, _) = s
            .api(
                reqwest::Method::PATCH,
                ANA,
                "/api/v1/me/settings",
                Some(bad.clone()),
            )
            .await;
        assert_eq!(st, want, "{bad}");
    }
    let (_, v) = s
        .api(reqwest::Method::GET, ANA, "/api/v1/me/settings", None)
        .await;
    assert_eq!(
        v["muted_channels"],
        json!([general]),
        "a refused change changes nothing"
    );
}
