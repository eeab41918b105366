//! The application's state machine (submitted → under_review → approved |
//! rejected, conflicts naming the state), the agreement by version, and
//! compliance documents that reference uploads.

use crate::common::*;
use crate::support::*;
use arena_protocol::{Encoding, ErrorCode};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_moves_submitted_review_approved_and_illegal_moves_conflict() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let forms = channel(&ready, "onboarding-forms").id;
    let mine = panel(&mut ana, forms).await;
    assert_eq!(block(&mine, "form")["action"], "submit_application");
    panel(&mut staff, forms).await;

    let submit = json!({"company": "Ortiz Growth", "pitch": "Gyms and studios in Portugal."});
    let v = act(&mut ana, forms, "submit_application", submit.clone())
        .await
        .unwrap();
    assert_eq!(v["status"], "submitted");
    let e = act(&mut ana, forms, "submit_application", submit)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("submitted"), "{e:?}");
    // Deciding before the review: conflict naming the state.
    let decision = format!("/api/v1/onboarding/application/{ana_id}/decision");
    let (status, e) = rest(
        &s,
        STAFF,
        "POST",
        &decision,
        Some(json!({"status": "approved"})),
    )
    .await;
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("submitted"),
        "{e}"
    );
    let (status, _) = rest(
        &s,
        BEN,
        "POST",
        &decision,
        Some(json!({"status": "under_review"})),
    )
    .await;
    assert_eq!(status, 403);

    let v = act(
        &mut staff,
        forms,
        "review",
        json!({"partner_id": ana_id.to_string()}),
    )
    .await
    .unwrap();
    assert_eq!(v["status"], "under_review");
    update_where(&mut ana, forms, |p| {
        block(p, "figures")["items"][0]["value"] == "Under review"
    })
    .await;
    let (status, _) = rest(
        &s,
        STAFF,
        "POST",
        &decision,
        Some(json!({"status": "rejected"})),
    )
    .await;
    assert_eq!(status, 400, "rejecting needs a reason");
    let (status, v) = rest(
        &s,
        STAFF,
        "POST",
        &decision,
        Some(json!({"status": "approved", "reason": "Welcome!"})),
    )
    .await;
    assert_eq!(
        (status, v["status"].clone()),
        (200, json!("approved")),
        "{v}"
    );
    let (status, e) = rest(
        &s,
        STAFF,
        "POST",
        &decision,
        Some(json!({"status": "rejected", "reason": "no"})),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("approved"),
        "{e}"
    );
    let e = act(
        &mut ana,
        forms,
        "submit_application",
        json!({"company": "X", "pitch": "Y"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let (_, me) = rest(&s, ANA, "GET", "/api/v1/onboarding", None).await;
    let approved = me["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "application")
        .unwrap();
    assert_eq!(approved["done"], true, "{me}");

    // The agreement: only the current version, recorded with its time.
    let e = act(
        &mut ana,
        forms,
        "accept_agreement",
        json!({"version": "2025-01"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("2026-01"), "{e:?}");
    let (status, v) = rest(
        &s,
        ANA,
        "POST",
        "/api/v1/onboarding/agreement",
        Some(json!({"version": "2026-01"})),
    )
    .await;
    assert_eq!((status, v["accepted"].clone()), (200, json!(true)), "{v}");
    assert!(v["accepted_at"].is_string());

    // A rejected partner may resubmit.
    let (status, _) = rest(
        &s,
        BEN,
        "POST",
        "/api/v1/onboarding/application",
        Some(json!({"company": "Carter", "pitch": "Cafés"})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let ben_decision = format!("/api/v1/onboarding/application/{ben_id}/decision");
    assert_eq!(
        rest(
            &s,
            STAFF,
            "POST",
            &ben_decision,
            Some(json!({"status": "under_review"}))
        )
        .await
        .0,
        200
    );
    let (status, v) = rest(
        &s,
        STAFF,
        "POST",
        &ben_decision,
        Some(json!({"status": "rejected", "reason": "Name your markets."})),
    )
    .await;
    assert_eq!(
        (status, v["reason"].clone()),
        (200, json!("Name your markets."))
    );
    let (status, v) = rest(
        &s,
        BEN,
        "POST",
        "/api/v1/onboarding/application",
        Some(json!({"company": "Carter & Co", "pitch": "Cafés in Leeds"})),
    )
    .await;
    assert_eq!(
        (status, v["status"].clone()),
        (201, json!("submitted")),
        "{v}"
    );
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_reference_uploads_and_ben_cannot_attach_anas_file() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let forms = channel(&ready, "onboarding-forms").id;
    let r = s
        .http()
        .post(s.url("/api/v1/files?name=w9.pdf"))
        .bearer_auth(s.demo_token(ANA).await)
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let file: Value = r.json().await.unwrap();
    let file_id = file["id"].as_str().unwrap().to_owned();
    panel(&mut ana, forms).await;

    // ben may not attach ana's file, by panel or REST.
    let e = act(
        &mut ben,
        forms,
        "attach_document",
        json!({"kind": "tax_form", "file": file_id}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    let (status, _) = rest(
        &s,
        BEN,
        "POST",
        "/api/v1/onboarding/documents",
        Some(json!({"file_id": file_id, "kind": "tax_form"})),
    )
    .await;
    assert_eq!(status, 404);
    let e = act(
        &mut ana,
        forms,
        "attach_document",
        json!({"kind": "horoscope", "file": file_id}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(
        &mut ana,
        forms,
        "attach_document",
        json!({"kind": "tax_form", "file": "999"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");

    let d = act(
        &mut ana,
        forms,
        "attach_document",
        json!({"kind": "tax_form", "file": file_id}),
    )
    .await
    .unwrap();
    assert_eq!(
        (d["file_id"].as_str(), d["file_name"].as_str()),
        (Some(file_id.as_str()), Some("w9.pdf"))
    );
    let p = update_where(&mut ana, forms, |p| {
        p["data"]["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["type"] == "table" && b["rows"].to_string().contains("w9.pdf"))
    })
    .await;
    assert_eq!(block(&p, "figures")["items"][2]["value"], 1);
    let (status, _) = rest(
        &s,
        ANA,
        "POST",
        "/api/v1/onboarding/documents",
        Some(json!({"file_id": file_id, "kind": "tax_form"})),
    )
    .await;
    assert_eq!(status, 409, "attached once");
    let (_, v) = rest(
        &s,
        STAFF,
        "GET",
        &format!("/api/v1/onboarding/{ana_id}"),
        None,
    )
    .await;
    assert_eq!(v["documents"][0]["file_id"], file_id.as_str(), "{v}");
    assert_eq!(v["documents"][0]["kind"], "tax_form");
}
