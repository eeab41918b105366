//! Row-level security (issue 12, defence in depth; migration 0019): the
//! application role sees and writes only the rows of the tenant its
//! transaction names, whatever the query says, and nothing with no tenant set.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use sqlx::{Connection, PgConnection, Row};

/// The demo and acme tenants' ids (both seeded in every test database).
async fn tenants(owner: &mut PgConnection) -> (i64, i64) {
    let id = |slug: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT id FROM tenants WHERE slug = $1").bind(slug)
    };
    let a = id("demo").fetch_one(&mut *owner).await.unwrap();
    let b = id("acme").fetch_one(&mut *owner).await.unwrap();
    (a, b)
}

/// A connection as the application role itself (`arena_app`).
async fn app_conn(db: &TestDb) -> PgConnection {
    let mut c = PgConnection::connect(&app_url(&db.url)).await.unwrap();
    sqlx::query("SET ROLE arena_app")
        .execute(&mut c)
        .await
        .unwrap();
    c
}

/// Sets `app.tenant_id` for the open transaction, as `Store::tenant_tx` does.
async fn scope(c: &mut PgConnection, tenant: i64) {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *c)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_query_without_tenant_filter_sees_only_the_scoped_tenant() {
    let db = TestDb::create().await;
    let mut owner = PgConnection::connect(&db.url).await.unwrap();
    let (a, b) = tenants(&mut owner).await;
    let owner_a: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1")
        .bind(a)
        .fetch_one(&mut owner)
        .await
        .unwrap();
    let owner_b: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1")
        .bind(b)
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert!(owner_a > 0 && owner_b > 0, "both tenants have members");

    let mut app = app_conn(&db).await;
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut app)
        .await
        .unwrap();
    assert_eq!(who, "arena_app");

    // Scoped to A: no tenant filter in the SQL, only A's rows come back.
    sqlx::query("BEGIN").execute(&mut app).await.unwrap();
    scope(&mut app, a).await;
    let seen: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM users")
        .fetch_all(&mut app)
        .await
        .unwrap();
    assert_eq!(seen, vec![a]);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut app)
        .await
        .unwrap();
    assert_eq!(n, owner_a);
    let channels: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM channels")
        .fetch_all(&mut app)
        .await
        .unwrap();
    assert_eq!(channels, vec![a]);
    // B's rows cannot be changed from A either: the update finds nothing.
    let changed = sqlx::query("UPDATE users SET display_name = 'x' WHERE tenant_id = $1")
        .bind(b)
        .execute(&mut app)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    sqlx::query("COMMIT").execute(&mut app).await.unwrap();

    // An insert for B under A is refused (WITH CHECK).
    sqlx::query("BEGIN").execute(&mut app).await.unwrap();
    scope(&mut app, a).await;
    let err = sqlx::query(
        "INSERT INTO users (tenant_id, id, email, display_name, role)
         VALUES ($1, 999999001, 'intruder@acme.test', 'Intruder', 'partner')",
    )
    .bind(b)
    .execute(&mut app)
    .await
    .expect_err("an insert for another tenant is refused");
    let code = err
        .as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("42501"), "{err}");
    sqlx::query("ROLLBACK").execute(&mut app).await.unwrap();

    // No tenant set (after transactions that set one: the setting is ''
    // now): nothing is visible, and it is not an error.
    for _ in 0..2 {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&mut app)
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
    let err = sqlx::query(
        "INSERT INTO users (tenant_id, id, email, display_name, role)
         VALUES ($1, 999999002, 'nobody@demo.test', 'Nobody', 'partner')",
    )
    .bind(a)
    .execute(&mut app)
    .await
    .expect_err("an insert with no tenant set is refused");
    assert!(err.to_string().contains("row-level security"), "{err}");

    // The owner still sees both tenants (it runs migrations and the seed).
    let both: i64 = sqlx::query_scalar("SELECT count(DISTINCT tenant_id) FROM users")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(both, 2);
}

#[tokio::test]
async fn a_fresh_connection_sees_nothing_before_a_tenant_is_set() {
    let db = TestDb::create().await;
    let mut app = app_conn(&db).await;
    for table in [
        "users",
        "messages",
        "channel_events",
        "refresh_tokens",
        "deals",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut app)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test]
async fn every_tenant_table_forces_row_level_security() {
    let db = TestDb::create().await;
    let mut owner = PgConnection::connect(&db.url).await.unwrap();
    let rows = sqlx::query(
        "SELECT c.relname::text AS name, c.relrowsecurity, c.relforcerowsecurity,
                EXISTS (SELECT 1 FROM pg_policy p
                         WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation') AS policy
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
          WHERE c.relkind IN ('r', 'p')
            AND EXISTS (SELECT 1 FROM pg_attribute a
                         WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert!(rows.len() >= 58, "tenant tables: {}", rows.len());
    for r in rows {
        let name: String = r.get("name");
        assert!(
            r.get::<bool, _>("relrowsecurity"),
            "{name}: RLS not enabled"
        );
        assert!(
            r.get::<bool, _>("relforcerowsecurity"),
            "{name}: RLS not forced"
        );
        assert!(
            r.get::<bool, _>("policy"),
            "{name}: no tenant_isolation policy"
        );
    }
    // The application role neither owns the tables nor bypasses RLS.
    let (sup, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'arena_app'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert!(!sup && !bypass);
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) IN ('arena_app', $1)",
    )
    .bind(APP_ROLE)
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(owned, 0);
}

#[tokio::test]
async fn the_cross_tenant_role_is_narrow_and_only_by_set_role() {
    let db = TestDb::create().await;
    let mut owner = PgConnection::connect(&db.url).await.unwrap();
    let (a, b) = tenants(&mut owner).await;
    let mut app = app_conn(&db).await;

    // arena_app is NOINHERIT: the arena_system policies do not apply to it.
    sqlx::query("BEGIN").execute(&mut app).await.unwrap();
    scope(&mut app, a).await;
    let seen: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM users")
        .fetch_all(&mut app)
        .await
        .unwrap();
    assert_eq!(seen, vec![a]);
    sqlx::query("COMMIT").execute(&mut app).await.unwrap();

    // As arena_system: every tenant's token epochs, but no other columns or tables.
    sqlx::raw_sql("BEGIN; SET LOCAL ROLE arena_system")
        .execute(&mut app)
        .await
        .unwrap();
    let seen: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT tenant_id FROM users ORDER BY tenant_id")
            .fetch_all(&mut app)
            .await
            .unwrap();
    let mut both = vec![a, b];
    both.sort_unstable();
    assert_eq!(seen, both);
    sqlx::query("SAVEPOINT s").execute(&mut app).await.unwrap();
    let err = sqlx::query("SELECT password_hash FROM users LIMIT 1")
        .execute(&mut app)
        .await
        .expect_err("no password hashes across tenants");
    assert!(err.to_string().contains("permission denied"), "{err}");
    sqlx::query("ROLLBACK TO SAVEPOINT s")
        .execute(&mut app)
        .await
        .unwrap();
    let err = sqlx::query("SELECT count(*) FROM messages")
        .execute(&mut app)
        .await
        .expect_err("no messages across tenants");
    assert!(err.to_string().contains("permission denied"), "{err}");
    sqlx::query("ROLLBACK").execute(&mut app).await.unwrap();

    // The role ends with its transaction.
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut app)
        .await
        .unwrap();
    assert_eq!(who, "arena_app");
}
