//! The Stripe Connect webhook end to end: deliveries apply only with a good,
//! fresh `Stripe-Signature`, and once per event id; payout accounts are
//! linked by staff.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

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
