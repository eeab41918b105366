//! Issue 12 item 6: a deleted message's text leaves the channel log. After a
//! moderator deletes a message, `channel.events` (the log RESUME replays
//! from) still has its MESSAGE_CREATE and MESSAGE_UPDATE events, so
//! `channel_seq` has no gap, but neither its content, its edits nor its card.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::Encoding;
use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_message_is_redacted_in_the_channel_log() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let general = channel(&ready, "general-chat").id;
    let kept = post(&mut ana, general, "kept words stay").await;
    let m = post(&mut ana, general, "first secret words").await;
    ana.request(
        "message.edit",
        json!({"message_id": m.id, "content": "second secret words"}),
    )
    .await
    .unwrap()
    .unwrap();
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    staff
        .request("message.delete", json!({"message_id": m.id}))
        .await
        .unwrap()
        .unwrap();

    let log = ana
        .request(
            "channel.events",
            json!({"channel_id": general, "after_seq": kept.channel_seq - 1}),
        )
        .await
        .unwrap()
        .unwrap();
    let events = log["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["t"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "MESSAGE_CREATE",
            "MESSAGE_CREATE",
            "MESSAGE_UPDATE",
            "MESSAGE_DELETE"
        ],
        "every event stays in the log: {log}"
    );
    let text = log.to_string();
    assert!(
        !text.contains("secret"),
        "the deleted message's text is gone: {text}"
    );
    assert!(
        text.contains("kept words stay"),
        "other messages keep theirs"
    );
    let of_m: Vec<&Value> = events
        .iter()
        .filter(|e| e["d"]["id"] == json!(m.id.to_string()))
        .collect();
    assert_eq!(of_m.len(), 3, "create, update and delete of the message");
    for e in &of_m[..2] {
        assert_eq!(e["d"]["content"], "", "redacted: {e}");
        assert!(e["d"]["card"].is_null(), "no card: {e}");
        assert!(
            e["d"]["channel_seq"].as_u64().is_some(),
            "the event is still a Message: {e}"
        );
    }
}
