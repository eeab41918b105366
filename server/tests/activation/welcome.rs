//! The welcome in #welcome: posted once across reconnects and restarts,
//! and a claim whose post was lost is finished with the reserved id.

use crate::common::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::Encoding;
use serde_json::Value;

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
    let r = s
        .http()
        .get(s.url("/api/v1/onboarding"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
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
        .filter(|m| {
            m["content"]
                .as_str()
                .unwrap()
                .contains(&format!("Welcome, {name}!"))
        })
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
    assert!(
        m.content.starts_with("Welcome, Nia Novak!"),
        "{}",
        m.content
    );
    assert_eq!(m.author.display_name, "Arena");
    assert_eq!(next_create(&mut c).await.id, m.id, "nia sees her welcome");
    c.close().await;
    let c = connect(&s, "nia@demo.test").await;
    assert_eq!(
        welcomes(&s, "nia@demo.test", tid, "Nia Novak").await.len(),
        1
    );
    c.close().await;
    // Seeded partners are not welcomed again.
    connect(&s, ANA).await.close().await;
    assert!(welcomes(&s, ANA, tid, "Ana Ortiz").await.is_empty());

    // A claim whose post was lost is finished by the next connection, with the reserved id.
    let (_, omar) = new_partner(&s, "omar@demo.test", "Omar Haddad").await;
    let reserved = s.state.ids.next_id().0 as i64;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    sqlx::query(
        "INSERT INTO activation_welcomes (tenant_id, partner_id, message_id) VALUES ($1, $2, $3)",
    )
    .bind(tid)
    .bind(omar)
    .bind(reserved)
    .execute(&pool)
    .await
    .unwrap();

    let s = s.restart().await;
    let c = connect(&s, "nia@demo.test").await;
    assert_eq!(
        welcomes(&s, "nia@demo.test", tid, "Nia Novak").await.len(),
        1,
        "once after a restart"
    );
    c.close().await;
    let c = connect(&s, "omar@demo.test").await;
    let omars = welcomes(&s, "omar@demo.test", tid, "Omar Haddad").await;
    assert_eq!(omars.len(), 1);
    assert_eq!(omars[0]["id"], reserved.to_string());
    c.close().await;
    let posted: Option<time::OffsetDateTime> = sqlx::query_scalar(
        "SELECT posted_at FROM activation_welcomes WHERE tenant_id = $1 AND partner_id = $2",
    )
    .bind(tid)
    .bind(nia)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(posted.is_some());
}
