//! Campaigns: a due step emits exactly one `campaign.step_due` outbox row,
//! a later step waits, and the tool's callback marks the step done.

use super::common::*;
use super::helpers::*;
use super::helpers::{get, post};
use arena_protocol::Encoding;
use serde_json::{json, Value};
use std::time::Duration;

/// The `campaign.step_due` outbox rows of `lead` (the demo data has its own).
async fn step_due_rows(pool: &sqlx::PgPool, lead: &str) -> Vec<String> {
    sqlx::query_as::<_, (String,)>(
        "SELECT payload FROM webhook_outbox WHERE event_type = 'campaign.step_due'
         AND payload::jsonb #>> '{lead,id}' = $1 ORDER BY event_id",
    )
    .bind(lead)
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(p,)| p)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_campaign_step_emits_one_event_and_the_callback_marks_it_done() {
    let (db, s) = setup().await;
    let pool = pool(&db).await;
    // A mail tool subscribes to campaign.step_due (nothing listens there:
    // the outbox row is what counts here).
    let (status, v) = post(
        &s,
        ADMIN,
        "/api/v1/webhook-subscriptions",
        json!({"url": "http://127.0.0.1:9/hook", "event_types": ["campaign.step_due"]}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let (status, bot) = post(
        &s,
        ADMIN,
        "/api/v1/bots",
        json!({"name": "Mailer", "channels": [], "scopes": ["growth-hub"]}),
    )
    .await;
    assert_eq!(status, 201, "{bot}");
    let bot_token = bot["token"].as_str().unwrap().to_owned();

    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let panel_id = channel(&ready, "growth-campaigns").id;
    let c = action(
        &mut ana,
        panel_id,
        "create_campaign",
        json!({"name": "Spring follow-up"}),
    )
    .await
    .unwrap();
    let cid = c["campaign"]["id"].as_str().unwrap().to_owned();
    action(&mut ana, panel_id, "add_step", json!({"campaign_id": cid, "channel": "email", "day_offset": "0",
        "subject": "Hi {{lead.first_name}}", "template": "{{partner.name}} here: shall we talk about {{lead.company}}?"}))
        .await
        .unwrap();
    action(
        &mut ana,
        panel_id,
        "add_step",
        json!({"campaign_id": cid, "channel": "sms", "day_offset": 3,
        "template": "Still interested, {{lead.first_name}}?"}),
    )
    .await
    .unwrap();
    let e = action(
        &mut ana,
        panel_id,
        "add_step",
        json!({"campaign_id": cid, "channel": "sms", "day_offset": 1,
        "template": "{{lead.age}}"}),
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("lead.age"), "{e:?}");
    let lead = add_lead(&s, ANA, "Maya Lopez").await;
    let lead_id = lead["id"].as_str().unwrap().to_owned();
    // Ben may not enroll ana's lead, nor see her campaign.
    let (status, _) = post(
        &s,
        BEN,
        &format!("/api/v1/growth/campaigns/{cid}/enrollments"),
        json!({"lead_id": lead_id}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, v) = post(
        &s,
        ANA,
        &format!("/api/v1/growth/campaigns/{cid}/enrollments"),
        json!({"lead_id": lead_id}),
    )
    .await;
    assert_eq!(status, 204, "{v}");

    // The scheduler emits the day-0 step once; the day-3 step waits.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while step_due_rows(&pool, &lead_id).await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no campaign.step_due row"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Two more scheduler ticks (campaign_tick_s = 2): still exactly one row.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let rows = step_due_rows(&pool, &lead_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let data: Value = serde_json::from_str(&rows[0]).unwrap();
    assert_eq!(data["channel"], "email");
    assert_eq!(data["subject"], "Hi Maya");
    assert_eq!(
        data["text"],
        "Ana Ruiz here: shall we talk about Harbor Gym?"
            .replace("Ana Ruiz", data["partner"]["name"].as_str().unwrap())
    );
    assert_eq!(data["lead"]["email"], "lead@example.com");
    let run = data["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        data["callback"],
        format!("/api/v1/growth/campaign-steps/{run}/done")
    );

    // The callback: partners may not; the scoped bot marks it sent, twice alike.
    let done = format!("/api/v1/growth/campaign-steps/{run}/done");
    let (status, _) = post(&s, ANA, &done, json!({"status": "sent"})).await;
    assert_eq!(status, 403);
    for _ in 0..2 {
        let r = s
            .http()
            .post(s.url(&done))
            .bearer_auth(&bot_token)
            .json(&json!({"status": "sent", "detail": "msg-42"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], "sent");
    }
    let r = s
        .http()
        .post(s.url(&done))
        .bearer_auth(&bot_token)
        .json(&json!({"status": "failed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    // The panel shows the enrolled lead with the next step; unenrolling
    // cancels the pending one.
    let p = panel(&mut ana, panel_id).await.to_string();
    assert!(p.contains("Maya Lopez") && p.contains("step 2 due"), "{p}");
    let (status, v) = call(
        &s,
        reqwest::Method::DELETE,
        ANA,
        &format!("/api/v1/growth/campaigns/{cid}/enrollments/{lead_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["cancelled"], 1);
    // The referrals panel enrolls again (the cancelled enrollment is history).
    let referrals = channel(&ready, "growth-referrals").id;
    let p = panel(&mut ana, referrals).await.to_string();
    assert!(p.contains("enroll-lead"), "{p}");
    action(
        &mut ana,
        referrals,
        "enroll",
        json!({"campaign_id": cid, "lead_id": lead_id}),
    )
    .await
    .unwrap();
    let e = action(
        &mut ana,
        referrals,
        "enroll",
        json!({"campaign_id": cid, "lead_id": lead_id}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, arena_protocol::ErrorCode::Conflict);
    // A lost lead gets no more outreach: its pending steps are cancelled.
    let (status, v) = post(
        &s,
        ANA,
        &format!("/api/v1/growth/leads/{lead_id}/stage"),
        json!({"to": "lost"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (pending,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM growth_step_runs WHERE lead_id = $1 AND status = 'pending'",
    )
    .bind(lead_id.parse::<i64>().unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(pending, 0);
    // The emission is in ana's activity log.
    let (_, log) = get(&s, ANA, "/api/v1/activity?domain=growth-hub&limit=50").await;
    assert!(log.to_string().contains("campaign.step_emitted"), "{log}");
    let (_, leads) = get(&s, STAFF, "/api/v1/growth/leads").await;
    assert!(leads.to_string().contains("Maya Lopez"));
}
