//! The alliance CRM end to end (issue 15; real Postgres, real sockets, real
//! HTTP): allowed and refused status moves with the "went active" notice, a
//! partner seeing only their own alliance, an owner refused on another
//! owner's alliance, another tenant seeing nothing, bulk status with one
//! illegal row, the CSV import (twice creates once; a malformed row changes
//! nothing), a won opportunity recording one deal win, the timeline entry
//! of every change, and the panels for partner and staff, live.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "alliances/helpers.rs"]
mod helpers;
#[path = "alliances/page.rs"]
mod page;
#[path = "alliances/panels.rs"]
mod panels;
#[path = "alliances/records.rs"]
mod records;

use arena_protocol::{Encoding, Event};
use common::*;
use helpers::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_moves_follow_the_rules_and_refusals_name_the_current_status() {
    let (_db, s) = setup().await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let notices = channel(&ready, NOTICES).id;
    let id = alliance(&s, "Cobalt Partners", &[]).await;

    let (status, e) = move_to(&s, STAFF, &id, "active").await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "conflict");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is prospect"),
        "{e}"
    );
    let (status, e) = move_to(&s, STAFF, &id, "bogus").await;
    assert_eq!(status, 400, "{e}");

    for to in ["negotiation", "active", "paused", "active"] {
        let (status, a) = move_to(&s, STAFF, &id, to).await;
        assert_eq!(status, 200, "to {to}: {a}");
        assert_eq!(a["status"], to);
    }
    // Going active posted the notice in the staff feed (twice: two moves to active).
    let (_, Event::MessageCreate(m)) = staff
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MessageCreate(m) if m.channel_id == notices),
        )
        .await
        .unwrap()
    else {
        unreachable!()
    };
    assert!(
        m.content.contains("Cobalt Partners") && m.content.contains("active"),
        "{}",
        m.content
    );

    let (status, a) = move_to(&s, STAFF, &id, "closed").await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["moves"], json!([]));
    for to in ["active", "prospect", "closed"] {
        let (status, e) = move_to(&s, STAFF, &id, to).await;
        assert_eq!(status, 409, "closed is final: {e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("is closed"),
            "{e}"
        );
    }
    let v = verbs(&s, &id).await;
    assert_eq!(
        v.iter().filter(|x| *x == "alliance.status_changed").count(),
        5,
        "{v:?}"
    );
    assert_eq!(
        v.last().map(String::as_str),
        Some("alliance.created"),
        "newest first: {v:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_sees_only_their_own_alliance_and_changes_only_their_own_tasks() {
    let (_db, s) = setup().await;
    let anas = alliance(&s, "Juniper Labs", &[ANA]).await;
    let bens = alliance(&s, "Granite Group", &[BEN]).await;

    let (status, list) = call(&s, ANA, "GET", "/api/v1/alliances", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["alliances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Juniper Labs"], "only her own");
    assert_eq!(
        call(&s, ANA, "GET", &format!("/api/v1/alliances/{bens}"), None)
            .await
            .0,
        404
    );
    let (status, detail) = call(&s, ANA, "GET", &format!("/api/v1/alliances/{anas}"), None).await;
    assert_eq!(status, 200, "{detail}");

    // Read-only: no edits, no status, no contacts.
    assert_eq!(
        call(
            &s,
            ANA,
            "PATCH",
            &format!("/api/v1/alliances/{anas}"),
            Some(json!({"notes": "mine"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(move_to(&s, ANA, &anas, "negotiation").await.0, 403);
    assert_eq!(
        call(
            &s,
            ANA,
            "POST",
            &format!("/api/v1/alliances/{anas}/contacts"),
            Some(json!({"name": "X"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &s,
            ANA,
            "POST",
            "/api/v1/alliances",
            Some(json!({"name": "Mine"}))
        )
        .await
        .0,
        403
    );

    // Her own tasks only.
    let (status, own) = call(
        &s,
        ANA,
        "POST",
        &format!("/api/v1/alliances/{anas}/tasks"),
        Some(json!({"title": "Prepare deck", "due_on": "2020-01-01"})),
    )
    .await;
    assert_eq!(status, 201, "{own}");
    assert_eq!(own["overdue"], true);
    let (status, t) = call(
        &s,
        ANA,
        "PATCH",
        &format!("/api/v1/alliances/tasks/{}", own["id"].as_str().unwrap()),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!((status, t["status"].as_str()), (200, Some("done")), "{t}");
    let (_, staffs) = call(
        &s,
        STAFF,
        "POST",
        &format!("/api/v1/alliances/{anas}/tasks"),
        Some(json!({"title": "Staff task"})),
    )
    .await;
    let path = format!("/api/v1/alliances/tasks/{}", staffs["id"].as_str().unwrap());
    assert_eq!(
        call(&s, ANA, "PATCH", &path, Some(json!({"status": "done"})))
            .await
            .0,
        403,
        "not hers"
    );
    assert_eq!(
        call(&s, BEN, "PATCH", &path, Some(json!({"status": "done"})))
            .await
            .0,
        404,
        "not his alliance"
    );
    assert_eq!(
        call(
            &s,
            BEN,
            "POST",
            &format!("/api/v1/alliances/{anas}/tasks"),
            Some(json!({"title": "x"}))
        )
        .await
        .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_cannot_edit_another_owners_alliance_and_an_admin_can() {
    let (_db, s) = setup().await;
    let sam = add_staff(&s).await;
    let id = alliance(&s, "Harbor Light", &[]).await;
    let (status, e) = call_as(
        &s,
        &sam,
        "PATCH",
        &format!("/api/v1/alliances/{id}"),
        Some(json!({"tier": "platinum"})),
    )
    .await;
    assert_eq!(status, 403, "{e}");
    let (status, _) = call_as(
        &s,
        &sam,
        "POST",
        &format!("/api/v1/alliances/{id}/status"),
        Some(json!({"status": "negotiation"})),
    )
    .await;
    assert_eq!(status, 403);
    // Sam still reads it, and owns what he creates.
    assert_eq!(
        call_as(&s, &sam, "GET", &format!("/api/v1/alliances/{id}"), None)
            .await
            .0,
        200
    );
    let (status, his) = call_as(
        &s,
        &sam,
        "POST",
        "/api/v1/alliances",
        Some(json!({"name": "Sam's Alliance"})),
    )
    .await;
    assert_eq!(status, 201, "{his}");
    let (status, _) = call(
        &s,
        STAFF,
        "PATCH",
        &format!("/api/v1/alliances/{}", his["id"].as_str().unwrap()),
        Some(json!({"tier": "x"})),
    )
    .await;
    assert_eq!(status, 403, "staff cannot edit sam's either");
    let (status, a) = call(
        &s,
        ADMIN,
        "PATCH",
        &format!("/api/v1/alliances/{id}"),
        Some(json!({"tier": "platinum"})),
    )
    .await;
    assert_eq!((status, a["tier"].as_str()), (200, Some("platinum")), "{a}");
    // Filters of the directory.
    let (_, list) = call(
        &s,
        STAFF,
        "GET",
        "/api/v1/alliances?tier=platinum&region=EMEA",
        None,
    )
    .await;
    let names: Vec<&str> = list["alliances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Harbor Light"]);
    let (_, list) = call(
        &s,
        STAFF,
        "GET",
        "/api/v1/alliances?q=harbor%20l&status=prospect",
        None,
    )
    .await;
    assert_eq!(list["alliances"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenant_sees_nothing() {
    let (_db, s) = setup().await;
    let id = alliance(&s, "Demo Only", &[]).await;
    for who in [ZOE, "kai@acme.test"] {
        let (status, list) = call(&s, who, "GET", "/api/v1/alliances", None).await;
        assert_eq!(status, 200);
        assert!(!list.to_string().contains("Demo Only"), "{list}");
        assert_eq!(
            call(&s, who, "GET", &format!("/api/v1/alliances/{id}"), None)
                .await
                .0,
            404
        );
        assert_eq!(
            call(
                &s,
                who,
                "GET",
                &format!("/api/v1/alliances/{id}/activities"),
                None
            )
            .await
            .0,
            404
        );
    }
    let (_, r) = call(
        &s,
        "kai@acme.test",
        "POST",
        "/api/v1/alliances/bulk-status",
        Some(json!({"ids": [id], "status": "closed"})),
    )
    .await;
    assert_eq!(r["results"][0]["ok"], false, "{r}");
    assert_eq!(r["results"][0]["error"]["code"], "not_found");
    let (_, a) = call(&s, STAFF, "GET", &format!("/api/v1/alliances/{id}"), None).await;
    assert_eq!(a["alliance"]["status"], "prospect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_status_applies_the_legal_rows_and_reports_the_illegal_one() {
    let (_db, s) = setup().await;
    let a = alliance(&s, "Alpha Bulk", &[]).await;
    let b = alliance(&s, "Beta Bulk", &[]).await;
    let c = alliance(&s, "Gamma Bulk", &[]).await;
    assert_eq!(move_to(&s, STAFF, &b, "negotiation").await.0, 200);
    let (status, r) = call(
        &s,
        STAFF,
        "POST",
        "/api/v1/alliances/bulk-status",
        Some(json!({"ids": [a, b, c], "status": "negotiation", "reason": "kick-off"})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let rows = r["results"].as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|x| x["ok"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        vec![true, false, true]
    );
    assert_eq!(rows[1]["error"]["code"], "conflict");
    assert!(
        rows[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is negotiation"),
        "{r}"
    );
    for id in [&a, &b, &c] {
        let (_, d) = call(&s, STAFF, "GET", &format!("/api/v1/alliances/{id}"), None).await;
        assert_eq!(d["alliance"]["status"], "negotiation");
    }
    assert_eq!(
        verbs(&s, &b)
            .await
            .iter()
            .filter(|v| *v == "alliance.status_changed")
            .count(),
        1,
        "b moved once"
    );
    assert_eq!(
        call(
            &s,
            ANA,
            "POST",
            "/api/v1/alliances/bulk-status",
            Some(json!({"ids": [a], "status": "closed"}))
        )
        .await
        .0,
        403
    );
}
