//! `[growth]` in `program.toml`: where referral links lead, how clicks and
//! visits are de-duplicated, when a lead needs a follow-up, the rewards a
//! partner earns as a referred lead reaches a stage, and how often the
//! campaign scheduler looks for due steps.

use super::stage::Stage;
use serde::Deserialize;

/// `[growth]`; every key has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrowthConfig {
    /// Where `GET /r/{code}` sends visitors (an http(s) URL, or a path on
    /// this server starting with "/"); the code is appended as `ref=CODE`.
    /// Default "/".
    #[serde(default = "default_target")]
    pub referral_target: String,
    /// Clicks (and landing-page visits) from one address within this many
    /// minutes count once. 1..10080, default 30.
    #[serde(default = "default_window")]
    pub click_window_minutes: u32,
    /// A lead not touched for this many days (and not won or lost) is a
    /// follow-up. 1..365, default 7.
    #[serde(default = "default_follow_up")]
    pub follow_up_days: u32,
    /// Seconds between two runs of the campaign scheduler. 1..3600, default 5.
    #[serde(default = "default_tick")]
    pub campaign_tick_s: u32,
    /// `[[growth.reward]]`: what a partner earns when a referred lead first
    /// reaches a stage.
    #[serde(default)]
    pub reward: Vec<Reward>,
}

/// `[[growth.reward]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// `contacted`, `qualified` or `won`.
    pub stage: String,
    /// Minor units of `currency`, 1..100,000,000.
    pub amount_minor: i64,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}

fn default_target() -> String {
    "/".into()
}
fn default_window() -> u32 {
    30
}
fn default_follow_up() -> u32 {
    7
}
fn default_tick() -> u32 {
    5
}

impl Default for GrowthConfig {
    fn default() -> Self {
        GrowthConfig {
            referral_target: default_target(),
            click_window_minutes: default_window(),
            follow_up_days: default_follow_up(),
            campaign_tick_s: default_tick(),
            reward: Vec::new(),
        }
    }
}

/// Is `t` a redirect target we send visitors to: an http(s) URL with a
/// host, or a path on this server ("/…", not "//…")?
pub fn valid_target(t: &str) -> bool {
    if t.len() > 2000 || t.chars().any(char::is_control) {
        return false;
    }
    if let Some(rest) = t.strip_prefix('/') {
        return !rest.starts_with('/') && !rest.starts_with('\\');
    }
    url::Url::parse(t).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

impl GrowthConfig {
    /// The rewards for reaching `stage`.
    pub fn rewards_for(&self, stage: Stage) -> impl Iterator<Item = &Reward> {
        self.reward
            .iter()
            .filter(move |r| r.stage == stage.as_str())
    }

    /// Checks the keys: `Err((key, reason))` naming the first bad one.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |k: &str, r: &str| Err((format!("growth.{k}"), r.to_owned()));
        if !valid_target(&self.referral_target) {
            return bad(
                "referral_target",
                "must be an http(s) URL or a path starting with /",
            );
        }
        if !(1..=10_080).contains(&self.click_window_minutes) {
            return bad("click_window_minutes", "must be 1..10080");
        }
        if !(1..=365).contains(&self.follow_up_days) {
            return bad("follow_up_days", "must be 1..365");
        }
        if !(1..=3600).contains(&self.campaign_tick_s) {
            return bad("campaign_tick_s", "must be 1..3600");
        }
        for (i, r) in self.reward.iter().enumerate() {
            let ok_stage = matches!(
                Stage::parse(&r.stage),
                Some(Stage::Contacted | Stage::Qualified | Stage::Won)
            );
            if !ok_stage {
                return bad(
                    &format!("reward[{i}].stage"),
                    "must be contacted, qualified or won",
                );
            }
            if !(1..=100_000_000).contains(&r.amount_minor) {
                return bad(&format!("reward[{i}].amount_minor"), "must be 1..100000000");
            }
            if !(r.currency.len() == 3 && r.currency.bytes().all(|b| b.is_ascii_uppercase())) {
                return bad(
                    &format!("reward[{i}].currency"),
                    "must be an ISO 4217 code such as USD",
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_http_urls_or_local_paths() {
        assert!(valid_target("/"));
        assert!(valid_target("https://example.com/start"));
        assert!(!valid_target("//evil.example"));
        assert!(!valid_target("javascript:alert(1)"));
        assert!(!valid_target("ftp://example.com"));
    }

    #[test]
    fn defaults_are_valid_and_mistakes_name_their_key() {
        assert!(GrowthConfig::default().validate().is_ok());
        let mut c = GrowthConfig::default();
        c.reward.push(Reward {
            stage: "referred".into(),
            amount_minor: 100,
            currency: "USD".into(),
        });
        assert_eq!(
            c.validate().expect_err("refused").0,
            "growth.reward[0].stage"
        );
    }
}
