//! The stages of a referred lead and the moves between them (pure rules):
//! referred → contacted → qualified → won | lost. A lead may also be lost
//! from any open stage, and moved back one step while open (a mistake);
//! won and lost are final.

use std::fmt;

/// A lead's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Referred,
    Contacted,
    Qualified,
    Won,
    Lost,
}

impl Stage {
    /// Every stage in board order.
    pub const ALL: [Stage; 5] = [
        Stage::Referred,
        Stage::Contacted,
        Stage::Qualified,
        Stage::Won,
        Stage::Lost,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Referred => "referred",
            Stage::Contacted => "contacted",
            Stage::Qualified => "qualified",
            Stage::Won => "won",
            Stage::Lost => "lost",
        }
    }

    /// The stage named `s`.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Won or lost: nothing moves it any more.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Won | Stage::Lost)
    }

    /// The stages a lead in `self` may move to, in board order.
    pub fn moves(self) -> Vec<Stage> {
        Stage::ALL
            .into_iter()
            .filter(|to| check(self, *to).is_ok())
            .collect()
    }

    /// The column title.
    pub fn title(self) -> &'static str {
        match self {
            Stage::Referred => "Referred",
            Stage::Contacted => "Contacted",
            Stage::Qualified => "Qualified",
            Stage::Won => "Won",
            Stage::Lost => "Lost",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a move is refused: it names the lead's current stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illegal {
    pub from: Stage,
    pub to: Stage,
}

impl fmt::Display for Illegal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from.is_final() {
            write!(
                f,
                "the lead is already {} (final); it cannot move to {}",
                self.from, self.to
            )
        } else {
            write!(
                f,
                "the lead is {}; it cannot move to {}",
                self.from, self.to
            )
        }
    }
}

/// May a lead move from `from` to `to`? Forward one step at a time, back
/// one step while open, lost from any open stage, won only from qualified.
pub fn check(from: Stage, to: Stage) -> Result<(), Illegal> {
    use Stage::*;
    let ok = matches!(
        (from, to),
        (Referred, Contacted)
            | (Contacted, Qualified)
            | (Qualified, Won)
            | (Contacted, Referred)
            | (Qualified, Contacted)
            | (Referred | Contacted | Qualified, Lost)
    );
    if ok {
        Ok(())
    } else {
        Err(Illegal { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn leads_move_forward_one_step_and_end_won_or_lost() {
        assert!(check(Referred, Contacted).is_ok());
        assert!(check(Contacted, Qualified).is_ok());
        assert!(check(Qualified, Won).is_ok());
        assert!(check(Referred, Lost).is_ok());
        assert!(check(Qualified, Contacted).is_ok());
        assert_eq!(
            check(Referred, Won),
            Err(Illegal {
                from: Referred,
                to: Won
            })
        );
        assert!(check(Won, Won).is_err());
        assert!(check(Won, Lost).is_err());
        assert!(check(Lost, Referred).is_err());
        assert!(check(Referred, Referred).is_err());
        assert_eq!(Won.moves(), Vec::<Stage>::new());
        assert_eq!(Qualified.moves(), vec![Contacted, Won, Lost]);
    }

    #[test]
    fn a_refusal_names_the_current_stage() {
        let e = check(Won, Lost).expect_err("refused").to_string();
        assert!(e.contains("already won"), "{e}");
        let e = check(Referred, Won).expect_err("refused").to_string();
        assert!(e.contains("is referred"), "{e}");
    }
}
