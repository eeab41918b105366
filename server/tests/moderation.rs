//! Issue 12 item 5: a timeout holds on every write it forbids (create, edit,
//! react) whichever way the member's session came, and is read from
//! Postgres: a node that never saw the member identify still refuses them.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::{Encoding, ErrorCode};
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_member_cannot_post_edit_or_react_on_any_node() {
    let db = TestDb::create().await;
    let a = TestServer::start_with(test_config(&db.url)).await;
    let (mut ben, ready) = a.login_ws(BEN, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let own = post(&mut ben, general, "before the timeout").await;
    let ben_id = ready.user.id;

    // A second node on the same database, started before the timeout.
    let b = TestServer::start_with(test_config(&db.url)).await;
    let (mut staff, _) = a.login_ws(STAFF, Encoding::Json).await;
    let r = staff
        .request(
            "moderation.timeout",
            json!({"user_id": ben_id, "minutes": 10, "reason": "cool down"}),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(r["muted_until"].is_string(), "{r}");

    let writes = [
        (
            "message.create",
            json!({"channel_id": general, "content": "still here"}),
        ),
        (
            "message.edit",
            json!({"message_id": own.id, "content": "edited anyway"}),
        ),
        ("reaction.add", json!({"message_id": own.id, "emoji": "👍"})),
    ];
    for (method, params) in &writes {
        let e = ben
            .request(method, params.clone())
            .await
            .unwrap()
            .expect_err(method);
        assert_eq!(e.code, ErrorCode::Forbidden, "{method}: {e:?}");
        assert!(e.retry_after_ms.is_some_and(|ms| ms > 0), "{method}: {e:?}");
    }
    // On the other node (its own caches, no event from the first): refused
    // too, from the database.
    let (mut ben_b, _) = b.login_ws(BEN, Encoding::Json).await;
    for (method, params) in &writes {
        let e = ben_b
            .request(method, params.clone())
            .await
            .unwrap()
            .expect_err(method);
        assert_eq!(e.code, ErrorCode::Forbidden, "node b {method}: {e:?}");
    }

    // Lifted: writes work again.
    staff
        .request(
            "moderation.timeout",
            json!({"user_id": ben_id, "minutes": 0, "reason": ""}),
        )
        .await
        .unwrap()
        .unwrap();
    post(&mut ben, general, "after the timeout").await;
}

/// Issue 12 "moderation in the browser": the timed-out member sees why and
/// until when. MEMBER_UPDATE carries `muted_reason` to the member's own
/// sessions only (another partner gets the event without it), READY carries
/// the running timeout and its reason, and a lifted timeout carries neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timed_out_member_alone_is_told_the_reason_live_and_at_ready() {
    let db = TestDb::create().await;
    let server = TestServer::start_with(test_config(&db.url)).await;
    let (mut ben, ready) = server.login_ws(BEN, Encoding::Json).await;
    assert_eq!(ready.muted_until, None);
    let ben_id = ready.user.id;
    let (mut ana, _) = server.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = server.login_ws(STAFF, Encoding::Json).await;
    staff
        .request(
            "moderation.timeout",
            json!({"user_id": ben_id, "minutes": 10, "reason": "spamming links"}),
        )
        .await
        .unwrap()
        .unwrap();

    let own = member_update(&mut ben, ben_id).await;
    assert!(own.muted_until.is_some(), "{own:?}");
    assert_eq!(own.muted_reason.as_deref(), Some("spamming links"));
    let seen = member_update(&mut ana, ben_id).await;
    assert!(seen.muted_until.is_some(), "{seen:?}");
    assert_eq!(
        seen.muted_reason, None,
        "another partner must not get the reason"
    );

    // A new session learns it from READY.
    let (_ben2, ready) = server.login_ws(BEN, Encoding::Json).await;
    assert!(ready.muted_until.is_some());
    assert_eq!(ready.muted_reason.as_deref(), Some("spamming links"));

    // Lifted: no reason live, none at READY.
    staff
        .request(
            "moderation.timeout",
            json!({"user_id": ben_id, "minutes": 0, "reason": "served"}),
        )
        .await
        .unwrap()
        .unwrap();
    let lifted = member_update(&mut ben, ben_id).await;
    assert_eq!((lifted.muted_until, lifted.muted_reason), (None, None));
    let (_ben3, ready) = server.login_ws(BEN, Encoding::Json).await;
    assert_eq!((ready.muted_until, ready.muted_reason), (None, None));
}

/// The next MEMBER_UPDATE about `user`.
async fn member_update(
    c: &mut arena_protocol::client::GatewayClient,
    user: arena_protocol::Snowflake,
) -> arena_protocol::event::MemberUpdate {
    use arena_protocol::Event;
    match c
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MemberUpdate(m) if m.user_id == user),
        )
        .await
    {
        Ok((_, Event::MemberUpdate(m))) => m,
        other => panic!("expected MEMBER_UPDATE, got {other:?}"),
    }
}
