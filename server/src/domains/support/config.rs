//! `[support]` in `program.toml`: how long a case of each priority may stay
//! open or pending before staff see it as breaching its SLA.

use super::status::Priority;
use serde::Deserialize;

/// Longest SLA target, hours (one year).
const MAX_HOURS: u32 = 8760;

/// `[support]`; every key has a default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportConfig {
    /// Hours from opening within which a case should be resolved, per priority.
    #[serde(default)]
    pub sla_hours: SlaHours,
}

/// `[support.sla_hours]`: hours per priority, 1..8760.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaHours {
    pub urgent: u32,
    pub high: u32,
    pub normal: u32,
    pub low: u32,
}

impl Default for SlaHours {
    fn default() -> Self {
        SlaHours {
            urgent: 4,
            high: 24,
            normal: 72,
            low: 168,
        }
    }
}

impl SupportConfig {
    /// The SLA target of `p`, hours.
    pub fn sla(&self, p: Priority) -> u32 {
        let h = &self.sla_hours;
        match p {
            Priority::Urgent => h.urgent,
            Priority::High => h.high,
            Priority::Normal => h.normal,
            Priority::Low => h.low,
        }
    }

    /// Checks the targets: `Err((key, reason))` naming the first bad one.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for p in Priority::ALL {
            let h = self.sla(p);
            if !(1..=MAX_HOURS).contains(&h) {
                return Err((
                    format!("support.sla_hours.{p}"),
                    format!("must be 1..{MAX_HOURS} hours"),
                ));
            }
        }
        let h = &self.sla_hours;
        if !(h.urgent <= h.high && h.high <= h.normal && h.normal <= h.low) {
            return Err((
                "support.sla_hours".into(),
                "a higher priority must not have a longer target".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_mistakes_name_their_key() {
        assert!(SupportConfig::default().validate().is_ok());
        let mut c = SupportConfig::default();
        c.sla_hours.high = 0;
        assert_eq!(
            c.validate().expect_err("refused").0,
            "support.sla_hours.high"
        );
        let mut c = SupportConfig::default();
        c.sla_hours.urgent = 100;
        assert_eq!(c.validate().expect_err("refused").0, "support.sla_hours");
    }
}
