//! The community-insights domain end to end (real Postgres, real sockets):
//! the daily snapshot is taken at a tenant's midnight (the scheduler's
//! sleep under paused tokio time, its step at the injected wake time),
//! staff take snapshots on demand and partners may not, the dashboard's
//! filters change the figures (and only the filtering viewer's panel),
//! experiment assignment is stable and results carry the z-test, starting
//! and concluding post once each in #experiments, and every insights panel
//! answers `panel.get` for a partner and for staff.

#![allow(clippy::unwrap_used)]

#[path = "insights/automatic.rs"]
mod automatic;
mod common;
#[path = "insights/fixtures.rs"]
mod fixtures;
#[path = "support/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "insights/panels.rs"]
mod panels;

use arena_protocol::{Encoding, ErrorCode};
use arena_server::domains::insights::clock::Clock;
use arena_server::domains::insights::rules::{self, Variant};
use arena_server::domains::insights::scheduler::{next_wake, Scheduler};
use common::*;
use fixtures::*;
use helpers::*;
use helpers::{get, post};
use serde_json::{json, Value};
use time::macros::datetime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_snapshot_is_taken_at_the_tenants_midnight() {
    let (db, s) = setup().await;
    let pg = pool(&db).await;
    let tenant = demo_tenant(&s).await;
    let (status, v) = put_json(
        &s,
        STAFF,
        "/api/v1/insights/settings",
        json!({"timezone": "Asia/Tokyo"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["timezone"], "Asia/Tokyo");
    let (status, _) = put_json(
        &s,
        STAFF,
        "/api/v1/insights/settings",
        json!({"timezone": "Mars/Olympus"}),
    )
    .await;
    assert_eq!(status, 400);
    // A win at noon in Tokyo on 10 March 2030 (03:00 UTC).
    let ana = s.member("demo", ANA).await.1;
    deal(
        &pg,
        tenant,
        ana,
        "tokyo-1",
        12_345,
        "2030-03-10 03:00:00+00",
    )
    .await;

    // The scheduler's sleep, under paused tokio time, from 23:59 in Tokyo:
    // it wakes exactly at Tokyo's midnight (the earliest across tenants).
    let zones: Vec<String> = s
        .state
        .store
        .fetch_tenant_timezones()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.1)
        .collect();
    let start = datetime!(2030-03-10 14:59 UTC);
    let woke = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async move {
            let clock = Clock::starting_at(start);
            tokio::time::sleep_until(clock.instant_at(next_wake(clock.now(), &zones))).await;
            clock.now()
        })
    })
    .join()
    .unwrap();
    assert_eq!(woke, datetime!(2030-03-10 15:00 UTC), "midnight in Tokyo");

    let sched = Scheduler {
        store: s.state.store.clone(),
        domains: s.state.domains.clone(),
        registry: s.state.registry.clone(),
    };
    let day = time::macros::date!(2030 - 03 - 10);
    // A minute before midnight the day is not over: no snapshot of it.
    let taken = sched.tick(datetime!(2030-03-10 14:59 UTC)).await;
    assert!(!taken.contains(&(tenant, day)), "{taken:?}");
    assert!(s
        .state
        .store
        .fetch_snapshot(tenant, day)
        .await
        .unwrap()
        .is_none());
    // At the wake time it is taken, by the job, with the day's win.
    let taken = sched.tick(woke).await;
    assert!(taken.contains(&(tenant, day)), "{taken:?}");
    let snap = s
        .state
        .store
        .fetch_snapshot(tenant, day)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snap.computed_by, None);
    assert_eq!(snap.computed_at, woke);
    assert_eq!(snap.kpis["deal_wins"], 1, "{}", snap.kpis);
    assert_eq!(
        snap.kpis["revenue"],
        json!([{"currency": "EUR", "amount_minor": 12_345}])
    );
    // Once per day: a later tick leaves it alone.
    let taken = sched.tick(datetime!(2030-03-10 15:30 UTC)).await;
    assert!(!taken.contains(&(tenant, day)), "{taken:?}");
    let again = s
        .state
        .store
        .fetch_snapshot(tenant, day)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.computed_at, woke);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_take_snapshots_on_demand_and_partners_may_not() {
    let (_db, s) = setup().await;
    let (status, e) = post(&s, ANA, "/api/v1/insights/snapshots", json!({})).await;
    assert_eq!(status, 403, "{e}");
    let (status, v) = post(&s, STAFF, "/api/v1/insights/snapshots", json!({})).await;
    assert_eq!(status, 201, "{v}");
    let staff_id = s.member("demo", STAFF).await.1;
    assert_eq!(v["computed_by"], staff_id.to_string());
    assert!(v["kpis"]["messages"].as_i64().unwrap() >= 0);

    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::MsgPack).await;
    let analytics = channel(&ready, "analytics").id;
    let e = action(&mut ana, analytics, "snapshot", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    let e = action(&mut ana, analytics, "share", json!({"share": true}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let before = panel(&mut staff, analytics).await;
    assert!(before.to_string().contains("Snapshot now"), "{before}");
    let r = action(&mut staff, analytics, "snapshot", json!({}))
        .await
        .unwrap();
    assert_eq!(r["snapshot"]["computed_by"], staff_id.to_string());
    let after = next_update(&mut staff, analytics).await;
    assert!(after.to_string().contains("taken on demand"), "{after}");
    // Partners cannot list snapshots until staff share program figures.
    assert_eq!(get(&s, ANA, "/api/v1/insights/snapshots").await.0, 403);
    let (status, list) = get(&s, STAFF, "/api/v1/insights/snapshots").await;
    assert_eq!(status, 200);
    // The seeded week plus today's.
    assert!(list["snapshots"].as_array().unwrap().len() >= 8, "{list}");
}

/// Issue 12 item 7: shared program figures never carry a hidden channel's
/// traffic. Messages in #executive-briefing (platinum partners and staff)
/// count in the staff snapshot and not in what partners see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_snapshots_leave_out_channels_not_every_partner_reads() {
    let (_db, s) = setup().await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let exec = channel(&ready, "executive-briefing").id;
    let analytics = channel(&ready, "analytics").id;
    let messages = |v: &Value| v["kpis"]["messages"].as_i64().unwrap();
    let (_, before) = post(&s, STAFF, "/api/v1/insights/snapshots", json!({})).await;
    for i in 0..3 {
        common::post(&mut staff, exec, &format!("board only {i}")).await;
    }
    let (status, after) = post(&s, STAFF, "/api/v1/insights/snapshots", json!({})).await;
    assert_eq!(status, 201, "{after}");
    assert_eq!(
        messages(&after) - messages(&before),
        3,
        "staff count every channel"
    );
    action(&mut staff, analytics, "share", json!({"share": true}))
        .await
        .unwrap();
    let (status, list) = get(&s, ANA, "/api/v1/insights/snapshots").await;
    assert_eq!(status, 200, "{list}");
    let today = &list["snapshots"][0];
    assert_eq!(today["day"], after["day"]);
    let (_, staff_list) = get(&s, STAFF, "/api/v1/insights/snapshots").await;
    assert_eq!(messages(&staff_list["snapshots"][0]), messages(&after));
    assert!(
        messages(today) <= messages(&after) - 3,
        "partners' figures leave #executive-briefing out: {today} vs {after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_filters_change_the_figures() {
    let (db, s) = setup().await;
    let pg = pool(&db).await;
    let tenant = demo_tenant(&s).await;
    // ana (gold) has an aquaculture client and two wins, ben (silver) a
    // zoology client and one, all in the first week of 2031.
    let (ana_id, ben_id) = (s.member("demo", ANA).await.1, s.member("demo", BEN).await.1);
    client(&pg, tenant, 9_000_001, ana_id, "Aquaculture").await;
    client(&pg, tenant, 9_000_002, ben_id, "Zoology").await;
    deal(&pg, tenant, ana_id, "f-1", 10_000, "2031-01-02 12:00:00+00").await;
    deal(&pg, tenant, ana_id, "f-2", 20_000, "2031-01-03 12:00:00+00").await;
    deal(&pg, tenant, ben_id, "f-3", 5_000, "2031-01-04 12:00:00+00").await;

    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut admin, _) = s.login_ws(ADMIN, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let dash = channel(&ready, "analytics-dashboard").id;
    let admin_before = panel(&mut admin, dash).await;
    panel(&mut staff, dash).await;
    let week = |extra: Value| {
        let mut p = json!({"timeframe": "custom", "from": "2031-01-01", "to": "2031-01-07", "industry": "", "tier": ""});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        p
    };
    let mut wins = Vec::new();
    for f in [
        json!({}),
        json!({"industry": "Aquaculture"}),
        json!({"industry": "zoology"}),
        json!({"tier": "gold"}),
        json!({"tier": "silver"}),
    ] {
        action(&mut staff, dash, "filter", week(f)).await.unwrap();
        let p = next_update(&mut staff, dash).await;
        wins.push((figure(&p, "Deal wins"), figure(&p, "Revenue")));
    }
    assert_eq!(wins[0].0, 3, "{wins:?}");
    assert_eq!(wins[1].0, 2);
    assert_eq!(wins[2].0, 1);
    assert_eq!(wins[3].0, 2);
    assert_eq!(wins[4].0, 1);
    assert!(wins[1].1.as_str().unwrap().contains("300"), "{wins:?}");
    // The same filter over REST.
    let (_, v) = get(
        &s,
        STAFF,
        "/api/v1/insights/kpis?timeframe=custom&from=2031-01-01&to=2031-01-07&industry=Aquaculture",
    )
    .await;
    assert_eq!(v["kpis"]["deal_wins"], 2, "{v}");
    assert_eq!(v["scope"], "program");
    let (status, _) = get(&s, STAFF, "/api/v1/insights/kpis?timeframe=12d").await;
    assert_eq!(status, 400);
    // Another staff member's dashboard did not move.
    assert_no_event(
        &mut admin,
        "admin's dashboard after staff filtered",
        |e| matches!(e, arena_protocol::Event::PanelUpdate(u) if u.channel_id == dash),
    )
    .await;
    assert_eq!(panel(&mut admin, dash).await["data"], admin_before["data"]);

    // ben sees his own figures until staff share the program's.
    action(&mut ben, dash, "filter", week(json!({})))
        .await
        .unwrap();
    let own = next_update(&mut ben, dash).await;
    assert_eq!(figure(&own, "Deal wins"), 1, "{own}");
    let (_, v) = get(
        &s,
        BEN,
        "/api/v1/insights/kpis?timeframe=custom&from=2031-01-01&to=2031-01-07",
    )
    .await;
    assert_eq!(
        (v["scope"].as_str(), v["kpis"]["deal_wins"].as_i64()),
        (Some("own"), Some(1))
    );
    action(&mut staff, dash, "share", json!({"share": true}))
        .await
        .unwrap();
    let shared = next_update(&mut ben, dash).await;
    assert_eq!(figure(&shared, "Deal wins"), 3, "{shared}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn experiments_assign_stably_count_conversions_and_post_once() {
    let (db, s) = setup().await;
    let pg = pool(&db).await;
    // The z-test the results use, against the hand-computed value.
    let (z, p) = rules::z_test(200, 1000, 250, 1000).unwrap();
    assert!(
        (z - 2.67740).abs() < 1e-4 && (p - 0.007420).abs() < 1e-5,
        "{z} {p}"
    );

    let (status, v) = post(&s, STAFF, "/api/v1/insights/experiments", json!({
        "name": "Feedback prompt", "metric": "message_posted", "channel": "feedback",
        "assignment": "opt_in", "variants": [{"name": "Control", "weight": 1}, {"name": "Prompt", "weight": 1}]})).await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["status"], "draft");
    let (status, _) = post(
        &s,
        ANA,
        "/api/v1/insights/experiments",
        json!({"name": "x", "metric": "deal_won", "variants": "A,B"}),
    )
    .await;
    assert_eq!(status, 403);

    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let exp = channel(&ready, "analytics-experiments").id;
    let feedback = channel(&ready, "feedback").id;
    // Not running yet: joining is a conflict naming the status.
    let e = action(&mut ana, exp, "join", json!({"experiment_id": id}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("draft"), "{e:?}");

    let path = format!("/api/v1/insights/experiments/{id}");
    let (status, v) = post(&s, STAFF, &format!("{path}/start"), json!({})).await;
    assert_eq!(status, 200, "{v}");
    let (status, e) = post(&s, STAFF, &format!("{path}/start"), json!({})).await;
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is running"),
        "{e}"
    );

    // ana's variant is the hash's, the same on every join.
    let ana_id = s.member("demo", ANA).await.1;
    let variants = vec![
        Variant {
            name: "Control".into(),
            weight: 1,
        },
        Variant {
            name: "Prompt".into(),
            weight: 1,
        },
    ];
    let expected = rules::assign(id.parse().unwrap(), ana_id, &variants)
        .unwrap()
        .name
        .clone();
    let a = action(&mut ana, exp, "join", json!({"experiment_id": id}))
        .await
        .unwrap();
    assert_eq!(a["assignment"]["variant"], expected.as_str());
    let (_, b) = post(&s, ANA, &format!("{path}/join"), json!({})).await;
    assert_eq!(b["variant"], expected.as_str());
    assert_eq!(b["assigned_at"], a["assignment"]["assigned_at"]);

    // ana posts in #feedback twice: one conversion for her variant.
    post_message(
        &mut ana,
        feedback,
        "The payout page could show the next date",
    )
    .await;
    post_message(&mut ana, feedback, "And one more thing").await;
    let mut converted = 0;
    for _ in 0..50 {
        let (_, v) = get(&s, STAFF, &path).await;
        converted = v["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["conversions"].as_i64().unwrap())
            .sum::<i64>();
        if converted > 0 {
            let mine = v["variants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == expected.as_str())
                .unwrap()
                .clone();
            assert_eq!(
                (mine["n"].as_i64(), mine["conversions"].as_i64()),
                (Some(1), Some(1)),
                "{v}"
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(converted, 1);

    // Conclude needs a stopped experiment and a variant as winner.
    let (status, _) = post(
        &s,
        STAFF,
        &format!("{path}/conclude"),
        json!({"winner": "Prompt"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        post(&s, STAFF, &format!("{path}/stop"), json!({})).await.0,
        200
    );
    assert_eq!(
        post(
            &s,
            STAFF,
            &format!("{path}/conclude"),
            json!({"winner": "Nope"})
        )
        .await
        .0,
        400
    );
    let (status, v) = post(
        &s,
        STAFF,
        &format!("{path}/conclude"),
        json!({"winner": "prompt"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["winner"], "Prompt");
    assert_eq!(
        post(
            &s,
            STAFF,
            &format!("{path}/conclude"),
            json!({"winner": "Prompt"})
        )
        .await
        .0,
        409
    );

    // #experiments got exactly one post for the start and one for the conclusion.
    let posts: Vec<String> = sqlx::query_scalar(
        "SELECT m.content FROM messages m JOIN channels c ON c.tenant_id = m.tenant_id AND c.id = m.channel_id
         WHERE c.key = 'experiments' AND m.content LIKE '%Feedback prompt%' ORDER BY m.id",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        posts[0].contains("started") && posts[1].contains("concluded"),
        "{posts:?}"
    );
}
