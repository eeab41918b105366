//! Sequencing and replay without sockets or Postgres.

use super::*;
use crate::ids::{TenantId, UserId};
use arena_protocol::event::TypingStart;
use arena_protocol::model::Role;
use arena_protocol::{Encoding, Event, Snowflake};

fn session(replay_cap: usize) -> Session {
    let actor = Actor::member(TenantId(1), UserId(2), Role::Partner, None);
    let (outbox, rx) = Outbox::new(9, actor, Encoding::Json, 64, 1 << 20);
    let user = User {
        id: Snowflake(2),
        display_name: "Ana".into(),
        role: Role::Partner,
        tier: None,
    };
    Session::new("s1".into(), outbox, rx, user, replay_cap)
}

fn prefix() -> DispatchPrefix {
    let e = Event::TypingStart(TypingStart {
        channel_id: Snowflake(5),
        user_id: Snowflake(2),
        at: "2026-01-01T00:00:00.000Z".into(),
    });
    DispatchPrefix::encode(Encoding::Json, &e).expect("encodes")
}

fn live(channel: i64, channel_seq: u64) -> Outbound {
    Outbound::Dispatch {
        prefix: prefix(),
        channel_id: ChannelId(channel),
        channel_seq,
    }
}

fn seq_of(item: Option<Outbound>) -> Option<u64> {
    match item? {
        Outbound::Numbered(s, _) => Some(s),
        other => panic!("not numbered: {other:?}"),
    }
}

fn seqs(items: Vec<Outbound>) -> Vec<u64> {
    items
        .into_iter()
        .map(|i| seq_of(Some(i)).expect("numbered"))
        .collect()
}

#[test]
fn dispatches_are_numbered_from_one_and_kept() {
    let s = session(10);
    assert_eq!(seq_of(s.number(live(5, 1))), Some(1));
    assert_eq!(seq_of(s.number(live(0, 0))), Some(2));
    assert_eq!(seqs(s.replay_after(0).expect("covered")), vec![1, 2]);
    assert_eq!(seqs(s.replay_after(1).expect("covered")), vec![2]);
    assert!(s.replay_after(2).expect("nothing missed").is_empty());
}

#[test]
fn frames_pass_unnumbered() {
    let s = session(10);
    let f = s.number(Outbound::Frame(bytes::Bytes::from_static(b"{}")));
    assert!(matches!(f, Some(Outbound::Frame(_))));
    assert_eq!(s.state().seq, 0);
}

#[test]
fn eviction_makes_an_old_cursor_unservable() {
    let s = session(3);
    for i in 1..=5 {
        s.number(live(5, i));
    }
    // Kept: 3, 4, 5. A client at 2 needs 3..5: served; at 1 it needs 2: gone.
    assert_eq!(seqs(s.replay_after(2).expect("covered")), vec![3, 4, 5]);
    assert!(s.replay_after(1).is_none());
}

#[test]
fn the_floor_drops_what_the_client_has_then_lifts() {
    let s = session(10);
    s.state().floor = vec![(ChannelId(5), 7)];
    assert!(s.number(live(5, 6)).is_none());
    assert!(s.number(live(5, 7)).is_none());
    // Another channel is not held back.
    assert_eq!(seq_of(s.number(live(6, 1))), Some(1));
    assert_eq!(seq_of(s.number(live(5, 8))), Some(2));
    assert!(s.state().floor.is_empty());
}

#[test]
fn ready_takes_a_number_but_is_not_replayable() {
    let s = session(10);
    s.number(live(5, 1));
    assert_eq!(seq_of(s.number(Outbound::Unkept(prefix()))), Some(2));
    // The buffer cannot cover s = 2, so a resume from before it uses the log.
    assert!(s.replay_after(0).is_none());
    assert!(s.replay_after(2).expect("nothing missed").is_empty());
}

#[test]
fn a_replay_cap_of_zero_keeps_nothing() {
    let s = session(0);
    s.number(live(5, 1));
    assert!(s.replay_after(0).is_none());
}

#[test]
fn queued_dispatches_are_absorbed_into_the_replay() {
    let s = session(10);
    s.outbox.push(live(5, 1));
    s.outbox
        .push(Outbound::Frame(bytes::Bytes::from_static(b"{\"op\":12}")));
    s.outbox.push(live(5, 2));
    let rx = &mut *s.rx.try_lock().expect("no writer");
    s.absorb_queue(rx);
    assert_eq!(s.outbox.queued_bytes(), 0);
    assert_eq!(seqs(s.replay_after(0).expect("covered")), vec![1, 2]);
}

