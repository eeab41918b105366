//! An alliance's status as a pure state machine (issue 15): prospect →
//! negotiation → active ⇄ paused, and from any status to closed, which is
//! final. Every other move (standing still included) is refused naming the
//! current status and the moves it allows.

use std::fmt;

/// The status of an alliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Prospect,
    Negotiation,
    Active,
    Paused,
    Closed,
}

/// Every status, in pipeline order.
pub const STATUSES: [Status; 5] = [
    Status::Prospect,
    Status::Negotiation,
    Status::Active,
    Status::Paused,
    Status::Closed,
];

/// A move the rules refuse: `from` is the alliance's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalMove {
    pub from: Status,
    pub to: Status,
}

impl fmt::Display for IllegalMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed: Vec<&str> = self.from.moves().iter().map(|s| s.as_str()).collect();
        let allowed = if allowed.is_empty() {
            "none: it is final".to_owned()
        } else {
            allowed.join(", ")
        };
        write!(
            f,
            "the alliance is {}; it cannot move to {} (allowed: {allowed})",
            self.from.as_str(),
            self.to.as_str()
        )
    }
}

impl Status {
    /// The stored and wire name, e.g. `"negotiation"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Prospect => "prospect",
            Status::Negotiation => "negotiation",
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Closed => "closed",
        }
    }

    /// The status named `s`, if any.
    pub fn parse(s: &str) -> Option<Status> {
        STATUSES.into_iter().find(|x| x.as_str() == s)
    }

    /// A label for buttons, e.g. "Negotiation".
    pub fn title(self) -> &'static str {
        match self {
            Status::Prospect => "Prospect",
            Status::Negotiation => "Negotiation",
            Status::Active => "Active",
            Status::Paused => "Paused",
            Status::Closed => "Closed",
        }
    }

    /// The statuses this one may move to.
    pub fn moves(self) -> &'static [Status] {
        match self {
            Status::Prospect => &[Status::Negotiation, Status::Closed],
            Status::Negotiation => &[Status::Active, Status::Closed],
            Status::Active => &[Status::Paused, Status::Closed],
            Status::Paused => &[Status::Active, Status::Closed],
            Status::Closed => &[],
        }
    }

    /// Checks the move to `to`.
    pub fn move_to(self, to: Status) -> Result<Status, IllegalMove> {
        if self.moves().contains(&to) {
            Ok(to)
        } else {
            Err(IllegalMove { from: self, to })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_pipeline_moves_forward_and_active_and_paused_alternate() {
        assert_eq!(Prospect.move_to(Negotiation), Ok(Negotiation));
        assert_eq!(Negotiation.move_to(Active), Ok(Active));
        assert_eq!(Active.move_to(Paused), Ok(Paused));
        assert_eq!(Paused.move_to(Active), Ok(Active));
        assert!(Prospect.move_to(Active).is_err(), "no skipping");
        assert!(Negotiation.move_to(Prospect).is_err(), "no going back");
        assert!(Prospect.move_to(Paused).is_err());
        assert!(Active.move_to(Active).is_err(), "no standing still");
    }

    #[test]
    fn any_status_may_close_and_closed_is_final() {
        for s in STATUSES.into_iter().filter(|s| *s != Closed) {
            assert_eq!(s.move_to(Closed), Ok(Closed), "{s:?}");
        }
        for to in STATUSES {
            let e = Closed.move_to(to).expect_err("closed is final");
            assert!(e.to_string().contains("is closed"), "{e}");
            assert!(e.to_string().contains("final"), "{e}");
        }
    }

    #[test]
    fn the_refusal_names_the_current_status_and_the_allowed_moves() {
        let e = Prospect.move_to(Active).expect_err("skip");
        assert_eq!(e.from, Prospect);
        assert!(e.to_string().contains("is prospect"), "{e}");
        assert!(e.to_string().contains("negotiation, closed"), "{e}");
    }

    #[test]
    fn names_round_trip() {
        for s in STATUSES {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("Active"), None);
    }
}
