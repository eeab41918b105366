//! Presence without sockets or Postgres: what others see, and when it is published.

use super::*;
use crate::bus::Audience;
use crate::hub::Outbox;
use arena_protocol::model::Role;
use arena_protocol::Encoding;
use std::sync::Mutex;

/// A bus that records what is published.
#[derive(Default)]
struct Recorder(Mutex<Vec<(Audience, Event)>>);

impl Bus for Recorder {
    fn publish(&self, audience: Audience, event: Event) {
        self.0.lock().expect("lock").push((audience, event));
    }
}

impl Recorder {
    /// Statuses published since the last call.
    fn take(&self) -> Vec<Status> {
        std::mem::take(&mut *self.0.lock().expect("lock"))
            .into_iter()
            .map(|(a, e)| {
                assert_eq!(a, Audience::Tenant(TenantId(1)));
                match e {
                    Event::PresenceUpdate(p) => p.status,
                    other => panic!("unexpected {}", other.name()),
                }
            })
            .collect()
    }
}

fn actor(user: i64) -> Actor {
    Actor::member(TenantId(1), UserId(user), Role::Partner, None)
}

fn table(limit: usize) -> (PresenceTable, Arc<Recorder>, Hub) {
    let rec = Arc::new(Recorder::default());
    let hub = Hub::default();
    let bus: Arc<dyn Bus> = rec.clone();
    (PresenceTable::new(hub.clone(), bus, limit), rec, hub)
}

#[test]
fn first_socket_online_last_socket_offline() {
    let (p, rec, _) = table(100);
    let ana = actor(2);
    p.connect(&ana, RequestedStatus::Online);
    assert_eq!(rec.take(), vec![Status::Online]);
    p.connect(&ana, RequestedStatus::Online);
    assert_eq!(rec.take(), vec![], "a second tab changes nothing");
    p.disconnect(&ana);
    assert_eq!(rec.take(), vec![], "one tab is still open");
    assert_eq!(p.list(TenantId(1), 10).len(), 1);
    p.disconnect(&ana);
    assert_eq!(rec.take(), vec![Status::Offline]);
    assert!(p.list(TenantId(1), 10).is_empty());
}

#[test]
fn status_changes_are_published_once() {
    let (p, rec, _) = table(100);
    let ana = actor(2);
    p.connect(&ana, RequestedStatus::Online);
    p.update(&ana, RequestedStatus::Idle);
    p.update(&ana, RequestedStatus::Idle);
    p.update(&ana, RequestedStatus::Dnd);
    assert_eq!(rec.take(), vec![Status::Online, Status::Idle, Status::Dnd]);
}

#[test]
fn invisible_members_look_offline_and_are_not_listed() {
    let (p, rec, _) = table(100);
    let ana = actor(2);
    p.connect(&ana, RequestedStatus::Invisible);
    assert_eq!(rec.take(), vec![], "offline to offline is no change");
    assert!(p.list(TenantId(1), 10).is_empty());
    p.update(&ana, RequestedStatus::Online);
    p.update(&ana, RequestedStatus::Invisible);
    assert_eq!(rec.take(), vec![Status::Online, Status::Offline]);
    p.disconnect(&ana);
    assert_eq!(rec.take(), vec![], "already offline to others");
}

#[test]
fn large_tenants_are_not_broadcast_to() {
    let (p, rec, hub) = table(1);
    for key in 0..2 {
        let (o, _rx) = Outbox::new(key, actor(key as i64 + 10), Encoding::Json, 8, 1024);
        hub.join_tenant(&o);
    }
    p.connect(&actor(2), RequestedStatus::Online);
    assert_eq!(
        rec.take(),
        vec![],
        "2 sessions > limit 1: clients poll presence.list"
    );
    assert_eq!(p.list(TenantId(1), 10).len(), 1);
}

#[test]
fn lists_walk_only_visible_members_in_id_order() {
    let (p, _rec, _hub) = table(100);
    for user in [9, 3, 7, 5] {
        p.connect(&actor(user), RequestedStatus::Online);
    }
    for user in 100..200 {
        p.connect(&actor(user), RequestedStatus::Invisible);
    }
    // 7 goes invisible, 5 goes idle, 3's last socket leaves.
    p.update(&actor(7), RequestedStatus::Invisible);
    p.update(&actor(5), RequestedStatus::Idle);
    p.disconnect(&actor(3));
    let ids = |v: Vec<arena_protocol::model::Presence>| -> Vec<u64> {
        v.into_iter().map(|p| p.user_id.0).collect()
    };
    assert_eq!(ids(p.list(TenantId(1), 10)), vec![5, 9]);
    assert_eq!(ids(p.page(TenantId(1), Some(UserId(5)), 10)), vec![9]);
    assert_eq!(ids(p.list(TenantId(1), 1)), vec![5]);
    // Visible again: listed again.
    p.update(&actor(7), RequestedStatus::Dnd);
    assert_eq!(ids(p.list(TenantId(1), 10)), vec![5, 7, 9]);
}
