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
