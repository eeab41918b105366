//! Filling a template from the wizard's answers, pure and deterministic: the
//! same answers and template always give the same text. A body's
//! `{{placeholder}}`s are replaced by the answers' values (plain text);
//! an unknown placeholder is left as written, so it stays visible. Every
//! rendered body is bounded ([`MAX_RENDERED`]). Also the Markdown export.

use crate::store::PlanSection;
use serde::{Deserialize, Serialize};

/// Longest rendered section body, characters (longer ends with "…").
pub const MAX_RENDERED: usize = 8000;

/// The fixed feature catalogue of the wizard: `(key, label)` in the order
/// a plan lists them.
pub const FEATURES: [(&str, &str); 10] = [
    ("ordering", "Online ordering"),
    ("bookings", "Bookings and appointments"),
    ("loyalty", "Loyalty rewards"),
    ("push", "Push notifications"),
    ("payments", "In-app payments"),
    ("reviews", "Reviews and ratings"),
    ("catalogue", "Product or menu catalogue"),
    ("memberships", "Memberships and subscriptions"),
    ("messaging", "Customer messaging"),
    ("analytics", "Analytics dashboard"),
];

/// The label of feature `key`, if it is in the catalogue.
pub fn feature_label(key: &str) -> Option<&'static str> {
    FEATURES.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

/// The wizard's answers, validated (see `input`), as stored with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Answers {
    pub client_name: String,
    /// The template's key.
    pub template: String,
    pub goals: String,
    #[serde(default)]
    pub audience: String,
    /// The logo's file id (decimal string), if one was uploaded.
    #[serde(default)]
    pub logo_file: Option<String>,
    #[serde(default)]
    pub colors: String,
    #[serde(default)]
    pub tone: String,
    /// Catalogue keys, in catalogue order, without repeats.
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub features_other: String,
}

/// What a template contributes to the placeholders.
pub struct TemplateInfo<'a> {
    pub name: &'a str,
    pub vertical: &'a str,
}

const NOT_GIVEN: &str = "(not given)";

fn or_not_given(s: &str) -> String {
    if s.trim().is_empty() {
        NOT_GIVEN.to_owned()
    } else {
        s.to_owned()
    }
}

/// The value of placeholder `name`, if it is a known one.
fn value(name: &str, a: &Answers, t: &TemplateInfo<'_>) -> Option<String> {
    let labels: Vec<&str> = a.features.iter().filter_map(|k| feature_label(k)).collect();
    Some(match name {
        "client.name" => a.client_name.clone(),
        "client.vertical" | "template.vertical" => t.vertical.to_owned(),
        "template.name" => t.name.to_owned(),
        "goals" => or_not_given(&a.goals),
        "audience" => or_not_given(&a.audience),
        "brand.colors" => or_not_given(&a.colors),
        "brand.tone" => or_not_given(&a.tone),
        "brand.logo" => match &a.logo_file {
            Some(id) => format!("logo provided (file {id})"),
            None => "no logo provided yet".to_owned(),
        },
        "features" => {
            let mut lines: Vec<String> = labels.iter().map(|l| format!("- {l}")).collect();
            if !a.features_other.trim().is_empty() {
                lines.push(format!("- Also: {}", a.features_other.trim()));
            }
            if lines.is_empty() {
                "(no features chosen yet)".to_owned()
            } else {
                lines.join("\n")
            }
        }
        "features.list" => {
            if labels.is_empty() {
                "(no features chosen yet)".to_owned()
            } else {
                labels.join(", ")
            }
        }
        "features.other" => or_not_given(&a.features_other),
        _ => return None,
    })
}

/// `s` cut to `max` characters, ending with "…" when cut.
pub fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `body` with its known placeholders replaced, bounded.
pub fn fill(body: &str, a: &Answers, t: &TemplateInfo<'_>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match value(name, a, t) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    bounded(&out, MAX_RENDERED)
}

