//! One user's presence over several nodes: the most present status wins.
//!
//! A member may be connected to several nodes at once (a browser on one,
//! the phone on another). The cluster shows one status for them, the most
//! present of those they set on their live nodes: online > dnd > idle >
//! offline (dnd is at the keyboard but busy, idle is away). Between equal
//! statuses the earlier `since` stands (they have been that since then).
//! Offline and invisible members are never in a node's list, so a member on
//! no live node is simply absent.

use arena_protocol::model::{Presence, Status};
use std::collections::HashMap;

/// How present a status is; higher wins.
pub fn rank(s: Status) -> u8 {
    match s {
        Status::Online => 3,
        Status::Dnd => 2,
        Status::Idle => 1,
        Status::Offline => 0,
    }
}

/// The winner of two presences of one user: the higher [`rank`], then the
/// earlier `since` (RFC 3339 in UTC with milliseconds, fixed width, so the
/// text order is the time order).
pub fn most_present(a: Presence, b: Presence) -> Presence {
    match rank(a.status).cmp(&rank(b.status)) {
        std::cmp::Ordering::Greater => a,
        std::cmp::Ordering::Less => b,
        std::cmp::Ordering::Equal if b.since < a.since => b,
        std::cmp::Ordering::Equal => a,
    }
}

/// Merges presences from several nodes (any order, a user any number of
/// times) into one per user, offline ones left out, at most `limit`, in
/// user id order (stable for clients and tests).
pub fn merge(all: impl IntoIterator<Item = Presence>, limit: usize) -> Vec<Presence> {
    let mut by_user: HashMap<arena_protocol::Snowflake, Presence> = HashMap::new();
    for p in all {
        if p.status == Status::Offline {
            continue;
        }
        match by_user.remove(&p.user_id) {
            Some(q) => by_user.insert(p.user_id, most_present(q, p)),
            None => by_user.insert(p.user_id, p),
        };
    }
    let mut out: Vec<Presence> = by_user.into_values().collect();
    out.sort_by_key(|p| p.user_id);
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_protocol::Snowflake;

    fn p(user: u64, status: Status, since: &str) -> Presence {
        Presence {
            user_id: Snowflake(user),
            status,
            since: since.into(),
        }
    }

    const EARLY: &str = "2026-01-01T10:00:00.000Z";
    const LATE: &str = "2026-01-01T11:00:00.000Z";

    #[test]
    fn the_most_present_status_wins_whatever_the_order() {
        use Status::*;
        let order = [Online, Dnd, Idle];
        for (i, hi) in order.iter().enumerate() {
            for lo in &order[i + 1..] {
                for (a, b) in [(*hi, *lo), (*lo, *hi)] {
                    let got = merge([p(7, a, EARLY), p(7, b, LATE)], 10);
                    assert_eq!(got.len(), 1);
                    assert_eq!(got[0].status, *hi, "{a:?} with {b:?}");
                }
            }
        }
    }

    #[test]
    fn equal_statuses_keep_the_earlier_since() {
        for (a, b) in [(EARLY, LATE), (LATE, EARLY)] {
            let got = merge([p(7, Status::Idle, a), p(7, Status::Idle, b)], 10);
            assert_eq!(got, vec![p(7, Status::Idle, EARLY)]);
        }
    }

    #[test]
    fn offline_entries_are_left_out_and_others_kept_apart() {
        let got = merge(
            [
                p(9, Status::Offline, EARLY),
                p(8, Status::Idle, EARLY),
                p(7, Status::Online, LATE),
                p(8, Status::Online, LATE),
            ],
            10,
        );
        assert_eq!(
            got,
            vec![p(7, Status::Online, LATE), p(8, Status::Online, LATE)]
        );
    }

    #[test]
    fn at_most_limit() {
        let all = (0..5).map(|u| p(u, Status::Online, EARLY));
        assert_eq!(merge(all, 3).len(), 3);
    }
}
