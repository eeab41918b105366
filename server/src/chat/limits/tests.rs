//! Limits without Postgres: budgets, slow mode windows and timeouts.

use super::*;
use arena_protocol::model::ChannelKind;

fn actor(role: Role) -> Actor {
    Actor::member(TenantId(1), UserId(2), role, None)
}

fn channel(slow_mode_s: u32) -> ChannelInfo {
    ChannelInfo {
        tenant_id: TenantId(1),
        id: ChannelId(10),
        key: "general".into(),
        name: "general".into(),
        category: "community".into(),
        kind: ChannelKind::Chat,
        domain: None,
        panel: None,
        topic: None,
        position: 0,
        read: vec![crate::registry::Principal::Everyone],
        post: vec![crate::registry::Principal::Everyone],
        slow_mode_s,
        locked: false,
    }
}

fn limiter(messages_per_second: u32) -> Limiter {
    let cfg = crate::config::Config {
        messages_per_second,
        ..crate::config::Config::default()
    };
    Limiter::new(Budgets::from_config(&cfg), None)
}

#[tokio::test]
async fn the_burst_is_three_seconds_of_budget_then_rate_limited() {
    let l = limiter(2);
    let a = actor(Role::Partner);
    for _ in 0..6 {
        l.check(&a, Kind::Message).await.expect("within the burst");
    }
    let e = l
        .check(&a, Kind::Message)
        .await
        .expect_err("past the burst");
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert!(e.retry_after_ms.is_some_and(|ms| ms > 0 && ms <= 501));
    // Another member has their own budget, and other kinds their own.
    let mut b = actor(Role::Partner);
    b.user_id = UserId(3);
    l.check(&b, Kind::Message).await.expect("own budget");
    l.check(&a, Kind::Edit).await.expect("own kind");
}

#[tokio::test]
async fn each_kind_has_its_configured_budget() {
    let cfg = crate::config::Config {
        edits_per_minute: 8,
        ..crate::config::Config::default()
    };
    let budgets = Budgets::from_config(&cfg);
    assert_eq!(
        budgets.of(Kind::Edit),
        Budget {
            interval: Duration::from_millis(7500),
            burst: 2
        }
    );
    let l = Limiter::new(budgets, None);
    let a = actor(Role::Partner);
    l.check(&a, Kind::Edit).await.expect("1");
    l.check(&a, Kind::Edit).await.expect("2");
    let e = l.check(&a, Kind::Edit).await.expect_err("burst of 2");
    assert!(e.retry_after_ms.is_some_and(|ms| ms > 7000 && ms <= 7501));
}

#[test]
fn slow_mode_allows_one_post_per_window() {
    let l = limiter(100);
    let a = actor(Role::Partner);
    let c = channel(10);
    let t0 = Instant::now();
    l.slow_mode_local(&a, &c, t0).expect("first post");
    let wait = l
        .slow_mode_local(&a, &c, t0 + Duration::from_secs(4))
        .expect_err("inside the window");
    assert_eq!(wait, 6000);
    l.slow_mode_local(&a, &c, t0 + Duration::from_secs(10))
        .expect("window over");
}

#[tokio::test]
async fn slow_mode_exempts_staff_bots_and_channels_without_it() {
    let l = limiter(100);
    for role in [Role::Staff, Role::Admin, Role::Bot] {
        let a = actor(role);
        l.check_slow_mode(&a, &channel(60)).await.expect("exempt");
        l.check_slow_mode(&a, &channel(60)).await.expect("exempt");
    }
    let a = actor(Role::Partner);
    l.check_slow_mode(&a, &channel(0)).await.expect("off");
    l.check_slow_mode(&a, &channel(0)).await.expect("off");
    l.check_slow_mode(&a, &channel(60)).await.expect("first");
    let e = l
        .check_slow_mode(&a, &channel(60))
        .await
        .expect_err("second");
    assert_eq!(e.code, ErrorCode::SlowMode);
}

#[test]
fn a_timeout_holds_until_it_ends() {
    let l = limiter(100);
    let a = actor(Role::Partner);
    let now = OffsetDateTime::now_utc();
    let t0 = Instant::now();
    assert_eq!(l.cached_mute(&a, t0), None, "unknown: read the database");
    let until = Some(now + time::Duration::minutes(5));
    l.note_muted(a.tenant_id, a.user_id, until);
    let cached = l.cached_mute(&a, Instant::now()).expect("fresh");
    let e = Limiter::verdict(cached, now).expect_err("muted");
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(e.retry_after_ms, Some(300_000));
    Limiter::verdict(cached, now + time::Duration::minutes(6)).expect("over");
    // Stale after the TTL: read again.
    assert_eq!(l.cached_mute(&a, Instant::now() + MUTE_CACHE_TTL), None);
    // Lifted explicitly.
    l.note_muted(a.tenant_id, a.user_id, None);
    Limiter::verdict(l.cached_mute(&a, Instant::now()).expect("fresh"), now).expect("lifted");
}

#[tokio::test]
async fn while_redis_does_not_answer_the_node_counts_alone() {
    // Nothing listens on loopback port 1: every connection is refused.
    let cluster = ClusterCounters::new("redis://127.0.0.1:1/").expect("a Redis URL");
    let cfg = crate::config::Config {
        messages_per_second: 2,
        ..crate::config::Config::default()
    };
    let l = Limiter::new(Budgets::from_config(&cfg), Some(cluster));
    let a = actor(Role::Partner);
    for _ in 0..6 {
        l.check(&a, Kind::Message).await.expect("local budget");
    }
    let e = l
        .check(&a, Kind::Message)
        .await
        .expect_err("local burst spent");
    assert_eq!(e.code, ErrorCode::RateLimited);
    l.check_slow_mode(&a, &channel(60)).await.expect("first");
    let e = l
        .check_slow_mode(&a, &channel(60))
        .await
        .expect_err("local slow mode");
    assert_eq!(e.code, ErrorCode::SlowMode);
}
