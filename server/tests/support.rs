//! The support domain end to end (real Postgres, real sockets): a case is
//! seen by its author and staff only, changes reach the author's panel live
//! and no one else's, illegal moves are conflicts, internal notes never
//! reach the partner, evidence must be the actor's own upload in the same
//! workspace, and high-priority cases post one notice in #support-tickets.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "support/helpers.rs"]
mod helpers;
#[path = "support/panels.rs"]
mod panels;

use arena_protocol::{Encoding, ErrorCode, Event};
use common::*;
use helpers::*;
use helpers::{get, post};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_seen_by_its_author_and_staff_only_and_moves_live_for_its_author() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let cases = channel(&ready, "support-cases").id;
    panel(&mut ana, cases).await;
    let ben_before = panel(&mut ben, cases).await;

    let id = open_case(&s, ANA, "Payout report is empty", "normal").await;
    let opened = next_update(&mut ana, cases).await;
    assert!(
        opened.to_string().contains("Payout report is empty"),
        "{opened}"
    );
    assert_no_event(
        &mut ben,
        "ben's cases after ana opened one",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == cases),
    )
    .await;

    // ana and staff read it; ben gets not_found, on every route.
    let path = format!("/api/v1/support/cases/{id}");
    assert_eq!(get(&s, ANA, &path).await.0, 200);
    let (status, v) = get(&s, STAFF, &path).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "open");
    let (status, e) = get(&s, BEN, &path).await;
    assert_eq!(status, 404, "{e}");
    assert_eq!(e["error"]["code"], "not_found");
    let (status, _) = post(
        &s,
        BEN,
        &format!("{path}/replies"),
        json!({"body": "me too"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &s,
        BEN,
        &format!("{path}/status"),
        json!({"status": "closed"}),
    )
    .await;
    assert_eq!(status, 404);
    let e = action(&mut ben, cases, "view_case", json!({"case_id": id}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    let (_, list) = get(&s, BEN, "/api/v1/support/cases").await;
    assert!(!list.to_string().contains(&id), "{list}");
    let (_, list) = get(&s, STAFF, "/api/v1/support/cases").await;
    assert!(list["cases"].to_string().contains(&id), "{list}");
    let ben_now = panel(&mut ben, cases).await;
    assert_eq!(
        ben_now["data"], ben_before["data"],
        "ben sees nothing of ana's case"
    );
    assert!(!ben_now.to_string().contains("Payout report"));

    // A staff status change reaches ana's panel live, and only hers.
    let (status, v) = post(
        &s,
        STAFF,
        &format!("{path}/status"),
        json!({"status": "pending", "reason": "Checking with finance"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let after = next_update(&mut ana, cases).await;
    let text = after.to_string();
    assert!(text.contains("set the status to pending"), "{after}");
    assert!(text.contains("Checking with finance"), "{after}");
    assert!(after["version"].as_u64() > opened["version"].as_u64());
    assert_eq!(figure(&after, "Pending"), 1);
    assert_no_event(
        &mut ben,
        "ben's cases after ana's case moved",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == cases),
    )
    .await;

    // The activity log has the opening and the status change, for ana.
    let (_, log) = get(&s, ANA, "/api/v1/activity?domain=support").await;
    let verbs: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert_eq!(verbs, ["case.status_changed", "case.opened"], "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn illegal_moves_are_conflicts_naming_the_current_status() {
    let (_db, s) = setup().await;
    let id = open_case(&s, ANA, "Cannot log in", "low").await;
    let path = format!("/api/v1/support/cases/{id}/status");
    let (status, e) = post(&s, STAFF, &path, json!({"status": "closed"})).await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "conflict");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("is open"),
        "{e}"
    );
    // A move only staff make: forbidden for the author.
    let (status, _) = post(&s, ANA, &path, json!({"status": "pending"})).await;
    assert_eq!(status, 403);
    let (status, _) = post(&s, STAFF, &path, json!({"status": "bogus"})).await;
    assert_eq!(status, 400);
    for to in ["pending", "resolved"] {
        let (status, v) = post(&s, STAFF, &path, json!({"status": to})).await;
        assert_eq!(status, 200, "{v}");
    }
    // The author reopens a resolved case; staff resolve again; the author closes.
    let (status, v) = post(
        &s,
        ANA,
        &path,
        json!({"status": "open", "reason": "Still broken"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "open");
    for to in ["pending", "resolved"] {
        assert_eq!(post(&s, STAFF, &path, json!({"status": to})).await.0, 200);
    }
    assert_eq!(
        post(&s, ANA, &path, json!({"status": "closed"})).await.0,
        200
    );
    // Closed is final, for everyone and for panel actions too.
    let (status, e) = post(&s, STAFF, &path, json!({"status": "open"})).await;
    assert_eq!(status, 409);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("closed"),
        "{e}"
    );
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let cases = channel(&ready, "support-cases").id;
    let e = action(
        &mut staff,
        cases,
        "set_status",
        json!({"case_id": id, "status": "pending"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    assert!(e.message.contains("closed"), "{e:?}");
    let (status, _) = post(
        &s,
        STAFF,
        &format!("/api/v1/support/cases/{id}/replies"),
        json!({"body": "late"}),
    )
    .await;
    assert_eq!(status, 409, "no replies on a closed case");
    let e = action(&mut staff, cases, "explode", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    let e = action(&mut staff, cases, "set_status", json!({"case": 1}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_notes_never_reach_the_partner() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let cases = channel(&ready, "support-cases").id;
    let id = open_case(&s, ANA, "Commission looks low", "normal").await;
    panel(&mut ana, cases).await;
    let path = format!("/api/v1/support/cases/{id}/replies");

    // A partner may not write internal notes.
    let (status, _) = post(&s, ANA, &path, json!({"body": "x", "internal": true})).await;
    assert_eq!(status, 403);
    // Staff: one note over REST, one through the panel, then a public reply.
    let (status, v) = post(
        &s,
        STAFF,
        &path,
        json!({"body": "SECRET-REST: partner on a legacy rate", "internal": true}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["internal"], true);
    action(
        &mut staff,
        cases,
        "reply",
        json!({"case_id": id, "body": "SECRET-PANEL: ask finance", "internal": true}),
    )
    .await
    .unwrap();
    let (status, _) = post(&s, STAFF, &path, json!({"body": "We are on it."})).await;
    assert_eq!(status, 201);

    // ana's panel moves with the public reply, without the notes.
    let mut seen = Value::Null;
    while !seen.to_string().contains("We are on it.") {
        seen = next_update(&mut ana, cases).await;
        assert!(!seen.to_string().contains("SECRET"), "{seen}");
    }
    let mine = panel(&mut ana, cases).await.to_string();
    assert!(
        mine.contains("We are on it.") && !mine.contains("SECRET"),
        "{mine}"
    );
    assert!(
        !mine.contains("Export job failed"),
        "the demo case's internal note: {mine}"
    );
    let (_, v) = get(&s, ANA, &format!("/api/v1/support/cases/{id}")).await;
    assert!(v.to_string().contains("We are on it."), "{v}");
    assert!(!v.to_string().contains("SECRET"), "{v}");
    let (_, log) = get(&s, ANA, "/api/v1/activity").await;
    assert!(!log.to_string().contains("SECRET"), "{log}");
    assert_eq!(log["entries"][0]["verb"], "case.replied", "{log}");
    let v = action(&mut ana, cases, "view_case", json!({"case_id": id}))
        .await
        .unwrap();
    assert!(!v.to_string().contains("SECRET"), "{v}");
    assert_eq!(v["case"]["entries"].as_array().unwrap().len(), 1, "{v}");

    // Staff see both notes, over REST and in their panel.
    let (_, v) = get(&s, STAFF, &format!("/api/v1/support/cases/{id}")).await;
    let t = v.to_string();
    assert!(
        t.contains("SECRET-REST") && t.contains("SECRET-PANEL"),
        "{v}"
    );
    let p = panel(&mut staff, cases).await.to_string();
    assert!(
        p.contains("SECRET-REST") && p.contains("Internal note"),
        "{p}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_must_be_the_actors_own_upload_in_the_workspace() {
    let (_db, s) = setup().await;
    let anas = upload(&s, ANA, "statement.pdf").await;
    let zoes = upload(&s, ZOE, "acme.pdf").await;
    // ana attaches her file through the panel's form (a file field sends one id).
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let cases = channel(&ready, "support-cases").id;
    let v = action(
        &mut ana,
        cases,
        "open_case",
        json!({"subject": "Statement mismatch", "body": "See the attached statement.", "priority": "high", "evidence": anas}),
    )
    .await
    .unwrap();
    let id = v["case"]["id"].as_str().unwrap().to_owned();
    let (_, c) = get(&s, ANA, &format!("/api/v1/support/cases/{id}")).await;
    assert_eq!(c["evidence"][0]["id"], anas.as_str(), "{c}");
    assert_eq!(c["evidence"][0]["name"], "statement.pdf");
    let p = panel(&mut ana, cases).await.to_string();
    assert!(p.contains(&format!("/api/v1/files/{anas}")), "{p}");

    // ben may not attach ana's file, neither opening a case nor replying.
    let (status, e) = post(
        &s,
        BEN,
        "/api/v1/support/cases",
        json!({"subject": "Mine", "body": "x", "evidence": [anas]}),
    )
    .await;
    assert_eq!(status, 404, "{e}");
    let bens = open_case(&s, BEN, "Ben's own", "low").await;
    let (status, _) = post(
        &s,
        BEN,
        &format!("/api/v1/support/cases/{bens}/replies"),
        json!({"body": "see file", "evidence": [anas]}),
    )
    .await;
    assert_eq!(status, 404);
    // A file of another tenant is not found either, even for its id.
    let (status, e) = post(
        &s,
        ANA,
        "/api/v1/support/cases",
        json!({"subject": "Other", "body": "x", "evidence": [zoes]}),
    )
    .await;
    assert_eq!(status, 404, "{e}");
    let (status, _) = post(
        &s,
        STAFF,
        &format!("/api/v1/support/cases/{id}/replies"),
        json!({"body": "x", "evidence": [zoes]}),
    )
    .await;
    assert_eq!(status, 404, "staff of demo cannot attach an acme file");
    let (status, _) = post(
        &s,
        ANA,
        "/api/v1/support/cases",
        json!({"subject": "Bad", "body": "x", "evidence": ["not-an-id"]}),
    )
    .await;
    assert_eq!(status, 400);
    // No case was opened by the refused attempts.
    let (_, list) = get(&s, BEN, "/api/v1/support/cases").await;
    assert!(list.to_string().contains("Ben's own"), "{list}");
    assert!(!list.to_string().contains("Mine"), "{list}");
    let (_, list) = get(&s, ANA, "/api/v1/support/cases").await;
    assert!(!list.to_string().contains("\"Other\""), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_case_posts_one_notice_without_its_body() {
    let (_db, s) = setup().await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let tickets = channel(&ready, "support-tickets").id;
    let cases = channel(&ready, "support-cases").id;
    // A normal case posts nothing.
    open_case(&s, ANA, "Quiet question", "normal").await;
    assert_no_event(
        &mut staff,
        "a notice for a normal case",
        |e| matches!(e, Event::MessageCreate(m) if m.channel_id == tickets),
    )
    .await;
    let (status, v) = post(
        &s,
        ANA,
        "/api/v1/support/cases",
        json!({"subject": "Portal down for my clients", "body": "PRIVATE-BODY client list attached", "priority": "urgent"}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let m = loop {
        let m = next_create(&mut staff).await;
        if m.channel_id == tickets {
            break m;
        }
    };
    assert!(m.content.contains("Portal down for my clients"), "{m:?}");
    assert!(m.content.contains("urgent"), "{m:?}");
    assert!(!m.content.contains("PRIVATE-BODY"), "{m:?}");
    let card = m.card.as_ref().unwrap();
    assert_eq!(card.kind, "support_case");
    assert!(!card.data.to_string().contains("PRIVATE-BODY"));
    assert_no_event(
        &mut staff,
        "a second notice",
        |e| matches!(e, Event::MessageCreate(m) if m.channel_id == tickets),
    )
    .await;
    // Escalation: staff only, one notice, once.
    let path = format!("/api/v1/support/cases/{id}/escalate");
    assert_eq!(post(&s, ANA, &path, json!({})).await.0, 403);
    let v = action(&mut staff, cases, "escalate", json!({"case_id": id}))
        .await
        .unwrap();
    assert!(v["case"]["escalated_at"].is_string(), "{v}");
    let m = loop {
        let m = next_create(&mut staff).await;
        if m.channel_id == tickets {
            break m;
        }
    };
    assert!(
        m.content.contains("escalated") && m.content.contains("Portal down"),
        "{m:?}"
    );
    assert_eq!(post(&s, STAFF, &path, json!({})).await.0, 409);
    // Clients may not forge the card.
    let e = staff
        .request(
            "message.create",
            json!({"channel_id": tickets, "content": "x", "card": {"type": "support_case", "data": {}}}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
}
