//! A deal win as a source system reports it (`POST /api/v1/revenue/deal-wins`,
//! PROTOCOL.md §7), its validation, and the body hash that makes the call
//! idempotent on (tenant, `deal_id`).

use super::program::Program;
use crate::ids::UserId;
use arena_protocol::{ErrorBody, ErrorCode};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Largest amount accepted, minor units (10^13: a hundred billion in a
/// two-decimal currency; far above any deal, far below overflow).
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;
/// Longest `deal_id`, bytes.
const MAX_DEAL_ID: usize = 128;
/// Longest client name, characters.
const MAX_CLIENT: usize = 200;
/// How far in the future `closed_at` may be (clock skew), seconds.
const SKEW_S: i64 = 300;

/// The input of a deal win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealWin {
    pub partner_id: UserId,
    pub client: String,
    pub amount_minor: i64,
    /// ISO 4217 code with a rate in the program.
    pub currency: String,
    /// The source system's id of the deal.
    pub deal_id: String,
    /// When it closed; the time of recording when absent.
    pub closed_at: Option<OffsetDateTime>,
}

fn bad(msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::BadRequest, msg)
}

impl DealWin {
    /// Checks the input against the program: `bad_request` naming the field.
    pub fn validate(&self, program: &Program, now: OffsetDateTime) -> Result<(), ErrorBody> {
        if self.deal_id.trim().is_empty()
            || self.deal_id.len() > MAX_DEAL_ID
            || self.deal_id.chars().any(char::is_control)
        {
            return Err(bad(format!(
                "deal_id must be 1..{MAX_DEAL_ID} bytes without control characters"
            )));
        }
        let client = self.client.trim().chars().count();
        if client == 0 || client > MAX_CLIENT || self.client.chars().any(char::is_control) {
            return Err(bad(format!(
                "client must be 1..{MAX_CLIENT} characters without control characters"
            )));
        }
        if !(1..=MAX_AMOUNT_MINOR).contains(&self.amount_minor) {
            return Err(bad(format!(
                "amount_minor must be 1..{MAX_AMOUNT_MINOR} (minor units)"
            )));
        }
        if !program.rates_ppm.contains_key(&self.currency) {
            let known: Vec<&str> = program.rates_ppm.keys().map(String::as_str).collect();
            return Err(bad(format!(
                "currency must be an ISO 4217 code the program converts: {}",
                known.join(", ")
            )));
        }
        if self
            .closed_at
            .is_some_and(|t| t > now + time::Duration::seconds(SKEW_S))
        {
            return Err(bad("closed_at is in the future"));
        }
        Ok(())
    }

    /// SHA-256 (hex) of the request as given: the same body again is the
    /// same deal; any other body with its `deal_id` is a conflict.
    pub fn body_hash(&self) -> String {
        let closed = self.closed_at.map_or("-".to_owned(), |t| {
            (t.unix_timestamp_nanos() / 1000).to_string()
        });
        let canonical = format!(
            "{}|{}|{}|{}|{}|{}",
            self.deal_id, self.partner_id, self.client, self.amount_minor, self.currency, closed
        );
        hex::encode(Sha256::digest(canonical.as_bytes()))
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

    fn win() -> DealWin {
        DealWin {
            partner_id: UserId(7),
            client: "Brightline Dental".into(),
            amount_minor: 480_000,
            currency: "USD".into(),
            deal_id: "crm-1042".into(),
            closed_at: None,
        }
    }

    #[test]
    fn a_good_win_passes_and_bad_fields_are_named() {
        let now = OffsetDateTime::now_utc();
        let p = program();
        win().validate(&p, now).expect("valid");
        for (w, field) in [
            (
                DealWin {
                    amount_minor: 0,
                    ..win()
                },
                "amount_minor",
            ),
            (
                DealWin {
                    amount_minor: MAX_AMOUNT_MINOR + 1,
                    ..win()
                },
                "amount_minor",
            ),
            (
                DealWin {
                    currency: "usd".into(),
                    ..win()
                },
                "currency",
            ),
            (
                DealWin {
                    currency: "XYZ".into(),
                    ..win()
                },
                "currency",
            ),
            (
                DealWin {
                    client: " ".into(),
                    ..win()
                },
                "client",
            ),
            (
                DealWin {
                    deal_id: String::new(),
                    ..win()
                },
                "deal_id",
            ),
            (
                DealWin {
                    deal_id: "a\u{1}b".into(),
                    ..win()
                },
                "deal_id",
            ),
            (
                DealWin {
                    closed_at: Some(now + time::Duration::hours(1)),
                    ..win()
                },
                "closed_at",
            ),
        ] {
            let e = w.validate(&p, now).expect_err(field);
            assert_eq!(e.code, ErrorCode::BadRequest);
            assert!(e.message.contains(field), "{field}: {}", e.message);
        }
    }

    #[test]
    fn the_body_hash_covers_every_field() {
        let h = win().body_hash();
        assert_eq!(h, win().body_hash());
        assert_ne!(
            h,
            DealWin {
                amount_minor: 480_001,
                ..win()
            }
            .body_hash()
        );
        assert_ne!(
            h,
            DealWin {
                partner_id: UserId(8),
                ..win()
            }
            .body_hash()
        );
        assert_ne!(
            h,
            DealWin {
                closed_at: Some(OffsetDateTime::UNIX_EPOCH),
                ..win()
            }
            .body_hash()
        );
    }
}
