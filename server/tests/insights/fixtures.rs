//! Fixtures of the insights tests: records written straight into other
//! domains' tables (wins, clients), REST helpers and posting.

use super::common::*;
use super::helpers::call;
use arena_server::ids::TenantId;
use serde_json::Value;

pub async fn pool(db: &TestDb) -> sqlx::PgPool {
    sqlx::PgPool::connect(&db.url).await.unwrap()
}

pub async fn demo_tenant(s: &TestServer) -> TenantId {
    TenantId(s.member("demo", STAFF).await.0)
}

/// A deal win written straight into the revenue table (a record to count).
pub async fn deal(
    db: &sqlx::PgPool,
    tenant: TenantId,
    partner: i64,
    id: &str,
    amount: i64,
    closed: &str,
) {
    sqlx::query(
        "INSERT INTO deals (tenant_id, deal_id, partner_id, client, amount_minor, currency, closed_at, body_hash, recorded_by)
         VALUES ($1, $2, $3, 'Client', $4, 'EUR', $5::timestamptz, 'h', $3)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(partner)
    .bind(amount)
    .bind(closed)
    .execute(db)
    .await
    .unwrap();
}

pub async fn client(db: &sqlx::PgPool, tenant: TenantId, id: i64, owner: i64, industry: &str) {
    sqlx::query(
        "INSERT INTO clients (tenant_id, id, owner_id, name, industry, status, stage, value_minor, currency, created_by)
         VALUES ($1, $2, $3, $4, $5, 'active', 'live', 0, 'EUR', $3)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(owner)
    .bind(format!("{industry} client {id}"))
    .bind(industry)
    .execute(db)
    .await
    .unwrap();
}

pub async fn put_json(s: &TestServer, email: &str, path: &str, body: Value) -> (u16, Value) {
    call(s, reqwest::Method::PUT, email, path, Some(body)).await
}

pub async fn post_message(
    c: &mut arena_protocol::client::GatewayClient,
    channel: arena_protocol::Snowflake,
    text: &str,
) {
    super::common::post(c, channel, text).await;
}
