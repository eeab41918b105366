//! The database of a test: `ARENA_TEST_DATABASE_URL`, URL rewriting, and
//! [`TestDb`], a private copy of a migrated, demo-seeded template database
//! (built once per content of migrations, registry and seed) that is dropped
//! with the value.

use super::{channels_path, repo_root};
use arena_protocol::SnowflakeGenerator;
use arena_server::registry::RegistryFile;
use arena_server::store::Store;
use sqlx::Connection;
use std::path::PathBuf;
use std::time::Duration;

/// `ARENA_TEST_DATABASE_URL`, or a panic that says how to get one.
pub fn base_url() -> String {
    match std::env::var("ARENA_TEST_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => panic!("ARENA_TEST_DATABASE_URL is not set: run ./scripts/test"),
    }
}

/// Splits `postgres://user:pw@host:port/db?query` into (prefix up to and
/// including `@`, `host:port`, database, `?query` or empty).
pub(super) fn split_url(url: &str) -> (String, String, String, String) {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let at = rest.rfind('@').map_or(0, |i| i + 1);
    let after_at = &rest[at..];
    let slash = after_at.find('/').unwrap_or(after_at.len());
    let hostport = &after_at[..slash];
    let path = &after_at[slash..];
    let (db, query) = match path.find('?') {
        Some(q) => (&path[..q], &path[q..]),
        None => (path, ""),
    };
    (
        format!("{}{}", &url[..scheme_end], &rest[..at]),
        hostport.to_owned(),
        db.trim_start_matches('/').to_owned(),
        query.to_owned(),
    )
}

fn with_database(url: &str, db: &str) -> String {
    let (pre, hp, _, q) = split_url(url);
    format!("{pre}{hp}/{db}{q}")
}

pub(super) fn with_hostport(url: &str, hostport: &str) -> String {
    let (pre, _, db, q) = split_url(url);
    format!("{pre}{hostport}/{db}{q}")
}

fn random_hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::rng();
    (0..n)
        .map(|_| format!("{:x}", r.random_range(0..16u8)))
        .collect()
}

/// The login role test servers connect as: a member of `arena_app`
/// (migration 0019) with its rights, so row-level security holds in every
/// test as in production. Its own role, so the tests never change the
/// password `scripts/lib.sh` gave `arena_app` on a shared Postgres.
pub const APP_ROLE: &str = "arena_test_app";
const APP_PASSWORD: &str = "arena-test-app";

/// `url` (the owner's, as in `ARENA_TEST_DATABASE_URL`) with the
/// credentials of [`APP_ROLE`]: what a test server connects with.
pub fn app_url(url: &str) -> String {
    let (pre, hp, db, q) = split_url(url);
    let scheme = pre.find("://").map_or("postgres://", |i| &pre[..i + 3]);
    format!("{scheme}{APP_ROLE}:{APP_PASSWORD}@{hp}/{db}{q}")
}

impl TestDb {
    /// The store as the server runs it: a small pool of the application
    /// role (row-level security applies), on this database.
    pub async fn app_store(&self) -> arena_server::store::Store {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&app_url(&self.url))
            .await
            .expect("connect as the application role");
        arena_server::store::Store::from_pool(pool)
    }
}

/// Creates the roles of migration 0019 and [`APP_ROLE`] when missing (roles
/// are the cluster's, not a database's). Called under the advisory lock.
async fn ensure_roles(conn: &mut sqlx::PgConnection) {
    sqlx::raw_sql(&format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arena_app') THEN
             CREATE ROLE arena_app NOLOGIN NOINHERIT;
           END IF;
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
             CREATE ROLE {APP_ROLE} LOGIN INHERIT PASSWORD '{APP_PASSWORD}';
           END IF;
         END $$;
         GRANT arena_app TO {APP_ROLE};"
    ))
    .execute(conn)
    .await
    .expect("create the test roles");
}

/// A private database for one test: created, migrated, demo-seeded; dropped
/// (best effort, `WITH (FORCE)`) when the value is dropped.
pub struct TestDb {
    /// URL of this database (direct, not through any proxy).
    pub url: String,
    pub name: String,
    admin_url: String,
}

impl TestDb {
    /// A fresh copy of the seeded template database (built once per content
    /// of migrations, registry and seed; see [`template`]).
    pub async fn create() -> TestDb {
        let admin_url = base_url();
        let name = format!("arena_t_{}", random_hex(16));
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to ARENA_TEST_DATABASE_URL");
        // One lock for every process: template build and clones never overlap
        // (CREATE DATABASE … TEMPLATE needs the template to have no sessions).
        sqlx::query("SELECT pg_advisory_lock(727274001)")
            .execute(&mut conn)
            .await
            .expect("advisory lock");
        ensure_roles(&mut conn).await;
        let tpl = template(&mut conn, &admin_url).await;
        sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {tpl}"))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        let _ = sqlx::query("SELECT pg_advisory_unlock(727274001)")
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        TestDb {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        }
    }
}

