//! `[enablement]` in `program.toml`: the SOP boards per client type and the
//! badges with the rules that award them. Parsed strictly and validated at
//! start with [`crate::domains::revenue::Program::load`], so a mistake stops
//! the start naming its key.
//!
//! ```toml
//! [enablement.sop.restaurant]
//! title = "Restaurant launch"
//! items = ["Menu photos collected", "POS connected"]
//!
//! [[enablement.badge]]
//! id = "first-deal"
//! name = "First deal"
//! rule = "first_deal"          # or "courses_completed" (count), "weekly_streak" (weeks)
//! ```

use crate::domains::revenue::program::ProgramError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Most SOP boards, items per board, and badges.
const MAX_SOPS: usize = 50;
const MAX_ITEMS: usize = 50;
const MAX_BADGES: usize = 50;

/// The whole `[enablement]` section (absent: no SOPs, no badges).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnablementConfig {
    /// Client type (`[a-z0-9_-]`, 1..40) → its SOP board.
    #[serde(default)]
    pub sop: BTreeMap<String, Sop>,
    /// Badges in the order the panel lists them.
    #[serde(default)]
    pub badge: Vec<Badge>,
}

/// `[enablement.sop.<client type>]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sop {
    /// Shown above the board; the client type when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// Item labels, 1..50 of 1..120 characters, distinct; an item's id is
    /// its label's [`slug`].
    pub items: Vec<String>,
}

impl Sop {
    /// `(id, label)` of each item, in order.
    pub fn items(&self) -> impl Iterator<Item = (String, &str)> {
        self.items.iter().map(|l| (slug(l), l.as_str()))
    }
}

/// `[[enablement.badge]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Badge {
    /// Stable id (`[a-z0-9_-]`, 1..40): awards are stored under it.
    pub id: String,
    /// Shown name, 1..60 characters.
    pub name: String,
    /// `first_deal`, `courses_completed` (with `count`) or `weekly_streak`
    /// (with `weeks`).
    pub rule: String,
    /// Courses to complete (`courses_completed`), 1..1000.
    #[serde(default)]
    pub count: Option<u32>,
    /// Consecutive weeks with activity (`weekly_streak`), 2..52.
    #[serde(default)]
    pub weeks: Option<u32>,
}

/// What earns a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A deal win recorded for the partner (the revenue domain's signal).
    FirstDeal,
    /// This many courses completed.
    CoursesCompleted(u32),
    /// Activity (any entry in the partner's activity log) in each of this
    /// many consecutive ISO weeks, up to the current one.
    WeeklyStreak(u32),
}

impl Badge {
    /// The rule (valid after [`EnablementConfig::validate`]; an invalid one
    /// reads as a streak nobody reaches).
    pub fn rule(&self) -> Rule {
        match self.rule.as_str() {
            "first_deal" => Rule::FirstDeal,
            "courses_completed" => Rule::CoursesCompleted(self.count.unwrap_or(1)),
            _ => Rule::WeeklyStreak(self.weeks.unwrap_or(u32::MAX)),
        }
    }

    /// The rule as a partner reads it.
    pub fn rule_text(&self) -> String {
        match self.rule() {
            Rule::FirstDeal => "Win your first deal.".into(),
            Rule::CoursesCompleted(1) => "Complete a course.".into(),
            Rule::CoursesCompleted(n) => format!("Complete {n} courses."),
            Rule::WeeklyStreak(n) => format!("Be active {n} weeks in a row."),
        }
    }
}

/// A label as an id: lowercase ASCII letters and digits, other runs as `-`.
pub fn slug(label: &str) -> String {
    let mut s = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    while s.ends_with('-') {
        s.pop();
    }
    s.truncate(60);
    s
}

