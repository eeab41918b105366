//! The enablement domain end to end: staff create and publish courses,
//! partners complete them (only their own curriculum moves), completion
//! posts in #training with the partner's consent, badges are awarded once
//! and announced in #spotlight (a deal win earns the first-deal badge),
//! and every enablement panel answers for partners and staff.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "enablement/panels.rs"]
mod panels;
#[path = "enablement/support.rs"]
mod support;

use arena_protocol::{Encoding, ErrorCode, Event};
use common::*;
use serde_json::{json, Value};
use support::*;

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
