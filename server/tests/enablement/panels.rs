//! Course permissions and every enablement panel, for partners and staff.

use super::support::*;
use crate::common::*;
use arena_protocol::{Encoding, ErrorCode, Event};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_cannot_create_or_publish_courses() {
    let (_db, s) = setup().await;
    let staff = s.demo_token(STAFF).await;
    let ana = s.demo_token(ANA).await;
    let (st, draft) = call(
        &s,
        "POST",
        "/api/v1/courses",
        &staff,
        Some(json!({"title": "Draft", "modules": [{"title": "Only"}]})),
    )
    .await;
    assert_eq!(st, 201);
    let id = draft["id"].as_str().unwrap();
    assert_eq!(
        call(
            &s,
            "POST",
            &format!("/api/v1/courses/{id}/publish"),
            &ana,
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &s,
            "POST",
            "/api/v1/courses",
            &ana,
            Some(json!({"title": "Mine", "modules": [{"title": "x"}]}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &s,
            "PATCH",
            &format!("/api/v1/courses/{id}"),
            &ana,
            Some(json!({"title": "Hijacked"}))
        )
        .await
        .0,
        403
    );
    // The draft is invisible to partners; staff see it.
    let (_, list) = call(&s, "GET", "/api/v1/courses", &ana, None).await;
    assert!(!list.to_string().contains(id), "{list}");
    let (_, list) = call(&s, "GET", "/api/v1/courses", &staff, None).await;
    assert!(list.to_string().contains(id));
    let module = draft["modules"][0]["id"].as_str().unwrap();
    assert_eq!(
        call(
            &s,
            "POST",
            &format!("/api/v1/courses/{id}/modules/{module}/complete"),
            &ana,
            None
        )
        .await
        .0,
        404
    );
    // Over the panel too.
    let (mut c, ready) = s.login_ws(ANA, Encoding::Json).await;
    let curriculum = channel(&ready, "enablement-curriculum").id;
    let e = c
        .request(
            "panel.action",
            json!({"channel_id": curriculum, "action": "publish", "params": {"course_id": id}}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    // Bad input is named; a published course keeps its modules.
    let (st, e) = call(
        &s,
        "POST",
        "/api/v1/courses",
        &staff,
        Some(json!({"title": "", "modules": [{"title": "x"}]})),
    )
    .await;
    assert_eq!(st, 400);
    assert!(e.to_string().contains("title"), "{e}");
    assert_eq!(
        call(
            &s,
            "POST",
            &format!("/api/v1/courses/{id}/publish"),
            &staff,
            None
        )
        .await
        .0,
        200
    );
    let (st, e) = call(
        &s,
        "POST",
        &format!("/api/v1/courses/{id}/publish"),
        &staff,
        None,
    )
    .await;
    assert_eq!(st, 409, "{e}");
    let (st, e) = call(
        &s,
        "PATCH",
        &format!("/api/v1/courses/{id}"),
        &staff,
        Some(json!({"modules": [{"title": "y"}]})),
    )
    .await;
    assert_eq!(st, 409, "{e}");
    assert!(e.to_string().contains("published"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_enablement_panel_answers_partners_and_staff() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    for key in [
        "enablement-curriculum",
        "enablement-checklists",
        "enablement-badges",
    ] {
        let id = channel(&ready, key).id;
        for (who, c) in [("ana", &mut ana), ("staff", &mut staff)] {
            let p = panel(c, id).await;
            assert!(
                p["data"]["title"].as_str().is_some_and(|t| !t.is_empty()),
                "{who} {key}: {p}"
            );
            let blocks = p["data"]["blocks"].as_array().unwrap();
            assert!(blocks.len() >= 2, "{who} {key}: {p}");
            assert!(
                blocks.iter().all(|b| b["type"].is_string()),
                "{who} {key}: {p}"
            );
        }
    }
    // The seeded catalogue is there; staff get the course form.
    let curriculum = channel(&ready, "enablement-curriculum").id;
    assert!(panel(&mut ana, curriculum)
        .await
        .to_string()
        .contains("Partner foundations"));
    assert!(panel(&mut staff, curriculum)
        .await
        .to_string()
        .contains("create_course"));
    // ana starts a board and ticks an item: only her checklist moves.
    let checklists = channel(&ready, "enablement-checklists").id;
    let ben_before = panel(&mut ben, checklists).await;
    let act = |action: &str, params: Value| json!({"channel_id": checklists, "action": action, "params": params});
    ana.request(
        "panel.action",
        act(
            "add_client",
            json!({"client": "Harbor Gym", "client_type": "gym"}),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    ana.request(
        "panel.action",
        act(
            "tick",
            json!({"client": "Harbor Gym", "item": "membership-plans-imported"}),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let e = ana
        .request(
            "panel.action",
            act(
                "tick",
                json!({"client": "Harbor Gym", "item": "no-such-item"}),
            ),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    let e = ben
        .request(
            "panel.action",
            act(
                "tick",
                json!({"client": "Harbor Gym", "item": "membership-plans-imported"}),
            ),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "ben has no such board: {e:?}");
    let mine = panel(&mut ana, checklists).await;
    let board = mine["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "checklist")
        .unwrap()
        .clone();
    assert_eq!(board["items"][0]["done"], true, "{board}");
    assert_eq!(board["items"][1]["done"], false, "{board}");
    assert_no_event(
        &mut ben,
        "ben's checklists",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == checklists),
    )
    .await;
    assert_eq!(
        panel(&mut ben, checklists).await["data"],
        ben_before["data"]
    );
    assert!(panel(&mut staff, checklists)
        .await
        .to_string()
        .contains("Harbor Gym"));
    // The badges panel takes no actions.
    let badges = channel(&ready, "enablement-badges").id;
    let e = ana
        .request(
            "panel.action",
            json!({"channel_id": badges, "action": "tick", "params": {}}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    // The routes are in the OpenAPI document.
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
        "/api/v1/courses",
        "/api/v1/courses/{id}/publish",
        "/api/v1/enablement/settings",
        "/api/v1/badges",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}