/// A digest of what the seeded database depends on: migrations, the registry
/// file, the seed and the code that writes them.
fn content_digest() -> String {
    use std::hash::{Hash, Hasher};
    let root = repo_root();
    let mut files: Vec<PathBuf> = vec![
        root.join("channels.toml"),
        root.join("server/src/seed.rs"),
        root.join("server/src/seed/demo.toml"),
    ];
    for dir in [
        "migrations",
        "server/src/store",
        "server/src/registry",
        "server/src/seed",
    ] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            files.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
        }
    }
    files.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        f.hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// The name of the migrated, demo-seeded template database, building it if
/// it does not exist yet. Called under the advisory lock.
async fn template(conn: &mut sqlx::PgConnection, admin_url: &str) -> String {
    let name = format!("arena_tpl_{}", content_digest());
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut *conn)
        .await
        .expect("pg_database");
    if exists.is_some() {
        return name;
    }
    // Templates of older contents are no longer needed (clones never overlap this, under the lock).
    let old: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'arena\\_tpl\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for o in old {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {o}"))
            .execute(&mut *conn)
            .await;
    }
    // Built under another name and renamed once complete: a crash mid-build leaves no half template.
    let build = format!("{name}_build");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {build} WITH (FORCE)"))
        .execute(&mut *conn)
        .await
        .expect("drop stale build");
    sqlx::query(&format!("CREATE DATABASE {build}"))
        .execute(&mut *conn)
        .await
        .expect("CREATE DATABASE (template)");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&with_database(admin_url, &build))
        .await
        .expect("connect to the template database");
    let store = Store::from_pool(pool.clone());
    store.migrate().await.expect("migrate");
    let file = RegistryFile::load(&channels_path()).expect("channels.toml");
    // Node 1023: never the test server's node, so ids cannot collide.
    let ids = SnowflakeGenerator::new(1023);
    let program =
        arena_server::domains::revenue::Program::load(&super::repo_root().join("program.toml"))
            .expect("program.toml");
    arena_server::seed::seed_demo(&store, &ids, &file, &program)
        .await
        .expect("seed_demo");
    drop(store);
    pool.close().await;
    // A closed pool's backends exit asynchronously: wait until the build
    // database has no sessions left before renaming it.
    let mut tries = 0;
    loop {
        match sqlx::query(&format!("ALTER DATABASE {build} RENAME TO {name}"))
            .execute(&mut *conn)
            .await
        {
            Ok(_) => break,
            Err(e) if tries < 100 => {
                tries += 1;
                let _ = e;
                // An autovacuum worker may have started on the fresh database.
                let _ = sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&build)
                .execute(&mut *conn)
                .await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("rename template: {e}"),
        }
    }
    name
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // A fresh runtime on its own thread: Drop may run inside (or outside) a runtime.
        let t = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let fut = async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                        let _ = c.close().await;
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), fut).await;
            });
        });
        let _ = t.join();
    }
}

/// The lines of `explain` (an `EXPLAIN …` statement) joined: for tests of
/// which index a query is planned on.
pub async fn plan_of(conn: &mut sqlx::PgConnection, explain: &str) -> String {
    let lines: Vec<String> = sqlx::query_scalar(explain)
        .fetch_all(conn)
        .await
        .expect("EXPLAIN");
    lines.join("\n")
}

/// Adds `n` partners to `tenant`, ids `first + 1 ..= first + n`, each with
/// the email `m{id}@load.test` (as the table's owner).
pub async fn add_members(conn: &mut sqlx::PgConnection, tenant: i64, first: i64, n: i64) {
    sqlx::query(
        "INSERT INTO users (tenant_id, id, email, display_name, role)
         SELECT $1, $2 + g, 'm' || ($2 + g) || '@load.test', 'Member ' || g, 'partner'
           FROM generate_series(1, $3) g",
    )
    .bind(tenant)
    .bind(first)
    .bind(n)
    .execute(conn)
    .await
    .expect("add members");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = "postgres://arena:pw@127.0.0.1:55432/arena?sslmode=disable";
        assert_eq!(
            with_database(u, "x"),
            "postgres://arena:pw@127.0.0.1:55432/x?sslmode=disable"
        );
        assert_eq!(
            with_hostport(u, "127.0.0.1:1"),
            "postgres://arena:pw@127.0.0.1:1/arena?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1/db", "y"), "postgres://h:1/y");
    }
}
