//! The support panel answers `panel.get` with a real panel for a partner
//! and for staff.

use super::common::*;
use super::helpers::get;
use super::helpers::*;
use arena_protocol::{Encoding, ErrorCode};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_is_real_for_a_partner_and_for_staff() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let cases = channel(&ready, "support-cases").id;
    let mine = panel(&mut ana, cases).await;
    assert_eq!(mine["data"]["title"], "Your support cases", "{mine}");
    let types = block_types(&mine);
    for t in ["figures", "form", "table", "activity"] {
        assert!(types.iter().any(|x| x == t), "{t} in {mine}");
    }
    let queue = panel(&mut staff, cases).await;
    assert_eq!(queue["data"]["title"], "Support queue", "{queue}");
    let unassigned = figure(&queue, "Unassigned").as_i64().unwrap();

    // ana opens a case through the form; it is expanded with a reply form.
    let v = action(
        &mut ana,
        cases,
        "open_case",
        json!({"subject": "Need a co-branded deck", "body": "For Harbor Gym", "priority": ""}),
    )
    .await
    .unwrap();
    assert_eq!(v["case"]["priority"], "normal");
    let id = v["case"]["id"].as_str().unwrap().to_owned();
    let mine = next_update(&mut ana, cases).await;
    let t = mine.to_string();
    assert!(t.contains(&format!("reply-{id}")), "{mine}");
    assert!(t.contains("\"Status\""), "{mine}");
    let staff_view = next_update(&mut staff, cases).await;
    assert_eq!(figure(&staff_view, "Unassigned"), unassigned + 1);
    assert!(staff_view.to_string().contains("Need a co-branded deck"));

    // Staff take it and raise the priority; ana sees both in her activity.
    action(&mut staff, cases, "take", json!({"case_id": id}))
        .await
        .unwrap();
    let v = action(
        &mut staff,
        cases,
        "triage",
        json!({"case_id": id, "priority": "high"}),
    )
    .await
    .unwrap();
    assert_eq!(v["case"]["priority"], "high");
    assert!(v["case"]["assignee_id"].is_string(), "{v}");
    let e = action(
        &mut ana,
        cases,
        "triage",
        json!({"case_id": id, "priority": "urgent"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let (status, _) = call(
        &s,
        reqwest::Method::PATCH,
        STAFF,
        &format!("/api/v1/support/cases/{id}"),
        Some(json!({"assignee_id": ana_id(&s).await})),
    )
    .await;
    assert_eq!(status, 400, "a partner cannot be the assignee");
    let queue = panel(&mut staff, cases).await;
    assert_eq!(figure(&queue, "Unassigned"), unassigned);
    let (_, log) = get(&s, ANA, "/api/v1/activity?domain=support").await;
    let verbs = log.to_string();
    assert!(
        verbs.contains("case.assigned") && verbs.contains("case.reprioritised"),
        "{log}"
    );
    let mine = panel(&mut ana, cases).await;
    assert!(mine.to_string().contains("high priority"), "{mine}");
    // Every route is in the OpenAPI document.
    let doc: Value = s
        .http()
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/support/cases",
        "/api/v1/support/cases/{id}",
        "/api/v1/support/cases/{id}/replies",
        "/api/v1/support/cases/{id}/status",
        "/api/v1/support/cases/{id}/escalate",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }
    assert!(doc["paths"]["/api/v1/support/cases/{id}"]["patch"].is_object());
}
