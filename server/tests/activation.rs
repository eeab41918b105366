//! The activation domain end to end (real Postgres, real sockets): the
//! checklist moves only for the partner concerned (and staff), facts tick
//! items live (a Stripe payout account, a post in #introductions), the
//! application's state machine with its conflicts, documents that
//! reference uploads, the welcome posted once across reconnects and
//! restarts, and both panel kinds for partners and staff.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::client::GatewayClient;
use arena_protocol::{Encoding, ErrorBody, ErrorCode, Event, Snowflake};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

async fn panel(c: &mut GatewayClient, channel: Snowflake) -> Value {
    c.request("panel.get", json!({"channel_id": channel}))
        .await
        .unwrap()
        .unwrap()["panel"]
        .clone()
}

async fn act(
    c: &mut GatewayClient,
    channel: Snowflake,
    action: &str,
    params: Value,
) -> Result<Value, ErrorBody> {
    c.request(
        "panel.action",
        json!({"channel_id": channel, "action": action, "params": params}),
    )
    .await
    .unwrap()
}

/// The next PANEL_UPDATE of `channel` whose data satisfies `pred`.
async fn update_where(
    c: &mut GatewayClient,
    channel: Snowflake,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        match c.next_event(WAIT).await.unwrap() {
            (_, Event::PanelUpdate(u)) if u.channel_id == channel => {
                let p = serde_json::to_value(u.panel).unwrap();
                if pred(&p) {
                    return p;
                }
            }
            _ => {}
        }
    }
}

/// The block of `kind` in a panel.
fn block<'a>(panel: &'a Value, kind: &str) -> &'a Value {
    panel["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} block in {panel}"))
}

/// Is checklist item `key` done in a partner's checklist panel?
fn item_done(panel: &Value, key: &str) -> bool {
    block(panel, "checklist")["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == key)
        .unwrap_or_else(|| panic!("no item {key} in {panel}"))["done"]
        .as_bool()
        .unwrap()
}

/// The row of the progress table naming `name`.
fn row_of<'a>(panel: &'a Value, name: &str) -> &'a Value {
    block(panel, "table")["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row {name} in {panel}"))
}

