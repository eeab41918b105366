//! Incoming webhooks and the Stripe Connect webhook end to end: Discord and
//! Slack bodies posted by tools reach connected clients in #system-status as
//! the webhook's bot; wrong tokens post nothing; each webhook is rate
//! limited; Stripe deliveries apply only with a good, fresh signature, and
//! once per event id.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::model::{Message, Role};
use arena_protocol::{Encoding, Event, Snowflake};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// Creates a webhook in `channel` as `email`: (status, body).
async fn create_as(s: &TestServer, email: &str, channel: Snowflake, name: &str) -> (u16, Value) {
    let token = s.demo_token(email).await;
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{channel}/webhooks")))
        .bearer_auth(&token)
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A webhook in #system-status made by staff; returns its `url`.
async fn webhook(s: &TestServer, channel: Snowflake, name: &str) -> String {
    let (status, body) = create_as(s, STAFF, channel, name).await;
    assert_eq!(status, 201, "{body}");
    let url = body["url"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!(
            "/api/v1/webhooks/{}/{}",
            body["id"].as_str().unwrap(),
            body["token"].as_str().unwrap()
        )
    );
    url
}

/// Posts `body` to a webhook path (no Authorization): (status, body text).
async fn execute(s: &TestServer, path: &str, body: &Value) -> (u16, String) {
    let r = s.http().post(s.url(path)).json(body).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_body_reaches_system_status_as_the_webhooks_bot() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "Uptime Kuma").await;

    let discord = json!({
        "content": "🔴 api is DOWN",
        "username": "Kuma", "avatar_url": "https://example.test/kuma.png", "tts": false,
        "embeds": [{"title": "api.example.test", "url": "https://status.example.test/1",
                    "description": "Connection refused", "color": 15158332,
                    "fields": [{"name": "Since", "value": "12:03 UTC", "inline": true},
                               {"name": "Region", "value": "eu-west"}]}]
    });
    let (status, text) = execute(&s, &url, &discord).await;
    assert_eq!(status, 204, "{text}");
    assert!(text.is_empty());

    let m = next_create(&mut ana).await;
    assert_eq!(m.channel_id, status_ch);
    assert_eq!(
        m.content,
        "🔴 api is DOWN\n\napi.example.test (https://status.example.test/1)\nConnection refused\nSince: 12:03 UTC\nRegion: eu-west"
    );
    // Authored by the webhook's own bot member, under the webhook's name.
    assert_eq!(m.author.display_name, "Uptime Kuma");
    assert_eq!(m.author.role, Role::Bot);

    // Staff see it listed (without a token); the creation is audited.
    let staff = s.demo_token(STAFF).await;
    let list: Value = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{status_ch}/webhooks")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hooks = list["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["name"], "Uptime Kuma");
    assert_eq!(hooks[0]["bot_id"], m.author.id.to_string());
    assert!(hooks[0].get("token").is_none());
    let audit: Value = s
        .http()
        .get(s.url("/api/v1/audit-log"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "webhook.create" && e["target"] == hooks[0]["id"]),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_body_posts_its_blocks_and_text() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::MsgPack).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "Alertmanager").await;

    // Block Kit: the top-level text is Slack's notification fallback.
    let slack = json!({
        "text": "Disk almost full on db-1",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Disk almost full"}},
            {"type": "divider"},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*db-1* at 97% — <https://grafana.example.test/d/1|dashboard>"},
             "fields": [{"type": "mrkdwn", "text": "*Severity:* high"}]}
        ]
    });
    let (status, text) = execute(&s, &url, &slack).await;
    assert_eq!(status, 204, "{text}");
    let m = next_create(&mut ana).await;
    assert_eq!(m.channel_id, status_ch);
    assert_eq!(
        m.content,
        "Disk almost full\n*db-1* at 97% — dashboard (https://grafana.example.test/d/1)\n*Severity:* high"
    );
    assert_eq!(m.author.display_name, "Alertmanager");

    // Plain `text`, as the simplest Slack integrations send it.
    let (status, _) = execute(&s, &url, &json!({"text": "Backup done &amp; verified"})).await;
    assert_eq!(status, 204);
    assert_eq!(
        next_create(&mut ana).await.content,
        "Backup done & verified"
    );

    // Slack's legacy form encoding: payload=<json>.
    let r = s
        .http()
        .post(s.url(&url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("payload=%7B%22text%22%3A%22from%20a%20form%22%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(next_create(&mut ana).await.content, "from a form");

    // Nothing to show: 400, nothing posted.
    let (status, text) = execute(&s, &url, &json!({"blocks": [{"type": "divider"}]})).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("bad_request"), "{text}");
    assert_no_event(&mut ana, "an empty webhook body", |e| {
        matches!(e, Event::MessageCreate(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_true_answers_with_the_message() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "n8n").await;

    let r = s
        .http()
        .post(s.url(&format!("{url}?wait=true")))
        .json(&json!({"content": "workflow finished"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answered: Message = r.json().await.unwrap();
    assert_eq!(answered.content, "workflow finished");
    assert_eq!(answered.channel_id, status_ch);
    assert!(
        answered.channel_seq > 0,
        "the answer is the committed message"
    );

    let m = next_create(&mut ana).await;
    assert_eq!(m.id, answered.id);
    assert_eq!(m.channel_seq, answered.channel_seq);

    // History shows it as the webhook's bot too.
    let history: Value = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{status_ch}/messages?limit=1")))
        .bearer_auth(s.demo_token(ANA).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["messages"][0]["id"], answered.id.to_string());
    assert_eq!(history["messages"][0]["author"]["display_name"], "n8n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_or_id_answers_401_and_posts_nothing() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "grafana").await;
    let (base, token) = url.rsplit_once('/').unwrap();
    let id = base.rsplit_once('/').unwrap().1;
    let body = json!({"content": "should not appear"});

    let wrong_token = format!("{base}/{}", "0".repeat(token.len()));
    let other = webhook(&s, status_ch, "other").await;
    let other_token = other.rsplit_once('/').unwrap().1;
    for path in [
        wrong_token,
        format!("{base}/"),
        format!("/api/v1/webhooks/1/{token}"),
        format!("/api/v1/webhooks/not-an-id/{token}"),
        // Another webhook's token does not open this one.
        format!("/api/v1/webhooks/{id}/{other_token}"),
    ] {
        let (status, text) = execute(&s, &path, &body).await;
        if path.ends_with('/') {
            // No token segment at all: no such route.
            assert!(status == 404 || status == 405, "{path}: {status}");
        } else {
            assert_eq!(status, 401, "{path}: {text}");
            assert!(text.contains("unauthorized"), "{text}");
        }
    }
    assert_no_event(&mut ana, "a webhook post with a wrong token", |e| {
        matches!(e, Event::MessageCreate(_))
    })
    .await;

    // A deleted webhook's token stops working; deleting is staff only and audited.
    let delete = |who: &'static str| {
        let s = &s;
        async move {
            s.http()
                .delete(s.url(&format!("/api/v1/webhooks/{id}")))
                .bearer_auth(s.demo_token(who).await)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(delete(ANA).await, 403);
    assert_eq!(delete(STAFF).await, 204);
    assert_eq!(delete(STAFF).await, 404);
    let (status, _) = execute(&s, &url, &body).await;
    assert_eq!(status, 401);
    assert_no_event(&mut ana, "a deleted webhook", |e| {
        matches!(e, Event::MessageCreate(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_webhook_is_rate_limited() {
    let (_db, s) = setup().await;
    let (_ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "noisy").await;
    let quiet = webhook(&s, status_ch, "quiet").await;

    // The burst is 10; the eleventh at once is refused with a wait.
    for i in 0..10 {
        let (status, text) = execute(&s, &url, &json!({"content": format!("alert {i}")})).await;
        assert_eq!(status, 204, "post {i}: {text}");
    }
    let r = s
        .http()
        .post(s.url(&url))
        .json(&json!({"content": "one too many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "rate_limited");
    let wait = e["error"]["retry_after_ms"].as_u64().unwrap();
    assert!(
        wait > 0 && wait <= 2_001,
        "30 a minute: one every 2 s, got {wait}"
    );

    // Another webhook has its own budget.
    let (status, _) = execute(&s, &quiet, &json!({"content": "still fine"})).await;
    assert_eq!(status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_staff_create_webhooks_and_only_where_messages_go() {
    let (_db, s) = setup().await;
    let (_staff_ws, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let (tid, ..) = s.member("demo", STAFF).await;

    let (status, body) = create_as(&s, ANA, status_ch, "mine").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");

    // A panel takes no messages; an unknown channel does not exist.
    let panel = channel_id(&s, tid, "commissions");
    let (status, body) = create_as(&s, STAFF, panel, "panel-hook").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = create_as(&s, STAFF, Snowflake(42), "nowhere").await;
    assert_eq!(status, 404);
    // A bad name.
    let (status, _) = create_as(&s, STAFF, status_ch, "   ").await;
    assert_eq!(status, 400);
    // Another tenant's staff cannot see, so cannot use, this channel.
    let (status, _) = create_as(&s, ZOE, status_ch, "x").await;
    assert!(status == 403 || status == 404, "{status}");
    // Without a token.
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{status_ch}/webhooks")))
        .json(&json!({"name": "anon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Partners cannot list them either.
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{status_ch}/webhooks")))
        .bearer_auth(s.demo_token(ANA).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

// ---- Stripe Connect ----

/// `Stripe-Signature` for `body` at `t`, computed as Stripe documents it.
fn stripe_signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Delivers `event` with `signature` (None: no header): (status, body).
async fn deliver(s: &TestServer, event: &Value, signature: Option<String>) -> (u16, Value) {
    let body = event.to_string();
    let mut r = s
        .http()
        .post(s.url("/api/v1/integrations/stripe/webhook"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(sig) = signature {
        r = r.header("stripe-signature", sig);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Delivers `event` signed now with the test secret.
async fn deliver_signed(s: &TestServer, event: &Value) -> (u16, Value) {
    let sig = stripe_signature(STRIPE_SECRET, now(), &event.to_string());
    deliver(s, event, Some(sig)).await
}

fn account_updated(id: &str, account: &str, payouts: bool, charges: bool, created: i64) -> Value {
    json!({
        "id": id, "object": "event", "type": "account.updated", "account": account,
        "api_version": "2024-06-20", "created": created, "livemode": false,
        "data": {"object": {"id": account, "object": "account", "payouts_enabled": payouts,
                            "charges_enabled": charges, "requirements": {"disabled_reason": null}}}
    })
}

/// Links `acct` to ana as staff; returns ana's user id.
async fn link_ana(s: &TestServer, acct: &str) -> i64 {
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let r = s
        .http()
        .put(s.url(&format!("/api/v1/revenue/payout-accounts/{ana_id}")))
        .bearer_auth(s.demo_token(STAFF).await)
        .json(&json!({"stripe_account_id": acct}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["stripe_account_id"], acct);
    ana_id
}

/// ana's payout account as she sees it.
async fn ana_account(s: &TestServer, ana_id: i64) -> Value {
    s.http()
        .get(s.url(&format!("/api/v1/revenue/payout-accounts/{ana_id}")))
        .bearer_auth(s.demo_token(ANA).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_account_update_sets_the_status_once_per_event_id() {
    let (_db, s) = setup().await;
    let ana_id = link_ana(&s, "acct_1AnaTest").await;
    assert_eq!(ana_account(&s, ana_id).await["status"], "pending");

    let ev = account_updated("evt_1", "acct_1AnaTest", true, true, now());
    let (status, body) = deliver_signed(&s, &ev).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["applied"], true);
    assert_eq!(ana_account(&s, ana_id).await["status"], "enabled");

    // The same event id again, even with another body: 200, nothing changes.
    let again = account_updated("evt_1", "acct_1AnaTest", false, false, now() + 1);
    let (status, body) = deliver_signed(&s, &again).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["applied"], false);
    assert_eq!(ana_account(&s, ana_id).await["status"], "enabled");

    // An older event arriving late does not overwrite a newer status.
    let late = account_updated("evt_0", "acct_1AnaTest", false, false, now() - 60);
    let (status, _) = deliver_signed(&s, &late).await;
    assert_eq!(status, 200);
    assert_eq!(ana_account(&s, ana_id).await["status"], "enabled");

    // A newer one does; Stripe's disabled_reason wins over the flags.
    let mut disabled = account_updated("evt_2", "acct_1AnaTest", true, true, now() + 2);
    disabled["data"]["object"]["requirements"]["disabled_reason"] = json!("rejected.fraud");
    let (status, _) = deliver_signed(&s, &disabled).await;
    assert_eq!(status, 200);
    let a = ana_account(&s, ana_id).await;
    assert_eq!(a["status"], "disabled");
    assert_eq!(a["disabled_reason"], "rejected.fraud");

    // Unknown event types and unlinked accounts: 200, ignored.
    let other = json!({"id": "evt_3", "type": "charge.succeeded", "account": "acct_1AnaTest",
                       "created": now(), "data": {"object": {}}});
    let (status, body) = deliver_signed(&s, &other).await;
    assert_eq!((status, body["applied"].clone()), (200, json!(false)));
    let stranger = account_updated("evt_4", "acct_1Nobody", true, true, now());
    let (status, body) = deliver_signed(&s, &stranger).await;
    assert_eq!((status, body["applied"].clone()), (200, json!(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_or_stale_stripe_signatures_answer_400_and_change_nothing() {
    let (_db, s) = setup().await;
    let ana_id = link_ana(&s, "acct_1AnaTest").await;
    let ev = account_updated("evt_1", "acct_1AnaTest", true, true, now());
    let body = ev.to_string();

    let wrong_secret = stripe_signature("whsec_not_the_secret", now(), &body);
    let other_body = stripe_signature(STRIPE_SECRET, now(), "{}");
    let old = stripe_signature(STRIPE_SECRET, now() - 301 - 5, &body);
    let future = stripe_signature(STRIPE_SECRET, now() + 600, &body);
    for (what, sig) in [
        ("no header", None),
        ("garbage", Some("nonsense".to_owned())),
        ("wrong secret", Some(wrong_secret)),
        ("signature of another body", Some(other_body)),
        ("old timestamp", Some(old)),
        ("timestamp far ahead", Some(future)),
    ] {
        let (status, resp) = deliver(&s, &ev, sig).await;
        assert_eq!(status, 400, "{what}: {resp}");
        assert_eq!(resp["error"]["code"], "bad_request", "{what}");
    }
    assert_eq!(ana_account(&s, ana_id).await["status"], "pending");

    // The event id was not consumed by the refused deliveries: a good one applies.
    let (status, resp) = deliver_signed(&s, &ev).await;
    assert_eq!((status, resp["applied"].clone()), (200, json!(true)));
    assert_eq!(ana_account(&s, ana_id).await["status"], "enabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payout_paid_is_audited_once() {
    let (_db, s) = setup().await;
    let ana_id = link_ana(&s, "acct_1AnaTest").await;
    let ev = json!({
        "id": "evt_payout_1", "object": "event", "type": "payout.paid", "account": "acct_1AnaTest",
        "created": now(), "data": {"object": {"id": "po_1", "object": "payout", "amount": 150000,
                                               "currency": "usd", "arrival_date": now(), "status": "paid"}}
    });
    for applied in [true, false] {
        let (status, body) = deliver_signed(&s, &ev).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["applied"], applied);
    }
    let audit: Value = s
        .http()
        .get(s.url("/api/v1/audit-log"))
        .bearer_auth(s.demo_token(STAFF).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paid: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "stripe.payout.paid")
        .collect();
    assert_eq!(paid.len(), 1, "{audit}");
    assert_eq!(paid[0]["target"], ana_id.to_string());
    assert!(
        paid[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("po_1 1,500.00 USD"),
        "{}",
        paid[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payout_accounts_are_linked_by_staff_only() {
    let (db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let (_, staff_id, ..) = s.member("demo", STAFF).await;
    let put = |who: &'static str, user: i64, acct: &'static str| {
        let s = &s;
        async move {
            let r = s
                .http()
                .put(s.url(&format!("/api/v1/revenue/payout-accounts/{user}")))
                .bearer_auth(s.demo_token(who).await)
                .json(&json!({ "stripe_account_id": acct }))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    assert_eq!(put(ANA, ana_id, "acct_1Self").await, 403);
    assert_eq!(put(STAFF, ana_id, "not-an-account").await, 400);
    assert_eq!(put(STAFF, staff_id, "acct_1Staff").await, 400);
    assert_eq!(put(STAFF, ana_id, "acct_1Ana").await, 200);
    // One account, one partner.
    assert_eq!(put(STAFF, ben_id, "acct_1Ana").await, 409);
    // ben cannot read ana's account; nothing linked for ben is 404.
    let get = |who: &'static str, user: i64| {
        let s = &s;
        async move {
            s.http()
                .get(s.url(&format!("/api/v1/revenue/payout-accounts/{user}")))
                .bearer_auth(s.demo_token(who).await)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(BEN, ana_id).await, 403);
    assert_eq!(get(BEN, ben_id).await, 404);
    assert_eq!(get(STAFF, ana_id).await, 200);

    // Without a configured secret the endpoint does not exist.
    let mut cfg = test_config(&db.url);
    cfg.stripe_webhook_secret = None;
    let bare = TestServer::start_with(cfg).await;
    let ev = account_updated("evt_1", "acct_1Ana", true, true, now());
    let (status, _) = deliver_signed(&bare, &ev).await;
    assert_eq!(status, 404);
    bare.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_routes_are_in_the_openapi_document() {
    let (_db, s) = setup().await;
    let doc: Value = s
        .http()
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/v1/channels/{id}/webhooks", "post"),
        ("/api/v1/channels/{id}/webhooks", "get"),
        ("/api/v1/webhooks/{webhook_id}", "delete"),
        ("/api/v1/webhooks/{webhook_id}/{token}", "post"),
        ("/api/v1/integrations/stripe/webhook", "post"),
        ("/api/v1/revenue/payout-accounts/{user_id}", "put"),
        ("/api/v1/revenue/payout-accounts/{user_id}", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
}
