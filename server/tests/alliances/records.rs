//! The alliance CSV import (twice creates once; a malformed row changes
//! nothing), a won opportunity recording exactly one deal win, and the
//! timeline entry every change writes.

use crate::common::*;
use crate::helpers::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_import_twice_creates_once_and_a_malformed_row_changes_nothing() {
    let (_db, s) = setup().await;
    let csv = "external_id,name,status,tier,region,industry,website,contact_name,contact_email\n\
               crm-1,Orbit Media,active,gold,EMEA,Media,https://orbit.example,Ivy Long,ivy@orbit.example\n\
               crm-2,\"Pine, Oak & Co\",,silver,APAC,Retail,,,\n";
    let (status, r) = import(&s, STAFF, csv).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["applied"].as_bool(), r["created"].as_u64()),
        (Some(true), Some(2)),
        "{r}"
    );
    let (status, again) = import(&s, STAFF, csv).await;
    assert_eq!(status, 200);
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2)),
        "{again}"
    );
    let (_, list) = call(&s, STAFF, "GET", "/api/v1/alliances?q=orbit", None).await;
    assert_eq!(
        list["alliances"].as_array().unwrap().len(),
        1,
        "created once: {list}"
    );
    let orbit = &list["alliances"][0];
    assert_eq!(
        (orbit["status"].as_str(), orbit["external_id"].as_str()),
        (Some("active"), Some("crm-1"))
    );
    let (_, d) = call(
        &s,
        STAFF,
        "GET",
        &format!("/api/v1/alliances/{}", orbit["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(d["contacts"][0]["email"], "ivy@orbit.example");

    // A changed row and a malformed one: nothing applies, the bad row is named.
    let bad = "external_id,name,tier,website\ncrm-1,Orbit Media,platinum,\ncrm-3,New One,gold,not a url\n";
    let (status, r) = import(&s, STAFF, bad).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["applied"], false);
    assert_eq!(r["rows"][0]["result"], "not_applied");
    assert_eq!(
        (
            r["rows"][1]["result"].as_str(),
            r["rows"][1]["line"].as_u64()
        ),
        (Some("rejected"), Some(3))
    );
    assert!(
        r["rows"][1]["reason"].as_str().unwrap().contains("website"),
        "{r}"
    );
    let (_, list) = call(&s, STAFF, "GET", "/api/v1/alliances?q=orbit", None).await;
    assert_eq!(list["alliances"][0]["tier"], "gold", "unchanged");
    assert!(
        call(&s, STAFF, "GET", "/api/v1/alliances?q=new%20one", None)
            .await
            .1["alliances"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A file that is not our CSV, and a partner, are refused outright.
    assert_eq!(import(&s, STAFF, "who,what\n1,2\n").await.0, 400);
    assert_eq!(import(&s, ANA, csv).await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_won_opportunity_records_one_deal_win_even_when_asked_twice_at_once() {
    let (db, s) = setup().await;
    let id = alliance(&s, "Summit Alliance", &[ANA]).await;
    let (status, o) = call(&s, STAFF, "POST", &format!("/api/v1/alliances/{id}/opportunities"),
        Some(json!({"title": "Joint launch", "value_minor": 500_000, "currency": "USD", "expected_close": "2026-12-31"}))).await;
    assert_eq!(status, 201, "{o}");
    let oid = o["id"].as_str().unwrap().to_owned();
    let stage = format!("/api/v1/alliances/opportunities/{oid}/stage");
    let (status, e) = call(&s, STAFF, "POST", &stage, Some(json!({"to": "won"}))).await;
    assert_eq!(status, 409, "no skipping: {e}");
    for to in ["proposal", "negotiation"] {
        assert_eq!(
            call(&s, STAFF, "POST", &stage, Some(json!({"to": to})))
                .await
                .0,
            200
        );
    }
    let (one, two) = tokio::join!(
        call(&s, STAFF, "POST", &stage, Some(json!({"to": "won"}))),
        call(&s, ADMIN, "POST", &stage, Some(json!({"to": "won"}))),
    );
    let mut statuses = vec![one.0, two.0];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 409], "{one:?} {two:?}");
    let won = if one.0 == 200 { one.1 } else { two.1 };
    assert_eq!(
        (
            won["deal_recorded"].as_bool(),
            won["won_partner_id"].as_str().map(str::to_owned)
        ),
        (Some(true), Some(member_id(&s, ANA).await))
    );
    let mut pg = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let deals: i64 = sqlx::query_scalar("SELECT count(*) FROM deals WHERE deal_id = $1")
        .bind(format!("alliance-opportunity:{oid}"))
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(deals, 1);
    assert_eq!(
        call(&s, STAFF, "POST", &stage, Some(json!({"to": "won"})))
            .await
            .0,
        409,
        "won is final once recorded"
    );
    let v = verbs(&s, &id).await;
    assert_eq!(
        v.iter().filter(|x| *x == "opportunity.won").count(),
        1,
        "{v:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_writes_a_timeline_entry() {
    let (_db, s) = setup().await;
    let id = alliance(&s, "Trace Partners", &[ANA]).await;
    let base = format!("/api/v1/alliances/{id}");
    assert_eq!(
        call(
            &s,
            STAFF,
            "PATCH",
            &base,
            Some(json!({"notes": "Met at the expo"}))
        )
        .await
        .0,
        200
    );
    assert_eq!(move_to(&s, STAFF, &id, "negotiation").await.0, 200);
    assert_eq!(
        call(
            &s,
            STAFF,
            "POST",
            &format!("{base}/contacts"),
            Some(json!({"name": "Ada", "role": "CEO", "email": "ada@trace.example"}))
        )
        .await
        .0,
        201
    );
    let (_, o) = call(
        &s,
        STAFF,
        "POST",
        &format!("{base}/opportunities"),
        Some(json!({"title": "Pilot", "value_minor": 1000})),
    )
    .await;
    assert_eq!(
        call(
            &s,
            STAFF,
            "POST",
            &format!(
                "/api/v1/alliances/opportunities/{}/stage",
                o["id"].as_str().unwrap()
            ),
            Some(json!({"to": "lost"}))
        )
        .await
        .0,
        200
    );
    let (_, t) = call(
        &s,
        STAFF,
        "POST",
        &format!("{base}/tasks"),
        Some(json!({"title": "Follow up", "due_on": "2030-01-01"})),
    )
    .await;
    assert_eq!(
        call(
            &s,
            STAFF,
            "PATCH",
            &format!("/api/v1/alliances/tasks/{}", t["id"].as_str().unwrap()),
            Some(json!({"status": "done"}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &s,
            STAFF,
            "POST",
            &format!("{base}/documents"),
            Some(json!({"title": "Deck", "url": "https://trace.example/deck.pdf"}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        call(
            &s,
            STAFF,
            "POST",
            &format!("{base}/activities"),
            Some(json!({"kind": "call", "summary": "Intro call"}))
        )
        .await
        .0,
        201
    );
    let v = verbs(&s, &id).await;
    assert_eq!(
        v,
        vec![
            "activity.logged",
            "document.added",
            "task.updated",
            "task.created",
            "opportunity.moved",
            "opportunity.created",
            "contact.saved",
            "alliance.status_changed",
            "alliance.updated",
            "alliance.created"
        ]
    );
    // Paged newest first.
    let (_, p1) = call(&s, ANA, "GET", &format!("{base}/activities?limit=4"), None).await;
    let next = p1["next_before"].as_str().unwrap();
    let (_, p2) = call(
        &s,
        ANA,
        "GET",
        &format!("{base}/activities?limit=4&before={next}"),
        None,
    )
    .await;
    assert_eq!(p2["activities"][0]["verb"], "opportunity.moved", "{p2}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_file_reaches_the_alliances_partner_and_no_other() {
    let (_db, s) = setup().await;
    let id = alliance(&s, "Paper Trail", &[ANA]).await;
    let staff = s.demo_token(STAFF).await;
    let r = s
        .http()
        .post(s.url("/api/v1/files?name=terms.txt"))
        .bearer_auth(&staff)
        .header("content-type", "text/plain")
        .body("Joint terms, draft 2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let file: serde_json::Value = r.json().await.unwrap();
    let file_id = file["id"].as_str().unwrap().to_owned();
    let get = |who: &'static str| {
        let s = &s;
        let file_id = file_id.clone();
        async move {
            let token = s.demo_token(who).await;
            let r = s
                .http()
                .get(s.url(&format!("/api/v1/files/{file_id}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    assert_eq!(get(ANA).await, 404, "not a document yet");
    let (status, d) = call(
        &s,
        STAFF,
        "POST",
        &format!("/api/v1/alliances/{id}/documents"),
        Some(json!({"title": "Terms", "file_id": file_id})),
    )
    .await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["href"], format!("/api/v1/files/{file_id}"));
    assert_eq!(get(ANA).await, 200, "a document of her alliance");
    assert_eq!(get(BEN).await, 404, "not his alliance");
    // Only the adder's own uploads are attached, even by an admin.
    let (status, _) = call(
        &s,
        ADMIN,
        "POST",
        &format!("/api/v1/alliances/{id}/documents"),
        Some(json!({"title": "Again", "file_id": file_id})),
    )
    .await;
    assert_eq!(status, 404, "only the adder's own uploads");
}
