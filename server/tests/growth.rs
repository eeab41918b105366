//! The growth hub end to end (real Postgres, real sockets, public routes
//! over real HTTP): referral clicks are counted once per window and never
//! for bots, a landing page's form makes a lead for that page's partner
//! only, user text on a landing page is escaped under a CSP without
//! script, a won referral records exactly one deal win, every growth panel
//! is real for a partner and for staff, and a due campaign step emits one
//! `campaign.step_due` outbox row that the tool's callback marks done.

#![allow(clippy::unwrap_used)]

#[path = "growth/campaigns.rs"]
mod campaigns;
mod common;
#[path = "growth/helpers.rs"]
mod helpers;
#[path = "growth/pages.rs"]
mod pages;

use arena_protocol::Encoding;
use common::*;
use helpers::*;
use helpers::{get, post};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_click_counts_once_per_window_and_a_bot_not_at_all() {
    let (_db, s) = setup().await;
    let code = first_code(&s, ANA).await;
    let c = code["code"].as_str().unwrap().to_owned();
    assert_eq!(code["url"], format!("/r/{c}"));
    let before = clicks(&s, ANA, &c).await;
    let browser = visitor();
    let click = |from: &'static str, ua: &'static str| {
        browser
            .get(s.url(&format!("/r/{c}")))
            .header("x-forwarded-for", from)
            .header("user-agent", ua)
            .send()
    };
    let r = click("198.51.100.7", BROWSER).await.unwrap();
    assert_eq!(r.status(), 302);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with(&format!("?ref={c}")), "{to}");
    assert_eq!(clicks(&s, ANA, &c).await, before + 1);
    // The same address again within the window: redirected, not counted.
    let r = click("198.51.100.7", BROWSER).await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(clicks(&s, ANA, &c).await, before + 1);
    // A crawler from another address: redirected, never counted.
    let r = click("198.51.100.8", "Mozilla/5.0 (compatible; Googlebot/2.1)")
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(clicks(&s, ANA, &c).await, before + 1);
    // Another person: counted.
    click("198.51.100.9", BROWSER).await.unwrap();
    assert_eq!(clicks(&s, ANA, &c).await, before + 2);
    // No address is stored, only its salted hash.
    let pool = pool(&_db).await;
    let stored: Vec<(String,)> = sqlx::query_as("SELECT visitor FROM growth_visitors")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!stored.is_empty());
    assert!(stored
        .iter()
        .all(|(v,)| !v.contains("198.51") && v.len() == 64));

    // Unknown codes are a 404 page; the QR code is an SVG of the link.
    let r = browser.get(s.url("/r/nosuchcode")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = browser
        .get(s.url(&format!("/r/{c}/qr.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().contains("<svg"));
    // A code with its own target keeps that target's query.
    let (status, own) = post(
        &s,
        ANA,
        "/api/v1/growth/codes",
        json!({"target": "https://example.com/offer?x=1"}),
    )
    .await;
    assert_eq!(status, 201, "{own}");
    let r = browser
        .get(s.url(own["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        format!(
            "https://example.com/offer?x=1&ref={}",
            own["code"].as_str().unwrap()
        )
        .as_str()
    );
    let (status, _) = post(
        &s,
        ANA,
        "/api/v1/growth/codes",
        json!({"target": "javascript:alert(1)"}),
    )
    .await;
    assert_eq!(status, 400);
    // Ben sees his own codes, never ana's.
    let (_, v) = get(&s, BEN, "/api/v1/growth/codes").await;
    assert!(!v.to_string().contains(&c), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_won_referral_records_exactly_one_deal_win() {
    let (db, s) = setup().await;
    let lead = add_lead(&s, ANA, "Maya Lopez").await;
    let id = lead["id"].as_str().unwrap().to_owned();
    let stage = format!("/api/v1/growth/leads/{id}/stage");
    for to in ["contacted", "qualified"] {
        let (status, v) = post(&s, ANA, &stage, json!({"to": to})).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["stage"], to);
    }
    // Partners do not mark a win; ben does not see ana's lead at all.
    let (status, _) = post(
        &s,
        ANA,
        &stage,
        json!({"to": "won", "value_minor": 500000, "currency": "USD"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(&s, BEN, &stage, json!({"to": "lost"})).await;
    assert_eq!(status, 404);
    // Staff mark it won (twice): one deal win, the second is a conflict.
    let won = json!({"to": "won", "value_minor": 500000, "currency": "USD"});
    let (status, v) = post(&s, STAFF, &stage, won.clone()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["deal_recorded"], true);
    let (status, v) = post(&s, STAFF, &stage, won).await;
    assert_eq!(status, 409, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("won"),
        "{v}"
    );
    let pool = pool(&db).await;
    let (deals,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM deals WHERE deal_id = $1")
        .bind(format!("referral-{id}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deals, 1);
    // Rewards from program.toml: one for qualified, one for won.
    let (rewards,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM growth_rewards WHERE lead_id = $1")
            .bind(id.parse::<i64>().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(rewards, 2);
    // A skipped stage is a conflict naming the current one.
    let other = add_lead(&s, ANA, "Sam Ortiz").await;
    let (status, v) = post(
        &s,
        STAFF,
        &format!(
            "/api/v1/growth/leads/{}/stage",
            other["id"].as_str().unwrap()
        ),
        json!({"to": "won", "value_minor": 1000, "currency": "USD"}),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("referred"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_growth_panel_is_real_for_a_partner_and_for_staff() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::MsgPack).await;
    let wanted = [
        (
            "growth-referrals",
            vec!["links", "figures", "board", "form", "activity"],
            vec!["figures", "table", "board", "form", "activity"],
        ),
        (
            "growth-landing-pages",
            vec!["form", "table", "activity"],
            vec!["table", "activity"],
        ),
        (
            "growth-campaigns",
            vec!["form", "activity"],
            vec!["form", "activity"],
        ),
    ];
    for (key, partner_blocks, staff_blocks) in wanted {
        let id = channel(&ready, key).id;
        let mine = panel(&mut ana, id).await;
        let types = block_types(&mine);
        for t in partner_blocks {
            assert!(types.iter().any(|x| x == t), "{t} in #{key}: {mine}");
        }
        let program = panel(&mut staff, id).await;
        let types = block_types(&program);
        for t in staff_blocks {
            assert!(
                types.iter().any(|x| x == t),
                "{t} in #{key} for staff: {program}"
            );
        }
        assert_ne!(mine["data"]["title"], program["data"]["title"], "#{key}");
    }
    // The partner's referral links carry their QR codes.
    let mine = panel(&mut ana, channel(&ready, "growth-referrals").id).await;
    let links = mine["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "links")
        .unwrap()
        .clone();
    let first = &links["items"][0];
    assert!(first["url"].as_str().unwrap().starts_with("/r/"), "{links}");
    assert!(
        first["qr_url"].as_str().unwrap().ends_with("/qr.svg"),
        "{links}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_moves_its_partner_s_panel_live_and_no_one_else_s() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let referrals = channel(&ready, "growth-referrals").id;
    let before = panel(&mut ana, referrals).await;
    panel(&mut ben, referrals).await;
    let clicks_before = figure(&before, "Clicks").as_i64().unwrap();
    let c = first_code(&s, ANA).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = visitor()
        .get(s.url(&format!("/r/{c}")))
        .header("x-forwarded-for", "192.0.2.44")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let after = next_update(&mut ana, referrals).await;
    assert_eq!(
        figure(&after, "Clicks").as_i64().unwrap(),
        clicks_before + 1
    );
    assert_no_event(
        &mut ben,
        "ben's referrals panel",
        |e| matches!(e, arena_protocol::Event::PanelUpdate(u) if u.channel_id == referrals),
    )
    .await;
    // The routes are in the OpenAPI document.
    let doc: serde_json::Value = s
        .http()
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/growth/leads",
        "/api/v1/growth/codes",
        "/api/v1/growth/leads/{id}/stage",
        "/api/v1/growth/campaign-steps/{run_id}/done",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }
}
