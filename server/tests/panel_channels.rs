//! Issue 12 item 7: the insights figures a partner sees count only the
//! channels that partner may read. Messages posted in #executive-briefing
//! (staff only) count for staff, never on a partner's dashboard or in the
//! partner's `/api/v1/insights/kpis`, even when staff share program figures.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "support/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use arena_protocol::Encoding;
use common::*;
use helpers::get;
use helpers::*;
use serde_json::{json, Value};

/// Writes a message straight into `channel` (by key) at `at`, by `author`.
async fn message(pg: &sqlx::PgPool, tenant: i64, id: i64, channel: &str, author: i64, at: &str) {
    let r = sqlx::query(
        "INSERT INTO messages (tenant_id, id, channel_id, author_id, content, channel_seq, created_at)
         SELECT $1, $2, c.id, $4, 'figures', 1000000 + $2 % 1000000, $5::timestamptz
           FROM channels c WHERE c.tenant_id = $1 AND c.key = $3",
    )
    .bind(tenant)
    .bind(id)
    .bind(channel)
    .bind(author)
    .bind(at)
    .execute(pg)
    .await
    .unwrap();
    assert_eq!(r.rows_affected(), 1, "no channel {channel}");
}

const WEEK: &str = "/api/v1/insights/kpis?timeframe=custom&from=2031-01-01&to=2031-01-07";

async fn rest_messages(s: &TestServer, email: &str) -> (String, i64) {
    let (_, v) = get(s, email, WEEK).await;
    (
        v["scope"].as_str().unwrap().to_owned(),
        v["kpis"]["messages"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_only_channels_do_not_count_on_a_partners_figures() {
    let (db, s) = setup().await;
    let pg = sqlx::PgPool::connect(&db.url).await.unwrap();
    let (tenant, staff_id, _, _) = s.member("demo", STAFF).await;
    let ben_id = s.member("demo", BEN).await.1;
    // Two in #executive-briefing (staff only), one in #general-chat, in the first week of 2031.
    message(
        &pg,
        tenant,
        9_100_001,
        "executive-briefing",
        staff_id,
        "2031-01-02 12:00:00+00",
    )
    .await;
    message(
        &pg,
        tenant,
        9_100_002,
        "executive-briefing",
        staff_id,
        "2031-01-03 12:00:00+00",
    )
    .await;
    message(
        &pg,
        tenant,
        9_100_003,
        "general-chat",
        ben_id,
        "2031-01-04 12:00:00+00",
    )
    .await;

    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let dash = channel(&ready, "analytics-dashboard").id;
    panel(&mut ben, dash).await;
    action(&mut staff, dash, "share", json!({"share": true}))
        .await
        .unwrap();
    next_update(&mut ben, dash).await;

    assert_eq!(rest_messages(&s, STAFF).await, ("program".into(), 3));
    // ben sees the program's figures now, but not the staff-only channel's traffic.
    assert_eq!(rest_messages(&s, BEN).await, ("program".into(), 1));

    let week = json!({"timeframe": "custom", "from": "2031-01-01", "to": "2031-01-07", "industry": "", "tier": ""});
    action(&mut ben, dash, "filter", week.clone())
        .await
        .unwrap();
    let p: Value = next_update(&mut ben, dash).await;
    assert_eq!(figure(&p, "Messages"), 1, "{p}");
    action(&mut staff, dash, "filter", week).await.unwrap();
    let p: Value = next_update(&mut staff, dash).await;
    assert_eq!(figure(&p, "Messages"), 3, "{p}");
}
