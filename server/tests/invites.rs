//! Invites and password resets (issue 13), end to end: real Postgres, real
//! sockets, and a real SMTP conversation with an in-test sink.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "people/smtp_sink.rs"]
mod smtp_sink;

use arena_protocol::{Encoding, Event};
use common::*;
use serde_json::{json, Value};
use smtp_sink::SmtpSink;

/// A test server whose mail goes to `sink`.
async fn with_smtp(db: &TestDb, sink: &SmtpSink) -> TestServer {
    TestServer::start_with(arena_server::config::Config {
        smtp_url: Some(sink.url.clone()),
        token_check_ms: 100,
        ..test_config(&db.url)
    })
    .await
}

/// `POST path` with a JSON body and an optional bearer token: (status, body).
async fn post(s: &TestServer, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = s.http().post(s.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `GET path` with an optional bearer token: (status, body).
async fn get(s: &TestServer, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut r = s.http().get(s.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Invites `email` as `inviter` (a demo member); (status, body).
async fn invite(s: &TestServer, inviter: &str, body: Value) -> (u16, Value) {
    let token = s.demo_token(inviter).await;
    post(s, "/api/v1/invites", Some(&token), body).await
}

/// Accepts the invite; (status, body).
async fn accept(s: &TestServer, token: &str, name: &str, password: &str) -> (u16, Value) {
    post(
        s,
        &format!("/api/v1/invites/{token}/accept"),
        None,
        json!({"display_name": name, "password": password}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_partner_accepts_signs_in_and_gets_the_welcome_flow() {
    let db = TestDb::create().await;
    let mut sink = SmtpSink::start().await;
    let s = with_smtp(&db, &sink).await;
    let (mut staff, staff_ready) = s.login_ws(STAFF, Encoding::Json).await;
    let welcome = channel(&staff_ready, "welcome").id;

    let (st, inv) = invite(
        &s,
        STAFF,
        json!({"email": "Nia@Example.com", "role": "partner", "tier": "gold"}),
    )
    .await;
    assert_eq!(st, 201, "{inv}");
    assert_eq!(inv["mailed"], true);
    assert_eq!(inv["email"], "nia@example.com");
    assert_eq!(inv["tier"], "gold");
    let token = inv["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43, "32 bytes, base64url");
    assert_eq!(
        inv["url"],
        format!("{}/invite/{token}", s.cfg.public_base())
    );

    // The mail carries the link.
    let mail = sink.next(WAIT).await;
    assert!(
        mail.rcpt.iter().any(|r| r.contains("nia@example.com")),
        "{:?}",
        mail.rcpt
    );
    assert_eq!(mail.link_token("invite"), token);

    // The public lookup.
    let (st, info) = get(&s, &format!("/api/v1/invites/{token}"), None).await;
    assert_eq!(st, 200, "{info}");
    assert_eq!(info["tenant"], "demo");
    assert_eq!(info["role"], "partner");
    assert_eq!(info["email"], "nia@example.com");

    // Accept: the login answer, and MEMBER_UPDATE to open sessions.
    let (st, pair) = accept(&s, &token, "Nia Novak", "correct horse battery").await;
    assert_eq!(st, 200, "{pair}");
    let access = pair["access_token"].as_str().unwrap().to_owned();
    assert!(pair["refresh_token"].is_string());
    let (_, nia_id, role, tier) = s.member("demo", "nia@example.com").await;
    assert_eq!(role, arena_protocol::model::Role::Partner);
    assert_eq!(tier.as_deref(), Some("gold"));
    let (_, e) = staff
        .wait_for(
            WAIT,
            |e| matches!(e, Event::MemberUpdate(m) if m.user_id.0 as i64 == nia_id),
        )
        .await
        .unwrap();
    let Event::MemberUpdate(m) = e else {
        unreachable!()
    };
    assert_eq!(m.role.as_deref(), Some("partner"));
    assert_eq!(m.tier.as_deref(), Some("gold"));

    // Single use: a second accept and the lookup are 404.
    let (st, err) = accept(&s, &token, "Someone Else", "another password").await;
    assert_eq!(st, 404, "{err}");
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(
        get(&s, &format!("/api/v1/invites/{token}"), None).await.0,
        404
    );

    // Login with the chosen password.
    let r = s
        .login("demo", "nia@example.com", "correct horse battery")
        .await;
    assert_eq!(r.status(), 200);

    // The welcome flow: IDENTIFY sees the channels of the gold tier, the
    // welcome is posted in #welcome, and the onboarding checklist is theirs.
    let mut nia = s.connect(Encoding::Json).await;
    let ready = nia.identify(identify(&access)).await.unwrap();
    let keys: Vec<&str> = ready.channels.iter().map(|c| c.key.as_str()).collect();
    assert!(
        keys.contains(&"beta-features"),
        "gold sees #beta-features: {keys:?}"
    );
    assert!(
        !keys.contains(&"executive-briefing"),
        "not platinum: {keys:?}"
    );
    assert!(keys.contains(&"starter-checklist"), "{keys:?}");
    let m = loop {
        let m = next_create(&mut staff).await;
        if m.channel_id == welcome {
            break m;
        }
    };
    assert!(
        m.content.starts_with("Welcome, Nia Novak!"),
        "{}",
        m.content
    );
    let (st, onboarding) = get(&s, "/api/v1/onboarding", Some(&access)).await;
    assert_eq!(st, 200, "{onboarding}");
    // Their own checklist, from the start (what a seeded partner who has not begun has).
    assert_eq!(
        onboarding["progress"]["partner_id"],
        nia_id.to_string(),
        "{onboarding}"
    );
    assert_eq!(onboarding["progress"]["done"], 0, "{onboarding}");
    assert!(
        !onboarding["items"].as_array().unwrap().is_empty(),
        "{onboarding}"
    );

    // Audited, and listed as accepted.
    let staff_token = s.demo_token(STAFF).await;
    let (_, audit) = get(&s, "/api/v1/audit-log?limit=50", Some(&staff_token)).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"invite.created"), "{audit}");
    assert!(actions.contains(&"invite.accepted"), "{audit}");
    let (_, list) = get(&s, "/api/v1/invites?status=accepted", Some(&staff_token)).await;
    assert_eq!(list["invites"][0]["email"], "nia@example.com", "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_and_expired_invites_cannot_be_accepted() {
    let (db, s) = setup().await;
    let (st, a) = invite(
        &s,
        ADMIN,
        json!({"email": "rae@example.com", "role": "staff"}),
    )
    .await;
    assert_eq!(st, 201, "{a}");
    // Without SMTP the link comes back to the sender only.
    assert_eq!(a["mailed"], false);
    let (_, b) = invite(
        &s,
        STAFF,
        json!({"email": "eli@example.com", "role": "partner"}),
    )
    .await;
    assert_eq!(
        b["tier"], "bronze",
        "a partner without a tier gets the lowest"
    );
    let staff = s.demo_token(STAFF).await;

    // Revoked.
    let id = a["id"].as_str().unwrap();
    let r = s
        .http()
        .delete(s.url(&format!("/api/v1/invites/{id}")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = s
        .http()
        .delete(s.url(&format!("/api/v1/invites/{id}")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "no longer pending");
    let (st, _) = accept(&s, a["token"].as_str().unwrap(), "Rae", "a long password").await;
    assert_eq!(st, 404);

    // Expired (moved into the past as the tables' owner).
    let mut owner = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::query("UPDATE invites SET expires_at = now() - interval '1 second' WHERE email = $1")
        .bind("eli@example.com")
        .execute(&mut owner)
        .await
        .unwrap();
    let tb = b["token"].as_str().unwrap();
    assert_eq!(get(&s, &format!("/api/v1/invites/{tb}"), None).await.0, 404);
    let (st, err) = accept(&s, tb, "Eli", "a long password").await;
    assert_eq!(st, 404, "{err}");
    assert!(s
        .state
        .store
        .fetch_user_by_email(
            arena_server::ids::TenantId(s.member("demo", ANA).await.0),
            "eli@example.com"
        )
        .await
        .is_err());

    let (_, list) = get(&s, "/api/v1/invites?status=revoked", Some(&staff)).await;
    assert_eq!(list["invites"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["invites"][0]["email"], "rae@example.com");
    let (_, list) = get(&s, "/api/v1/invites?status=expired", Some(&staff)).await;
    assert_eq!(list["invites"][0]["email"], "eli@example.com", "{list}");
    // An expired invite no longer blocks a new one.
    let (st, _) = invite(
        &s,
        STAFF,
        json!({"email": "eli@example.com", "role": "partner"}),
    )
    .await;
    assert_eq!(st, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_invite_partners_only_and_admins_any_role() {
    let (_db, s) = setup().await;
    for role in ["staff", "admin"] {
        let (st, e) = invite(&s, STAFF, json!({"email": "x@example.com", "role": role})).await;
        assert_eq!(st, 403, "staff inviting {role}: {e}");
    }
    let (st, _) = invite(
        &s,
        ANA,
        json!({"email": "x@example.com", "role": "partner"}),
    )
    .await;
    assert_eq!(st, 403, "partners do not invite");
    let (st, _) = invite(
        &s,
        ADMIN,
        json!({"email": "x@example.com", "role": "staff", "tier": "gold"}),
    )
    .await;
    assert_eq!(st, 400, "tier is for partners");
    let (st, _) = invite(
        &s,
        STAFF,
        json!({"email": "x@example.com", "role": "partner", "tier": "diamond"}),
    )
    .await;
    assert_eq!(st, 400, "not a tier of the program");
    let (st, _) = invite(
        &s,
        STAFF,
        json!({"email": "not an address", "role": "partner"}),
    )
    .await;
    assert_eq!(st, 400);
    let (st, e) = invite(
        &s,
        ADMIN,
        json!({"email": "x@example.com", "role": "admin"}),
    )
    .await;
    assert_eq!(st, 201, "{e}");
    let (st, _) = invite(
        &s,
        ADMIN,
        json!({"email": "X@example.com", "role": "staff"}),
    )
    .await;
    assert_eq!(st, 409, "a pending invite");
    let (st, _) = invite(&s, STAFF, json!({"email": BEN, "role": "partner"})).await;
    assert_eq!(st, 409, "already a member");
    let (st, _) = get(&s, "/api/v1/invites", Some(&s.demo_token(ANA).await)).await;
    assert_eq!(st, 403, "partners do not list invites");
    // The tenant requires two-factor login of staff: accepting answers like
    // login, with the enrolment challenge instead of tokens.
    let mut owner = <sqlx::PgConnection as sqlx::Connection>::connect(&_db.url)
        .await
        .unwrap();
    sqlx::query("UPDATE tenants SET require_staff_mfa = true WHERE slug = 'demo'")
        .execute(&mut owner)
        .await
        .unwrap();
    let (_, staff_invite) = invite(
        &s,
        ADMIN,
        json!({"email": "sam@example.com", "role": "staff"}),
    )
    .await;
    let (st, answer) = accept(
        &s,
        staff_invite["token"].as_str().unwrap(),
        "Sam",
        "a long password",
    )
    .await;
    assert_eq!(st, 200, "{answer}");
    assert_eq!(answer["mfa_enrollment_required"], true, "{answer}");
    assert!(answer.get("access_token").is_none(), "{answer}");
    // The routes are in the OpenAPI document.
    let (_, doc) = get(&s, "/api/openapi.json", None).await;
    for path in [
        "/api/v1/invites",
        "/api/v1/invites/{id}",
        "/api/v1/invites/{token}",
        "/api/v1/invites/{token}/accept",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
        "/api/v1/tenants",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} in the OpenAPI document"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_by_mail_sets_the_password_once_and_closes_sessions() {
    let db = TestDb::create().await;
    let mut sink = SmtpSink::start().await;
    let s = with_smtp(&db, &sink).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let old_refresh = s
        .login("demo", ANA, PASSWORD)
        .await
        .json::<Value>()
        .await
        .unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // An unknown email answers the same; the queue is worked in order, so
    // the first mail the sink gets is Ana's: the unknown email got none.
    for email in ["nobody@demo.test", ANA] {
        let (st, body) = post(
            &s,
            "/api/v1/auth/password-reset",
            None,
            json!({"tenant": "demo", "email": email}),
        )
        .await;
        assert_eq!((st, body), (202, json!({})), "{email}");
    }
    let mail = sink.next(WAIT).await;
    assert!(mail.rcpt.iter().any(|r| r.contains(ANA)), "{:?}", mail.rcpt);
    let token = mail.link_token("reset");
    assert_eq!(token.len(), 43);

    let (st, _) = post(
        &s,
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "short"}),
    )
    .await;
    assert_eq!(st, 400, "too short");
    let (st, body) = post(
        &s,
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "a brand new password"}),
    )
    .await;
    assert_eq!(st, 204, "{body}");
    assert_eq!(
        ana.closed(WAIT).await.unwrap(),
        Some(4004),
        "open session closed"
    );
    assert_eq!(
        s.login("demo", ANA, PASSWORD).await.status(),
        401,
        "old password"
    );
    assert_eq!(
        s.login("demo", ANA, "a brand new password").await.status(),
        200,
        "new password"
    );
    let (st, _) = post(
        &s,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": old_refresh}),
    )
    .await;
    assert_eq!(st, 401, "refresh tokens ended");
    // Single use.
    let (st, err) = post(
        &s,
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "yet another password"}),
    )
    .await;
    assert_eq!(st, 404, "{err}");
    assert_eq!(err["error"]["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_triggered_reset_returns_its_link_without_smtp_and_expires() {
    let (db, s) = setup().await;
    let (tid, ben, ..) = s.member("demo", BEN).await;
    let (url, mailed) = arena_server::http::password_reset::create_reset(
        &s.state,
        arena_server::ids::TenantId(tid),
        arena_server::ids::UserId(ben),
    )
    .await
    .unwrap();
    assert!(!mailed, "no SMTP");
    let token = url.rsplit('/').next().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/reset/", s.cfg.public_base())),
        "{url}"
    );
    let mut owner = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::query("UPDATE password_resets SET expires_at = now() - interval '1 second'")
        .execute(&mut owner)
        .await
        .unwrap();
    let (st, _) = post(
        &s,
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "a brand new password"}),
    )
    .await;
    assert_eq!(st, 404, "expired");
    assert_eq!(
        s.login("demo", BEN, PASSWORD).await.status(),
        200,
        "unchanged"
    );
}
