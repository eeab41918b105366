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

#[test]
fn the_burst_is_three_seconds_of_budget_then_rate_limited() {
    let l = Limiter::new(2);
    let a = actor(Role::Partner);
    for _ in 0..6 {
        l.check_rate(&a).expect("within the burst");
    }
    let e = l.check_rate(&a).expect_err("past the burst");
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert!(e.retry_after_ms.is_some_and(|ms| ms > 0 && ms <= 501));
    // Another member has their own budget.
    let mut b = actor(Role::Partner);
    b.user_id = UserId(3);
    l.check_rate(&b).expect("own budget");
}

#[test]
fn slow_mode_allows_one_post_per_window() {
    let l = Limiter::new(100);
    let a = actor(Role::Partner);
    let c = channel(10);
    let t0 = Instant::now();
    l.check_slow_mode(&a, &c, t0).expect("first post");
    let e = l
        .check_slow_mode(&a, &c, t0 + Duration::from_secs(4))
        .expect_err("inside the window");
    assert_eq!(e.code, ErrorCode::SlowMode);
    assert_eq!(e.retry_after_ms, Some(6000));
    l.check_slow_mode(&a, &c, t0 + Duration::from_secs(10))
        .expect("window over");
}

#[test]
fn slow_mode_exempts_staff_bots_and_channels_without_it() {
    let l = Limiter::new(100);
    let t0 = Instant::now();
    for role in [Role::Staff, Role::Admin, Role::Bot] {
        let a = actor(role);
        l.check_slow_mode(&a, &channel(60), t0).expect("exempt");
        l.check_slow_mode(&a, &channel(60), t0).expect("exempt");
    }
    let a = actor(Role::Partner);
    l.check_slow_mode(&a, &channel(0), t0).expect("off");
    l.check_slow_mode(&a, &channel(0), t0).expect("off");
}

#[test]
fn a_timeout_holds_until_it_ends() {
    let l = Limiter::new(100);
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
