//! Passwords and sign-ins (issues 12 and 13), on a real server and
//! Postgres: a password change signs out every other session, staff start a
//! reset for a partner (a single-use link), and sign-ins and failed attempts
//! are audited with the client address.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::Encoding;
use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_signs_out_every_other_session() {
    let (_db, s) = setup().await;
    let (mut other, _) = s.login_ws(ANA, Encoding::Json).await;
    let (st, _) = s
        .api(
            reqwest::Method::POST,
            ANA,
            "/api/v1/me/password",
            Some(json!({"current_password": "wrong-one", "new_password": "a-new-password"})),
        )
        .await;
    assert_eq!(st, 401);
    let (st, _) = s
        .api(
            reqwest::Method::POST,
            ANA,
            "/api/v1/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "short"})),
        )
        .await;
    assert_eq!(st, 400);
    let (st, pair) = s
        .api(
            reqwest::Method::POST,
            ANA,
            "/api/v1/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "a-new-password"})),
        )
        .await;
    assert_eq!(st, 200, "{pair}");
    assert_eq!(other.closed(WAIT).await.unwrap(), Some(4004));
    assert_eq!(s.login("demo", ANA, PASSWORD).await.status().as_u16(), 401);
    assert_eq!(
        s.login("demo", ANA, "a-new-password")
            .await
            .status()
            .as_u16(),
        200
    );
    let r = s
        .http()
        .get(s.url("/api/v1/me"))
        .bearer_auth(pair["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "the answered pair works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_and_failed_attempts_are_audited_with_the_address() {
    let (_db, s) = setup().await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let target = ben_id.to_string();
    assert_eq!(s.login("demo", BEN, "not-his").await.status().as_u16(), 401);
    assert_eq!(s.login("demo", BEN, PASSWORD).await.status().as_u16(), 200);
    let (_, audit) = s
        .api(reqwest::Method::GET, STAFF, "/api/v1/audit-log", None)
        .await;
    let of_ben: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"].as_str() == Some(target.as_str()))
        .collect();
    let actions: Vec<&str> = of_ben
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["auth.login", "auth.login_failed"], "newest first");
    assert!(
        of_ben.iter().all(|e| e["reason"] == "127.0.0.1"),
        "{of_ben:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_start_a_password_reset_for_a_partner() {
    let (_db, s) = setup().await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let (_, admin_id, ..) = s.member("demo", ADMIN).await;
    let path = |id: i64| format!("/api/v1/members/{id}/password-reset");
    assert_eq!(
        s.api(reqwest::Method::POST, ANA, &path(ben_id), None)
            .await
            .0,
        403
    );
    assert_eq!(
        s.api(reqwest::Method::POST, STAFF, &path(admin_id), None)
            .await
            .0,
        403
    );
    let (st, link) = s
        .api(reqwest::Method::POST, STAFF, &path(ben_id), None)
        .await;
    assert_eq!(st, 200, "{link}");
    assert_eq!(link["mailed"], false, "no SMTP in tests");
    let url = link["url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap();
    let r = s
        .http()
        .post(s.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({"token": token, "password": "bens-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        s.login("demo", BEN, "bens-new-password")
            .await
            .status()
            .as_u16(),
        200
    );
}