fn is_key(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn text_ok(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    n > 0 && n <= max && !s.chars().any(char::is_control)
}

impl EnablementConfig {
    /// Checks keys, sizes and rules; the error names the key.
    pub fn validate(&self) -> Result<(), ProgramError> {
        let bad = |key: String, reason: &str| {
            Err(ProgramError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        if self.sop.len() > MAX_SOPS {
            return bad("enablement.sop".into(), "at most 50 client types");
        }
        for (kind, sop) in &self.sop {
            let key = format!("enablement.sop.{kind}");
            if !is_key(kind) {
                return bad(key, "client types are 1..40 of a-z, 0-9, - and _");
            }
            if sop.title.as_deref().is_some_and(|t| !text_ok(t, 80)) {
                return bad(format!("{key}.title"), "must be 1..80 characters");
            }
            if sop.items.is_empty() || sop.items.len() > MAX_ITEMS {
                return bad(format!("{key}.items"), "must list 1..50 items");
            }
            let mut ids = std::collections::BTreeSet::new();
            for (i, label) in sop.items.iter().enumerate() {
                if !text_ok(label, 120) || slug(label).is_empty() {
                    return bad(
                        format!("{key}.items[{i}]"),
                        "must be 1..120 characters with a letter or digit",
                    );
                }
                if !ids.insert(slug(label)) {
                    return bad(format!("{key}.items[{i}]"), "repeats another item");
                }
            }
        }
        if self.badge.len() > MAX_BADGES {
            return bad("enablement.badge".into(), "at most 50 badges");
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, b) in self.badge.iter().enumerate() {
            let key = format!("enablement.badge[{i}]");
            if !is_key(&b.id) || !ids.insert(b.id.as_str()) {
                return bad(
                    format!("{key}.id"),
                    "must be a distinct id of 1..40 of a-z, 0-9, - and _",
                );
            }
            if !text_ok(&b.name, 60) {
                return bad(format!("{key}.name"), "must be 1..60 characters");
            }
            match (b.rule.as_str(), b.count, b.weeks) {
                ("first_deal", None, None) => {}
                ("courses_completed", Some(1..=1000), None) => {}
                ("weekly_streak", None, Some(2..=52)) => {}
                ("courses_completed", ..) => {
                    return bad(
                        key,
                        "courses_completed takes count = 1..1000 (and no weeks)",
                    )
                }
                ("weekly_streak", ..) => {
                    return bad(key, "weekly_streak takes weeks = 2..52 (and no count)")
                }
                ("first_deal", ..) => return bad(key, "first_deal takes no count or weeks"),
                _ => {
                    return bad(
                        format!("{key}.rule"),
                        "must be first_deal, courses_completed or weekly_streak",
                    )
                }
            }
        }
        Ok(())
    }

    /// The SOP of a client type.
    pub fn sop(&self, client_type: &str) -> Option<&Sop> {
        self.sop.get(client_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn badge(rule: &str, count: Option<u32>, weeks: Option<u32>) -> Badge {
        Badge {
            id: "b".into(),
            name: "B".into(),
            rule: rule.into(),
            count,
            weeks,
        }
    }

    #[test]
    fn slugs_are_stable_ids() {
        assert_eq!(slug("Menu photos: collected!"), "menu-photos-collected");
        assert_eq!(slug("  POS connected "), "pos-connected");
        assert_eq!(slug("…"), "");
    }

    #[test]
    fn rules_need_their_number() {
        let ok = |b: Badge| {
            EnablementConfig {
                badge: vec![b],
                ..Default::default()
            }
            .validate()
        };
        assert!(ok(badge("first_deal", None, None)).is_ok());
        assert!(ok(badge("courses_completed", Some(5), None)).is_ok());
        assert!(ok(badge("weekly_streak", None, Some(4))).is_ok());
        assert!(ok(badge("courses_completed", None, None)).is_err());
        assert!(ok(badge("weekly_streak", None, Some(1))).is_err());
        let e = ok(badge("sometimes", None, None))
            .expect_err("refused")
            .to_string();
        assert!(e.contains("enablement.badge[0].rule"), "{e}");
        assert_eq!(
            badge("courses_completed", Some(5), None).rule(),
            Rule::CoursesCompleted(5)
        );
    }

    #[test]
    fn repeated_items_are_refused() {
        let mut c = EnablementConfig::default();
        c.sop.insert(
            "gym".into(),
            Sop {
                title: None,
                items: vec!["Sign up".into(), "sign-up".into()],
            },
        );
        let e = c.validate().expect_err("refused").to_string();
        assert!(e.contains("enablement.sop.gym.items[1]"), "{e}");
    }
}
