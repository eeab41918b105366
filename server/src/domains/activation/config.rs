//! `[onboarding]` of `program.toml`: the checklist items (some ticked by
//! facts, see [`Auto`]), the agreement version partners accept, the kinds of
//! compliance documents, and after how many days without progress a partner
//! counts as stuck. Validated at load with [`Onboarding::validate`].

use serde::Deserialize;

/// Most checklist items the program may define.
pub const MAX_ITEMS: usize = 30;
/// Most document kinds the program may define.
pub const MAX_DOCUMENT_KINDS: usize = 20;
/// Longest item key or document kind, characters (`[a-z0-9_-]`).
pub const MAX_KEY: usize = 40;
/// Longest label or hint, characters.
pub const MAX_LABEL: usize = 200;

/// `[onboarding]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Onboarding {
    /// The agreement version partners accept now, e.g. `"2026-01"`; an
    /// acceptance of any other version is refused.
    pub agreement_version: String,
    /// The agreement's name as shown on the accept button.
    #[serde(default = "default_agreement_title")]
    pub agreement_title: String,
    /// Days without a newly ticked item after which an unfinished partner
    /// is listed as stuck (1..365).
    pub stuck_after_days: u32,
    /// `[[onboarding.item]]`, in checklist order.
    #[serde(default)]
    pub item: Vec<Item>,
    /// `[[onboarding.document]]`: the compliance documents partners upload.
    #[serde(default)]
    pub document: Vec<DocumentKind>,
}

fn default_agreement_title() -> String {
    "Partner agreement".into()
}

impl Default for Onboarding {
    /// No checklist items or document kinds; agreement version `"1"`.
    fn default() -> Self {
        Onboarding {
            agreement_version: "1".into(),
            agreement_title: default_agreement_title(),
            stuck_after_days: 7,
            item: Vec::new(),
            document: Vec::new(),
        }
    }
}

/// `[[onboarding.item]]`: one checklist item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable id (`[a-z0-9_-]`, 1..40), e.g. `"profile"`.
    pub key: String,
    pub label: String,
    /// The fact that ticks it; absent: the partner ticks it with a button.
    #[serde(default)]
    pub auto: Option<Auto>,
    /// One sentence telling the partner how to get it done.
    #[serde(default)]
    pub hint: Option<String>,
}

/// The facts that tick an item by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auto {
    /// The partner's application was approved (own records).
    ApplicationApproved,
    /// The partner accepted the current agreement version (own records).
    AgreementAccepted,
    /// `Signal::PayoutAccountActive` (revenue: Stripe payouts enabled).
    PayoutAccountActive,
    /// `Signal::CourseCompleted` (enablement: any course).
    CourseCompleted,
    /// The partner posted in #introductions.
    IntroductionPosted,
}

impl Auto {
    /// Is the tick stored when its fact arrives (a signal or a chat event),
    /// rather than computed from the domain's own records?
    pub fn is_stored(self) -> bool {
        !matches!(self, Auto::ApplicationApproved | Auto::AgreementAccepted)
    }
}

/// `[[onboarding.document]]`: a kind of compliance document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentKind {
    /// Stable id (`[a-z0-9_-]`, 1..40), e.g. `"tax_form"`.
    pub kind: String,
    pub label: String,
}

