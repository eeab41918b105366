//! The enablement domain end to end: staff create and publish courses,
//! partners complete them (only their own curriculum moves), completion
//! posts in #training with the partner's consent, badges are awarded once
//! and announced in #spotlight (a deal win earns the first-deal badge),
//! and every enablement panel answers for partners and staff.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::{Encoding, ErrorCode, Event, Snowflake};
use common::*;
use serde_json::{json, Value};

/// An HTTP call with a bearer token; (status, JSON body or null).
async fn call(
    s: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = s.http().request(m, s.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Staff create and publish a course with `modules` modules; its JSON.
async fn published_course(s: &TestServer, title: &str, modules: usize) -> Value {
    let staff = s.demo_token(STAFF).await;
    let mods: Vec<Value> = (1..=modules)
        .map(|i| json!({"title": format!("Module {i}")}))
        .collect();
    let (st, c) = call(
        s,
        "POST",
        "/api/v1/courses",
        &staff,
        Some(json!({"title": title, "modules": mods})),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["status"], "draft");
    let (st, c) = call(
        s,
        "POST",
        &format!("/api/v1/courses/{}/publish", c["id"].as_str().unwrap()),
        &staff,
        None,
    )
    .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["status"], "published");
    c
}

/// Completes every module of `course` over REST as `token`; the last answer.
async fn complete_all(s: &TestServer, token: &str, course: &Value) -> Value {
    let mut last = Value::Null;
    for m in course["modules"].as_array().unwrap() {
        let path = format!(
            "/api/v1/courses/{}/modules/{}/complete",
            course["id"].as_str().unwrap(),
            m["id"].as_str().unwrap()
        );
        let (st, v) = call(s, "POST", &path, token, None).await;
        assert_eq!(st, 200, "{v}");
        last = v;
    }
    last
}

async fn panel(c: &mut GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

/// The messages of `#key` (newest 100) whose card is of type `card`, as `token` reads them.
async fn cards(s: &TestServer, token: &str, channel: Snowflake, card: &str) -> Vec<Value> {
    let (st, v) = call(
        s,
        "GET",
        &format!("/api/v1/channels/{channel}/messages?limit=100"),
        token,
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["card"]["type"] == card)
        .cloned()
        .collect()
}

/// Waits for a MESSAGE_CREATE in `channel`.
async fn message_in(c: &mut GatewayClient, channel: Snowflake) -> arena_protocol::model::Message {
    match c
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MessageCreate(m) if m.channel_id == channel),
        )
        .await
    {
        Ok((_, Event::MessageCreate(m))) => *m,
        other => panic!("expected a MESSAGE_CREATE, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_a_course_moves_only_that_partners_curriculum_and_awards_its_badge_once() {
    let (_db, s) = setup().await;
    let course = published_course(&s, "Pipeline hygiene", 2).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let curriculum = channel(&ready, "enablement-curriculum").id;
    let spotlight = channel(&ready, "spotlight").id;
    let training = channel(&ready, "training").id;
    let before = panel(&mut ana, curriculum).await;
    let ben_before = panel(&mut ben, curriculum).await;
    assert_eq!(before["data"]["title"], "Your curriculum");
    assert!(
        before
            .to_string()
            .contains("Pipeline hygiene (0 of 2 modules)"),
        "{before}"
    );

    // The first module through the panel's own button.
    let (course_id, m1, m2) = (
        course["id"].as_str().unwrap(),
        course["modules"][0]["id"].as_str().unwrap(),
        course["modules"][1]["id"].as_str().unwrap(),
    );
    let act = |action: &str, params: Value| json!({"channel_id": curriculum, "action": action, "params": params});
    // Modules are taken in order.
    let e = ana
        .request(
            "panel.action",
            act(
                "complete_module",
                json!({"course_id": course_id, "module_id": m2}),
            ),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    let p = ana
        .request(
            "panel.action",
            act(
                "complete_module",
                json!({"course_id": course_id, "module_id": m1}),
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p["modules_done"], 1);
    let after = match ana
        .wait_for(
            WAIT,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == curriculum),
        )
        .await
    {
        Ok((_, Event::PanelUpdate(u))) => serde_json::to_value(u.panel).unwrap(),
        other => panic!("expected PANEL_UPDATE, got {other:?}"),
    };
    assert!(
        after
            .to_string()
            .contains("Pipeline hygiene (1 of 2 modules)"),
        "{after}"
    );
    assert!(after["version"].as_u64() > before["version"].as_u64());

    // The last module completes the course: certified, announced, badge once.
    let p = ana
        .request(
            "panel.action",
            act(
                "complete_module",
                json!({"course_id": course_id, "module_id": m2}),
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        p["completed_at"].is_string() && p["certification_id"].is_string(),
        "{p}"
    );
    let post = message_in(&mut ana, training).await;
    assert_eq!(post.card.as_ref().unwrap().kind, "course_completed");
    assert!(
        post.content
            .contains("Ana Ortiz completed “Pipeline hygiene”"),
        "{}",
        post.content
    );
    let badge = message_in(&mut ana, spotlight).await;
    assert_eq!(badge.card.as_ref().unwrap().data["badge"], "first-course");
    assert_eq!(badge.author.display_name, "Arena");
    assert_no_event(
        &mut ben,
        "ben's curriculum",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == curriculum),
    )
    .await;
    assert_eq!(
        panel(&mut ben, curriculum).await["data"],
        ben_before["data"],
        "ben's view is his own"
    );

    // Completing again changes nothing and awards nothing.
    let e = ana
        .request(
            "panel.action",
            act(
                "complete_module",
                json!({"course_id": course_id, "module_id": m2}),
            ),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    // A second completion (a seeded course) is a second trigger of the rule: nothing new.
    let ana_token = s.demo_token(ANA).await;
    let (_, list) = call(&s, "GET", "/api/v1/courses", &ana_token, None).await;
    let seeded = list["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == "Handling objections")
        .unwrap()
        .clone();
    let done = complete_all(&s, &ana_token, &seeded).await;
    assert!(done["completed_at"].is_string(), "{done}");
    let badges = cards(&s, &ana_token, spotlight, "badge_awarded").await;
    let first: Vec<&Value> = badges
        .iter()
        .filter(|m| m["card"]["data"]["badge"] == "first-course")
        .collect();
    assert_eq!(first.len(), 1, "one announcement: {badges:?}");
    let (_, mine) = call(&s, "GET", "/api/v1/badges", &ana_token, None).await;
    let b = mine["badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "first-course")
        .unwrap();
    assert!(b["awarded_at"].is_string(), "{mine}");
    // Staff see ana's progress; ana may not read ben's.
    let staff = s.demo_token(STAFF).await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let (st, pr) = call(
        &s,
        "GET",
        &format!("/api/v1/enablement/progress?partner_id={ana_id}"),
        &staff,
        None,
    )
    .await;
    assert_eq!(st, 200, "{pr}");
    let courses = pr["partners"][0]["courses"].as_array().unwrap();
    assert_eq!(
        courses
            .iter()
            .filter(|c| c["completed_at"].is_string())
            .count(),
        2,
        "{pr}"
    );
    let (st, _) = call(
        &s,
        "GET",
        &format!("/api/v1/enablement/progress?partner_id={ben_id}"),
        &ana_token,
        None,
    )
    .await;
    assert_eq!(st, 403);
    // The activity log has each change.
    let (_, log) = call(
        &s,
        "GET",
        "/api/v1/activity?domain=enablement",
        &ana_token,
        None,
    )
    .await;
    let verbs: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    for v in [
        "module.completed",
        "course.completed",
        "certification.issued",
        "badge.awarded",
    ] {
        assert!(verbs.contains(&v), "{v} in {verbs:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_posts_respect_the_partners_consent() {
    let (_db, s) = setup().await;
    let course = published_course(&s, "Consent course", 1).await;
    let (ana, ben, staff) = (
        s.demo_token(ANA).await,
        s.demo_token(BEN).await,
        s.demo_token(STAFF).await,
    );
    let (tid, ..) = s.member("demo", ANA).await;
    let training = channel_id(&s, tid, "training");
    // Publishing was announced.
    let published = cards(&s, &ana, training, "course_published").await;
    assert!(
        published
            .iter()
            .any(|m| m["card"]["data"]["title"] == "Consent course"),
        "{published:?}"
    );
    // ben opts out; staff have no such setting.
    let (st, v) = call(
        &s,
        "PUT",
        "/api/v1/enablement/settings",
        &ben,
        Some(json!({"share_completions": false})),
    )
    .await;
    assert_eq!((st, v["share_completions"].clone()), (200, json!(false)));
    let (st, _) = call(
        &s,
        "PUT",
        "/api/v1/enablement/settings",
        &staff,
        Some(json!({"share_completions": false})),
    )
    .await;
    assert_eq!(st, 403);
    complete_all(&s, &ben, &course).await;
    complete_all(&s, &ana, &course).await;
    let done = cards(&s, &ana, training, "course_completed").await;
    let names: Vec<&str> = done
        .iter()
        .map(|m| m["card"]["data"]["partner_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Ana Ortiz"], "only ana shares: {done:?}");
    // ben's completion still counts (certified), it is just not posted.
    let (_, p) = call(&s, "GET", "/api/v1/enablement/progress", &ben, None).await;
    let c = p["partners"][0]["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == "Consent course")
        .unwrap()
        .clone();
    assert!(c["certification_id"].is_string(), "{p}");
    assert_eq!(p["partners"][0]["share_completions"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_win_awards_the_first_deal_badge_once() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let spotlight = channel(&ready, "spotlight").id;
    let badges_ch = channel(&ready, "enablement-badges").id;
    let before = panel(&mut ana, badges_ch).await;
    assert!(
        before.to_string().contains("Win your first deal."),
        "{before}"
    );
    let staff = s.demo_token(STAFF).await;
    let win = |id: &str| json!({"partner_id": ana_id.to_string(), "client": "Harbor Gym", "amount_minor": 250_000, "currency": "USD", "deal_id": id});
    let (st, v) = call(
        &s,
        "POST",
        "/api/v1/revenue/deal-wins",
        &staff,
        Some(win("en-1")),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let m = message_in(&mut ana, spotlight).await;
    assert_eq!(m.card.as_ref().unwrap().kind, "badge_awarded");
    assert_eq!(m.card.as_ref().unwrap().data["badge"], "first-deal");
    let token = s.demo_token(ANA).await;
    let (_, b) = call(&s, "GET", "/api/v1/badges", &token, None).await;
    let first = b["badges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "first-deal")
        .unwrap()
        .clone();
    assert!(first["awarded_at"].is_string(), "{b}");
    // A second win awards nothing new.
    let (st, _) = call(
        &s,
        "POST",
        "/api/v1/revenue/deal-wins",
        &staff,
        Some(win("en-2")),
    )
    .await;
    assert_eq!(st, 201);
    assert_no_event(
        &mut ana,
        "a second badge",
        |e| matches!(e, Event::MessageCreate(m) if m.channel_id == spotlight),
    )
    .await;
    assert_eq!(cards(&s, &token, spotlight, "badge_awarded").await.len(), 1);
    // Staff see who earned what.
    let (mut st_ws, _) = s.login_ws(STAFF, Encoding::Json).await;
    let p = panel(&mut st_ws, badges_ch).await;
    assert!(p.to_string().contains("Ana Ortiz"), "{p}");
}

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
