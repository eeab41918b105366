//! Input rules of the client-exchange domain, pure and unit-tested: text
//! lengths, the status and client-stage vocabularies, money. Each refusal is
//! `bad_request` naming the field.

use crate::domains::revenue::deals::MAX_AMOUNT_MINOR;
use crate::domains::revenue::Program;
use crate::store::ClientFields;
use arena_protocol::{ErrorBody, ErrorCode};

/// A client's relationship status.
pub const STATUSES: [&str; 3] = ["active", "paused", "churned"];
/// A client's lifecycle stage (the pipeline is per opportunity).
pub const CLIENT_STAGES: [&str; 4] = ["lead", "onboarding", "live", "renewal"];

/// Longest client name, industry, opportunity title, characters.
pub const MAX_NAME: usize = 120;
/// Longest industry, characters.
pub const MAX_INDUSTRY: usize = 60;
/// Longest next step, characters.
pub const MAX_NEXT_STEP: usize = 300;
/// Longest note or recommendation, characters (newlines and tabs allowed).
pub const MAX_NOTE: usize = 2000;

fn bad(msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::BadRequest, msg)
}

/// `s` trimmed if it has `min..=max` characters and no control characters
/// (`\n` and `\t` allowed when `multiline`).
pub fn text(
    field: &str,
    s: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, ErrorBody> {
    let t = s.trim();
    let n = t.chars().count();
    let control = t
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')));
    if n < min || n > max || control {
        return Err(bad(format!(
            "{field} must be {min}..{max} characters without control characters"
        )));
    }
    Ok(t.to_owned())
}

fn one_of(field: &str, v: &str, allowed: &[&str]) -> Result<String, ErrorBody> {
    if allowed.contains(&v) {
        Ok(v.to_owned())
    } else {
        Err(bad(format!(
            "{field} must be one of {}",
            allowed.join(", ")
        )))
    }
}

/// Checks an ISO 4217 code the program converts.
pub fn currency(program: &Program, c: &str) -> Result<String, ErrorBody> {
    if program.rates_ppm.contains_key(c) {
        Ok(c.to_owned())
    } else {
        let known: Vec<&str> = program.rates_ppm.keys().map(String::as_str).collect();
        Err(bad(format!(
            "currency must be an ISO 4217 code the program converts: {}",
            known.join(", ")
        )))
    }
}

/// Checks an amount in minor units: `min..=10^13`.
pub fn amount(field: &str, v: i64, min: i64) -> Result<i64, ErrorBody> {
    if (min..=MAX_AMOUNT_MINOR).contains(&v) {
        Ok(v)
    } else {
        Err(bad(format!(
            "{field} must be {min}..{MAX_AMOUNT_MINOR} (minor units)"
        )))
    }
}

/// A client's fields as given; on an edit, absent ones keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub name: Option<String>,
    pub industry: Option<String>,
    /// `active` (default), `paused` or `churned`.
    pub status: Option<String>,
    /// `lead` (default), `onboarding`, `live` or `renewal`.
    pub stage: Option<String>,
    /// Yearly value, minor units of `currency` (0..10^13).
    pub value_minor: Option<i64>,
    /// ISO 4217, one the program converts; the program's currency by default.
    pub currency: Option<String>,
    pub next_step: Option<String>,
}

impl ClientInput {
    /// The fields of a new client: name and industry are required.
    pub fn create(self, program: &Program) -> Result<ClientFields, ErrorBody> {
        let base = ClientFields {
            name: self.name.clone().ok_or_else(|| bad("name is required"))?,
            industry: self
                .industry
                .clone()
                .ok_or_else(|| bad("industry is required"))?,
            status: "active".into(),
            stage: "lead".into(),
            value_minor: 0,
            currency: program.currency.clone(),
            next_step: String::new(),
        };
        self.apply(base, program)
    }

    /// `current` with the given fields changed, all checked.
    pub fn apply(
        self,
        current: ClientFields,
        program: &Program,
    ) -> Result<ClientFields, ErrorBody> {
        let name = self.name.unwrap_or(current.name);
        let industry = self.industry.unwrap_or(current.industry);
        let status = self.status.unwrap_or(current.status);
        let stage = self.stage.unwrap_or(current.stage);
        let value_minor = self.value_minor.unwrap_or(current.value_minor);
        let cur = self.currency.unwrap_or(current.currency);
        let next_step = self.next_step.unwrap_or(current.next_step);
        Ok(ClientFields {
            name: text("name", &name, 1, MAX_NAME, false)?,
            industry: text("industry", &industry, 1, MAX_INDUSTRY, false)?,
            status: one_of("status", &status, &STATUSES)?,
            stage: one_of("stage", &stage, &CLIENT_STAGES)?,
            value_minor: amount("value_minor", value_minor, 0)?,
            currency: currency(program, &cur)?,
            next_step: text("next_step", &next_step, 0, MAX_NEXT_STEP, false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn program() -> Program {
        Program::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../program.toml"))
            .expect("program")
    }

    fn input() -> ClientInput {
        ClientInput {
            name: Some("  Harbor Gym ".into()),
            industry: Some("Fitness".into()),
            ..ClientInput::default()
        }
    }

    #[test]
    fn a_new_client_gets_defaults_and_trimmed_text() {
        let f = input().create(&program()).expect("valid");
        assert_eq!(f.name, "Harbor Gym");
        assert_eq!((f.status.as_str(), f.stage.as_str()), ("active", "lead"));
        assert_eq!((f.value_minor, f.currency.as_str()), (0, "USD"));
    }

    #[test]
    fn bad_fields_are_named() {
        let p = program();
        for (i, field) in [
            (
                ClientInput {
                    name: None,
                    ..input()
                },
                "name",
            ),
            (
                ClientInput {
                    name: Some("a\u{0}b".into()),
                    ..input()
                },
                "name",
            ),
            (
                ClientInput {
                    industry: Some(" ".into()),
                    ..input()
                },
                "industry",
            ),
            (
                ClientInput {
                    status: Some("gone".into()),
                    ..input()
                },
                "status",
            ),
            (
                ClientInput {
                    stage: Some("won".into()),
                    ..input()
                },
                "stage",
            ),
            (
                ClientInput {
                    value_minor: Some(-1),
                    ..input()
                },
                "value_minor",
            ),
            (
                ClientInput {
                    currency: Some("usd".into()),
                    ..input()
                },
                "currency",
            ),
            (
                ClientInput {
                    next_step: Some("x".repeat(MAX_NEXT_STEP + 1)),
                    ..input()
                },
                "next_step",
            ),
        ] {
            let e = i.create(&p).expect_err(field);
            assert_eq!(e.code, ErrorCode::BadRequest);
            assert!(e.message.contains(field), "{field}: {}", e.message);
        }
    }

    #[test]
    fn an_edit_keeps_what_it_does_not_name() {
        let p = program();
        let f = input().create(&p).expect("valid");
        let edited = ClientInput {
            status: Some("paused".into()),
            ..ClientInput::default()
        }
        .apply(f.clone(), &p)
        .expect("valid");
        assert_eq!(edited.status, "paused");
        assert_eq!(edited.name, f.name);
    }

    #[test]
    fn notes_allow_newlines_but_not_other_controls() {
        assert!(text("body", "line 1\n\tline 2", 1, MAX_NOTE, true).is_ok());
        assert!(text("body", "bell\u{7}", 1, MAX_NOTE, true).is_err());
        assert!(text("body", "a\nb", 1, 10, false).is_err());
    }
}
