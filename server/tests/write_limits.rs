//! Every write has a per-member budget (issue 12 item 3), on one node: edits,
//! reactions, deletes, typing, `channel.update` and REST writes answer
//! `rate_limited` (gateway) or 429 with `Retry-After` (REST) past it, typing
//! past it is dropped silently, and another member keeps their own budget.
//! HTTP requests also have a budget per client address.
//!
//! Budgets here are tiny (a burst of 1 or 2 and minutes to earn one back),
//! so a burst of 20 must be refused however slow the machine is.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::{Encoding, ErrorBody, ErrorCode, Event, Snowflake};
use arena_server::config::Config;
use common::*;
use serde_json::{json, Value};

/// A server whose write budgets (other than messages) are 4 a minute:
/// burst 1, one more every 15 s.
async fn strict(db: &TestDb) -> TestServer {
    TestServer::start_with(Config {
        edits_per_minute: 4,
        reactions_per_minute: 4,
        deletes_per_minute: 4,
        typing_per_minute: 4,
        channel_updates_per_minute: 4,
        rest_writes_per_minute: 4,
        // The bursts below are more frames than the socket's own budget
        // allows at once (close 4008): that limit has its own test.
        frames_per_minute: 100_000,
        ..test_config(&db.url)
    })
    .await
}

