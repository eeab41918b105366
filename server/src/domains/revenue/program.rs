//! `program.toml`: the partner program the revenue domain runs: tiers with
//! their thresholds and commission rates, the reporting currency with fixed
//! conversion rates for ranking, and the payout day. Parsed strictly and
//! validated at start, so a mistake stops the start naming the key.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One million: conversion rates are parts per million of a reporting unit.
pub const PPM: i64 = 1_000_000;
/// Basis points in a whole: a rate of 1,500 bp is 15 %.
pub const BP: i64 = 10_000;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// ISO 4217 code the program reports and ranks in, e.g. `USD`.
    pub currency: String,
    /// Currency → value of one unit in millionths of a reporting unit.
    pub rates_ppm: BTreeMap<String, i64>,
    pub payouts: Payouts,
    /// Tiers, lowest threshold first.
    pub tier: Vec<Tier>,
    /// `[onboarding]` (the activation domain).
    #[serde(default)]
    pub onboarding: crate::domains::activation::config::Onboarding,
    /// `[support]`: SLA targets of support cases.
    #[serde(default)]
    pub support: crate::domains::support::SupportConfig,
    /// `[enablement]`: SOP boards and badges (absent: none).
    #[serde(default)]
    pub enablement: crate::domains::enablement::config::EnablementConfig,
    /// `[growth]`: referral targets, click window, rewards, campaign ticks.
    #[serde(default)]
    pub growth: crate::domains::growth::GrowthConfig,
    /// `[alliances]`: where an alliance going active is announced.
    #[serde(default)]
    pub alliances: crate::domains::alliances::AlliancesConfig,
}

/// `[payouts]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payouts {
    /// Day of the month payouts run (1..28, so every month has it).
    pub day_of_month: u8,
}

/// `[[tier]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// One of the registry's tiers (`bronze` … `platinum`).
    pub name: String,
    /// Won revenue over the trailing 90 days, reporting currency minor units.
    pub threshold_minor: i64,
    /// Commission rate, basis points (0..=10,000).
    pub rate_bp: i32,
    #[serde(default)]
    pub perks: Vec<String>,
}

/// Why `program.toml` was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error("program file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("program file key `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

impl Program {
    /// Reads, parses and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Program, ProgramError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProgramError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let p: Program = toml::from_str(&text).map_err(|e| ProgramError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        p.validate()?;
        Ok(p)
    }

    /// Checks what serde cannot: codes, rates, order of tiers.
    pub fn validate(&self) -> Result<(), ProgramError> {
        let bad = |key: &str, reason: &str| {
            Err(ProgramError::Invalid {
                key: key.into(),
                reason: reason.into(),
            })
        };
        if !is_currency(&self.currency) {
            return bad("currency", "must be an ISO 4217 code such as USD");
        }
        if self.rates_ppm.get(&self.currency) != Some(&PPM) {
            return bad("rates_ppm", "must give the reporting currency as 1_000_000");
        }
        for (code, rate) in &self.rates_ppm {
            if !is_currency(code) || *rate <= 0 {
                return bad(
                    &format!("rates_ppm.{code}"),
                    "must be an ISO 4217 code with a positive rate",
                );
            }
        }
        if let Err((key, reason)) = self.support.validate() {
            return bad(&key, &reason);
        }
        if !(1..=28).contains(&self.payouts.day_of_month) {
            return bad("payouts.day_of_month", "must be 1..28");
        }
        if self.tier.is_empty() || self.tier[0].threshold_minor != 0 {
            return bad("tier", "the first tier must start at threshold_minor = 0");
        }
        for (i, t) in self.tier.iter().enumerate() {
            if !crate::registry::permission::TIERS.contains(&t.name.as_str()) {
                return bad(
                    &format!("tier[{i}].name"),
                    "must be bronze, silver, gold or platinum",
                );
            }
            if !(0..=BP as i32).contains(&t.rate_bp) {
                return bad(&format!("tier[{i}].rate_bp"), "must be 0..10000");
            }
            if i > 0 && t.threshold_minor <= self.tier[i - 1].threshold_minor {
                return bad(
                    &format!("tier[{i}].threshold_minor"),
                    "thresholds must rise",
                );
            }
        }
        if let Err((key, reason)) = self.growth.validate() {
            return bad(&key, &reason);
        }
        if let Err((key, reason)) = self.onboarding.validate() {
            return bad(&format!("onboarding.{key}"), &reason);
        }
        self.enablement.validate()
    }

    /// The tier named `name`, if the program has it.
    pub fn tier(&self, name: &str) -> Option<&Tier> {
        self.tier.iter().find(|t| t.name == name)
    }

    /// The tier a trailing revenue (reporting minor units) earns.
    pub fn tier_for(&self, trailing_minor: i64) -> &Tier {
        self.tier
            .iter()
            .rev()
            .find(|t| trailing_minor >= t.threshold_minor)
            .unwrap_or(&self.tier[0])
    }

    /// The tier after `name`, if any.
    pub fn next_tier(&self, name: &str) -> Option<&Tier> {
        let i = self.tier.iter().position(|t| t.name == name)?;
        self.tier.get(i + 1)
    }

    /// `amount_minor` of `currency` in reporting minor units (rounded down);
    /// `None` for a currency without a rate.
    pub fn to_reporting(&self, amount_minor: i64, currency: &str) -> Option<i64> {
        let rate = *self.rates_ppm.get(currency)?;
        Some((i128::from(amount_minor) * i128::from(rate) / i128::from(PPM)) as i64)
    }
}

/// Commission on `amount_minor` at `rate_bp`, rounded half up to the minor unit.
pub fn commission(amount_minor: i64, rate_bp: i32) -> i64 {
    ((i128::from(amount_minor) * i128::from(rate_bp) + i128::from(BP / 2)) / i128::from(BP)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> Program {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../program.toml");
        Program::load(&path).expect("the repository's program.toml is valid")
    }

    #[test]
    fn the_shipped_program_loads() {
        let p = program();
        assert_eq!(p.currency, "USD");
        assert_eq!(p.tier_for(0).name, "bronze");
        assert_eq!(p.tier_for(2_500_000).name, "gold");
        assert_eq!(
            p.next_tier("gold").map(|t| t.name.as_str()),
            Some("platinum")
        );
        assert_eq!(p.to_reporting(10_000, "EUR"), Some(10_800));
        assert_eq!(p.to_reporting(1, "XYZ"), None);
    }

    #[test]
    fn commission_rounds_half_up_in_minor_units() {
        assert_eq!(commission(480_000, 1500), 72_000);
        assert_eq!(commission(1, 5000), 1);
        assert_eq!(commission(1, 4999), 0);
        assert_eq!(commission(i64::MAX / 2, 10_000), i64::MAX / 2);
    }

    #[test]
    fn mistakes_name_their_key() {
        let mut p = program();
        p.tier[2].threshold_minor = 1;
        let e = p.validate().expect_err("thresholds must rise").to_string();
        assert!(e.contains("tier[2].threshold_minor"), "{e}");
        let mut p = program();
        p.currency = "usd".into();
        assert!(p.validate().is_err());
        let mut p = program();
        p.payouts.day_of_month = 31;
        assert!(p
            .validate()
            .expect_err("day")
            .to_string()
            .contains("payouts.day_of_month"));
    }
}
