//! The HTTP API (PROTOCOL.md §7): login and refresh, channels, history, posting,
//! editing and deleting over REST with the gateway seeing the result, and the
//! error shape `{"error": {"code", "message"}}`.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::model::Message;
use arena_protocol::{Encoding, Event};
use common::*;
use serde_json::{json, Value};

/// Asserts an error response: status, code, a non-empty message, JSON content type.
async fn assert_error(r: reqwest::Response, status: u16, code: &str, what: &str) {
    assert_eq!(r.status(), status, "{what}");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/json"),
        "{what}: content-type {ct:?}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refresh_and_auth_errors() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;

    let r = s.login("demo", ANA, PASSWORD).await;
    assert_eq!(r.status(), 200);
    let pair: Value = r.json().await.unwrap();
    let access = pair["access_token"].as_str().unwrap().to_owned();
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(pair["expires_in"], s.cfg.access_ttl_s);

    // The access token opens the gateway as ana.
    let mut c = s.connect(Encoding::Json).await;
    let ready = c.identify(identify(&access)).await.unwrap();
    assert_eq!(ready.user.display_name, "Ana Ortiz");
    assert_eq!(ready.tenant.slug, "demo");

    // Wrong password, unknown user, unknown tenant, another tenant's user: the same 401.
    for (tenant, email, pw) in [
        ("demo", ANA, "wrong"),
        ("demo", "nobody@demo.test", PASSWORD),
        ("nope", ANA, PASSWORD),
        ("demo", ZOE, PASSWORD),
    ] {
        assert_error(
            s.login(tenant, email, pw).await,
            401,
            "unauthorized",
            &format!("login {tenant}/{email}/{pw}"),
        )
        .await;
    }
    // Malformed bodies are 400.
    let r = s
        .http()
        .post(s.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad_request", "malformed login body").await;
    let r = s
        .http()
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"tenant": "demo"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad_request", "login without email").await;

    // Refresh: single use.
    let r = s
        .http()
        .post(s.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pair2: Value = r.json().await.unwrap();
    assert!(pair2["access_token"].is_string());
    assert_ne!(pair2["refresh_token"], refresh.as_str());
    let r = s
        .http()
        .post(s.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "unauthorized", "a used refresh token").await;

    // No token, a bad token: 401 on the API.
    let r = s
        .http()
        .get(s.url("/api/v1/channels"))
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "unauthorized", "no bearer").await;
    let r = s
        .http()
        .get(s.url("/api/v1/channels"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_error(r, 401, "unauthorized", "bad bearer").await;
    let r = s
        .http()
        .get(s.url("/api/v1/channels"))
        .bearer_auth(pair2["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Health.
    assert_eq!(
        s.http()
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        s.http()
            .get(s.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_posts_edits_and_deletes_reach_the_gateway() {
    let db = TestDb::create().await;
    let s = TestServer::start(&db.url).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let general = channel(&ready, "general-chat").id;
    let announcements = channel(&ready, "announcements").id;
    let ben_token = s.demo_token(BEN).await;
    let staff_token = s.demo_token(STAFF).await;
    let ana_token = s.demo_token(ANA).await;
    let messages = s.url(&format!("/api/v1/channels/{general}/messages"));

    // GET /channels: the readable ones with can_post.
    let list: Value = s
        .http()
        .get(s.url("/api/v1/channels"))
        .bearer_auth(&ben_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"general-chat") && keys.contains(&"announcements"));
    assert!(
        !keys.contains(&"beta-features") && !keys.contains(&"executive-briefing"),
        "ben (silver) sees {keys:?}"
    );
    let ann = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "announcements")
        .unwrap();
    assert_eq!(ann["can_post"], false);
    assert!(list["categories"].as_array().is_some_and(|c| !c.is_empty()));

    // POST → 201 with the committed message → MESSAGE_CREATE on the gateway, equal.
    let r = s
        .http()
        .post(&messages)
        .bearer_auth(&ben_token)
        .json(&json!({"content": "via REST", "nonce": "rest-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let m: Message = r.json().await.unwrap();
    assert_eq!(m.content, "via REST");
    assert_eq!(m.nonce.as_deref(), Some("rest-1"));
    assert!(m.channel_seq > 0);
    assert_eq!(next_create(&mut ana).await, m);
    assert_eq!(next_create(&mut ben).await, m);

    // GET messages: newest first, and after/before paging.
    let h: Value = s
        .http()
        .get(format!("{messages}?limit=2"))
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["messages"][0]["id"], m.id.to_string());
    assert_eq!(h["messages"].as_array().unwrap().len(), 2);
    let older = h["messages"][1]["id"].as_str().unwrap().to_owned();
    let h: Value = s
        .http()
        .get(format!("{messages}?after={older}"))
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["messages"].as_array().unwrap().len(), 1);
    assert_eq!(h["messages"][0]["id"], m.id.to_string());

    // PATCH: the author only.
    let one = s.url(&format!("/api/v1/channels/{general}/messages/{}", m.id));
    let r = s
        .http()
        .patch(&one)
        .bearer_auth(&ana_token)
        .json(&json!({"content": "hijack"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", "ana editing ben's message").await;
    let r = s
        .http()
        .patch(&one)
        .bearer_auth(&ben_token)
        .json(&json!({"content": "via REST, edited"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let edited: Message = r.json().await.unwrap();
    assert_eq!(edited.content, "via REST, edited");
    assert!(edited.edited_at.is_some());
    for c in [&mut ana, &mut ben] {
        match c
            .wait_for(WAIT, |e| matches!(e, Event::MessageUpdate(_)))
            .await
        {
            Ok((_, Event::MessageUpdate(u))) => assert_eq!(*u, edited),
            other => panic!("expected MESSAGE_UPDATE, got {other:?}"),
        }
    }

    // DELETE: not another partner; the author or staff. 204, then MESSAGE_DELETE.
    let r = s
        .http()
        .delete(&one)
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", "ana deleting ben's message").await;
    let r = s
        .http()
        .delete(&one)
        .bearer_auth(&staff_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    for c in [&mut ana, &mut ben] {
        match c
            .wait_for(WAIT, |e| matches!(e, Event::MessageDelete(_)))
            .await
        {
            Ok((_, Event::MessageDelete(d))) => assert_eq!((d.id, d.channel_id), (m.id, general)),
            other => panic!("expected MESSAGE_DELETE, got {other:?}"),
        }
    }
    let r = s
        .http()
        .delete(&one)
        .bearer_auth(&ben_token)
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not_found", "deleting a deleted message").await;

    // Refusals and bad input, all in the error shape.
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{announcements}/messages")))
        .bearer_auth(&ben_token)
        .json(&json!({"content": "partner news"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, "forbidden", "partner posting in #announcements").await;
    let r = s
        .http()
        .post(&messages)
        .bearer_auth(&ben_token)
        .json(&json!({"content": "   "}))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad_request", "empty content").await;
    let r = s
        .http()
        .post(&messages)
        .bearer_auth(&ben_token)
        .json(&json!({"content": "x".repeat(4001)}))
        .send()
        .await
        .unwrap();
    assert_error(r, 413, "too_large", "content over 4000 characters").await;
    let r = s
        .http()
        .post(&messages)
        .bearer_auth(&ben_token)
        .json(&json!({"content": "hi", "unknown": 1}))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad_request", "unknown field").await;
    let r = s
        .http()
        .post(s.url("/api/v1/channels/abc/messages"))
        .bearer_auth(&ben_token)
        .json(&json!({"content": "hi"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad_request", "a channel id that is not a number").await;
    let r = s
        .http()
        .get(s.url("/api/v1/channels/12345/messages"))
        .bearer_auth(&ben_token)
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not_found", "unknown channel").await;
    let r = s
        .http()
        .get(format!("{messages}?limit=500"))
        .bearer_auth(&ben_token)
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "bad_request", "limit over 100").await;
    // A message addressed under the wrong channel.
    let m2 = post(&mut ana, general, "in general").await;
    let wrong = s.url(&format!(
        "/api/v1/channels/{announcements}/messages/{}",
        m2.id
    ));
    let r = s
        .http()
        .patch(&wrong)
        .bearer_auth(&ana_token)
        .json(&json!({"content": "moved?"}))
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not_found", "PATCH under the wrong channel").await;
    let r = s
        .http()
        .delete(&wrong)
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap();
    assert_error(r, 404, "not_found", "DELETE under the wrong channel").await;
    // Staff post into #announcements over REST and partners see it.
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{announcements}/messages")))
        .bearer_auth(&staff_token)
        .json(&json!({"content": "Launch day"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let ann: Message = r.json().await.unwrap();
    match ben
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MessageCreate(m) if m.channel_id == announcements),
        )
        .await
    {
        Ok((_, Event::MessageCreate(got))) => assert_eq!(*got, ann),
        other => panic!("{other:?}"),
    }
}