fn is_key(s: &str) -> bool {
    (1..=MAX_KEY).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn is_label(s: &str) -> bool {
    let n = s.trim().chars().count();
    (1..=MAX_LABEL).contains(&n) && !s.chars().any(char::is_control)
}

impl Onboarding {
    /// Checks keys, labels, bounds and that each fact ticks at most one
    /// item. The error is `(key path under onboarding, reason)`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |k: String, r: &str| Err((k, r.to_owned()));
        let v = &self.agreement_version;
        if v.is_empty() || v.chars().count() > MAX_KEY || v.chars().any(char::is_control) {
            return bad(
                "agreement_version".into(),
                "must be 1..40 characters without control characters",
            );
        }
        if !is_label(&self.agreement_title) {
            return bad("agreement_title".into(), "must be 1..200 characters");
        }
        if !(1..=365).contains(&self.stuck_after_days) {
            return bad("stuck_after_days".into(), "must be 1..365");
        }
        if self.item.len() > MAX_ITEMS {
            return bad("item".into(), "at most 30 items");
        }
        for (i, it) in self.item.iter().enumerate() {
            if !is_key(&it.key) {
                return bad(
                    format!("item[{i}].key"),
                    "must be 1..40 of a-z, 0-9, _ and -",
                );
            }
            if self.item[..i].iter().any(|o| o.key == it.key) {
                return bad(format!("item[{i}].key"), "is used by an earlier item");
            }
            if !is_label(&it.label) {
                return bad(format!("item[{i}].label"), "must be 1..200 characters");
            }
            if it.hint.as_deref().is_some_and(|h| !is_label(h)) {
                return bad(format!("item[{i}].hint"), "must be 1..200 characters");
            }
            if it.auto.is_some() && self.item[..i].iter().any(|o| o.auto == it.auto) {
                return bad(
                    format!("item[{i}].auto"),
                    "each fact ticks at most one item",
                );
            }
        }
        if self.document.len() > MAX_DOCUMENT_KINDS {
            return bad("document".into(), "at most 20 document kinds");
        }
        for (i, d) in self.document.iter().enumerate() {
            if !is_key(&d.kind) {
                return bad(
                    format!("document[{i}].kind"),
                    "must be 1..40 of a-z, 0-9, _ and -",
                );
            }
            if self.document[..i].iter().any(|o| o.kind == d.kind) {
                return bad(format!("document[{i}].kind"), "is used by an earlier kind");
            }
            if !is_label(&d.label) {
                return bad(format!("document[{i}].label"), "must be 1..200 characters");
            }
        }
        Ok(())
    }

    /// The item `key`, if the program has it.
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.item.iter().find(|i| i.key == key)
    }

    /// The item the fact `auto` ticks, if any.
    pub fn item_for(&self, auto: Auto) -> Option<&Item> {
        self.item.iter().find(|i| i.auto == Some(auto))
    }

    /// The document kind `kind`, if the program has it.
    pub fn document_kind(&self, kind: &str) -> Option<&DocumentKind> {
        self.document.iter().find(|d| d.kind == kind)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn shipped() -> Onboarding {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../program.toml");
        crate::domains::revenue::Program::load(&path)
            .expect("program.toml is valid")
            .onboarding
    }

    #[test]
    fn the_shipped_onboarding_loads_with_its_facts() {
        let o = shipped();
        assert!(o.item.len() >= 5);
        for auto in [
            Auto::ApplicationApproved,
            Auto::AgreementAccepted,
            Auto::PayoutAccountActive,
            Auto::CourseCompleted,
            Auto::IntroductionPosted,
        ] {
            assert!(o.item_for(auto).is_some(), "{auto:?}");
        }
        assert!(o.item("profile").is_some_and(|i| i.auto.is_none()));
        assert!(!o.document.is_empty());
    }

    #[test]
    fn mistakes_name_their_key() {
        let mut o = shipped();
        o.item[1].key = o.item[0].key.clone();
        assert_eq!(o.validate().unwrap_err().0, "item[1].key");
        let mut o = shipped();
        o.item[0].key = "Has Space".into();
        assert_eq!(o.validate().unwrap_err().0, "item[0].key");
        let mut o = shipped();
        let a = o.item_for(Auto::CourseCompleted).cloned().unwrap();
        o.item.push(Item {
            key: "again".into(),
            ..a
        });
        assert!(o.validate().unwrap_err().0.ends_with(".auto"));
        let mut o = shipped();
        o.stuck_after_days = 0;
        assert_eq!(o.validate().unwrap_err().0, "stuck_after_days");
        let mut o = shipped();
        o.agreement_version = "v\u{0}".into();
        assert_eq!(o.validate().unwrap_err().0, "agreement_version");
        assert!(Onboarding::default().validate().is_ok());
    }

    #[test]
    fn an_unknown_fact_is_refused_when_parsed() {
        let e = toml::from_str::<Onboarding>(
            "agreement_version = \"1\"\nstuck_after_days = 3\n[[item]]\nkey = \"x\"\nlabel = \"X\"\nauto = \"moon_landing\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("moon_landing"), "{e}");
    }
}
