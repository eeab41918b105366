//! The rules of a plan's status, pure (no I/O) so they are unit-tested alone:
//!
//! ```text
//! draft ──submit──▶ submitted ──approve──▶ approved (final)
//!                     │    ▲
//!      request_changes│    │submit (after the partner's edits)
//!                     ▼    │
//!               changes_requested
//! ```
//!
//! The owning partner submits (and edits a draft or a plan with changes
//! requested); staff approve or request changes. A move that does not exist
//! from the current status is refused naming that status (`conflict`); who
//! may make a move is checked by the caller (`forbidden`).

use std::fmt;

/// A plan's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    ChangesRequested,
}

/// A move of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The partner hands the plan in for review.
    Submit,
    /// Staff accept it.
    Approve,
    /// Staff send it back with a note.
    RequestChanges,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Submitted,
        Status::ChangesRequested,
        Status::Approved,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::ChangesRequested => "changes_requested",
        }
    }

    /// The status named `s`, if any.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A label for people ("changes requested").
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::ChangesRequested => "changes requested",
        }
    }

    /// May the partner edit the plan's text in this status?
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::ChangesRequested)
    }

    /// The moves that exist from this status.
    pub fn moves(self) -> &'static [Move] {
        match self {
            Status::Draft | Status::ChangesRequested => &[Move::Submit],
            Status::Submitted => &[Move::Approve, Move::RequestChanges],
            Status::Approved => &[],
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Move {
    /// The status the move leads to.
    pub fn target(self) -> Status {
        match self {
            Move::Submit => Status::Submitted,
            Move::Approve => Status::Approved,
            Move::RequestChanges => Status::ChangesRequested,
        }
    }

    /// The move's name in actions and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Move::Submit => "submit",
            Move::Approve => "approve",
            Move::RequestChanges => "request changes",
        }
    }

    /// Is it a staff decision (approve, request changes)?
    pub fn is_decision(self) -> bool {
        !matches!(self, Move::Submit)
    }
}

/// A move that does not exist from the current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illegal {
    pub from: Status,
    pub attempted: Move,
}

impl fmt::Display for Illegal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self.from;
        let allowed: Vec<&str> = from.moves().iter().map(|m| m.as_str()).collect();
        if allowed.is_empty() {
            write!(
                f,
                "the plan is {from} (final); it cannot {}",
                self.attempted.as_str()
            )
        } else {
            write!(
                f,
                "the plan is {from}; it can {} only, not {}",
                allowed.join(" or "),
                self.attempted.as_str()
            )
        }
    }
}

/// The status after `m` from `from`, or why not.
pub fn apply(from: Status, m: Move) -> Result<Status, Illegal> {
    if from.moves().contains(&m) {
        Ok(m.target())
    } else {
        Err(Illegal { from, attempted: m })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_moves_and_nothing_else() {
        assert_eq!(apply(Status::Draft, Move::Submit), Ok(Status::Submitted));
        assert_eq!(
            apply(Status::Submitted, Move::Approve),
            Ok(Status::Approved)
        );
        assert_eq!(
            apply(Status::Submitted, Move::RequestChanges),
            Ok(Status::ChangesRequested)
        );
        assert_eq!(
            apply(Status::ChangesRequested, Move::Submit),
            Ok(Status::Submitted)
        );
        for (from, m) in [
            (Status::Draft, Move::Approve),
            (Status::Draft, Move::RequestChanges),
            (Status::Submitted, Move::Submit),
            (Status::ChangesRequested, Move::Approve),
            (Status::Approved, Move::Submit),
            (Status::Approved, Move::RequestChanges),
        ] {
            let e = apply(from, m).expect_err("illegal");
            assert_eq!(e.from, from);
            assert!(e.to_string().contains(&format!("is {from}")), "{e}");
        }
    }

    #[test]
    fn refusals_name_the_current_status_and_what_is_allowed() {
        let e = apply(Status::Submitted, Move::Submit).expect_err("illegal");
        assert_eq!(
            e.to_string(),
            "the plan is submitted; it can approve or request changes only, not submit"
        );
        let e = apply(Status::Approved, Move::Submit).expect_err("illegal");
        assert_eq!(
            e.to_string(),
            "the plan is approved (final); it cannot submit"
        );
    }

    #[test]
    fn names_round_trip_and_only_drafts_and_sent_back_plans_are_editable() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("rejected"), None);
        let editable: Vec<Status> = Status::ALL.into_iter().filter(|s| s.editable()).collect();
        assert_eq!(editable, [Status::Draft, Status::ChangesRequested]);
    }
}
