//! The revenue domain end to end: bots with scoped tokens record deal wins
//! over REST, the server posts the card, the ledger records the commission,
//! and panels move live for the partner concerned only.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::{Encoding, ErrorCode, Event, Snowflake};
use common::*;
use serde_json::{json, Value};

/// Creates a bot as the admin; returns its token.
async fn bot(s: &TestServer, channels: &[&str], scopes: &[&str]) -> String {
    let admin = s.demo_token(ADMIN).await;
    let r = s
        .http()
        .post(s.url("/api/v1/bots"))
        .bearer_auth(&admin)
        .json(&json!({"name": "deal-bot", "channels": channels, "scopes": scopes}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

async fn win(s: &TestServer, auth: &str, body: &Value) -> (u16, Value) {
    let r = s
        .http()
        .post(s.url("/api/v1/revenue/deal-wins"))
        .header("authorization", auth)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn staff_post(s: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    let staff = s.demo_token(STAFF).await;
    let r = s
        .http()
        .post(s.url(path))
        .bearer_auth(&staff)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn deal(partner: i64, deal_id: &str, amount_minor: i64) -> Value {
    json!({"partner_id": partner.to_string(), "client": "Harbor Gym", "amount_minor": amount_minor,
           "currency": "USD", "deal_id": deal_id})
}

/// The panel of `key` as this client sees it.
async fn panel(c: &mut arena_protocol::client::GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

/// The figure `label` of a panel's first figures block.
fn figure(panel: &Value, label: &str) -> String {
    panel["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["label"] == label)
        .map(|i| i["value"].to_string())
        .unwrap_or_else(|| panic!("no figure {label} in {panel}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bots_deal_win_moves_only_that_partners_panels() {
    let (_db, s) = setup().await;
    let token = bot(&s, &["deal-wins", "system-status"], &["revenue"]).await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let commissions = channel(&ready, "commissions").id;
    let deal_wins = channel(&ready, "deal-wins").id;
    let before = panel(&mut ana, commissions).await;
    let ben_before = panel(&mut ben, commissions).await;
    assert_eq!(before["data"]["title"], "Your commissions");

    // Bot auth as Discord libraries send it.
    let (status, body) = win(
        &s,
        &format!("Bot {token}"),
        &deal(ana_id, "crm-1", 1_000_000),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["commission"]["status"], "pending");
    // ana is gold: 15 % of 10,000.00 USD.
    assert_eq!(body["commission"]["amount_minor"], 150_000);
    assert!(body["message_id"].is_string());

    // The card reaches #deal-wins, posted by the server as the bot, and ana's
    // own commissions move live (in whichever order they arrive).
    let (mut card, mut after) = (None, None);
    while card.is_none() || after.is_none() {
        match ana.next_event(WAIT).await.unwrap() {
            // Only #deal-wins: other domains may post about the win too.
            (_, Event::MessageCreate(m)) if m.channel_id == deal_wins => card = Some(*m),
            (_, Event::PanelUpdate(u)) if u.channel_id == commissions => {
                after = Some(serde_json::to_value(u.panel).unwrap())
            }
            _ => {}
        }
    }
    let (m, after) = (card.unwrap(), after.unwrap());
    assert_eq!(m.channel_id, deal_wins);
    assert_eq!(m.card.as_ref().unwrap().kind, "deal_win");
    assert_ne!(figure(&after, "Pending"), figure(&before, "Pending"));
    assert!(after["version"].as_u64() > before["version"].as_u64());
    assert_no_event(
        &mut ben,
        "ben's commissions",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == commissions),
    )
    .await;
    let ben_now = panel(&mut ben, commissions).await;
    assert_eq!(
        ben_now["data"], ben_before["data"],
        "ben sees none of ana's figures"
    );

    // The same body again: 200, the first result, nothing posted.
    let (status, again) = win(
        &s,
        &format!("Bearer {token}"),
        &deal(ana_id, "crm-1", 1_000_000),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["commission"]["seq"], body["commission"]["seq"]);
    assert_eq!(again["message_id"], body["message_id"]);
    // (Other domains may post about the first win meanwhile, e.g. a badge in #spotlight.)
    assert_no_event(
        &mut ana,
        "a second card",
        |e| matches!(e, Event::MessageCreate(m) if m.channel_id == deal_wins),
    )
    .await;
    // Another body under the same deal_id: 409.
    let (status, e) = win(
        &s,
        &format!("Bearer {token}"),
        &deal(ana_id, "crm-1", 2_000_000),
    )
    .await;
    assert_eq!(status, 409, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_wins_and_bots_outside_their_scope_are_refused() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    // A partner may not post a deal_win card, over the gateway or REST.
    let e = ana
        .request(
            "message.create",
            json!({"channel_id": channel(&ready, "deal-wins").id, "content": "I won!",
                   "card": {"type": "deal_win", "data": {"partner_name": "Ana Ortiz", "amount_minor": 99_999_999_999i64, "currency": "USD"}}}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    // ... nor call the deal-win API.
    let ana_token = s.demo_token(ANA).await;
    let (status, _) = win(
        &s,
        &format!("Bearer {ana_token}"),
        &deal(ana_id, "forged", 100),
    )
    .await;
    assert_eq!(status, 403);
    // A bot without the revenue scope: 403, nothing recorded.
    let alerts = bot(&s, &["system-status"], &[]).await;
    let (status, _) = win(&s, &format!("Bearer {alerts}"), &deal(ana_id, "crm-2", 100)).await;
    assert_eq!(status, 403);
    // Bad input names the field.
    let token = bot(&s, &["deal-wins"], &["revenue"]).await;
    let (status, e) = win(
        &s,
        &format!("Bearer {token}"),
        &json!({"partner_id": ana_id.to_string(),
        "client": "X", "amount_minor": -5, "currency": "USD", "deal_id": "neg"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("amount_minor"),
        "{e}"
    );
    // A revoked token stops working at once.
    let admin = s.demo_token(ADMIN).await;
    let list: Value = s
        .http()
        .get(s.url("/api/v1/bots"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["tokens"][0]["token_id"].as_str().unwrap().to_owned();
    let r = s
        .http()
        .delete(s.url(&format!("/api/v1/bots/tokens/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, _) = win(&s, &format!("Bearer {token}"), &deal(ana_id, "crm-3", 100)).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_pay_reverse_and_a_tampered_ledger_is_found() {
    let (db, s) = setup().await;
    let token = bot(&s, &["deal-wins"], &["revenue"]).await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let auth = format!("Bearer {token}");
    assert_eq!(win(&s, &auth, &deal(ben_id, "d-1", 50_000)).await.0, 201);
    assert_eq!(win(&s, &auth, &deal(ben_id, "d-2", 70_000)).await.0, 201);

    // Paying a pending commission is refused: approve first.
    let (status, _) = staff_post(
        &s,
        "/api/v1/revenue/payouts",
        &json!({"deal_ids": ["d-1"], "reference": "PO-1"}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, v) = staff_post(
        &s,
        "/api/v1/revenue/commissions/approve",
        &json!({"deal_ids": ["d-1", "d-2"]}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = staff_post(
        &s,
        "/api/v1/revenue/payouts",
        &json!({"deal_ids": ["d-1"], "reference": "PO-1"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["entries"][0]["status"], "paid");
    let (status, v) = staff_post(
        &s,
        "/api/v1/revenue/deals/d-2/reverse",
        &json!({"reason": "chargeback"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "reversed");
    let (status, _) = staff_post(
        &s,
        "/api/v1/revenue/deals/d-2/reverse",
        &json!({"reason": "again"}),
    )
    .await;
    assert_eq!(status, 409);
    // A partner may not approve.
    let ben = s.demo_token(BEN).await;
    let r = s
        .http()
        .post(s.url("/api/v1/revenue/commissions/approve"))
        .bearer_auth(&ben)
        .json(&json!({"deal_ids": ["d-1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // ben's payouts panel shows the payout.
    let (mut c, ready) = s.login_ws(BEN, Encoding::Json).await;
    let p = panel(&mut c, channel(&ready, "revenue-payouts").id).await;
    assert!(p.to_string().contains("PO-1"), "{p}");

    // The chain verifies; an entry altered behind the server's back is found.
    let staff = s.demo_token(STAFF).await;
    let verify = || async {
        s.http()
            .get(s.url("/api/v1/revenue/ledger/verify"))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let v = verify().await;
    assert_eq!(v["ok"], true, "{v}");
    let mut pg = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE commission_ledger DISABLE TRIGGER commission_ledger_append_only")
        .execute(&mut pg)
        .await
        .unwrap();
    let seq: i64 =
        sqlx::query_scalar("SELECT min(seq) FROM commission_ledger WHERE deal_id = 'd-1'")
            .fetch_one(&mut pg)
            .await
            .unwrap();
    sqlx::query("UPDATE commission_ledger SET amount_minor = amount_minor * 10 WHERE deal_id = 'd-1' AND seq = $1")
        .bind(seq).execute(&mut pg).await.unwrap();
    let v = verify().await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["first_broken"], seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goals_show_the_program_and_only_ones_own_target() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let goals = channel(&ready, "goals").id;
    let before = panel(&mut ana, goals).await;
    assert!(before.to_string().contains("No goals set"), "{before}");
    panel(&mut ben, goals).await;

    let staff = s.demo_token(STAFF).await;
    let put = |body: Value| {
        let staff = staff.clone();
        let s = &s;
        async move {
            s.http()
                .put(s.url("/api/v1/revenue/goals"))
                .bearer_auth(&staff)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        put(json!({"partner_id": ana_id.to_string(), "target_minor": 5_000_000})).await,
        204
    );
    // ana's view moves; ben's does not (no program goal yet, not his goal).
    let after = match ana
        .wait_for(
            WAIT,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == goals),
        )
        .await
    {
        Ok((_, Event::PanelUpdate(u))) => serde_json::to_value(u.panel).unwrap(),
        other => panic!("expected PANEL_UPDATE, got {other:?}"),
    };
    assert!(after.to_string().contains("You: "), "{after}");
    assert_no_event(
        &mut ben,
        "ben's goals",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == goals),
    )
    .await;
    let ben_view = panel(&mut ben, goals).await;
    assert!(!ben_view.to_string().contains("You: "), "{ben_view}");
    // A program goal is shown to everyone.
    assert_eq!(put(json!({"target_minor": 50_000_000})).await, 204);
    let ben_view = match ben
        .wait_for(
            WAIT,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == goals),
        )
        .await
    {
        Ok((_, Event::PanelUpdate(u))) => serde_json::to_value(u.panel).unwrap(),
        other => panic!("expected PANEL_UPDATE, got {other:?}"),
    };
    assert!(ben_view.to_string().contains("Program: "), "{ben_view}");
    // Bad input and partners are refused.
    assert_eq!(put(json!({"target_minor": 0})).await, 400);
    assert_eq!(
        put(json!({"month": "2026-13", "target_minor": 5})).await,
        400
    );
    let r = s
        .http()
        .put(s.url("/api/v1/revenue/goals"))
        .bearer_auth(s.demo_token(ANA).await)
        .json(&json!({"target_minor": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_act_on_ledger_panels_through_panel_action() {
    let (_db, s) = setup().await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let token = bot(&s, &["deal-wins"], &["revenue"]).await;
    assert_eq!(
        win(
            &s,
            &format!("Bearer {token}"),
            &deal(ben_id, "pa-1", 40_000)
        )
        .await
        .0,
        201
    );
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let overview = channel(&ready, "revenue-overview").id;
    let action = |action: &str, params: Value| json!({"channel_id": overview, "action": action, "params": params});
    let ok = staff
        .request(
            "panel.action",
            action("approve", json!({"deal_ids": ["pa-1"]})),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok["entries"][0]["status"], "approved");
    // Partners may not; unknown actions and bad params are named.
    let e = ben
        .request(
            "panel.action",
            action("payout", json!({"deal_ids": ["pa-1"], "reference": "x"})),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    let e = staff
        .request("panel.action", action("explode", json!({})))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    let e = staff
        .request("panel.action", action("approve", json!({"deal": 1})))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    // Approving twice: conflict with the current state.
    let e = staff
        .request(
            "panel.action",
            action("approve", json!({"deal_ids": ["pa-1"]})),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    assert!(e.message.contains("approved"), "{e:?}");
}
