//! Plan templates: the curated list (`seed/plan_templates.toml`, written
//! into each tenant's table once per key), their validation, and the text
//! form staff edit sections in:
//!
//! ```text
//! ## Overview [narrative]
//! {{client.name}} is a … (body lines)
//!
//! ## Features
//! {{features}}
//! ```
//!
//! A line starting with `## ` opens a section; ` [narrative]` at its end
//! marks a section the language model may rewrite.

use super::input::{bad, text};
use crate::store::{NewPlanTemplate, PlanSection};
use arena_protocol::ErrorBody;
use serde::Deserialize;

/// Most templates a tenant holds (retired included).
pub const MAX_TEMPLATES: i64 = 50;
/// Most sections of a template.
pub const MAX_SECTIONS: usize = 12;
/// Longest section title, characters.
pub const MAX_SECTION_TITLE: usize = 120;
/// Longest section body in a template, characters.
pub const MAX_SECTION_BODY: usize = 4000;
/// Longest template name.
pub const MAX_NAME: usize = 80;
/// Longest vertical.
pub const MAX_VERTICAL: usize = 60;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 300;

const NARRATIVE_MARK: &str = "[narrative]";
const CURATED: &str = include_str!("../../seed/plan_templates.toml");

/// A template as the curated file or a staff member writes it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TemplateDraft {
    pub key: String,
    pub name: String,
    pub vertical: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "section")]
    pub sections: Vec<PlanSection>,
}

impl TemplateDraft {
    /// The row to write (`created_by` `None`: seeded).
    pub fn to_new(
        &self,
        position: i32,
        created_by: Option<crate::ids::UserId>,
    ) -> NewPlanTemplate<'_> {
        NewPlanTemplate {
            key: &self.key,
            name: &self.name,
            vertical: &self.vertical,
            description: &self.description,
            sections: &self.sections,
            position,
            created_by,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CuratedFile {
    template: Vec<TemplateDraft>,
}

/// The curated templates, validated. The file is part of the binary and
/// its unit test, so an error here is a build defect: it is logged and the
/// list is empty rather than a panic.
pub fn curated() -> Vec<TemplateDraft> {
    let parsed: Result<CuratedFile, String> = toml::from_str(CURATED).map_err(|e| e.to_string());
    match parsed.and_then(|f| {
        f.template
            .into_iter()
            .map(|t| validate(&t).map_err(|e| format!("{}: {}", t.key, e.message)))
            .collect::<Result<Vec<_>, String>>()
    }) {
        Ok(list) => list,
        Err(e) => {
            tracing::error!(error = %e, "seed/plan_templates.toml is invalid");
            Vec::new()
        }
    }
}

/// A key: 2..40 of `a-z`, `0-9` and `-`, starting with a letter or digit.
pub fn key(s: &str) -> Result<String, ErrorBody> {
    let s = s.trim();
    let ok = (2..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(bad(
            "key must be 2..40 characters of a-z, 0-9 and -, not starting with -",
        ))
    }
}

/// `t` trimmed and checked (key, bounded text, 1..12 sections).
pub fn validate(t: &TemplateDraft) -> Result<TemplateDraft, ErrorBody> {
    if t.sections.is_empty() || t.sections.len() > MAX_SECTIONS {
        return Err(bad(format!("a template has 1..{MAX_SECTIONS} sections")));
    }
    let mut sections = Vec::with_capacity(t.sections.len());
    for (i, s) in t.sections.iter().enumerate() {
        let n = i + 1;
        sections.push(PlanSection {
            title: text(
                &format!("section {n} title"),
                &s.title,
                1,
                MAX_SECTION_TITLE,
                false,
            )?,
            body: text(
                &format!("section {n} body"),
                &s.body,
                1,
                MAX_SECTION_BODY,
                true,
            )?,
            narrative: s.narrative,
            source: String::new(),
        });
    }
    Ok(TemplateDraft {
        key: key(&t.key)?,
        name: text("name", &t.name, 1, MAX_NAME, false)?,
        vertical: text("vertical", &t.vertical, 1, MAX_VERTICAL, false)?,
        description: text("description", &t.description, 0, MAX_DESCRIPTION, true)?,
        sections,
    })
}

/// Sections from the staff text form (see the module docs).
pub fn parse_sections(s: &str) -> Result<Vec<PlanSection>, ErrorBody> {
    let s = s.replace("\r\n", "\n");
    let mut out: Vec<PlanSection> = Vec::new();
    for line in s.lines() {
        if let Some(head) = line.strip_prefix("## ") {
            if out.len() == MAX_SECTIONS {
                return Err(bad(format!("a template has 1..{MAX_SECTIONS} sections")));
            }
            let head = head.trim();
            let (title, narrative) = match head.strip_suffix(NARRATIVE_MARK) {
                Some(t) => (t.trim(), true),
                None => (head, false),
            };
            out.push(PlanSection {
                title: title.to_owned(),
                body: String::new(),
                narrative,
                source: String::new(),
            });
        } else if let Some(cur) = out.last_mut() {
            cur.body.push_str(line);
            cur.body.push('\n');
        } else if !line.trim().is_empty() {
            return Err(bad(
                "sections: start each section with a line \"## Title\" (add [narrative] to let the assistant rewrite it)",
            ));
        }
    }
    if out.is_empty() {
        return Err(bad(
            "sections: write at least one section, starting with a line \"## Title\"",
        ));
    }
    Ok(out)
}

/// The staff text form of `sections`.
pub fn sections_text(sections: &[PlanSection]) -> String {
    let mut out = String::new();
    for (i, s) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("## ");
        out.push_str(&s.title);
        if s.narrative {
            out.push(' ');
            out.push_str(NARRATIVE_MARK);
        }
        out.push('\n');
        out.push_str(s.body.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curated_templates_are_valid_and_cover_the_verticals() {
        let file: CuratedFile = toml::from_str(CURATED).expect("plan_templates.toml parses");
        let list = curated();
        assert_eq!(list.len(), file.template.len());
        for k in ["restaurant", "gym", "retail", "salon", "clinic"] {
            let t = list.iter().find(|t| t.key == k).expect(k);
            assert!(
                t.sections.iter().any(|s| s.narrative),
                "{k} has a narrative section"
            );
            assert!(
                t.sections
                    .iter()
                    .any(|s| s.body.contains("{{client.name}}")),
                "{k} names the client"
            );
        }
    }

    #[test]
    fn the_text_form_round_trips() {
        let text = "## Overview [narrative]\n{{client.name}} wants more.\n\nSecond line.\n\n## Features\n{{features}}\n";
        let s = parse_sections(text).expect("parses");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].title, "Overview");
        assert!(s[0].narrative);
        assert!(!s[1].narrative);
        let again = parse_sections(&sections_text(&s)).expect("parses again");
        let trimmed = |v: &[PlanSection]| -> Vec<(String, String, bool)> {
            v.iter()
                .map(|x| (x.title.clone(), x.body.trim().to_owned(), x.narrative))
                .collect()
        };
        assert_eq!(trimmed(&again), trimmed(&s));
        assert!(parse_sections("no heading").is_err());
        assert!(parse_sections("").is_err());
    }

    #[test]
    fn keys_and_sizes_are_checked() {
        assert_eq!(key(" gym-2 ").expect("ok"), "gym-2");
        for k in ["G", "-gym", "gym shop", "gym_2", ""] {
            assert!(key(k).is_err(), "{k:?}");
        }
        let mut t = curated().remove(0);
        t.sections = Vec::new();
        assert!(validate(&t).is_err());
    }
}