/// Sends `n` requests `method` with `params(i)` one after another; the
/// number that succeeded and the first refusal.
async fn burst(
    c: &mut GatewayClient,
    n: usize,
    method: &str,
    params: impl Fn(usize) -> Value,
) -> (usize, Option<ErrorBody>) {
    let (mut ok, mut refused) = (0, None);
    for i in 0..n {
        match c.request(method, params(i)).await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    (ok, refused)
}

/// The refusal is `rate_limited` with a wait.
fn assert_rate_limited(e: Option<ErrorBody>, what: &str) {
    let e = e.unwrap_or_else(|| panic!("20 {what} at once must be rate limited"));
    assert_eq!(e.code, ErrorCode::RateLimited, "{what}: {e:?}");
    assert!(e.retry_after_ms.is_some_and(|ms| ms > 0), "{what}: {e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_past_the_budget_are_rate_limited_per_member() {
    let db = TestDb::create().await;
    let s = strict(&db).await;
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let mine = post(&mut ben, general, "first draft").await;
    let (ok, refused) = burst(
        &mut ben,
        20,
        "message.edit",
        |i| json!({"message_id": mine.id, "content": format!("draft {i}")}),
    )
    .await;
    assert_rate_limited(refused, "edits");
    assert!(ok <= 3, "burst 1, one more per 15 s: {ok} edits passed");
    // Ana's budget is her own.
    let hers = post(&mut ana, general, "hello").await;
    ana.request(
        "message.edit",
        json!({"message_id": hers.id, "content": "hello!"}),
    )
    .await
    .unwrap()
    .expect("another member's edit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_and_deletes_past_the_budget_are_rate_limited() {
    let db = TestDb::create().await;
    let s = strict(&db).await;
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let m = post(&mut ana, general, "react to me").await;
    // Add and remove share one budget.
    let (_, refused) = burst(
        &mut ben,
        20,
        "reaction.add",
        |i| json!({"message_id": m.id, "emoji": format!("e{i}")}),
    )
    .await;
    assert_rate_limited(refused, "reactions");
    let e = ben
        .request(
            "reaction.remove",
            json!({"message_id": m.id, "emoji": "e0"}),
        )
        .await
        .unwrap()
        .expect_err("remove shares the budget");
    assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
    ana.request("reaction.add", json!({"message_id": m.id, "emoji": "ok"}))
        .await
        .unwrap()
        .expect("another member's reaction");

    let mut ids: Vec<Snowflake> = Vec::new();
    for i in 0..20 {
        ids.push(post(&mut ben, general, &format!("to delete {i}")).await.id);
    }
    let (ok, refused) = burst(
        &mut ben,
        20,
        "message.delete",
        |i| json!({"message_id": ids[i]}),
    )
    .await;
    assert_rate_limited(refused, "deletes");
    assert!(ok <= 3, "{ok} deletes passed");
    let hers = post(&mut ana, general, "mine").await;
    ana.request("message.delete", json!({"message_id": hers.id}))
        .await
        .unwrap()
        .expect("another member's delete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_past_the_budget_is_dropped_silently() {
    let db = TestDb::create().await;
    let s = strict(&db).await;
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let (ok, refused) = burst(
        &mut ben,
        20,
        "typing.start",
        |_| json!({"channel_id": general}),
    )
    .await;
    assert!(refused.is_none(), "typing is never refused: {refused:?}");
    assert_eq!(ok, 20);
    // Everything Ben's typing sent reaches Ana before his next message.
    post(&mut ben, general, "done typing").await;
    let mut typed = 0;
    loop {
        match ana.next_event(WAIT).await.unwrap() {
            (_, Event::TypingStart(t)) if t.channel_id == general => typed += 1,
            (_, Event::MessageCreate(m)) if m.content == "done typing" => break,
            _ => {}
        }
    }
    assert!(
        (1..=3).contains(&typed),
        "burst 1, one more per 15 s: Ana saw {typed} of 20 TYPING_START"
    );
    // Ana's typing is her own budget: Ben sees it.
    ana.request("typing.start", json!({"channel_id": general}))
        .await
        .unwrap()
        .unwrap();
    ben.wait_for(
        WAIT,
        |e| matches!(e, Event::TypingStart(t) if t.channel_id == general),
    )
    .await
    .expect("Ana's TYPING_START");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_updates_past_the_budget_are_rate_limited() {
    let db = TestDb::create().await;
    let s = strict(&db).await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut admin, _) = s.login_ws(ADMIN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let (ok, refused) = burst(
        &mut staff,
        20,
        "channel.update",
        |i| json!({"channel_id": general, "topic": format!("topic {i}")}),
    )
    .await;
    assert_rate_limited(refused, "channel updates");
    assert!(ok <= 3, "{ok} updates passed");
    admin
        .request(
            "channel.update",
            json!({"channel_id": general, "topic": "admin's topic"}),
        )
        .await
        .unwrap()
        .expect("another member's update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_writes_past_the_budget_answer_429_with_retry_after() {
    let db = TestDb::create().await;
    let s = strict(&db).await;
    let ben = s.demo_token(BEN).await;
    let ana = s.demo_token(ANA).await;
    let general = channel_id(&s, s.member("demo", BEN).await.0, "general-chat");
    let url = s.url(&format!("/api/v1/channels/{general}/messages"));
    let mut limited = None;
    for i in 0..20 {
        let r = s
            .http()
            .post(&url)
            .bearer_auth(&ben)
            .json(&json!({"content": format!("rest {i}")}))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        assert!(r.status().is_success(), "{}", r.status());
    }
    let r = limited.expect("20 REST writes at once must be limited");
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(
        body["error"]["retry_after_ms"].as_u64().unwrap() > 0,
        "{body}"
    );
    // Reads are not writes; Ana's writes are her own.
    let r = s.http().get(&url).bearer_auth(&ben).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http()
        .post(&url)
        .bearer_auth(&ana)
        .json(&json!({"content": "ana over REST"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_requests_past_the_budget_of_an_address_answer_429() {
    let db = TestDb::create().await;
    let s = TestServer::start_with(Config {
        // Burst 2, one more every 7.5 s.
        http_requests_per_minute_per_ip: 8,
        ..test_config(&db.url)
    })
    .await;
    let token = s.demo_token(BEN).await;
    let url = s.url("/api/v1/channels");
    // The test talks to the server over loopback, a trusted proxy address:
    // the client address is the last X-Forwarded-For entry.
    let get = |ip: &'static str| {
        s.http()
            .get(&url)
            .bearer_auth(&token)
            .header("x-forwarded-for", ip)
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(get("198.51.100.7").await.unwrap().status().as_u16());
    }
    let passed = statuses.iter().filter(|s| **s == 200).count();
    assert!(statuses.contains(&429) && passed <= 4, "{statuses:?}");
    let r = get("198.51.100.7").await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    // Another address has its own budget.
    assert_eq!(get("198.51.100.8").await.unwrap().status(), 200);
}
