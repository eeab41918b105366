//! The app-plans domain end to end (real Postgres, real sockets): a plan is
//! filled deterministically from the wizard's answers and a template; with
//! a chat-completions endpoint configured its narrative sections come from
//! it (and the template text stands when it fails); plans move draft →
//! submitted → approved | changes requested, each submission posted once
//! in #app-plan-generator; a partner never sees another's plan; plans
//! export as Markdown.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "plans/helpers.rs"]
mod helpers;
#[path = "plans/panels.rs"]
mod panels;

use arena_protocol::{Encoding, ErrorCode, Event};
use common::*;
use helpers::*;
use helpers::{get, post};
use serde_json::{json, Value};

fn bodies(plan: &Value) -> Vec<String> {
    plan["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["body"].as_str().unwrap().to_owned())
        .collect()
}

fn section<'a>(plan: &'a Value, title: &str) -> &'a Value {
    plan["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == title)
        .unwrap_or_else(|| panic!("no section {title} in {plan}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_filled_deterministically_from_the_answers_and_the_template() {
    let (_db, s) = setup().await;
    let one = create_plan(&s, ANA, "Harbor Gym").await;
    assert_eq!(one["status"], "draft");
    assert_eq!(one["narrative"], "template", "no model configured: {one}");
    assert_eq!(one["template_key"], "gym");
    let overview = section(&one, "Overview")["body"].as_str().unwrap();
    assert!(
        overview.contains("Harbor Gym runs a fitness business"),
        "{overview}"
    );
    assert!(
        overview.contains("Goals: Fill the early classes"),
        "{overview}"
    );
    assert!(!overview.contains("{{"), "{overview}");
    // Features in catalogue order whatever the order given, plus the free text.
    assert_eq!(
        section(&one, "Features")["body"],
        "- Bookings and appointments\n- Push notifications\n- Also: class waitlists"
    );
    assert_eq!(
        section(&one, "Branding")["body"],
        "Colours: navy, orange\nTone of voice: energetic\nLogo: no logo provided yet"
    );
    // The same answers give the same text, also through the wizard's form
    // (checkbox fields instead of a list).
    let two = create_plan(&s, ANA, "Harbor Gym").await;
    assert_eq!(bodies(&one), bodies(&two));
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let create = channel(&ready, "app-plans-create").id;
    let v = action(
        &mut ana,
        create,
        "create_plan",
        json!({"client_name": "Harbor Gym", "template": "gym", "goals": "Fill the early classes",
               "audience": "Members who train before work", "logo": "", "colors": "navy, orange",
               "tone": "energetic", "feature_bookings": true, "feature_push": "on", "feature_loyalty": false,
               "features_other": "class waitlists"}),
    )
    .await
    .unwrap();
    assert_eq!(bodies(&v["plan"]), bodies(&one));

    // An unknown placeholder stays visible; a retired template is refused.
    let (status, t) = post(
        &s,
        STAFF,
        "/api/v1/app-plans/templates",
        json!({"key": "bakery", "name": "Bakery", "vertical": "Food",
               "sections": [{"title": "Intro", "body": "{{client.name}} bakes. {{oven.size}} ovens.", "narrative": true}]}),
    )
    .await;
    assert_eq!(status, 201, "{t}");
    let mut answers = gym_answers("Crumb & Co");
    answers["template"] = json!("bakery");
    let (status, p) = post(&s, BEN, "/api/v1/app-plans", answers.clone()).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(
        section(&p, "Intro")["body"],
        "Crumb & Co bakes. {{oven.size}} ovens."
    );
    let (status, _) = post(
        &s,
        STAFF,
        "/api/v1/app-plans/templates/bakery/retire",
        json!({"retired": true}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, e) = post(&s, BEN, "/api/v1/app-plans", answers).await;
    assert_eq!(status, 409, "{e}");
    // Staff do not build plans; bad answers are bad requests.
    let (status, _) = post(&s, STAFF, "/api/v1/app-plans", gym_answers("X")).await;
    assert_eq!(status, 403);
    let mut bad = gym_answers("X");
    bad["features"] = json!(["teleport"]);
    assert_eq!(post(&s, ANA, "/api/v1/app-plans", bad).await.0, 400);
    let mut bad = gym_answers("X");
    bad["template"] = json!("spaceport");
    assert_eq!(post(&s, ANA, "/api/v1/app-plans", bad).await.0, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_model_endpoint_the_narrative_sections_come_from_it() {
    let db = TestDb::create().await;
    let llm = FakeLlm::start(false, 0).await;
    let s = llm.server(&db).await;
    let plan = create_plan(&s, ANA, "Harbor Gym").await;
    let id = plan["id"].as_str().unwrap().to_owned();
    assert_eq!(plan["narrative"], "writing", "{plan}");
    // While it is being written the plan cannot be submitted or edited,
    // and the library shows "writing…".
    let (status, e) = post(
        &s,
        ANA,
        &format!("/api/v1/app-plans/{id}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("writing"),
        "{e}"
    );
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let library = channel(&ready, "app-plans-library").id;
    action(&mut ana, library, "view_plan", json!({"plan_id": id}))
        .await
        .unwrap();
    let p = panel(&mut ana, library).await;
    assert!(p.to_string().contains("writing…"), "{p}");

    llm.gate.add_permits(100);
    let done = written(&s, ANA, &id).await;
    assert_eq!(done["narrative"], "written", "{done}");
    for title in ["Overview", "Member journey", "Launch plan"] {
        let sec = section(&done, title);
        assert_eq!(sec["body"], format!("Rewritten: {title}"));
        assert_eq!(sec["source"], "assistant");
    }
    // Sections that are not narrative keep the template's filled text.
    assert_eq!(
        section(&done, "Features")["body"],
        section(&plan, "Features")["body"]
    );
    assert_eq!(section(&done, "Features")["source"], "template");
    let seen = llm.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "one request per narrative section");
    for (body, auth) in &seen {
        assert_eq!(body["model"], "test-model");
        assert_eq!(auth, "Bearer sk-test-key");
        assert!(body["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("Harbor Gym"));
    }
    let (_, log) = get(&s, ANA, "/api/v1/activity?domain=app-plans").await;
    assert_eq!(log["entries"][0]["verb"], "plan.written", "{log}");
    // Now it can be submitted.
    let (status, v) = post(
        &s,
        ANA,
        &format!("/api/v1/app-plans/{id}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_endpoint_failing_the_template_text_stands() {
    let db = TestDb::create().await;
    let llm = FakeLlm::start(true, 100).await;
    let s = llm.server(&db).await;
    let plan = create_plan(&s, ANA, "Harbor Gym").await;
    let id = plan["id"].as_str().unwrap().to_owned();
    let done = written(&s, ANA, &id).await;
    assert_eq!(done["narrative"], "failed", "{done}");
    assert!(
        done["narrative_note"]
            .as_str()
            .unwrap()
            .contains("HTTP 500"),
        "{done}"
    );
    assert_eq!(bodies(&done), bodies(&plan), "the template text stands");
    let (_, log) = get(&s, ANA, "/api/v1/activity?domain=app-plans").await;
    assert_eq!(log["entries"][0]["verb"], "plan.writing_failed", "{log}");
    assert!(log["entries"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("template text stands"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_submitted_approved_and_posted_once_per_submission() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let generator = channel(&ready, "app-plan-generator").id;
    let plan = create_plan(&s, ANA, "Harbor Gym").await;
    let id = plan["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/app-plans/{id}");

    let (status, v) = post(&s, ANA, &format!("{path}/submit"), json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["submissions"], 1);
    let m = next_message_in(&mut ana, generator).await;
    let card = m.card.expect("a card");
    assert_eq!(card.kind, "app_plan.submitted");
    assert_eq!(card.data["plan_id"], id.as_str());
    assert_eq!(card.data["submission"], 1);
    assert_eq!(m.author.display_name, "Arena");
    assert!(m.content.contains("Harbor Gym app plan"), "{}", m.content);

    // A second submit is a conflict naming the status, and posts nothing.
    let (status, e) = post(&s, ANA, &format!("{path}/submit"), json!({})).await;
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is submitted"),
        "{e}"
    );
    assert_no_event(
        &mut ana,
        "a second post",
        |e| matches!(e, Event::MessageCreate(m) if m.channel_id == generator),
    )
    .await;
    // Clients cannot post the domain's card.
    let r = ana
        .request(
            "message.create",
            json!({"channel_id": generator, "content": "fake", "card": {"type": "app_plan.submitted", "data": {}}}),
        )
        .await
        .unwrap();
    assert!(r.is_err(), "{r:?}");

    // Partners do not decide; staff approve; approved is final.
    let decision = format!("{path}/decision");
    let (status, _) = post(&s, ANA, &decision, json!({"decision": "approve"})).await;
    assert_eq!(status, 403);
    let (status, v) = post(
        &s,
        STAFF,
        &decision,
        json!({"decision": "approve", "note": "Ship it"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "approved");
    assert_eq!(v["decision_note"], "Ship it");
    let (status, e) = post(&s, STAFF, &decision, json!({"decision": "approve"})).await;
    assert_eq!(status, 409);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("approved"),
        "{e}"
    );
    let (status, _) = post(&s, ANA, &format!("{path}/submit"), json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = call(
        &s,
        reqwest::Method::PATCH,
        ANA,
        &path,
        Some(json!({"title": "New"})),
    )
    .await;
    assert_eq!(status, 409, "an approved plan is not edited");
    let (_, log) = get(&s, ANA, "/api/v1/activity?domain=app-plans").await;
    let verbs: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert_eq!(
        verbs,
        ["plan.approved", "plan.submitted", "plan.created"],
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_requested_then_submitted_again_posts_again() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let generator = channel(&ready, "app-plan-generator").id;
    let plan = create_plan(&s, ANA, "Harbor Gym").await;
    let id = plan["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/app-plans/{id}");
    assert_eq!(
        post(&s, ANA, &format!("{path}/submit"), json!({})).await.0,
        200
    );
    next_message_in(&mut ana, generator).await;
    let decision = format!("{path}/decision");
    let (status, _) = post(&s, STAFF, &decision, json!({"decision": "request_changes"})).await;
    assert_eq!(status, 400, "a note is required to request changes");
    let (status, v) = post(
        &s,
        STAFF,
        &decision,
        json!({"decision": "request_changes", "note": "Add a loyalty section"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "changes_requested");
    // The partner edits (through the panel) and submits again: a second post.
    let library = channel(&ready, "app-plans-library").id;
    let v = action(
        &mut ana,
        library,
        "edit_plan",
        json!({"plan_id": id, "section_2": "- Bookings\n- Loyalty rewards"}),
    )
    .await
    .unwrap();
    assert_eq!(
        v["plan"]["sections"][2]["body"],
        "- Bookings\n- Loyalty rewards"
    );
    assert_eq!(v["plan"]["sections"][2]["source"], "partner");
    let e = action(
        &mut ana,
        library,
        "edit_plan",
        json!({"plan_id": id, "section_99": "x"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    let v = action(&mut ana, library, "submit", json!({"plan_id": id}))
        .await
        .unwrap();
    assert_eq!(v["plan"]["status"], "submitted");
    assert_eq!(v["plan"]["submissions"], 2);
    let m = next_message_in(&mut ana, generator).await;
    assert_eq!(m.card.unwrap().data["submission"], 2);
    assert!(m.content.contains("submitted again"), "{}", m.content);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_cannot_see_another_partners_plan() {
    let (_db, s) = setup().await;
    let plan = create_plan(&s, ANA, "Secret Spa").await;
    let id = plan["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/app-plans/{id}");
    for p in [path.clone(), format!("{path}/markdown")] {
        let (status, e) = get(&s, BEN, &p).await;
        assert_eq!(status, 404, "{p}: {e}");
    }
    assert_eq!(
        post(&s, BEN, &format!("{path}/submit"), json!({})).await.0,
        404
    );
    let (status, _) = call(
        &s,
        reqwest::Method::PATCH,
        BEN,
        &path,
        Some(json!({"title": "Mine"})),
    )
    .await;
    assert_eq!(status, 404);
    let (_, list) = get(&s, BEN, "/api/v1/app-plans").await;
    assert!(!list.to_string().contains("Secret Spa"), "{list}");
    let (_, list) = get(&s, STAFF, "/api/v1/app-plans").await;
    assert!(list.to_string().contains("Secret Spa"), "{list}");
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    for key in ["app-plans-library", "app-plans-create"] {
        let ch = channel(&ready, key).id;
        for a in ["view_plan", "export", "submit"] {
            let e = action(&mut ben, ch, a, json!({"plan_id": id}))
                .await
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::NotFound, "{key} {a}: {e:?}");
        }
        let p = panel(&mut ben, ch).await;
        assert!(!p.to_string().contains("Secret Spa"), "{p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_export_as_markdown() {
    let (_db, s) = setup().await;
    let plan = create_plan(&s, ANA, "Harbor Gym").await;
    let id = plan["id"].as_str().unwrap().to_owned();
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/app-plans/{id}/markdown")))
        .bearer_auth(s.demo_token(ANA).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/markdown"));
    assert_eq!(
        h["content-disposition"].to_str().unwrap(),
        "attachment; filename=\"app-plan-harbor-gym.md\""
    );
    let md = r.text().await.unwrap();
    assert!(md.starts_with("# Harbor Gym app plan\n"), "{md}");
    assert!(md.contains("Status: draft"), "{md}");
    assert!(
        md.contains("\n## Features\n\n- Bookings and appointments\n"),
        "{md}"
    );
    // Staff export it too; the panel action answers the same document as a download.
    assert_eq!(
        get(&s, STAFF, &format!("/api/v1/app-plans/{id}")).await.0,
        200
    );
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let library = channel(&ready, "app-plans-library").id;
    let v = action(&mut ana, library, "export", json!({"plan_id": id}))
        .await
        .unwrap();
    assert_eq!(v["download"]["content_type"], "text/markdown");
    assert_eq!(v["download"]["filename"], "app-plan-harbor-gym.md");
    assert_eq!(v["download"]["content"], md.as_str());
}
