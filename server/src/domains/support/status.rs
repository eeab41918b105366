//! The rules of a case's status and priority, pure (no I/O) so they are
//! unit-tested alone:
//!
//! ```text
//! open ──▶ pending ──▶ resolved ──▶ closed (final)
//!   ▲                     │
//!   └──── reopen ─────────┘
//! ```
//!
//! Staff make every move. The author (a partner) may reopen a resolved case
//! or close it (accepting the resolution). Any other move is illegal for
//! everyone (`conflict`, naming the current status); a legal move by someone
//! who may not make it is `forbidden`.

use std::fmt;

/// A case's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Pending,
    Resolved,
    Closed,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Pending,
        Status::Resolved,
        Status::Closed,
    ];

    /// The stored and wire name (`open` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// The status named `s`, if any.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Statuses a case may move to from `self` (by staff; the author's
    /// subset is [`Mover::Author`]'s in [`check`]).
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Open => &[Status::Pending],
            Status::Pending => &[Status::Resolved],
            Status::Resolved => &[Status::Closed, Status::Open],
            Status::Closed => &[],
        }
    }

    /// A label for a button moving a case to `self`.
    pub fn verb(self) -> &'static str {
        match self {
            Status::Open => "Reopen",
            Status::Pending => "Mark pending",
            Status::Resolved => "Resolve",
            Status::Closed => "Close",
        }
    }

    /// Still waiting for staff (counts against the SLA)?
    pub fn is_active(self) -> bool {
        matches!(self, Status::Open | Status::Pending)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who asks for a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    Staff,
    /// The partner who opened the case.
    Author,
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No one may make this move from the current status.
    Illegal { from: Status, to: Status },
    /// The move exists, but only staff make it.
    StaffOnly { from: Status, to: Status },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Illegal { from, to } => {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                if allowed.is_empty() {
                    write!(f, "the case is {from} (final); it cannot move to {to}")
                } else {
                    write!(
                        f,
                        "the case is {from}; it can move to {} only, not {to}",
                        allowed.join(" or ")
                    )
                }
            }
            Refusal::StaffOnly { from, to } => {
                write!(f, "the case is {from}; only staff move it to {to}")
            }
        }
    }
}

/// May `who` move a case from `from` to `to`?
pub fn check(from: Status, to: Status, who: Mover) -> Result<(), Refusal> {
    if !from.next().contains(&to) {
        return Err(Refusal::Illegal { from, to });
    }
    match (who, from, to) {
        (Mover::Staff, ..) => Ok(()),
        (Mover::Author, Status::Resolved, Status::Open | Status::Closed) => Ok(()),
        (Mover::Author, ..) => Err(Refusal::StaffOnly { from, to }),
    }
}

/// The moves `who` may make from `from`, for buttons.
pub fn moves(from: Status, who: Mover) -> Vec<Status> {
    from.next()
        .iter()
        .copied()
        .filter(|to| check(from, *to, who).is_ok())
        .collect()
}

/// A case's priority: the partner suggests one, staff may change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The stored and wire name (`low` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// The priority named `s`, if any.
    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Does opening a case at this priority notify #support-tickets?
    pub fn notifies(self) -> bool {
        self >= Priority::High
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn staff_walk_the_workflow_and_reopen() {
        for (from, to) in [
            (Open, Pending),
            (Pending, Resolved),
            (Resolved, Closed),
            (Resolved, Open),
        ] {
            assert_eq!(check(from, to, Mover::Staff), Ok(()), "{from} → {to}");
        }
    }

    #[test]
    fn skipping_steps_going_back_and_leaving_closed_are_illegal() {
        for (from, to) in [
            (Open, Resolved),
            (Open, Closed),
            (Open, Open),
            (Pending, Open),
            (Pending, Closed),
            (Resolved, Pending),
            (Closed, Open),
            (Closed, Resolved),
            (Closed, Closed),
        ] {
            for who in [Mover::Staff, Mover::Author] {
                assert_eq!(
                    check(from, to, who),
                    Err(Refusal::Illegal { from, to }),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn the_author_only_reopens_or_closes_a_resolved_case() {
        assert_eq!(check(Resolved, Open, Mover::Author), Ok(()));
        assert_eq!(check(Resolved, Closed, Mover::Author), Ok(()));
        assert_eq!(
            check(Open, Pending, Mover::Author),
            Err(Refusal::StaffOnly {
                from: Open,
                to: Pending
            })
        );
        assert_eq!(
            check(Pending, Resolved, Mover::Author),
            Err(Refusal::StaffOnly {
                from: Pending,
                to: Resolved
            })
        );
        assert!(moves(Open, Mover::Author).is_empty());
        assert_eq!(moves(Resolved, Mover::Author), vec![Closed, Open]);
        assert!(moves(Closed, Mover::Staff).is_empty());
    }

    #[test]
    fn refusals_name_the_current_status() {
        let e = check(Closed, Open, Mover::Staff)
            .expect_err("refused")
            .to_string();
        assert!(e.contains("is closed"), "{e}");
        let e = check(Open, Closed, Mover::Staff)
            .expect_err("refused")
            .to_string();
        assert!(e.contains("is open") && e.contains("pending only"), "{e}");
    }

    #[test]
    fn names_round_trip_and_high_priorities_notify() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
        }
        assert_eq!(Status::parse("Open"), None);
        assert_eq!(Priority::parse("critical"), None);
        assert!(Priority::Urgent.notifies() && Priority::High.notifies());
        assert!(!Priority::Normal.notifies() && !Priority::Low.notifies());
    }
}
