//! Two-factor login with TOTP (issue 13; RFC 6238), on a real server and
//! Postgres: enrolment with a code computed here from the secret the
//! server answered, login asking for a code, wrong and replayed codes
//! refused, a recovery code working once, and enrolment forced at login
//! when the tenant requires it of staff.

#![allow(clippy::unwrap_used)]

mod common;

use arena_server::auth::totp;
use common::*;
use serde_json::{json, Value};

async fn post_json(s: &TestServer, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = s.http().post(s.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

async fn login(s: &TestServer, email: &str) -> Value {
    let r = s.login(tenant_of(email), email, PASSWORD).await;
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

/// The code of `secret` for the time step `offset` steps from now.
fn code(secret: &str, offset: i64) -> String {
    let t = totp::totp(secret, "test", "test").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    t.generate((now + offset * 30) as u64).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_enrolment_then_login_with_a_code_once_and_a_recovery_code_once() {
    let (_db, s) = setup().await;
    let token = s.demo_token(ANA).await;
    let (st, setup) = post_json(&s, "/api/v1/me/mfa/totp", Some(&token), json!({})).await;
    assert_eq!(st, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(setup["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    // Not on until a code proves the app has the secret.
    assert!(login(&s, ANA).await["access_token"].is_string());
    let (st, _) = post_json(
        &s,
        "/api/v1/me/mfa/totp/enable",
        Some(&token),
        json!({"code": "000000"}),
    )
    .await;
    assert_eq!(st, 400, "wrong code");
    let (st, on) = post_json(
        &s,
        "/api/v1/me/mfa/totp/enable",
        Some(&token),
        json!({"code": code(&secret, 0)}),
    )
    .await;
    assert_eq!(st, 200, "{on}");
    let recovery: Vec<String> = serde_json::from_value(on["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);

    // Login now owes a code.
    let first = login(&s, ANA).await;
    assert_eq!(first["mfa_required"], true, "{first}");
    assert!(first.get("access_token").is_none());
    let challenge = first["challenge"].as_str().unwrap();
    let (st, _) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": challenge, "code": "123456"}),
    )
    .await;
    assert_eq!(st, 401, "wrong code");
    // The enabling code's step is used; a code of the next step (within
    // the one step of skew) is not.
    let now_code = code(&secret, 1);
    let (st, pair) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": challenge, "code": now_code}),
    )
    .await;
    assert_eq!(st, 200, "{pair}");
    let access = pair["access_token"].as_str().unwrap();
    let r = s
        .http()
        .get(s.url("/api/v1/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["mfa_enabled"], true);
    // The challenge is spent, and the same code is not accepted twice (RFC 6238 §5.2).
    let (st, _) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": challenge, "code": now_code}),
    )
    .await;
    assert_eq!(st, 401);
    let again = login(&s, ANA).await;
    let c2 = again["challenge"].as_str().unwrap();
    let (st, _) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": c2, "code": now_code}),
    )
    .await;
    assert_eq!(st, 401, "replayed code");

    // A recovery code works once (as typed, in capitals with spaces).
    let typed = format!(" {} ", recovery[3].to_uppercase());
    let (st, _) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": c2, "code": typed}),
    )
    .await;
    assert_eq!(st, 200);
    let c3 = login(&s, ANA).await["challenge"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, _) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": c3, "code": recovery[3]}),
    )
    .await;
    assert_eq!(st, 401, "a recovery code is single use");

    // A challenge takes five attempts, then is spent even for a right code.
    let c4 = login(&s, ANA).await["challenge"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..5 {
        post_json(
            &s,
            "/api/v1/auth/mfa",
            None,
            json!({"challenge": c4, "code": "999999"}),
        )
        .await;
    }
    let (st, _) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": c4, "code": recovery[4]}),
    )
    .await;
    assert_eq!(st, 401);

    // Off again with the password.
    let (st, _) = post_json(
        &s,
        "/api/v1/me/mfa/totp/disable",
        Some(access),
        json!({"password": "nope"}),
    )
    .await;
    assert_eq!(st, 401);
    let (st, _) = post_json(
        &s,
        "/api/v1/me/mfa/totp/disable",
        Some(access),
        json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(st, 204);
    assert!(login(&s, ANA).await["access_token"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_requiring_it_makes_staff_enrol_at_login() {
    let (_db, s) = setup().await;
    let admin = s.demo_token(ADMIN).await;
    let r = s
        .http()
        .patch(s.url("/api/v1/tenant/settings"))
        .bearer_auth(&admin)
        .json(&json!({"require_staff_mfa": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Partners are not asked.
    assert!(login(&s, ANA).await["access_token"].is_string());
    let first = login(&s, STAFF).await;
    assert_eq!(first["mfa_enrollment_required"], true, "{first}");
    let challenge = first["challenge"].as_str().unwrap();
    // Without enrolling, no code of any secret finishes the login.
    let (st, _) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": challenge, "code": "123456"}),
    )
    .await;
    assert_eq!(st, 401);
    let (st, setup) = post_json(
        &s,
        "/api/v1/auth/mfa/enroll",
        None,
        json!({"challenge": challenge}),
    )
    .await;
    assert_eq!(st, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap();
    let (st, done) = post_json(
        &s,
        "/api/v1/auth/mfa",
        None,
        json!({"challenge": challenge, "code": code(secret, 0)}),
    )
    .await;
    assert_eq!(st, 200, "{done}");
    assert!(done["access_token"].is_string());
    assert_eq!(done["recovery_codes"].as_array().unwrap().len(), 10);
    // From now on staff log in with a code.
    assert_eq!(login(&s, STAFF).await["mfa_required"], true);
    // A login challenge cannot start another enrolment.
    let c = login(&s, STAFF).await["challenge"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, _) = post_json(&s, "/api/v1/auth/mfa/enroll", None, json!({"challenge": c})).await;
    assert_eq!(st, 401);
}
