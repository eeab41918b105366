//! The opportunity pipeline as a pure state machine: prospect → qualified →
//! proposal → negotiation → won | lost. An open opportunity moves forward
//! one stage at a time or to lost; a lost one may be reopened as a
//! prospect; won is final. Everything else is refused naming the current stage.

use std::fmt;

/// A stage of an opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Prospect,
    Qualified,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

/// Every stage, in board order.
pub const STAGES: [Stage; 6] = [
    Stage::Prospect,
    Stage::Qualified,
    Stage::Proposal,
    Stage::Negotiation,
    Stage::Won,
    Stage::Lost,
];

/// A move the pipeline does not allow: `from` is the opportunity's current stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalMove {
    pub from: Stage,
    pub to: Stage,
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
            "the opportunity is {}; it cannot move to {} (allowed: {allowed})",
            self.from.as_str(),
            self.to.as_str()
        )
    }
}

impl Stage {
    /// The stored and wire name, e.g. `"negotiation"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::Qualified => "qualified",
            Stage::Proposal => "proposal",
            Stage::Negotiation => "negotiation",
            Stage::Won => "won",
            Stage::Lost => "lost",
        }
    }

    /// The stage named `s`, if any.
    pub fn parse(s: &str) -> Option<Stage> {
        STAGES.into_iter().find(|x| x.as_str() == s)
    }

    /// The column title on the board.
    pub fn title(self) -> &'static str {
        match self {
            Stage::Prospect => "Prospect",
            Stage::Qualified => "Qualified",
            Stage::Proposal => "Proposal",
            Stage::Negotiation => "Negotiation",
            Stage::Won => "Won",
            Stage::Lost => "Lost",
        }
    }

    /// Still in the pipeline (neither won nor lost)?
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Won | Stage::Lost)
    }

    /// The stages this one may move to.
    pub fn moves(self) -> &'static [Stage] {
        match self {
            Stage::Prospect => &[Stage::Qualified, Stage::Lost],
            Stage::Qualified => &[Stage::Proposal, Stage::Lost],
            Stage::Proposal => &[Stage::Negotiation, Stage::Lost],
            Stage::Negotiation => &[Stage::Won, Stage::Lost],
            Stage::Lost => &[Stage::Prospect],
            Stage::Won => &[],
        }
    }

    /// Checks the move to `to`.
    pub fn move_to(self, to: Stage) -> Result<Stage, IllegalMove> {
        if self.moves().contains(&to) {
            Ok(to)
        } else {
            Err(IllegalMove { from: self, to })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Stage::*;
    use super::*;

    #[test]
    fn forward_one_step_at_a_time() {
        assert_eq!(Prospect.move_to(Qualified), Ok(Qualified));
        assert_eq!(Qualified.move_to(Proposal), Ok(Proposal));
        assert_eq!(Proposal.move_to(Negotiation), Ok(Negotiation));
        assert_eq!(Negotiation.move_to(Won), Ok(Won));
        assert!(Prospect.move_to(Proposal).is_err(), "no skipping");
        assert!(Prospect.move_to(Won).is_err(), "no skipping to won");
        assert!(Proposal.move_to(Qualified).is_err(), "no going back");
        assert!(Qualified.move_to(Qualified).is_err(), "no standing still");
    }

    #[test]
    fn any_open_stage_may_be_lost_and_lost_reopens() {
        for s in STAGES.into_iter().filter(|s| s.is_open()) {
            assert_eq!(s.move_to(Lost), Ok(Lost), "{s:?}");
        }
        assert_eq!(Lost.move_to(Prospect), Ok(Prospect));
        assert!(Lost.move_to(Qualified).is_err());
        assert!(Lost.move_to(Won).is_err());
    }

    #[test]
    fn won_is_final_and_the_refusal_names_the_current_stage() {
        for to in STAGES {
            let e = Won.move_to(to).expect_err("won is final");
            assert_eq!(e.from, Won);
            assert!(e.to_string().contains("is won"), "{e}");
        }
        let e = Prospect.move_to(Negotiation).expect_err("skip");
        assert!(e.to_string().contains("is prospect"), "{e}");
        assert!(e.to_string().contains("qualified, lost"), "{e}");
    }

    #[test]
    fn names_round_trip() {
        for s in STAGES {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("Won"), None);
    }
}