/// A plan's sections from a template's: titles and bodies filled, every
/// section's source `template`.
pub fn render(template: &[PlanSection], a: &Answers, t: &TemplateInfo<'_>) -> Vec<PlanSection> {
    template
        .iter()
        .map(|s| PlanSection {
            title: bounded(&fill(&s.title, a, t), 200),
            body: fill(&s.body, a, t),
            narrative: s.narrative,
            source: "template".into(),
        })
        .collect()
}

/// What the Markdown export says about a plan besides its sections.
pub struct MarkdownHead<'a> {
    pub title: &'a str,
    pub client: &'a str,
    pub template: &'a str,
    pub status: &'a str,
    pub partner: &'a str,
}

/// The plan as a Markdown document: a title, a line of facts, then one
/// `##` heading per section with its body as written (plain text).
pub fn markdown(h: &MarkdownHead<'_>, sections: &[PlanSection]) -> String {
    let mut md = format!(
        "# {}\n\nClient: {} · Template: {} · Status: {} · Partner: {}\n",
        h.title, h.client, h.template, h.status, h.partner
    );
    for s in sections {
        md.push_str(&format!("\n## {}\n\n{}\n", s.title, s.body.trim_end()));
    }
    md
}

/// A file name for the export: `app-plan-<client slug>.md`.
pub fn markdown_filename(client: &str) -> String {
    let mut slug = String::new();
    for c in client.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "app-plan.md".to_owned()
    } else {
        format!("app-plan-{slug}.md")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers() -> Answers {
        Answers {
            client_name: "Harbor Gym".into(),
            template: "gym".into(),
            goals: "More members".into(),
            audience: String::new(),
            logo_file: Some("42".into()),
            colors: "navy, orange".into(),
            tone: "energetic".into(),
            features: vec!["bookings".into(), "push".into()],
            features_other: "class waitlists".into(),
        }
    }

    const T: TemplateInfo<'static> = TemplateInfo {
        name: "Gym",
        vertical: "fitness",
    };

    #[test]
    fn placeholders_are_filled_and_unknown_ones_stay_visible() {
        let a = answers();
        let out = fill(
            "{{client.name}} ({{ client.vertical }}) wants {{goals}} for {{audience}}; {{brand.colors}}, {{brand.logo}}. {{nope}} {{unclosed",
            &a,
            &T,
        );
        assert_eq!(
            out,
            "Harbor Gym (fitness) wants More members for (not given); navy, orange, logo provided (file 42). {{nope}} {{unclosed"
        );
        assert_eq!(
            fill("{{features}}", &a, &T),
            "- Bookings and appointments\n- Push notifications\n- Also: class waitlists"
        );
        assert_eq!(
            fill("{{features.list}}", &a, &T),
            "Bookings and appointments, Push notifications"
        );
    }

    #[test]
    fn rendering_is_deterministic_and_bounded() {
        let a = answers();
        let sections = vec![PlanSection {
            title: "For {{client.name}}".into(),
            body: "{{goals}} ".repeat(2000),
            narrative: true,
            source: String::new(),
        }];
        let one = render(&sections, &a, &T);
        assert_eq!(one, render(&sections, &a, &T));
        assert_eq!(one[0].title, "For Harbor Gym");
        assert_eq!(one[0].body.chars().count(), MAX_RENDERED);
        assert!(one[0].body.ends_with('…'));
        assert_eq!(one[0].source, "template");
        assert!(one[0].narrative);
    }

    #[test]
    fn markdown_has_a_title_and_a_heading_per_section() {
        let s = vec![PlanSection {
            title: "Goals".into(),
            body: "More members\n".into(),
            narrative: false,
            source: "template".into(),
        }];
        let md = markdown(
            &MarkdownHead {
                title: "Harbor Gym app",
                client: "Harbor Gym",
                template: "Gym",
                status: "draft",
                partner: "Ana",
            },
            &s,
        );
        assert!(md.starts_with("# Harbor Gym app\n"), "{md}");
        assert!(md.contains("\n## Goals\n\nMore members\n"), "{md}");
        assert_eq!(
            markdown_filename("Harbor Gym & Spa!"),
            "app-plan-harbor-gym-spa.md"
        );
        assert_eq!(markdown_filename("***"), "app-plan.md");
    }
}
