//! Issue 12 item 11: login is throttled per client address as well as per
//! account, and an unknown workspace or email answers exactly like a wrong
//! password (and costs the same argon2 work).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{json, Value};

async fn attempt(s: &TestServer, from: &str, tenant: &str, email: &str, pw: &str) -> (u16, Value) {
    let r = s
        .http()
        .post(s.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"tenant": tenant, "email": email, "password": pw}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_guessing_across_accounts_is_throttled() {
    let (_db, s) = setup().await;
    let guesser = "198.51.100.7";
    // All at once, a different account each time (the per-account limit
    // never trips): the address's burst is spent before the refill (2/s)
    // counts, however slow argon2 is on a loaded machine.
    let answers = futures_util::future::join_all((0..80).map(|i| {
        let email = format!("nobody{i}@demo.test");
        let s = &s;
        async move { attempt(s, guesser, "demo", &email, "guess").await }
    }))
    .await;
    let mut refused = 0;
    for (status, body) in &answers {
        match status {
            401 => {}
            429 => {
                refused += 1;
                assert_eq!(body["error"]["code"], "rate_limited", "{body}");
                assert!(
                    body["error"]["retry_after_ms"]
                        .as_u64()
                        .is_some_and(|ms| ms > 0),
                    "{body}"
                );
            }
            other => panic!("answered {other}: {body}"),
        }
    }
    assert!(refused > 0, "80 guesses from one address must be throttled");
    assert!(
        refused <= 30,
        "the burst (60) allows ordinary use first ({refused} of 80 refused)"
    );
    // Another address is not affected, and a right password still works.
    let (status, body) = attempt(&s, "198.51.100.8", "demo", ANA, "arena-demo").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_workspace_and_email_answer_like_a_wrong_password() {
    let (_db, s) = setup().await;
    let (s1, wrong) = attempt(&s, "198.51.100.20", "demo", ANA, "not-her-password").await;
    let (s2, no_user) = attempt(&s, "198.51.100.21", "demo", "nobody@demo.test", "x").await;
    let (s3, no_tenant) = attempt(&s, "198.51.100.22", "no-such-workspace", ANA, "x").await;
    assert_eq!((s1, s2, s3), (401, 401, 401));
    assert_eq!(wrong, no_user, "same body for an unknown email");
    assert_eq!(wrong, no_tenant, "same body for an unknown workspace");
}
