//! Tenant creation (issue 13): by the operator's API on a running node, and
//! as `arena tenant create` does it (straight into Postgres) with the
//! running node picking the tenant up without a restart. Real Postgres and
//! sockets.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::event::Ready;
use arena_protocol::model::ChannelKind;
use arena_protocol::Encoding;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const OPERATOR: &str = "operator-token-0123456789abcdef";

async fn with_operator(db: &TestDb) -> TestServer {
    TestServer::start_with(arena_server::config::Config {
        operator_token: Some(OPERATOR.into()),
        ..test_config(&db.url)
    })
    .await
}

/// `POST /api/v1/tenants` with an optional bearer token: (status, body).
async fn create(s: &TestServer, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = s.http().post(s.url("/api/v1/tenants")).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Accepts the invite of `url`; the access token.
async fn accept(s: &TestServer, url: &str) -> String {
    let token = url.rsplit('/').next().unwrap();
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/invites/{token}/accept")))
        .json(&json!({"display_name": "First Admin", "password": "first admin password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

/// The keys of READY's registry channels (not DMs).
fn keys(ready: &Ready) -> BTreeSet<String> {
    ready
        .channels
        .iter()
        .filter(|c| c.kind != ChannelKind::Dm)
        .map(|c| c.key.clone())
        .collect()
}

/// Its admin IDENTIFYs: READY has the registry's channels (as the demo
/// admin sees them), none of the demo tenant's ids, and no demo history.
async fn admin_sees_the_registry_and_nothing_of_demo(s: &TestServer, access: &str) {
    let (_, demo_ready) = s.login_ws(ADMIN, Encoding::Json).await;
    let mut c = s.connect(Encoding::Json).await;
    let ready = c.identify(identify(access)).await.unwrap();
    assert_eq!(keys(&ready), keys(&demo_ready), "the registry's channels");
    let demo_ids: BTreeSet<_> = demo_ready.channels.iter().map(|c| c.id).collect();
    assert!(ready.channels.iter().all(|c| !demo_ids.contains(&c.id)));
    // The demo's #general-chat has history; the new tenant's has none, and the
    // demo's channel is unknown to the new admin.
    let general = channel(&ready, "general-chat").id;
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{general}/messages")))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["messages"].as_array().unwrap().len(), 0, "{v}");
    let demo_general = channel(&demo_ready, "general-chat").id;
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{demo_general}/messages")))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Its invites are its own.
    let r = s
        .http()
        .get(s.url("/api/v1/invites"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["invites"].as_array().unwrap().len(), 1, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_created_by_the_operator_is_served_at_once_and_isolated() {
    let db = TestDb::create().await;
    let s = with_operator(&db).await;
    let body = json!({"slug": "northwind", "name": "Northwind", "admin_email": "ops@northwind.example",
                      "admin_name": "Olga"});
    assert_eq!(create(&s, None, body.clone()).await.0, 401);
    assert_eq!(
        create(&s, Some("operator-token-wrong-wrong"), body.clone())
            .await
            .0,
        401
    );
    let (st, bad) = create(
        &s,
        Some(OPERATOR),
        json!({"slug": "No Spaces", "name": "x", "admin_email": "a@b.example"}),
    )
    .await;
    assert_eq!(st, 400, "{bad}");
    let (st, made) = create(&s, Some(OPERATOR), body.clone()).await;
    assert_eq!(st, 201, "{made}");
    assert_eq!(made["slug"], "northwind");
    assert_eq!(create(&s, Some(OPERATOR), body).await.0, 409, "slug taken");

    let url = made["invite_url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap();
    let info: Value = s
        .http()
        .get(s.url(&format!("/api/v1/invites/{token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["tenant"], "northwind");
    assert_eq!(info["role"], "admin");
    assert_eq!(info["display_name"], "Olga");
    let access = accept(&s, url).await;
    admin_sees_the_registry_and_nothing_of_demo(&s, &access).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_operator_token_tenant_creation_is_404() {
    let (_db, s) = setup().await;
    let (st, _) = create(
        &s,
        Some(OPERATOR),
        json!({"slug": "northwind", "name": "Northwind", "admin_email": "ops@northwind.example"}),
    )
    .await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_created_beside_a_running_server_is_served_without_restart() {
    let (_db, s) = setup().await;
    // What `arena tenant create` does: its own registry and generator, straight into Postgres.
    let file = arena_server::registry::RegistryFile::load(&channels_path()).unwrap();
    let created = arena_server::http::tenants::create_tenant(
        &s.state.store,
        &arena_protocol::SnowflakeGenerator::new(900),
        &arena_server::registry::Registry::default(),
        &file,
        None,
        &s.cfg,
        &arena_server::http::tenants::NewTenant {
            slug: "contoso".into(),
            name: "Contoso".into(),
            admin_email: "admin@contoso.example".into(),
            admin_name: None,
        },
    )
    .await
    .unwrap();
    assert!(!created.invite.mailed);
    let access = accept(&s, &created.invite.url).await;
    admin_sees_the_registry_and_nothing_of_demo(&s, &access).await;
}
