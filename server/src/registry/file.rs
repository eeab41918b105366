//! `channels.toml`: the registry file. Parsed with `deny_unknown_fields` and
//! validated so that a mistake stops the start with the key and the reason.

use super::permission::Principal;
use arena_protocol::model::ChannelKind;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// The whole file: categories in sidebar order, then channels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    pub category: Vec<CategoryEntry>,
    pub channel: Vec<ChannelEntry>,
}

/// `[[category]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryEntry {
    pub key: String,
    pub name: String,
}

/// `[[channel]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelEntry {
    pub key: String,
    pub category: String,
    pub kind: FileKind,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    /// Panel kind rendered by the domain actor (`<domain>.<name>`), panel channels only.
    #[serde(default)]
    pub panel: Option<String>,
    /// Explicit position in the category; default = order in the file.
    #[serde(default)]
    pub position: Option<i32>,
    #[serde(default = "everyone")]
    pub read: Vec<String>,
    #[serde(default = "everyone")]
    pub post: Vec<String>,
    #[serde(default)]
    pub slow_mode_s: u32,
}

fn everyone() -> Vec<String> {
    vec!["everyone".into()]
}

/// Channel kinds a registry file may declare (DMs are made at run time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Chat,
    Announcement,
    Feed,
    Panel,
}

impl FileKind {
    /// The wire kind.
    pub fn as_str(self) -> &'static str {
        self.wire().as_str()
    }

    /// The wire kind.
    pub fn wire(self) -> ChannelKind {
        match self {
            FileKind::Chat => ChannelKind::Chat,
            FileKind::Announcement => ChannelKind::Announcement,
            FileKind::Feed => ChannelKind::Feed,
            FileKind::Panel => ChannelKind::Panel,
        }
    }
}

/// Domains a channel may name (seeds/partnership-workspace-architecture.md §3).
pub const DOMAINS: [&str; 10] = [
    "communications",
    "activation",
    "client-exchange",
    "app-plans",
    "revenue",
    "enablement",
    "growth-hub",
    "community-insights",
    "support",
    "alliances",
];

/// Why the registry file was refused; `key` names the offending entry or field.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {reason}")]
    Parse { path: String, reason: String },
    #[error("{path}: `{key}`: {reason}")]
    Invalid {
        path: String,
        key: String,
        reason: String,
    },
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl RegistryFile {
    /// Reads, parses and validates the file.
    pub fn load(path: &Path) -> Result<RegistryFile, RegistryError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RegistryError::Read {
            path: p.clone(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &p)
    }

    /// Parses and validates `text`; `path` is used in errors only.
    pub fn parse(text: &str, path: &str) -> Result<RegistryFile, RegistryError> {
        let file: RegistryFile = toml::from_str(text).map_err(|e| RegistryError::Parse {
            path: path.into(),
            reason: e.to_string(),
        })?;
        file.validate(path)?;
        Ok(file)
    }

    fn validate(&self, path: &str) -> Result<(), RegistryError> {
        let bad = |key: String, reason: String| {
            Err(RegistryError::Invalid {
                path: path.into(),
                key,
                reason,
            })
        };
        let mut cats = HashSet::new();
        for c in &self.category {
            if !is_kebab(&c.key) {
                return bad(
                    format!("category.{}", c.key),
                    "key must be kebab-case".into(),
                );
            }
            if !cats.insert(c.key.as_str()) {
                return bad(
                    format!("category.{}", c.key),
                    "duplicate category key".into(),
                );
            }
        }
        let mut keys = HashSet::new();
        for c in &self.channel {
            let k = |field: &str| format!("channel.{}.{field}", c.key);
            if !is_kebab(&c.key) {
                return bad(k("key"), "key must be kebab-case".into());
            }
            if !keys.insert(c.key.as_str()) {
                return bad(k("key"), "duplicate channel key".into());
            }
            if !cats.contains(c.category.as_str()) {
                return bad(k("category"), format!("unknown category {:?}", c.category));
            }
            if let Some(d) = &c.domain {
                if !DOMAINS.contains(&d.as_str()) {
                    return bad(
                        k("domain"),
                        format!("unknown domain {d:?}; one of {DOMAINS:?}"),
                    );
                }
            }
            match (c.kind, &c.panel) {
                (FileKind::Panel, None) => {
                    return bad(k("panel"), "panel channels name their panel kind".into())
                }
                (FileKind::Panel, Some(_)) if c.domain.is_none() => {
                    return bad(
                        k("domain"),
                        "panel channels name their owning domain".into(),
                    )
                }
                (FileKind::Chat | FileKind::Announcement | FileKind::Feed, Some(_)) => {
                    return bad(
                        k("panel"),
                        "only kind = \"panel\" channels have a panel".into(),
                    )
                }
                _ => {}
            }
            for (field, rule) in [("read", &c.read), ("post", &c.post)] {
                if rule.is_empty() {
                    return bad(
                        k(field),
                        "an empty rule admits nobody; list at least one principal".into(),
                    );
                }
                if let Some(p) = rule.iter().find(|p| Principal::parse(p).is_none()) {
                    return bad(k(field), format!("unknown principal {p:?}"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_is_valid() {
        let f = RegistryFile::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../channels.toml"
        )));
        assert!(f.is_ok(), "{f:?}");
    }

    #[test]
    fn unknown_field_names_the_key() {
        let e = RegistryFile::parse(
            "[[category]]\nkey='a'\nname='A'\ncolour='red'\n[[channel]]\n",
            "x.toml",
        );
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn unknown_category_is_refused() {
        let t =
            "[[category]]\nkey='a'\nname='A'\n[[channel]]\nkey='x'\ncategory='b'\nkind='chat'\n";
        let msg = RegistryFile::parse(t, "x.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("channel.x.category"), "{msg}");
    }
}
