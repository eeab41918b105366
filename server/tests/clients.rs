//! The client-exchange domain end to end (real Postgres, real sockets):
//! rosters per partner, notes private to their author, staff assignment with
//! a notice in #clients, the pipeline's enforced moves, won opportunities
//! recorded once as deal wins, and every panel for a partner and for staff.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::{Encoding, ErrorCode, Event, Snowflake};
use common::*;
use serde_json::{json, Value};

const ROSTER: &str = "clients-roster";
const OPPORTUNITIES: &str = "clients-opportunities";
const INDUSTRIES: &str = "clients-industries";

async fn panel(c: &mut GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

/// The next PANEL_UPDATE of `channel` (other dispatches skipped).
async fn update(c: &mut GatewayClient, channel: Snowflake) -> Value {
    match c
        .wait_for(
            WAIT,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == channel),
        )
        .await
    {
        Ok((_, Event::PanelUpdate(u))) => serde_json::to_value(u.panel).unwrap(),
        other => panic!("expected PANEL_UPDATE, got {other:?}"),
    }
}

/// A REST call as `email`: (status, body).
async fn call(
    s: &TestServer,
    email: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let token = s.demo_token(email).await;
    let url = s.url(path);
    let req = match method {
        "GET" => s.http().get(url),
        "PATCH" => s.http().patch(url),
        _ => s.http().post(url),
    }
    .bearer_auth(token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// ana's new client over REST; its id.
async fn anas_client(s: &TestServer, name: &str) -> String {
    let (status, c) = call(s, ANA, "POST", "/api/v1/clients",
        Some(json!({"name": name, "industry": "Retail", "value_minor": 1_234_500, "currency": "USD"}))).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ana_adds_a_client_and_only_her_roster_and_the_programs_move() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::MsgPack).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let roster = channel(&ready, ROSTER).id;
    let before = panel(&mut ana, roster).await;
    let ben_before = panel(&mut ben, roster).await;
    panel(&mut staff, roster).await;
    assert!(
        before.to_string().contains("Harbor Gym"),
        "ana's demo client: {before}"
    );
    assert!(
        !ben_before.to_string().contains("Harbor Gym"),
        "not ben's: {ben_before}"
    );

    let ok = ana
        .request("panel.action", json!({"channel_id": roster, "action": "add_client",
            "params": {"name": "Pier Bakery", "industry": "Hospitality", "value_minor": 50_000, "currency": "", "next_step": "Tasting on Friday"}}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok["client"]["name"], "Pier Bakery");
    let after = update(&mut ana, roster).await;
    assert!(after.to_string().contains("Pier Bakery"), "{after}");
    assert!(after["version"].as_u64() > before["version"].as_u64());
    let program = update(&mut staff, roster).await;
    assert!(program.to_string().contains("Pier Bakery"), "{program}");
    assert_no_event(
        &mut ben,
        "ben's roster",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == roster),
    )
    .await;
    let ben_now = panel(&mut ben, roster).await;
    assert_eq!(
        ben_now["data"], ben_before["data"],
        "ben's roster did not change"
    );

    // The change is in ana's activity log.
    let (status, log) = call(
        &s,
        ANA,
        "GET",
        "/api/v1/activity?domain=client-exchange",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(log["entries"][0]["verb"], "client.created", "{log}");
    // Bad params are named.
    let e = ana
        .request("panel.action", json!({"channel_id": roster, "action": "add_client", "params": {"name": "X", "industry": "Y", "status": "gone"}}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    assert!(e.message.contains("status"), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ben_can_neither_read_nor_annotate_anas_client_and_notes_stay_with_their_author() {
    let (_db, s) = setup().await;
    let id = anas_client(&s, "Quartz Optics").await;
    let path = format!("/api/v1/clients/{id}");
    let notes = format!("{path}/notes");
    assert_eq!(call(&s, BEN, "GET", &path, None).await.0, 404);
    assert_eq!(
        call(&s, BEN, "POST", &notes, Some(json!({"body": "mine now"})))
            .await
            .0,
        404
    );
    assert_eq!(
        call(&s, BEN, "PATCH", &path, Some(json!({"status": "churned"})))
            .await
            .0,
        404
    );
    let (_, list) = call(&s, BEN, "GET", "/api/v1/clients", None).await;
    assert!(!list.to_string().contains("Quartz Optics"), "{list}");
    let (mut ben, ready) = s.login_ws(BEN, Encoding::Json).await;
    let e = ben
        .request("panel.action", json!({"channel_id": channel(&ready, ROSTER).id, "action": "add_note", "params": {"client_id": id, "body": "hi"}}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");

    // ana's note is hers alone: staff see the client, not her note.
    let (status, n) = call(
        &s,
        ANA,
        "POST",
        &notes,
        Some(json!({"body": "Owner prefers calls\nafter 4pm"})),
    )
    .await;
    assert_eq!(status, 201, "{n}");
    let (_, mine) = call(&s, ANA, "GET", &path, None).await;
    assert_eq!(mine["notes"].as_array().unwrap().len(), 1, "{mine}");
    let (status, theirs) = call(&s, STAFF, "GET", &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(theirs["notes"].as_array().unwrap().len(), 0, "{theirs}");

    // Staff assign it to ben: he gets a notice in #clients without its value.
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    assert_eq!(
        call(
            &s,
            BEN,
            "POST",
            &format!("{path}/assign"),
            Some(json!({"partner_id": ben_id.to_string()}))
        )
        .await
        .0,
        403
    );
    let (status, c) = call(
        &s,
        STAFF,
        "POST",
        &format!("{path}/assign"),
        Some(json!({"partner_id": ben_id.to_string()})),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    let m = match ben.wait_for(WAIT, |e| matches!(e, Event::MessageCreate(m) if m.channel_id == channel(&ready, "clients").id)).await {
        Ok((_, Event::MessageCreate(m))) => *m,
        other => panic!("expected the notice, got {other:?}"),
    };
    assert_eq!(m.card.as_ref().unwrap().kind, "client_assigned");
    assert!(m.content.contains("Ben"), "{}", m.content);
    assert!(m.content.contains("#clients-roster"), "{}", m.content);
    let text = serde_json::to_string(&m).unwrap();
    assert!(
        !text.contains("12,345") && !text.contains("1234500"),
        "the value stays private: {text}"
    );
    assert_eq!(call(&s, BEN, "GET", &path, None).await.0, 200);
    assert_eq!(call(&s, ANA, "GET", &path, None).await.0, 404);
    // A partner cannot post the card type.
    let e = ben
        .request(
            "message.create",
            json!({"channel_id": channel(&ready, "clients").id, "content": "x",
            "card": {"type": "client_assigned", "data": {}}}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
}

async fn stage(s: &TestServer, who: &str, id: &str, to: &str) -> (u16, Value) {
    call(
        s,
        who,
        "POST",
        &format!("/api/v1/opportunities/{id}/stage"),
        Some(json!({"to": to})),
    )
    .await
}

async fn opportunity(s: &TestServer, client: &str, title: &str) -> String {
    let (status, o) = call(s, ANA, "POST", "/api/v1/opportunities",
        Some(json!({"client_id": client, "title": title, "amount_minor": 800_000, "currency": "USD"}))).await;
    assert_eq!(status, 201, "{o}");
    assert_eq!(o["stage"], "prospect");
    o["id"].as_str().unwrap().to_owned()
}

async fn count(db: &TestDb, sql: &str, deal: &str) -> i64 {
    let mut pg = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::query_scalar(sql)
        .bind(deal)
        .fetch_one(&mut pg)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn illegal_moves_conflict_and_won_records_one_deal_win() {
    let (db, s) = setup().await;
    let client = anas_client(&s, "Summit Outdoor").await;
    let id = opportunity(&s, &client, "Spring catalogue").await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let board = channel(&ready, OPPORTUNITIES).id;
    let deal_wins = channel(&ready, "deal-wins").id;
    let commissions = channel(&ready, "commissions").id;
    let before = panel(&mut ana, commissions).await;

    // Skipping ahead is refused naming the current stage.
    let (status, e) = stage(&s, ANA, &id, "won").await;
    assert_eq!(status, 409, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("prospect"),
        "{e}"
    );
    // ben cannot move it at all.
    assert_eq!(stage(&s, BEN, &id, "qualified").await.0, 404);
    // Through the board, one step at a time.
    for to in ["qualified", "proposal", "negotiation"] {
        let r = ana
            .request(
                "panel.action",
                json!({"channel_id": board, "action": "move", "params": {"id": id, "to": to}}),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r["opportunity"]["stage"], to);
    }
    let e = ana
        .request(
            "panel.action",
            json!({"channel_id": board, "action": "move", "params": {"id": id, "to": "prospect"}}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("negotiation"), "{e:?}");

    // ana (a partner) wins it: one deal win, posted in #deal-wins, her commission.
    let (status, o) = stage(&s, ANA, &id, "won").await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["deal_recorded"], true);
    let deal = format!("opportunity:{id}");
    let m = match ana
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MessageCreate(m) if m.channel_id == deal_wins),
        )
        .await
    {
        Ok((_, Event::MessageCreate(m))) => *m,
        other => panic!("expected the deal-win card, got {other:?}"),
    };
    assert_eq!(m.card.as_ref().unwrap().data["deal_id"], deal.as_str());
    let after = panel(&mut ana, commissions).await;
    assert_ne!(after["data"], before["data"], "ana's commissions moved");
    // Won again: refused (won is final), still one deal and one card.
    let (status, e) = stage(&s, ANA, &id, "won").await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM deals WHERE deal_id = $1", &deal).await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM commission_ledger WHERE deal_id = $1",
            &deal
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM messages WHERE card->'data'->>'deal_id' = $1",
            &deal
        )
        .await,
        1
    );

    // Two wins at once (ana and staff): one applies, one deal.
    let id2 = opportunity(&s, &client, "Autumn catalogue").await;
    for to in ["qualified", "proposal", "negotiation"] {
        assert_eq!(stage(&s, ANA, &id2, to).await.0, 200);
    }
    let (a, b) = tokio::join!(stage(&s, ANA, &id2, "won"), stage(&s, STAFF, &id2, "won"));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let deal2 = format!("opportunity:{id2}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM deals WHERE deal_id = $1", &deal2).await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM messages WHERE card->'data'->>'deal_id' = $1",
            &deal2
        )
        .await,
        1
    );
    // The moves are in ana's activity log.
    let (_, log) = call(
        &s,
        ANA,
        "GET",
        "/api/v1/activity?domain=client-exchange&limit=200",
        None,
    )
    .await;
    let verbs: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["verb"].as_str())
        .collect();
    assert_eq!(
        verbs.iter().filter(|v| **v == "opportunity.won").count(),
        2,
        "{verbs:?}"
    );
    assert!(
        verbs.contains(&"opportunity.moved") && verbs.contains(&"opportunity.created"),
        "{verbs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_exchange_panel_answers_for_a_partner_and_for_staff() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    for (key, block, partner_title, staff_title) in [
        (ROSTER, "table", "Your clients", "Program clients"),
        (OPPORTUNITIES, "board", "Your pipeline", "Program pipeline"),
        (INDUSTRIES, "table", "Your industries", "Program industries"),
    ] {
        let id = channel(&ready, key).id;
        for (c, title) in [(&mut ana, partner_title), (&mut staff, staff_title)] {
            let p = panel(c, id).await;
            assert_eq!(p["data"]["title"], title, "{key}: {p}");
            let blocks = p["data"]["blocks"].as_array().unwrap();
            assert!(blocks.iter().any(|b| b["type"] == block), "{key}: {p}");
        }
    }
    // The program's pipeline has ben's demo opportunities; ana's has none of them.
    let board = channel(&ready, OPPORTUNITIES).id;
    assert!(panel(&mut staff, board)
        .await
        .to_string()
        .contains("Agent seats expansion"));
    assert!(!panel(&mut ana, board)
        .await
        .to_string()
        .contains("Agent seats expansion"));
    // Staff recommend an industry; partners may not.
    let industries = channel(&ready, INDUSTRIES).id;
    let e = ana
        .request("panel.action", json!({"channel_id": industries, "action": "recommend", "params": {"industry": "Dental", "note": "x"}}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let (status, _) = call(&s, STAFF, "POST", "/api/v1/industries/recommendations",
        Some(json!({"industry": "Veterinary", "note": "Clinics are buying booking tools this quarter."}))).await;
    assert_eq!(status, 201);
    let p = update(&mut ana, industries).await;
    assert!(p.to_string().contains("Veterinary"), "{p}");
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
        "/api/v1/clients",
        "/api/v1/clients/{id}",
        "/api/v1/clients/{id}/assign",
        "/api/v1/clients/{id}/notes",
        "/api/v1/opportunities",
        "/api/v1/opportunities/{id}/stage",
        "/api/v1/industries/recommendations",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} not in the OpenAPI document"
        );
    }
}