async fn rest(s: &TestServer, email: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let token = s.demo_token(email).await;
    let mut r = match method {
        "GET" => s.http().get(s.url(path)),
        "PUT" => s.http().put(s.url(path)),
        _ => s.http().post(s.url(path)),
    }
    .bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

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

    let answer = act(&mut ana, starter, "tick", json!({"key": "profile", "done": true}))
        .await
        .unwrap();
    assert_eq!(answer["items"][0]["key"], "profile");
    assert_eq!(answer["items"][0]["done"], true);
    let after = update_where(&mut ana, starter, |p| item_done(p, "profile")).await;
    assert!(after["version"].as_u64() > before["version"].as_u64());
    let seen = update_where(&mut staff, starter, |p| row_of(p, "Ana Ortiz")[1] == "1/7").await;
    assert_eq!(row_of(&seen, "Ben Carter")[1], "0/7");
    assert_no_event(&mut ben, "ben's checklist", |e| matches!(e, Event::PanelUpdate(_))).await;
    assert_eq!(panel(&mut ben, starter).await["data"], ben_before["data"]);

    // The activity log has the tick, for ana and staff.
    let (status, log) = rest(&s, ANA, "GET", "/api/v1/activity?domain=activation", None).await;
    assert_eq!(status, 200);
    assert_eq!(log["entries"][0]["verb"], "checklist.ticked");
    // Items that tick themselves, unknown items, and staff are refused.
    let e = act(&mut ana, starter, "tick", json!({"key": "payout", "done": true})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(&mut ana, starter, "tick", json!({"key": "moon", "done": true})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(&mut ana, starter, "tick", json!({"key": "profile"})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(&mut staff, starter, "tick", json!({"key": "profile", "done": true})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");

    // Staff reach ana's checklist (REST and the table's button); ben does not.
    let path = format!("/api/v1/onboarding/{ana_id}");
    let (status, v) = rest(&s, STAFF, "GET", &path, None).await;
    assert_eq!((status, v["progress"]["done"].clone()), (200, json!(1)), "{v}");
    let (status, _) = rest(&s, BEN, "GET", &path, None).await;
    assert_eq!(status, 404);
    let v = act(&mut staff, starter, "view", json!({"partner_id": ana_id.to_string()})).await.unwrap();
    assert_eq!(v["progress"]["display_name"], "Ana Ortiz");
    let (status, program) = rest(&s, STAFF, "GET", "/api/v1/onboarding", None).await;
    assert_eq!(status, 200);
    assert!(program["partners"].as_array().unwrap().len() >= 7, "{program}");

    // Unticking over REST moves ana's panel back.
    let (status, v) = rest(&s, ANA, "POST", "/api/v1/onboarding/items/profile", Some(json!({"done": false}))).await;
    assert_eq!((status, v["items"][0]["done"].clone()), (200, json!(false)), "{v}");
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
    let (status, _) = rest(&s, STAFF, "PUT", &path, Some(json!({"stripe_account_id": "acct_1AnaTest"}))).await;
    assert_eq!(status, 200);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(account_updated(&s, "evt_a1", now).await["applied"], true);
    let p = update_where(&mut ana, starter, |p| item_done(p, "payout")).await;
    assert!(!item_done(&p, "training"));
    assert_no_event(&mut ben, "ben's checklist", |e| matches!(e, Event::PanelUpdate(_))).await;

    // Another event of the same state: applied, but the item is ticked once.
    assert_eq!(account_updated(&s, "evt_a2", now + 1).await["applied"], true);
    // A post in #introductions ticks "introduce yourself" (the actor handles
    // facts in order, so the payout fact is settled once this one shows).
    post(&mut ana, channel(&ready, "introductions").id, "Hi! I sell to gyms in Lisbon.").await;
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
async fn an_application_moves_submitted_review_approved_and_illegal_moves_conflict() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let forms = channel(&ready, "onboarding-forms").id;
    let mine = panel(&mut ana, forms).await;
    assert_eq!(block(&mine, "form")["action"], "submit_application");
    panel(&mut staff, forms).await;

    let submit = json!({"company": "Ortiz Growth", "pitch": "Gyms and studios in Portugal."});
    let v = act(&mut ana, forms, "submit_application", submit.clone()).await.unwrap();
    assert_eq!(v["status"], "submitted");
    let e = act(&mut ana, forms, "submit_application", submit).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("submitted"), "{e:?}");
    // Deciding before the review: conflict naming the state.
    let decision = format!("/api/v1/onboarding/application/{ana_id}/decision");
    let (status, e) = rest(&s, STAFF, "POST", &decision, Some(json!({"status": "approved"}))).await;
    assert_eq!(status, 409, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("submitted"), "{e}");
    let (status, _) = rest(&s, BEN, "POST", &decision, Some(json!({"status": "under_review"}))).await;
    assert_eq!(status, 403);

    let v = act(&mut staff, forms, "review", json!({"partner_id": ana_id.to_string()})).await.unwrap();
    assert_eq!(v["status"], "under_review");
    update_where(&mut ana, forms, |p| block(p, "figures")["items"][0]["value"] == "Under review").await;
    let (status, _) = rest(&s, STAFF, "POST", &decision, Some(json!({"status": "rejected"}))).await;
    assert_eq!(status, 400, "rejecting needs a reason");
    let (status, v) = rest(&s, STAFF, "POST", &decision, Some(json!({"status": "approved", "reason": "Welcome!"}))).await;
    assert_eq!((status, v["status"].clone()), (200, json!("approved")), "{v}");
    let (status, e) = rest(&s, STAFF, "POST", &decision, Some(json!({"status": "rejected", "reason": "no"}))).await;
    assert_eq!(status, 409);
    assert!(e["error"]["message"].as_str().unwrap().contains("approved"), "{e}");
    let e = act(&mut ana, forms, "submit_application", json!({"company": "X", "pitch": "Y"})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let (_, me) = rest(&s, ANA, "GET", "/api/v1/onboarding", None).await;
    let approved = me["items"].as_array().unwrap().iter().find(|i| i["key"] == "application").unwrap();
    assert_eq!(approved["done"], true, "{me}");

    // The agreement: only the current version, recorded with its time.
    let e = act(&mut ana, forms, "accept_agreement", json!({"version": "2025-01"})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("2026-01"), "{e:?}");
    let (status, v) = rest(&s, ANA, "POST", "/api/v1/onboarding/agreement", Some(json!({"version": "2026-01"}))).await;
    assert_eq!((status, v["accepted"].clone()), (200, json!(true)), "{v}");
    assert!(v["accepted_at"].is_string());

    // A rejected partner may resubmit.
    let (status, _) = rest(&s, BEN, "POST", "/api/v1/onboarding/application", Some(json!({"company": "Carter", "pitch": "Cafés"}))).await;
    assert_eq!(status, 201);
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let ben_decision = format!("/api/v1/onboarding/application/{ben_id}/decision");
    assert_eq!(rest(&s, STAFF, "POST", &ben_decision, Some(json!({"status": "under_review"}))).await.0, 200);
    let (status, v) = rest(&s, STAFF, "POST", &ben_decision, Some(json!({"status": "rejected", "reason": "Name your markets."}))).await;
    assert_eq!((status, v["reason"].clone()), (200, json!("Name your markets.")));
    let (status, v) = rest(&s, BEN, "POST", "/api/v1/onboarding/application", Some(json!({"company": "Carter & Co", "pitch": "Cafés in Leeds"}))).await;
    assert_eq!((status, v["status"].clone()), (201, json!("submitted")), "{v}");
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_reference_uploads_and_ben_cannot_attach_anas_file() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let forms = channel(&ready, "onboarding-forms").id;
    let r = s
        .http()
        .post(s.url("/api/v1/files?name=w9.pdf"))
        .bearer_auth(s.demo_token(ANA).await)
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let file: Value = r.json().await.unwrap();
    let file_id = file["id"].as_str().unwrap().to_owned();
    panel(&mut ana, forms).await;

    // ben may not attach ana's file, by panel or REST.
    let e = act(&mut ben, forms, "attach_document", json!({"kind": "tax_form", "file": file_id})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    let (status, _) = rest(&s, BEN, "POST", "/api/v1/onboarding/documents", Some(json!({"file_id": file_id, "kind": "tax_form"}))).await;
    assert_eq!(status, 404);
    let e = act(&mut ana, forms, "attach_document", json!({"kind": "horoscope", "file": file_id})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest, "{e:?}");
    let e = act(&mut ana, forms, "attach_document", json!({"kind": "tax_form", "file": "999"})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");

    let d = act(&mut ana, forms, "attach_document", json!({"kind": "tax_form", "file": file_id})).await.unwrap();
    assert_eq!((d["file_id"].as_str(), d["file_name"].as_str()), (Some(file_id.as_str()), Some("w9.pdf")));
    let p = update_where(&mut ana, forms, |p| {
        p["data"]["blocks"].as_array().unwrap().iter().any(|b| b["type"] == "table" && b["rows"].to_string().contains("w9.pdf"))
    })
    .await;
    assert_eq!(block(&p, "figures")["items"][2]["value"], 1);
    let (status, _) = rest(&s, ANA, "POST", "/api/v1/onboarding/documents", Some(json!({"file_id": file_id, "kind": "tax_form"}))).await;
    assert_eq!(status, 409, "attached once");
    let (_, v) = rest(&s, STAFF, "GET", &format!("/api/v1/onboarding/{ana_id}"), None).await;
    assert_eq!(v["documents"][0]["file_id"], file_id.as_str(), "{v}");
    assert_eq!(v["documents"][0]["kind"], "tax_form");
}

/// Adds a partner who has never connected; returns (tenant id, user id).
async fn new_partner(s: &TestServer, email: &str, name: &str) -> (i64, i64) {
    let (tid, ..) = s.member("demo", ANA).await;
    let id = s.state.ids.next_id();
    let t = arena_server::ids::TenantId(tid);
    let u = s
        .state
        .store
        .insert_user(t, id.into(), email, name, "partner", Some("bronze"), None)
        .await
        .unwrap();
    (tid, u.id.0)
}

/// #welcome's messages that greet `name`, read after the activation actor
/// handled every command sent before (GET /onboarding goes through it).
async fn welcomes(s: &TestServer, email: &str, tid: i64, name: &str) -> Vec<Value> {
    let token = s.token("demo", email).await;
    let r = s.http().get(s.url("/api/v1/onboarding")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let welcome = channel_id(s, tid, "welcome");
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{welcome}/messages?limit=100")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content"].as_str().unwrap().contains(&format!("Welcome, {name}!")))
        .cloned()
        .collect()
}

async fn connect(s: &TestServer, email: &str) -> GatewayClient {
    let token = s.token("demo", email).await;
    let mut c = s.connect(Encoding::Json).await;
    c.identify(identify(&token)).await.unwrap();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_welcome_is_posted_once_across_reconnects_and_restarts() {
    let (db, s) = setup().await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let welcome = channel(&ready, "welcome").id;
    let (tid, nia) = new_partner(&s, "nia@demo.test", "Nia Novak").await;

    let mut c = connect(&s, "nia@demo.test").await;
    let m = next_create(&mut staff).await;
    assert_eq!(m.channel_id, welcome);
    assert!(m.content.starts_with("Welcome, Nia Novak!"), "{}", m.content);
    assert_eq!(m.author.display_name, "Arena");
    assert_eq!(next_create(&mut c).await.id, m.id, "nia sees her welcome");
    c.close().await;
    let c = connect(&s, "nia@demo.test").await;
    assert_eq!(welcomes(&s, "nia@demo.test", tid, "Nia Novak").await.len(), 1);
    c.close().await;
    // Seeded partners are not welcomed again.
    connect(&s, ANA).await.close().await;
    assert!(welcomes(&s, ANA, tid, "Ana Ortiz").await.is_empty());

    // A claim whose post was lost is finished by the next connection, with the reserved id.
    let (_, omar) = new_partner(&s, "omar@demo.test", "Omar Haddad").await;
    let reserved = s.state.ids.next_id().0 as i64;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    sqlx::query("INSERT INTO activation_welcomes (tenant_id, partner_id, message_id) VALUES ($1, $2, $3)")
        .bind(tid)
        .bind(omar)
        .bind(reserved)
        .execute(&pool)
        .await
        .unwrap();

    let s = s.restart().await;
    let c = connect(&s, "nia@demo.test").await;
    assert_eq!(welcomes(&s, "nia@demo.test", tid, "Nia Novak").await.len(), 1, "once after a restart");
    c.close().await;
    let c = connect(&s, "omar@demo.test").await;
    let omars = welcomes(&s, "omar@demo.test", tid, "Omar Haddad").await;
    assert_eq!(omars.len(), 1);
    assert_eq!(omars[0]["id"], reserved.to_string());
    c.close().await;
    let posted: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT posted_at FROM activation_welcomes WHERE tenant_id = $1 AND partner_id = $2")
            .bind(tid)
            .bind(nia)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(posted.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_activation_panel_answers_partners_and_staff() {
    let (_db, s) = setup().await;
    for (email, titles) in [
        (ANA, ["Your onboarding checklist", "Your onboarding checklist", "Your application"]),
        (STAFF, ["Onboarding progress", "Onboarding progress", "Applications and documents"]),
    ] {
        let (mut c, ready) = s.login_ws(email, Encoding::MsgPack).await;
        for (key, title) in ["starter-checklist", "onboarding-checklist", "onboarding-forms"].into_iter().zip(titles) {
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
    assert!(block(&p, "form")["fields"][0]["options"].to_string().contains("Jordan Lee"));
}
