//! Group commit in one statement (`Store::insert_messages`, migration 0029,
//! issue 14): a batch spanning two tenants and two channels gets each
//! channel's next seqs in batch order, logs every message with that seq in
//! its event, and is written under each tenant's row-level security as the
//! application role; a batch naming an archived channel writes nothing; a
//! new tenant's author check reads one member (migration 0031).

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::model::{Message, Role, User};
use arena_protocol::Snowflake;
use arena_server::ids::TenantId;
use arena_server::store::{NewMessage, StoreError};
use common::*;
use sqlx::{Connection, PgConnection};

/// (tenant id, channel id, a member id) of `key` in tenant `slug`, read as the owner.
async fn place(owner: &mut PgConnection, slug: &str, key: &str) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT t.id, c.id, (SELECT min(u.id) FROM users u WHERE u.tenant_id = t.id)
           FROM tenants t JOIN channels c ON c.tenant_id = t.id
          WHERE t.slug = $1 AND c.key = $2",
    )
    .bind(slug)
    .bind(key)
    .fetch_one(owner)
    .await
    .unwrap()
}

async fn last_seq(owner: &mut PgConnection, channel: i64) -> i64 {
    sqlx::query_scalar("SELECT last_seq FROM channels WHERE id = $1")
        .bind(channel)
        .fetch_one(owner)
        .await
        .unwrap()
}

fn new_message(id: u64, (tenant, channel, author): (i64, i64, i64), content: &str) -> NewMessage {
    NewMessage {
        tenant_id: TenantId(tenant),
        message: Message {
            id: Snowflake(id),
            channel_id: Snowflake(channel as u64),
            channel_seq: 0,
            author: User {
                id: Snowflake(author as u64),
                display_name: "someone".into(),
                role: Role::Partner,
                tier: None,
            },
            content: content.into(),
            card: None,
            reply_to: None,
            nonce: Some(format!("n-{id}")),
            created_at: "2026-11-26T00:00:00Z".into(),
            edited_at: None,
            pinned: false,
            reactions: Vec::new(),
            mentions: vec![Snowflake(author as u64)],
        },
        created_at: time::OffsetDateTime::now_utc(),
    }
}

#[tokio::test]
async fn a_batch_of_two_tenants_gets_each_channel_s_next_seqs_in_order() {
    let db = TestDb::create().await;
    let mut owner = PgConnection::connect(&db.url).await.unwrap();
    let demo = place(&mut owner, "demo", "general-chat").await;
    let acme = place(&mut owner, "acme", "general-chat").await;
    let (demo_before, acme_before) = (
        last_seq(&mut owner, demo.1).await,
        last_seq(&mut owner, acme.1).await,
    );
    let store = db.app_store().await;
    let base = 9_000_000_000_000_000_000u64;
    let batch = [
        new_message(base + 1, demo, "first in demo"),
        new_message(base + 2, acme, "first in acme"),
        new_message(base + 3, demo, "second in demo"),
    ];
    let got = store.insert_messages(&batch).await.unwrap();
    let seqs: Vec<u64> = got.iter().map(|m| m.channel_seq).collect();
    let (d, a) = (demo_before as u64, acme_before as u64);
    assert_eq!(
        seqs,
        vec![d + 1, a + 1, d + 2],
        "batch order within each channel"
    );
    assert_eq!(got[2].content, "second in demo");
    assert_eq!(last_seq(&mut owner, demo.1).await, demo_before + 2);
    assert_eq!(last_seq(&mut owner, acme.1).await, acme_before + 1);
    // Each message is stored under its own tenant, with its seq in the log's event.
    for m in &got {
        let (tenant, seq, mentions): (i64, i64, Vec<i64>) =
            sqlx::query_as("SELECT tenant_id, channel_seq, mentions FROM messages WHERE id = $1")
                .bind(m.id.0 as i64)
                .fetch_one(&mut owner)
                .await
                .unwrap();
        let want_tenant = if m.channel_id.0 as i64 == demo.1 {
            demo.0
        } else {
            acme.0
        };
        assert_eq!((tenant, seq as u64), (want_tenant, m.channel_seq));
        assert_eq!(mentions, vec![m.author.id.0 as i64]);
        let (t, d): (String, String) =
            sqlx::query_as("SELECT t, d FROM channel_events WHERE channel_id = $1 AND seq = $2")
                .bind(m.channel_id.0 as i64)
                .bind(m.channel_seq as i64)
                .fetch_one(&mut owner)
                .await
                .unwrap();
        assert_eq!(t, "MESSAGE_CREATE");
        let logged: Message = serde_json::from_str(&d).unwrap();
        assert_eq!(&logged, m, "the logged event is the acknowledged message");
    }
}

#[tokio::test]
async fn a_batch_naming_an_archived_channel_writes_nothing() {
    let db = TestDb::create().await;
    let mut owner = PgConnection::connect(&db.url).await.unwrap();
    let open = place(&mut owner, "demo", "general-chat").await;
    let archived = place(&mut owner, "demo", "introductions").await;
    sqlx::query("UPDATE channels SET archived = true WHERE id = $1")
        .bind(archived.1)
        .execute(&mut owner)
        .await
        .unwrap();
    let before = last_seq(&mut owner, open.1).await;
    let store = db.app_store().await;
    let base = 9_100_000_000_000_000_000u64;
    let batch = [
        new_message(base + 1, open, "would be fine"),
        new_message(base + 2, archived, "into an archived channel"),
    ];
    let err = store.insert_messages(&batch).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(
        last_seq(&mut owner, open.1).await,
        before,
        "nothing written"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE id = ANY($1)")
        .bind(vec![(base + 1) as i64, (base + 2) as i64])
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

/// A message's author check finds the member by key even in a tenant the
/// planner's statistics do not cover yet (migration 0031). Postgres checks
/// the author foreign key with `SELECT 1 FROM ONLY users x WHERE tenant_id =
/// $1 AND id = $2 FOR KEY SHARE OF x`; with the email index led by
/// tenant_id, a new tenant's check read every member and filtered on id.
#[tokio::test]
async fn the_author_check_of_a_new_tenant_s_message_reads_one_member() {
    let db = TestDb::create().await;
    let mut owner = PgConnection::connect(&db.url).await.unwrap();
    let demo = place(&mut owner, "demo", "general-chat").await;
    // The statistics know the demo tenant with 20,000 members ...
    add_members(&mut owner, demo.0, 8_100_000_000, 20_000).await;
    sqlx::query("ANALYZE users")
        .execute(&mut owner)
        .await
        .unwrap();
    // ... and nothing of a tenant created since, with 3,000.
    let fresh: i64 = 8_200_000_000;
    sqlx::query("INSERT INTO tenants (id, slug, name) VALUES ($1, 'fresh', 'Fresh')")
        .bind(fresh)
        .execute(&mut owner)
        .await
        .unwrap();
    add_members(&mut owner, fresh, 8_300_000_000, 3_000).await;

    for (tenant, member) in [(fresh, 8_300_002_500i64), (demo.0, 8_100_012_345)] {
        let plan = plan_of(
            &mut owner,
            &format!(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT 1 FROM ONLY users x
                  WHERE tenant_id = {tenant} AND id = {member} FOR KEY SHARE OF x"
            ),
        )
        .await;
        assert!(plan.contains("users_pkey"), "by key:\n{plan}");
        assert!(
            !plan.contains("Rows Removed by Filter"),
            "no other member read:\n{plan}"
        );
    }
}
