//! Domain actors without Postgres: the subscription, supervision and retirement.

use super::*;
use crate::bus::{Audience, Projection};
use crate::ids::{ChannelId, UserId};
use crate::registry::{Principal, TenantChannels};
use arena_protocol::event::TypingStart;
use arena_protocol::model::{ChannelKind, Role};
use arena_protocol::Snowflake;
use std::sync::Mutex;
use std::time::Duration;

const TENANT: TenantId = TenantId(1);

/// Counts builds; panics on the `test.boom` panel; reacts to TYPING_START.
struct Counter {
    builds: u64,
}

impl Domain for Counter {
    const NAME: &'static str = "test";

    fn start(_ctx: &Context, _tenant_id: TenantId) -> Self {
        Counter { builds: 0 }
    }

    fn interested(event: &Event) -> bool {
        matches!(event, Event::TypingStart(_))
    }

    type Command = std::convert::Infallible;

    async fn on_committed(&mut self, _event: Event) -> Changed {
        Changed::All
    }

    async fn command(&mut self, command: Self::Command) -> Changed {
        match command {}
    }

    fn projection(_kind: &str, _viewer: &Actor) -> Projection {
        Projection::Everyone
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        _projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        match kind {
            "test.boom" => panic!("a bug in a panel builder"),
            "test.board" => {
                self.builds += 1;
                Ok(Some(serde_json::json!({ "builds": self.builds })))
            }
            _ => Ok(None),
        }
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(Audience, Event)>>);

impl Bus for Recorder {
    fn publish(&self, audience: Audience, event: Event) {
        self.0.lock().expect("lock").push((audience, event));
    }
}

fn context(bus: Arc<Recorder>) -> Context {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://nobody@127.0.0.1:1/unused")
        .expect("lazy pool");
    let registry = Registry::default();
    let board = ChannelInfo {
        tenant_id: TENANT,
        id: ChannelId(10),
        key: "board".into(),
        name: "board".into(),
        category: "test".into(),
        kind: ChannelKind::Panel,
        domain: Some("test".into()),
        panel: Some("test.board".into()),
        topic: None,
        position: 0,
        read: vec![Principal::Everyone],
        post: vec![],
        slow_mode_s: 0,
        locked: false,
    };
    registry.set_tenant(
        TENANT,
        TenantChannels {
            tenant: None,
            categories: vec![],
            channels: vec![board],
        },
    );
    let program = revenue::Program::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../program.toml"),
    )
    .expect("program");
    Context {
        store: Store::from_pool(pool),
        registry,
        bus,
        program: Arc::new(program),
        ids: Arc::new(arena_protocol::SnowflakeGenerator::new(1)),
        llm: None,
        links: super::Links::default(),
        files: None,
        panel_budget_bytes: super::fit::budget(256 * 1024),
    }
}

fn viewer() -> Actor {
    Actor::member(TENANT, UserId(2), Role::Partner, None)
}

fn builds(p: &Panel) -> u64 {
    p.data["builds"].as_u64().expect("builds")
}

fn handle(bus: Arc<Recorder>) -> (Handle<Counter>, TaskTracker) {
    let tasks = TaskTracker::new();
    (
        Handle::new(context(bus), tasks.clone(), CancellationToken::new()),
        tasks,
    )
}

#[tokio::test]
async fn a_panic_restarts_the_actor_with_fresh_state() {
    let (h, _tasks) = handle(Arc::default());
    let p = h.panel(&viewer(), "test.board").await.expect("built");
    assert_eq!(builds(&p), 1);
    let e = h.panel(&viewer(), "test.boom").await.expect_err("panicked");
    assert_eq!(e.code, ErrorCode::Internal);
    // Same mailbox, fresh state: the cache and the counter are gone.
    let p = h.panel(&viewer(), "test.board").await.expect("restarted");
    assert_eq!(builds(&p), 1);
    let e = h
        .panel(&viewer(), "test.nope")
        .await
        .expect_err("no such panel");
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_committed_event_it_wants_republishes_its_built_panels() {
    let bus = Arc::new(Recorder::default());
    let (h, _tasks) = handle(Arc::clone(&bus));
    h.panel(&viewer(), "test.board").await.expect("built");
    let typing = Event::TypingStart(TypingStart {
        channel_id: Snowflake(10),
        user_id: Snowflake(2),
        at: "2026-01-01T00:00:00.000Z".into(),
    });
    h.committed(TENANT, &typing);
    // A read after the event is answered after it was handled (one mailbox).
    h.panel(&viewer(), "test.board").await.expect("read");
    let published = std::mem::take(&mut *bus.0.lock().expect("lock"));
    assert_eq!(published.len(), 1);
    let (audience, event) = &published[0];
    assert_eq!(
        *audience,
        Audience::Panel {
            tenant_id: TENANT,
            channel_id: ChannelId(10),
            projection: Projection::Everyone,
        }
    );
    match event {
        Event::PanelUpdate(u) => assert_eq!(builds(&u.panel), 2),
        other => panic!("unexpected {}", other.name()),
    }
    // An event it does not want starts nothing and publishes nothing.
    let other = Event::PresenceUpdate(arena_protocol::model::Presence {
        user_id: Snowflake(2),
        status: arena_protocol::model::Status::Online,
        since: String::new(),
    });
    h.committed(TENANT, &other);
    h.panel(&viewer(), "test.board").await.expect("read");
    assert!(bus.0.lock().expect("lock").is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_idle_actor_retires_and_starts_again_on_demand() {
    let (h, tasks) = handle(Arc::default());
    let p = h.panel(&viewer(), "test.board").await.expect("built");
    assert_eq!(builds(&p), 1);
    assert_eq!(tasks.len(), 1);
    tokio::time::sleep(actor::IDLE + Duration::from_secs(1)).await;
    tokio::task::yield_now().await;
    assert_eq!(tasks.len(), 0, "retired");
    let p = h
        .panel(&viewer(), "test.board")
        .await
        .expect("started again");
    assert_eq!(builds(&p), 1, "a new actor, a new state");
    assert_eq!(tasks.len(), 1);
}

#[tokio::test]
async fn shutdown_stops_every_actor() {
    let tasks = TaskTracker::new();
    let shutdown = CancellationToken::new();
    let h: Handle<Counter> = Handle::new(context(Arc::default()), tasks.clone(), shutdown.clone());
    h.panel(&viewer(), "test.board").await.expect("built");
    shutdown.cancel();
    tasks.close();
    tokio::time::timeout(Duration::from_secs(5), tasks.wait())
        .await
        .expect("actors stopped");
}

#[tokio::test(start_paused = true)]
async fn a_change_after_retirement_still_reaches_the_viewers() {
    let bus = Arc::new(Recorder::default());
    let (h, tasks) = handle(Arc::clone(&bus));
    h.panel(&viewer(), "test.board").await.expect("built");
    tokio::time::sleep(actor::IDLE + Duration::from_secs(1)).await;
    tokio::task::yield_now().await;
    assert_eq!(tasks.len(), 0, "retired: its cache is gone");
    let typing = Event::TypingStart(TypingStart {
        channel_id: Snowflake(10),
        user_id: Snowflake(2),
        at: "2026-01-01T00:00:00.000Z".into(),
    });
    h.committed(TENANT, &typing);
    // A read after the event is answered after it was handled (one mailbox).
    h.panel(&viewer(), "test.board").await.expect("read");
    let published = std::mem::take(&mut *bus.0.lock().expect("lock"));
    assert_eq!(
        published.len(),
        1,
        "the watched panel is pushed by the new actor"
    );
}