#[test]
fn the_table_expires_detached_sessions_after_the_window() {
    let table = SessionTable::default();
    let s = Arc::new(session(1));
    table.insert(Arc::clone(&s));
    let now = Instant::now();
    let window = std::time::Duration::from_secs(60);
    assert!(table.expired(window, now).is_empty(), "attached");
    s.state().detached_at = Some(now);
    assert!(table.expired(window, now).is_empty(), "inside the window");
    assert_eq!(table.expired(window, now + window).len(), 1);
    assert_eq!(table.of_user(TenantId(1), UserId(2)).len(), 1);
    assert!(table.of_user(TenantId(2), UserId(2)).is_empty());
}

fn session_of(id: &str, user: i64) -> Arc<Session> {
    let actor = Actor::member(TenantId(1), UserId(user), Role::Partner, None);
    let (outbox, rx) = Outbox::new(9, actor, Encoding::Json, 64, 1 << 20);
    let u = User {
        id: Snowflake(user as u64),
        display_name: "member".into(),
        role: Role::Partner,
        tier: None,
    };
    Arc::new(Session::new(id.into(), outbox, rx, u, 0))
}

#[test]
fn the_table_finds_a_member_s_sessions_by_its_index() {
    let t = SessionTable::default();
    t.insert(session_of("a", 2));
    t.insert(session_of("b", 2));
    t.insert(session_of("c", 3));
    let ids = |u: i64| {
        let mut v: Vec<String> = t
            .of_user(TenantId(1), UserId(u))
            .iter()
            .map(|s| s.id.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(2), ["a", "b"]);
    assert_eq!(t.count_of_user(TenantId(1), UserId(2)), 2);
    // The same id again (a RESUME elsewhere) replaces, not duplicates.
    t.insert(session_of("b", 2));
    assert_eq!(ids(2), ["a", "b"]);
    assert_eq!(t.count_of_user(TenantId(1), UserId(2)), 2);
    t.remove("a");
    t.remove("b");
    assert!(ids(2).is_empty());
    assert_eq!(t.count_of_user(TenantId(1), UserId(2)), 0);
    assert_eq!(ids(3), ["c"]);
    assert!(
        t.by_user.get(&(TenantId(1), UserId(2))).is_none(),
        "no empty entries"
    );
}

#[test]
fn the_index_counts_and_drops_one_of_a_member_s_many_sessions() {
    let t = SessionTable::default();
    for i in 0..10_000 {
        t.insert(session_of(&format!("s{i}"), 2));
    }
    t.insert(session_of("other", 3));
    assert_eq!(t.count_of_user(TenantId(1), UserId(2)), 10_000);
    assert!(t.remove("s4321").is_some());
    assert_eq!(t.count_of_user(TenantId(1), UserId(2)), 9_999);
    let left = t.of_user(TenantId(1), UserId(2));
    assert_eq!(left.len(), 9_999);
    assert!(left.iter().all(|s| s.id != "s4321"));
    assert_eq!(t.count_of_user(TenantId(1), UserId(3)), 1);
    assert_eq!(t.count_of_user(TenantId(1), UserId(4)), 0);
}

#[test]
fn a_built_round_is_numbered_kept_for_replay_and_framed() {
    let s = session(10);
    s.state().floor = vec![(ChannelId(6), 3)];
    let frames = s.build(vec![
        live(5, 1),
        Outbound::Frame(bytes::Bytes::from_static(b"{\"op\":12}")),
        live(6, 3),
        live(6, 4),
    ]);
    // The floor dropped (6, 3); the others are framed in order.
    assert_eq!(frames.len(), 3);
    let mut want = Vec::new();
    prefix().finish_into(1, &mut want);
    assert_eq!(frames[0], want);
    assert_eq!(&frames[1][..], b"{\"op\":12}");
    want.clear();
    prefix().finish_into(2, &mut want);
    assert_eq!(frames[2], want);
    // Both dispatches went into the replay buffer with their `s`.
    assert_eq!(seqs(s.replay_after(0).expect("covered")), vec![1, 2]);
    // A one-item round does the same.
    let one = s.build_one(live(5, 2)).expect("framed");
    want.clear();
    prefix().finish_into(3, &mut want);
    assert_eq!(one, want);
    assert_eq!(seqs(s.replay_after(2).expect("covered")), vec![3]);
}
