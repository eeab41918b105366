//! The partner application's state machine (pure): `submitted →
//! under_review → approved | rejected`; a rejected partner may submit again.
//! Staff review and decide; every other move is refused naming the state.

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Submitted,
    UnderReview,
    Approved,
    Rejected,
}

impl Status {
    /// The stored and wire name: `submitted`, `under_review`, `approved`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::UnderReview => "under_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    /// The status named `s`, if any.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "submitted" => Status::Submitted,
            "under_review" => Status::UnderReview,
            "approved" => Status::Approved,
            "rejected" => Status::Rejected,
            _ => return None,
        })
    }

    /// How a person reads it: "Submitted", "Under review" …
    pub fn label(self) -> &'static str {
        match self {
            Status::Submitted => "Submitted",
            Status::UnderReview => "Under review",
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
        }
    }
}

/// A move on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The partner submits (first time, or again after a rejection).
    Submit,
    /// Staff start reviewing it.
    Review,
    /// Staff approve it.
    Approve,
    /// Staff reject it (with a reason).
    Reject,
}

impl Move {
    /// The move a staff decision `to` makes: `under_review` → Review,
    /// `approved` → Approve, `rejected` → Reject; `None` for `submitted`.
    pub fn decision(to: Status) -> Option<Move> {
        match to {
            Status::UnderReview => Some(Move::Review),
            Status::Approved => Some(Move::Approve),
            Status::Rejected => Some(Move::Reject),
            Status::Submitted => None,
        }
    }

    /// The verb of its activity entry, e.g. `application.approved`.
    pub fn verb(self) -> &'static str {
        match self {
            Move::Submit => "application.submitted",
            Move::Review => "application.under_review",
            Move::Approve => "application.approved",
            Move::Reject => "application.rejected",
        }
    }
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// There is no application to review or decide.
    NoApplication,
    /// The application's current status forbids the move.
    InState(Status),
}

impl Refused {
    /// The message of the refusal (`conflict` names the current state).
    pub fn message(&self, mv: Move) -> String {
        match self {
            Refused::NoApplication => "no application has been submitted".into(),
            Refused::InState(s) => {
                let want = match mv {
                    Move::Submit => "only a new or rejected application can be submitted",
                    Move::Review => "only a submitted application can be put under review",
                    Move::Approve | Move::Reject => {
                        "only an application under review can be decided"
                    }
                };
                format!("the application is {}: {want}", s.as_str())
            }
        }
    }
}

/// The status `mv` leads to from `current` (`None`: no application yet).
pub fn next(current: Option<Status>, mv: Move) -> Result<Status, Refused> {
    use Status::*;
    match (current, mv) {
        (None | Some(Rejected), Move::Submit) => Ok(Submitted),
        (Some(Submitted), Move::Review) => Ok(UnderReview),
        (Some(UnderReview), Move::Approve) => Ok(Approved),
        (Some(UnderReview), Move::Reject) => Ok(Rejected),
        (None, _) => Err(Refused::NoApplication),
        (Some(s), _) => Err(Refused::InState(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    const ALL: [Option<Status>; 5] = [
        None,
        Some(Submitted),
        Some(UnderReview),
        Some(Approved),
        Some(Rejected),
    ];
    const MOVES: [Move; 4] = [Move::Submit, Move::Review, Move::Approve, Move::Reject];

    #[test]
    fn the_happy_path_and_a_resubmission() {
        let s = next(None, Move::Submit).expect("submit");
        let s = next(Some(s), Move::Review).expect("review");
        assert_eq!(next(Some(s), Move::Approve), Ok(Approved));
        let r = next(Some(s), Move::Reject).expect("reject");
        assert_eq!(r, Rejected);
        assert_eq!(next(Some(r), Move::Submit), Ok(Submitted));
    }

    #[test]
    fn exactly_the_listed_moves_are_allowed() {
        let allowed = [
            (None, Move::Submit),
            (Some(Rejected), Move::Submit),
            (Some(Submitted), Move::Review),
            (Some(UnderReview), Move::Approve),
            (Some(UnderReview), Move::Reject),
        ];
        for from in ALL {
            for mv in MOVES {
                let r = next(from, mv);
                assert_eq!(r.is_ok(), allowed.contains(&(from, mv)), "{from:?} {mv:?}");
                if let (Err(e), Some(s)) = (&r, from) {
                    assert_eq!(e, &Refused::InState(s));
                    assert!(e.message(mv).contains(s.as_str()), "{}", e.message(mv));
                }
            }
        }
        assert_eq!(next(None, Move::Approve), Err(Refused::NoApplication));
    }

    #[test]
    fn approved_is_final() {
        for mv in MOVES {
            assert!(next(Some(Approved), mv).is_err(), "{mv:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for s in ALL.into_iter().flatten() {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("pending"), None);
        assert_eq!(Move::decision(Submitted), None);
        assert_eq!(Move::decision(Approved), Some(Move::Approve));
    }
}
