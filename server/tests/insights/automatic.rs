//! Automatic experiments: assignment on first exposure and conversions
//! from deal wins recorded through revenue.

use super::common::*;
use super::helpers::*;
use super::helpers::{get, post};
use arena_protocol::Encoding;
use arena_server::domains::insights::rules;
use serde_json::{json, Value};

/// An automatic experiment assigns a partner when they first see the
/// panel (the hash's variant, stored once), and a deal win recorded
/// through revenue (`Signal::DealWon`) is their one conversion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_experiments_assign_on_exposure_and_count_deal_wins_once() {
    let (_db, s) = setup().await;
    let (status, v) = post(
        &s,
        STAFF,
        "/api/v1/insights/experiments",
        json!({"name": "Win bonus banner", "metric": "deal_won", "assignment": "automatic", "variants": "Control:1, Banner:3"}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/insights/experiments/{id}");
    assert_eq!(
        post(&s, STAFF, &format!("{path}/start"), json!({})).await.0,
        200
    );

    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let exp = channel(&ready, "analytics-experiments").id;
    let ben_id = s.member("demo", BEN).await.1;
    let variants = rules::parse_variants("Control:1, Banner:3").unwrap();
    let expected = rules::assign(id.parse().unwrap(), ben_id, &variants)
        .unwrap()
        .name
        .clone();
    let p = panel(&mut ben, exp).await;
    assert!(
        p.to_string()
            .contains(&format!("Win bonus banner — your variant: {expected}")),
        "{p}"
    );
    let (_, v) = get(&s, STAFF, &path).await;
    let n: i64 = v["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["n"].as_i64().unwrap())
        .sum();
    assert_eq!(n, 1, "{v}");

    for deal_id in ["auto-1", "auto-2"] {
        let (status, d) = post(
            &s,
            STAFF,
            "/api/v1/revenue/deal-wins",
            json!({"partner_id": ben_id.to_string(), "client": "Acme", "amount_minor": 50_000, "currency": "USD", "deal_id": deal_id}),
        )
        .await;
        assert_eq!(status, 201, "{d}");
    }
    let mut conversions = Value::Null;
    for _ in 0..50 {
        let (_, v) = get(&s, STAFF, &path).await;
        let mine = v["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == expected.as_str())
            .unwrap()
            .clone();
        conversions = mine["conversions"].clone();
        if conversions == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(conversions, 1, "one conversion for two wins");
    let (_, log) = get(&s, BEN, "/api/v1/activity?domain=community-insights").await;
    let verbs: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert_eq!(
        verbs,
        ["experiment.converted", "experiment.joined"],
        "{log}"
    );
}
