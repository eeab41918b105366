//! The activation domain end to end (real Postgres, real sockets): the
//! checklist moves only for the partner concerned (and staff), facts tick
//! items live (a Stripe payout account, a post in #introductions), both
//! panel kinds answer partners and staff; the application's state machine
//! and documents are in `activation/forms.rs`, the once-only welcome in
//! `activation/welcome.rs`, shared helpers in `activation/support.rs`.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "activation/forms.rs"]
mod forms;
#[path = "activation/support.rs"]
mod support;
#[path = "activation/welcome.rs"]
mod welcome;

use arena_protocol::{Encoding, ErrorCode, Event};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ana_ticks_an_item_and_only_ana_and_staff_see_it_move() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let starter = channel(&ready, "starter-checklist").id;
    let before = panel(&mut ana, starter).await;
    assert_eq!(before["data"]["title"], "Your onboarding checklist");
    assert!(!item_done(&before, "profile"));
    let ben_before = panel(&mut ben, starter).await;
    let staff_before = panel(&mut staff, starter).await;
    assert_eq!(row_of(&staff_before, "Ana Ortiz")[1], "0/7");

    let answer = act(
        &mut ana,
        starter,
        "tick",
        json!({"key": "profile", "done": true}),
    )
    .await
    .unwrap();
    assert_eq!(answer["items"][0]["key"], "profile");
    assert_eq!(answer["items"][0]["done"], true);
    let after = update_where(&mut ana, starter, |p| item_done(p, "profile")).await;
    assert!(after["version"].as_u64() > before["version"].as_u64());
    let seen = update_where(&mut staff, starter, |p| row_of(p, "Ana Ortiz")[1] == "1/7").await;
    assert_eq!(row_of(&seen, "Ben Carter")[1], "0/7");
    assert_no_event(&mut ben, "ben's checklist", |e| {
        matches!(e, Event::PanelUpdate(_))
    })
    .await;
    assert_eq!(panel(&mut ben, starter).await["data"], ben_before["data"]);

    // The activity log has the tick, for ana and staff.
    let (status, log) = rest(&s, ANA, "GET", "/api/v1/activity?domain=activation", None).await;
    assert_eq!(status, 200);
    assert_eq!(log["entries"][0]["verb"], "checklist.ticked");
    // Items that tick themselves, unknown items, and staff are refused.
    let e = act(
        &mut ana,
        starter,
        "tick",
        json!({"key": "payout", "done": true}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(
        &mut ana,
        starter,
        "tick",
        json!({"key": "moon", "done": true}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(&mut ana, starter, "tick", json!({"key": "profile"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(
        &mut staff,
        starter,
        "tick",
        json!({"key": "profile", "done": true}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");

    // Staff reach ana's checklist (REST and the table's button); ben does not.
    let path = format!("/api/v1/onboarding/{ana_id}");
    let (status, v) = rest(&s, STAFF, "GET", &path, None).await;
    assert_eq!(
        (status, v["progress"]["done"].clone()),
        (200, json!(1)),
        "{v}"
    );
    let (status, _) = rest(&s, BEN, "GET", &path, None).await;
    assert_eq!(status, 404);
    let v = act(
        &mut staff,
        starter,
        "view",
        json!({"partner_id": ana_id.to_string()}),
    )
    .await
    .unwrap();
    assert_eq!(v["progress"]["display_name"], "Ana Ortiz");
    let (status, program) = rest(&s, STAFF, "GET", "/api/v1/onboarding", None).await;
    assert_eq!(status, 200);
    assert!(
        program["partners"].as_array().unwrap().len() >= 7,
        "{program}"
    );

    // Unticking over REST moves ana's panel back.
    let (status, v) = rest(
        &s,
        ANA,
        "POST",
        "/api/v1/onboarding/items/profile",
        Some(json!({"done": false})),
    )
    .await;
    assert_eq!(
        (status, v["items"][0]["done"].clone()),
        (200, json!(false)),
        "{v}"
    );
    update_where(&mut ana, starter, |p| !item_done(p, "profile")).await;
}

fn stripe_signature(body: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(STRIPE_SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn account_updated(s: &TestServer, event_id: &str, created: i64) -> Value {
    let ev = json!({
        "id": event_id, "object": "event", "type": "account.updated", "account": "acct_1AnaTest",
        "api_version": "2024-06-20", "created": created, "livemode": false,
        "data": {"object": {"id": "acct_1AnaTest", "object": "account", "payouts_enabled": true,
                            "charges_enabled": true, "requirements": {"disabled_reason": null}}}
    })
    .to_string();
    let r = s
        .http()
        .post(s.url("/api/v1/integrations/stripe/webhook"))
        .header("content-type", "application/json")
        .header("stripe-signature", stripe_signature(&ev))
        .body(ev)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_tick_items_live_once_a_payout_account_and_an_introduction() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let starter = channel(&ready, "starter-checklist").id;
    assert!(!item_done(&panel(&mut ana, starter).await, "payout"));
    panel(&mut ben, starter).await;

    let path = format!("/api/v1/revenue/payout-accounts/{ana_id}");
    let (status, _) = rest(
        &s,
        STAFF,
        "PUT",
        &path,
        Some(json!({"stripe_account_id": "acct_1AnaTest"})),
    )
    .await;
    assert_eq!(status, 200);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(account_updated(&s, "evt_a1", now).await["applied"], true);
    let p = update_where(&mut ana, starter, |p| item_done(p, "payout")).await;
    assert!(!item_done(&p, "training"));
    assert_no_event(&mut ben, "ben's checklist", |e| {
        matches!(e, Event::PanelUpdate(_))
    })
    .await;

    // Another event of the same state: applied, but the item is ticked once.
    assert_eq!(
        account_updated(&s, "evt_a2", now + 1).await["applied"],
        true
    );
    // A post in #introductions ticks "introduce yourself" (the actor handles
    // facts in order, so the payout fact is settled once this one shows).
    post(
        &mut ana,
        channel(&ready, "introductions").id,
        "Hi! I sell to gyms in Lisbon.",
    )
    .await;
    update_where(&mut ana, starter, |p| item_done(p, "introduce")).await;
    let (_, log) = rest(&s, ANA, "GET", "/api/v1/activity?domain=activation", None).await;
    let ticks: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["verb"] == "checklist.ticked")
        .collect();
    assert_eq!(ticks.len(), 2, "{log}");
    assert_eq!(ticks[1]["data"]["item"], "payout");
    assert_eq!(ticks[0]["data"]["item"], "introduce");
    assert!(ticks[1]["actor_id"].is_null(), "ticked by the system");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_activation_panel_answers_partners_and_staff() {
    let (_db, s) = setup().await;
    for (email, titles) in [
        (
            ANA,
            [
                "Your onboarding checklist",
                "Your onboarding checklist",
                "Your application",
            ],
        ),
        (
            STAFF,
            [
                "Onboarding progress",
                "Onboarding progress",
                "Applications and documents",
            ],
        ),
    ] {
        let (mut c, ready) = s.login_ws(email, Encoding::MsgPack).await;
        for (key, title) in [
            "starter-checklist",
            "onboarding-checklist",
            "onboarding-forms",
        ]
        .into_iter()
        .zip(titles)
        {
            let p = panel(&mut c, channel(&ready, key).id).await;
            assert_eq!(p["data"]["title"], title, "#{key} for {email}: {p}");
            assert!(!p["data"]["blocks"].as_array().unwrap().is_empty());
            block(&p, "activity");
        }
    }
    // The seeded demo: Priya finished, Marco's application was rejected.
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let p = panel(&mut staff, channel(&ready, "starter-checklist").id).await;
    assert_eq!(row_of(&p, "Priya Nair")[1], "7/7");
    let p = panel(&mut staff, channel(&ready, "onboarding-forms").id).await;
    assert_eq!(row_of(&p, "Marco Rossi")[2], "Rejected");
    assert!(block(&p, "form")["fields"][0]["options"]
        .to_string()
        .contains("Jordan Lee"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_onboarding_routes_are_in_the_openapi_document() {
    let (_db, s) = setup().await;
    let r = s
        .http()
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    for (path, method) in [
        ("/api/v1/onboarding", "get"),
        ("/api/v1/onboarding/{partner_id}", "get"),
        ("/api/v1/onboarding/items/{key}", "post"),
        ("/api/v1/onboarding/application", "post"),
        (
            "/api/v1/onboarding/application/{partner_id}/decision",
            "post",
        ),
        ("/api/v1/onboarding/agreement", "post"),
        ("/api/v1/onboarding/documents", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
}
